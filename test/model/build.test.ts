// The model builder turns cross-reference mistakes into diagnostics and never throws.
import { describe, expect, it } from 'vitest';
import { parseCatalog, parsePolicy } from '../../src/config/index.ts';
import { build } from '../../src/model/index.ts';

function parse(catalog: string, policy: string) {
  const c = parseCatalog(catalog);
  const p = parsePolicy(policy);
  if (!c.ok || !p.ok) throw new Error('fixture invalid');
  return build(c.value, p.value);
}

const CATALOG = `services:
  web:
    instances:
      - { address: 10.0.0.2, port: 80, locality: { region: b } }
      - { address: 10.0.0.1, port: 80, locality: { region: a } }
  api: {}
`;

describe('model build', () => {
  it('reports a dangling route target, naming route and service', () => {
    const r = parse(CATALOG, 'routes:\n  - { name: r1, service: billing, match: { prefix: / } }\n');
    expect(r.diagnostics).toEqual([
      expect.objectContaining({
        code: 'MODEL_INVALID',
        severity: 'error',
        path: 'policy.routes[0].service',
        message: 'route "r1" references unknown service "billing"',
      }),
    ]);
  });

  it('reports duplicate route names and duplicate instances', () => {
    const r = parse(
      'services:\n  web:\n    instances:\n      - { address: 10.0.0.1, port: 80 }\n      - { address: 10.0.0.1, port: 80 }\n',
      'routes:\n  - { name: r, service: web, match: { prefix: / } }\n  - { name: r, service: web, match: { prefix: /x } }\n',
    );
    expect(r.diagnostics.map((d) => d.path).sort()).toEqual([
      'catalog.services.web.instances[1]',
      'policy.routes[1].name',
    ]);
  });

  it('reports one domain used by two different domain lists', () => {
    const r = parse(
      CATALOG,
      'routes:\n  - { name: a, domains: [x.com], service: web, match: { prefix: / } }\n  - { name: b, domains: [x.com, y.com], service: web, match: { prefix: / } }\n',
    );
    expect(r.diagnostics).toHaveLength(1);
    expect(r.diagnostics[0]!.message).toContain('domain "x.com"');
  });

  it('warns about policy for a service the catalog does not have, and still gives it a cluster', () => {
    const r = parse(CATALOG, 'services:\n  ghost: {}\n');
    expect(r.diagnostics).toEqual([expect.objectContaining({ severity: 'warning', path: 'policy.services.ghost' })]);
    expect(r.model.clusters.map((c) => c.name)).toEqual(['api', 'ghost', 'web']);
    expect(r.model.assignments.find((a) => a.clusterName === 'ghost')!.localities).toEqual([]);
  });

  it('sorts everything: clusters, localities, endpoints', () => {
    const r = parse(CATALOG, '{}');
    const web = r.model.assignments.find((a) => a.clusterName === 'web')!;
    expect(web.localities.map((l) => l.region)).toEqual(['a', 'b']);
  });

  it('keeps route order inside a virtual host (first match wins)', () => {
    const r = parse(
      CATALOG,
      'routes:\n  - { name: z, service: web, match: { prefix: /z } }\n  - { name: a, service: api, match: { prefix: / } }\n',
    );
    expect(r.model.edgeVirtualHosts[0]!.routes.map((x) => x.name)).toEqual(['z', 'a']);
  });
});
