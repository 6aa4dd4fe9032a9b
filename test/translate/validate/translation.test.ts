// Everything translate produces for realistic catalogs and policies passes Envoy's PGV rules and
// the reference checks; a policy that yields an invalid resource is reported per profile with the
// resource and field in the path.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseCatalog, parsePolicy } from '../../../src/config/index.ts';
import { build } from '../../../src/model/index.ts';
import { CLUSTER, ENDPOINT, LISTENER, ROUTE } from '../../../src/resource-types.ts';
import type { ResourceSet, Translation } from '../../../src/translate/resources.ts';
import { translate } from '../../../src/translate/translate.ts';
import { validateTranslation } from '../../../src/translate/validate/index.ts';

function translated(catalogText: string, policyText: string): Translation {
  const catalog = parseCatalog(catalogText);
  const policy = parsePolicy(policyText);
  if (!catalog.ok || !policy.ok) throw new Error('fixture invalid');
  const built = build(catalog.value, policy.value);
  expect(built.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  return translate(built.model);
}

const CATALOG = `services:
  web:
    instances:
      - { address: 10.0.0.1, port: 8080, weight: 2, locality: { region: eu, zone: a } }
      - { address: 10.0.0.2, port: 8080, health: draining, locality: { region: eu, zone: b } }
      - { address: "fd00::7", port: 8080, health: unknown }
  greeter:
    instances:
      - { address: 10.0.1.1, port: 50051, weight: 128 }
      - { address: 10.0.1.2, port: 50051, health: unhealthy }
  billing:
    instances: [{ address: 10.0.2.1, port: 65535 }]
  reports: {}
`;

const POLICY = `listener: { address: "::", port: 8443 }
services:
  web: { lbPolicy: least_request, connectTimeout: 250ms }
  greeter: { protocol: grpc, lbPolicy: ring_hash, connectTimeout: 2s }
  billing: { protocol: http2, lbPolicy: maglev }
  reports: { lbPolicy: random }
routes:
  - name: greeter-canary
    domains: [greeter]
    match: { prefix: /, headers: [{ name: x-canary, exact: "true" }] }
    service: billing
    timeout: 1500ms
  - name: admin
    domains: [api.example.com, "*.api.example.com"]
    match:
      path: /admin
      methods: [POST, PUT, DELETE]
      headers:
        - { name: X-Role, regex: "^(ops|admin)$" }
        - { name: x-debug, present: true, invert: true }
        - { name: x-tenant, prefix: acme- }
    service: billing
    timeout: 2s
  - name: reports
    domains: [api.example.com, "*.api.example.com"]
    match: { regex: "^/reports/[0-9]+$", methods: [GET] }
    service: reports
    prefixRewrite: /
  - name: greeter
    match: { prefix: /helloworld.Greeter/ }
    service: greeter
    timeout: 5s
  - name: web
    match: { prefix: / }
    service: web
    timeout: 15s
`;

const GOLDEN = path.join(import.meta.dirname, '..', 'golden');
const CONFIG = path.join(import.meta.dirname, '..', '..', '..', 'config');

describe('validateTranslation', () => {
  it('finds nothing wrong in a translation using every feature of the policy', () => {
    const t = translated(CATALOG, POLICY);
    expect(t.edge[CLUSTER]).toHaveLength(4);
    expect(t.grpc[LISTENER]).toHaveLength(4);
    expect(validateTranslation(t)).toEqual([]);
  });

  it('finds nothing wrong in the shipped config and the golden cases', () => {
    const dirs = [
      CONFIG,
      ...readdirSync(GOLDEN, { withFileTypes: true })
        .filter((d) => d.isDirectory())
        .map((d) => path.join(GOLDEN, d.name)),
    ];
    expect(dirs.length).toBeGreaterThan(1);
    for (const dir of dirs) {
      const t = translated(
        readFileSync(path.join(dir, 'catalog.yaml'), 'utf8'),
        readFileSync(path.join(dir, 'policy.yaml'), 'utf8'),
      );
      expect({ dir, diagnostics: validateTranslation(t) }).toEqual({ dir, diagnostics: [] });
    }
  });

  it('reports a policy that yields a zero connect timeout, once per profile', () => {
    const t = translated(CATALOG, POLICY.replace('connectTimeout: 2s', 'connectTimeout: 0s'));
    expect(validateTranslation(t)).toEqual([
      {
        code: 'RESOURCE_INVALID',
        severity: 'error',
        path: 'edge Cluster "greeter" connect_timeout',
        message: 'connect_timeout: value must be greater than 0s (duration.gt, got 0s)',
      },
      {
        code: 'RESOURCE_INVALID',
        severity: 'error',
        path: 'grpc Cluster "greeter" connect_timeout',
        message: 'connect_timeout: value must be greater than 0s (duration.gt, got 0s)',
      },
    ]);
  });

  it('reports a shared invalid object in every profile that holds it', () => {
    const shared = {
      name: 'api',
      message: {
        cluster_name: 'api',
        endpoints: [
          { lb_endpoints: [{ endpoint: { address: { socket_address: { address: '10.0.0.1', port_value: 70000 } } } }] },
        ],
      },
    };
    const cluster = {
      name: 'api',
      message: {
        name: 'api',
        type: 'EDS',
        eds_cluster_config: { eds_config: { ads: {} } },
        connect_timeout: { seconds: 1 },
      },
    };
    const set: ResourceSet = { [CLUSTER]: [cluster], [ENDPOINT]: [shared], [LISTENER]: [], [ROUTE]: [] };
    const found = validateTranslation({ edge: set, grpc: set });
    expect(found.map((d) => d.path)).toEqual([
      'edge ClusterLoadAssignment "api" endpoints[0].lb_endpoints[0].endpoint.address.socket_address.port_value',
      'grpc ClusterLoadAssignment "api" endpoints[0].lb_endpoints[0].endpoint.address.socket_address.port_value',
    ]);
  });

  it('reports dangling references and resource names that do not match the message', () => {
    const t = translated(CATALOG, POLICY);
    const edge: ResourceSet = {
      ...t.edge,
      [ENDPOINT]: t.edge[ENDPOINT].filter((r) => r.name !== 'web'),
      [CLUSTER]: [...t.edge[CLUSTER], { name: 'renamed', message: { ...(t.edge[CLUSTER][0]?.message ?? {}) } }],
    };
    const found = validateTranslation({ ...t, edge });
    expect(found.map((d) => [d.code, d.path])).toEqual([
      ['RESOURCE_INVALID', 'edge Cluster "renamed"'],
      ['REFERENCE_DANGLING', 'edge Cluster "web" eds_cluster_config'],
      ['REFERENCE_DANGLING', 'edge Cluster "renamed" eds_cluster_config'],
    ]);
  });
});
