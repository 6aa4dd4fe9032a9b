// Validation covers sidecar views: their own resources pass Envoy's rules, and their reference
// graph (own resources over the edge clusters they may use) is checked, each problem reported
// under the sidecar's profile key.
import { describe, expect, it } from 'vitest';
import { parseCatalog, parsePolicy } from '../../../src/config/index.ts';
import { build } from '../../../src/model/index.ts';
import { LISTENER } from '../../../src/resource-types.ts';
import type { SidecarSet, Translation } from '../../../src/translate/resources.ts';
import { translate } from '../../../src/translate/translate.ts';
import { validateTranslation } from '../../../src/translate/validate/index.ts';

function translated(): Translation {
  const catalog = parseCatalog(`services:
  web: { instances: [{ address: 10.0.0.1, port: 8080 }] }
  api: { instances: [{ address: 10.0.0.2, port: 8080 }] }
  db: { instances: [{ address: 10.0.0.3, port: 5432 }] }
`);
  const policy = parsePolicy('services:\n  web: { sidecar: { upstreams: [api] } }\n');
  if (!catalog.ok || !policy.ok) throw new Error('fixture invalid');
  return translate(build(catalog.value, policy.value).model);
}

const withSidecars = (t: Translation, f: (s: SidecarSet) => SidecarSet): Translation => ({
  ...t,
  sidecars: t.sidecars!.map(f),
});

describe('sidecar validation', () => {
  it('finds nothing wrong in the sidecars translate produces', () => {
    const t = translated();
    expect(t.sidecars!.map((s) => [s.service, s.clusters])).toEqual([
      ['api', undefined],
      ['db', undefined],
      ['web', ['api']],
    ]);
    expect(validateTranslation(t)).toEqual([]);
  });

  it('reports outbound routes to a cluster outside the sidecar view, and an upstream the edge lacks', () => {
    const t = withSidecars(translated(), (s) => (s.clusters ? { ...s, clusters: ['ghost'] } : s));
    expect(validateTranslation(t).map((d) => [d.code, d.path])).toEqual([
      ['REFERENCE_DANGLING', 'sidecar/web upstreams'],
      [
        'REFERENCE_DANGLING',
        'sidecar/web RouteConfiguration "sidecar-outbound" virtual_hosts[0].routes[0].route.cluster',
      ],
    ]);
  });

  it('reports a broken resource shared by several sidecars once per sidecar holding it', () => {
    const t = translated();
    const inbound = t.sidecars![0]!.own[LISTENER][0]!;
    const broken = {
      ...inbound,
      message: { ...inbound.message, address: { socket_address: { address: '0.0.0.0', port_value: 70000 } } },
    };
    // api and web share the inbound listener (same ports); db's differs (app port 5432).
    const shared = withSidecars(t, (s) =>
      s.own[LISTENER][0] === inbound
        ? { ...s, own: { ...s.own, [LISTENER]: [broken, ...s.own[LISTENER].slice(1)] } }
        : s,
    );
    const found = validateTranslation(shared);
    expect(found.every((d) => d.code === 'RESOURCE_INVALID')).toBe(true);
    expect(found.map((d) => d.path.split(' ')[0])).toEqual(['sidecar/api', 'sidecar/web']);
    expect(found[0]!.path).toBe('sidecar/api Listener "sidecar-inbound" address.socket_address.port_value');
  });
});
