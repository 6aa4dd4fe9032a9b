// Every Envoy bootstrap in the repository (envoy/*.yaml and the compose copies in deploy/compose/;
// found by glob, so a new one is covered) is a valid Bootstrap under Envoy's own proto rules. The
// compose copies are their envoy/ originals with only the documented substitutions: the xDS
// cluster dials gatehouse:18000 as STRICT_DNS, and a sidecar's node names its service.
import { globSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { decode, encode } from '../../src/protos.ts';
import { nodeProfile } from '../../src/snapshot/index.ts';
import { fromEnvoyJson } from '../../src/translate/config-dump.ts';
import { validateEncoded } from '../../src/translate/validate/index.ts';
import { loadCompose, ROOT, volumeParts } from './compose-file.ts';

const BOOTSTRAP = 'envoy.config.bootstrap.v3.Bootstrap';

// biome-ignore lint/suspicious/noExplicitAny: bootstrap trees are edited field by field
type Obj = Record<string, any>;

const load = (file: string): Obj => parse(readFileSync(path.join(ROOT, file), 'utf8'));
const violations = (json: unknown) => validateEncoded(BOOTSTRAP, encode(BOOTSTRAP, fromEnvoyJson(BOOTSTRAP, json)));

const BOOTSTRAPS = globSync(['envoy/*.yaml', 'deploy/compose/*envoy*.yaml'], { cwd: ROOT }).sort();

/** How a compose bootstrap is derived from its original: the xDS server, and the sidecar's service. */
interface Derivation {
  readonly from: string;
  readonly sidecarOf?: string;
}

const DERIVED: Record<string, Derivation> = {
  'deploy/compose/envoy-edge.yaml': { from: 'envoy/edge.yaml' },
  'deploy/compose/envoy-sidecar-demo-http.yaml': { from: 'envoy/sidecar.yaml', sidecarOf: 'demo-http' },
  'deploy/compose/envoy-sidecar-demo-grpc.yaml': { from: 'envoy/sidecar.yaml', sidecarOf: 'demo-grpc' },
};

/** The documented substitutions, applied to a parsed original. */
function derive(original: Obj, d: Derivation): Obj {
  const b = structuredClone(original);
  const xds = b.static_resources.clusters.find((c: Obj) => c.name === 'gatehouse_xds');
  // Inside compose Gatehouse is a DNS name, not a loopback address.
  xds.type = 'STRICT_DNS';
  xds.load_assignment.endpoints[0].lb_endpoints[0].endpoint.address.socket_address = {
    address: 'gatehouse',
    port_value: 18000,
  };
  if (d.sidecarOf) {
    b.node.id = `sidecar-${d.sidecarOf}`;
    b.node.cluster = d.sidecarOf;
    b.node.metadata['gatehouse.service'] = d.sidecarOf;
  }
  return b;
}

it('finds the bootstraps: envoy/ and the compose copies', () => {
  expect(BOOTSTRAPS).toEqual(
    expect.arrayContaining(['envoy/edge.yaml', 'envoy/sidecar.yaml', ...Object.keys(DERIVED)]),
  );
});

describe.each(BOOTSTRAPS)('%s', (file) => {
  it('is a valid Bootstrap with no PGV violations', () => {
    expect(violations(load(file))).toEqual([]);
  });

  it('keeps its admin on loopback (the stats listener is what Prometheus scrapes)', () => {
    expect(load(file).admin.address.socket_address.address).toBe('127.0.0.1');
  });

  it('is rejected when its xDS cluster has a zero connect timeout', () => {
    const broken = load(file);
    broken.static_resources.clusters[0].connect_timeout = '0s';
    expect(violations(broken).map((v) => [v.path, v.rule])).toEqual([
      ['static_resources.clusters[0].connect_timeout', 'duration.gt'],
    ]);
  });
});

describe.each(BOOTSTRAPS.filter((f) => f.startsWith('deploy/')))('%s', (file) => {
  const derivation = DERIVED[file];

  it('says which envoy/ original it derives from', () => {
    expect(derivation, `add ${file} to DERIVED with its original and substitutions`).toBeDefined();
  });

  it('equals its original except for exactly the documented substitutions', () => {
    expect(load(file)).toEqual(derive(load(derivation!.from), derivation!));
  });

  it('the comparison notices any other difference', () => {
    const changed = load(file);
    changed.admin.address.socket_address.port_value += 1;
    expect(changed).not.toEqual(derive(load(derivation!.from), derivation!));
  });
});

describe('the Envoys in docker-compose.yml', () => {
  const compose = loadCompose();
  const envoys = Object.entries(compose.services).filter(([, s]) => s.image?.startsWith('envoyproxy/envoy:'));

  it.each(envoys)('%s runs a compose bootstrap and gets the profile its role needs', (name, s) => {
    const mount = (s.volumes ?? []).map(volumeParts).find((v) => v.target === s.command![s.command!.indexOf('-c') + 1]);
    const file = mount!.source.replace(/^\.\//, '');
    expect(Object.keys(DERIVED)).toContain(file);
    const bootstrap = load(file);
    // --service-node overrides node.id, as Envoy's command line does.
    const i = s.command!.indexOf('--service-node');
    if (i >= 0) bootstrap.node.id = s.command![i + 1];
    const node = decode<Obj>(BOOTSTRAP, encode(BOOTSTRAP, fromEnvoyJson(BOOTSTRAP, bootstrap))).node;
    const chosen = nodeProfile(node);
    const sidecarOf = DERIVED[file]!.sidecarOf;
    expect(chosen).toEqual({ profile: sidecarOf ? `sidecar/${sidecarOf}` : 'edge' });
    if (sidecarOf) {
      const app = s.network_mode!.slice('service:'.length);
      expect(compose.services[app]!.environment!.SERVICE_NAME, name).toBe(sidecarOf);
      expect(node.id).toBe(`sidecar-${app}`);
    }
  });
});
