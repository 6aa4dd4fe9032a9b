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
  it('leaves out a service named like a cluster of Gatehouse’s own, with a warning naming it', () => {
    const catalog = `services:
  web: { instances: [{ address: 10.0.0.1, port: 80 }] }
  gatehouse-authz:
    instances: [{ address: 10.0.0.9, port: 18001 }]
    metadata: { gatehouse-route: /authz/ }
  gatehouse-otel-collector: { instances: [{ address: 10.0.0.8, port: 4317 }] }
`;
    const r = parse(catalog, '');
    expect(r.model.clusters.map((c) => c.name)).toEqual(['web']);
    expect(r.model.edgeVirtualHosts.flatMap((h) => h.routes.map((x) => x.name))).toEqual([]);
    expect(r.diagnostics.map((d) => [d.severity, d.path])).toEqual([
      ['warning', 'catalog.services.gatehouse-authz'],
      ['warning', 'catalog.services.gatehouse-otel-collector'],
    ]);
    expect(r.diagnostics[0]!.message).toContain('"gatehouse-authz"');
  });

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

describe('model build: subsets, splits, failover', () => {
  const SUBSETS = `services:
  web:
    subsets:
      v1: { metadata: { version: v1 } }
      v2: { tags: [canary] }
`;
  const CAT = `services:
  web:
    instances:
      - { address: 10.0.0.1, port: 80, metadata: { version: v1 } }
      - { address: 10.0.0.2, port: 80, tags: [canary] }
`;

  it('gives each declared subset its own cluster with only its instances', () => {
    const r = parse(CAT, SUBSETS);
    expect(r.diagnostics).toEqual([]);
    expect(r.model.clusters.map((c) => c.name)).toEqual(['web', 'web/v1', 'web/v2']);
    const v2 = r.model.assignments.find((a) => a.clusterName === 'web/v2')!;
    expect(v2.localities.flatMap((l) => l.endpoints.map((e) => e.address))).toEqual(['10.0.0.2']);
  });

  it('reports a route to an unknown subset, a split naming a cluster twice, and all-zero weights', () => {
    const r = parse(
      CAT,
      `${SUBSETS}routes:
  - { name: a, service: web, subset: v3, match: { prefix: / } }
  - { name: b, service: web, match: { prefix: / }, split: [{ subset: v1, weight: 1 }, { subset: v1, weight: 2 }] }
`,
    );
    expect(r.diagnostics.map((d) => [d.path, d.message])).toEqual([
      ['policy.routes[0].subset', 'route "a" references unknown subset "v3" of service "web"'],
      ['policy.routes[1].split[1]', 'route "b" splits to "web/v1" twice'],
    ]);
    const zero = parsePolicy('routes:\n  - { name: z, service: web, match: { prefix: / }, split: [{ weight: 0 }] }\n');
    expect(zero.ok).toBe(false);
  });

  it('turns a split into weighted clusters', () => {
    const r = parse(
      CAT,
      `${SUBSETS}routes:\n  - { name: s, service: web, match: { prefix: / }, split: [{ subset: v1, weight: 90 }, { subset: v2, weight: 10 }] }\n`,
    );
    expect(r.model.edgeVirtualHosts[0]!.routes[0]!.destination).toEqual({
      weighted: [
        { cluster: 'web/v1', weight: 90 },
        { cluster: 'web/v2', weight: 10 },
      ],
    });
  });

  it('places failover datacenters at priorities in policy order and drops unlisted ones', () => {
    const r = parse(
      `datacenter: dc1
services:
  web:
    instances:
      - { address: 10.0.0.1, port: 80 }
      - { address: 10.0.0.2, port: 80, datacenter: dc2 }
      - { address: 10.0.0.3, port: 80, datacenter: dc3 }
      - { address: 10.0.0.4, port: 80, datacenter: dc9 }
`,
      'services:\n  web: { failover: [dc3, dc2] }\n',
    );
    const web = r.model.assignments.find((a) => a.clusterName === 'web')!;
    expect(web.localities.map((l) => [l.priority, l.endpoints[0]!.address])).toEqual([
      [0, '10.0.0.1'],
      [1, '10.0.0.3'],
      [2, '10.0.0.2'],
    ]);
  });
});

describe('model build: service metadata defaults', () => {
  it('routes a self-described service with no policy, and the policy overrides its metadata', () => {
    const r = parse(
      `services:
  orders:
    metadata: { gatehouse-route: /orders/, gatehouse-lb-policy: maglev }
    instances: [{ address: 10.0.0.1, port: 80 }]
  billing:
    metadata: { gatehouse-route: /billing/, gatehouse-lb-policy: maglev }
    instances: [{ address: 10.0.0.2, port: 80 }]
`,
      'services:\n  billing: { lbPolicy: random }\nroutes:\n  - { name: b, service: billing, match: { prefix: /v2/ } }\n',
    );
    expect(r.diagnostics).toEqual([]);
    const routes = r.model.edgeVirtualHosts[0]!.routes.map((x) => [x.name, x.path.value]);
    expect(routes).toEqual([
      ['b', '/v2/'],
      ['meta:orders', '/orders/'],
    ]);
    expect(r.model.clusters.map((c) => [c.name, c.lbPolicy])).toEqual([
      ['billing', 'random'],
      ['orders', 'maglev'],
    ]);
  });

  it('a bad metadata value is a warning naming service, key and value, and is ignored', () => {
    const r = parse(
      'services:\n  orders:\n    metadata: { gatehouse-lb-policy: fastest, gatehouse-route: orders }\n    instances: [{ address: 10.0.0.1, port: 80 }]\n',
      '{}',
    );
    expect(r.diagnostics.map((d) => [d.severity, d.path, d.message])).toEqual([
      ['warning', 'catalog.services.orders.metadata.gatehouse-lb-policy', expect.stringContaining('(got "fastest")')],
      ['warning', 'catalog.services.orders.metadata.gatehouse-route', expect.stringContaining('(got "orders")')],
    ]);
    expect(r.model.clusters[0]!.lbPolicy).toBe('round_robin');
  });
});
