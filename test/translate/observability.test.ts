// Observability in the resources Gatehouse sends (settings `observability`): which connection
// managers carry access logs, request ids and tracing, where the stats listener goes, and the
// one-address clusters (Check service, collector, admin) that must be STRICT_DNS for host names.
// The full shapes are held by the golden cases `observability` and `sidecar-default`.
import { describe, expect, it } from 'vitest';
import { compile } from '../../src/compile.ts';
import { type ObservabilityTarget, parseCatalog, parsePolicy } from '../../src/config/index.ts';
import { CLUSTER, LISTENER } from '../../src/resource-types.ts';
import { configDump } from '../../src/snapshot/index.ts';
import { addressCluster } from '../../src/translate/address-cluster.ts';
import type { Profile } from '../../src/translate/resources.ts';

// biome-ignore lint/suspicious/noExplicitAny: config dumps are deep, untyped JSON
type Obj = Record<string, any>;

const ALL_ON: ObservabilityTarget = {
  accessLog: true,
  requestId: true,
  tracing: { collector: { host: 'otel', port: 4317 }, samplingPercent: 10, edgeServiceName: 'edge' },
  stats: {
    edge: { listen: { host: '0.0.0.0', port: 9102 }, admin: { host: '127.0.0.1', port: 9901 } },
    sidecar: { listen: { host: '0.0.0.0', port: 15090 }, admin: { host: '127.0.0.1', port: 15000 } },
  },
};

function compiled(observability?: ObservabilityTarget, authzHost = '127.0.0.1') {
  const catalog = parseCatalog('services:\n  web: { instances: [{ address: 10.0.0.1, port: 8080 }] }\n');
  const policy = parsePolicy(`services:
  web: { sidecar: {} }
routes:
  - { name: web, domains: ["*"], match: { prefix: / }, service: web }
auth:
  defaults: { auth: none }
`);
  if (!catalog.ok || !policy.ok) throw new Error('fixture invalid');
  const c = compile(catalog.value, policy.value, {
    authz: { host: authzHost, port: 18001, timeoutMs: 250 },
    observability,
  });
  expect(c.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  return c.snapshot!;
}

type Snap = ReturnType<typeof compiled>;
const names = (m: ReadonlyMap<string, unknown>) => [...m.keys()];
/** A profile's clusters as Envoy's config dump shows them (decoded from the bytes sent), by name. */
function clusters(snapshot: Snap, profile: Profile): Record<string, Obj> {
  const dump = configDump(snapshot, profile)!.configs as Obj[];
  return Object.fromEntries(dump[0]!.dynamic_active_clusters.map((c: Obj) => [c.cluster.name, c.cluster]));
}
/** The connection managers of a profile's listeners, by listener name (inline or api_listener). */
function hcms(snapshot: Snap, profile: Profile): Record<string, Obj> {
  const dump = configDump(snapshot, profile)!.configs as Obj[];
  const out: Record<string, Obj> = {};
  for (const d of dump[2]!.dynamic_listeners) {
    const l = d.active_state.listener;
    out[d.name] = l.api_listener?.api_listener ?? l.filter_chains[0].filters[0].typed_config;
  }
  return out;
}

describe('observability in translated resources', () => {
  it('edge: access log with the authz decision, request ids, tracing; a stats listener to the admin', () => {
    const s = compiled(ALL_ON);
    const edge = hcms(s, 'edge');
    expect(Object.keys(edge)).toEqual(['edge-http', 'gatehouse-stats']);
    const hcm = edge['edge-http']!;
    const fields = hcm.access_log[0].typed_config.log_format.json_format;
    expect(fields.authz_result).toBe('%DYNAMIC_METADATA(envoy.filters.http.ext_authz:result)%');
    expect(fields.policy_version).toBe('%DYNAMIC_METADATA(envoy.filters.http.ext_authz:policy_version)%');
    expect(fields.request_id).toBe('%REQ(X-REQUEST-ID)%');
    expect(hcm.generate_request_id).toBe(true);
    expect(hcm.always_set_request_id_in_response).toBe(true);
    expect(hcm.tracing.random_sampling).toEqual({ value: 10 });
    expect(hcm.tracing.provider.typed_config.service_name).toBe('edge');
    // Scrapes are not logged, and the stats listener reaches only the admin's /stats/prometheus.
    const stats = edge['gatehouse-stats']!;
    expect(stats.access_log).toBeUndefined();
    const routes = stats.route_config.virtual_hosts[0].routes;
    expect(routes[0].match.path).toBe('/stats/prometheus');
    expect(routes[0].route.cluster).toBe('gatehouse-envoy-admin|127.0.0.1:9901');
    expect(routes[1].direct_response.status).toBe(404);
    expect(names(s.view('edge')![CLUSTER].entries)).toEqual(
      expect.arrayContaining(['gatehouse-envoy-admin|127.0.0.1:9901', 'gatehouse-otel-collector']),
    );
  });

  it('sidecar: its listeners log (without authz fields) and trace under its service name', () => {
    const s = compiled(ALL_ON);
    const side = hcms(s, 'sidecar/web');
    expect(Object.keys(side)).toEqual(['gatehouse-stats', 'sidecar-inbound', 'sidecar-outbound']);
    for (const l of ['sidecar-inbound', 'sidecar-outbound']) {
      const fields = side[l]!.access_log[0].typed_config.log_format.json_format;
      expect(fields.authz_result, l).toBeUndefined();
      expect(side[l]!.tracing.provider.typed_config.service_name, l).toBe('web');
    }
    expect(side['gatehouse-stats']!.route_config.virtual_hosts[0].routes[0].route.cluster).toBe(
      'gatehouse-envoy-admin|127.0.0.1:15000',
    );
    const clusters = names(s.view('sidecar/web')![CLUSTER].entries);
    expect(clusters).toContain('gatehouse-envoy-admin|127.0.0.1:15000');
    // The edge's own clusters are not the sidecar's to see.
    expect(clusters).not.toContain('gatehouse-envoy-admin|127.0.0.1:9901');
    expect(clusters).not.toContain('gatehouse-authz');
    expect(new Set(clusters).size).toBe(clusters.length);
  });

  it('proxyless gRPC clients get none of it, whatever the settings', () => {
    const on = compiled(ALL_ON);
    const off = compiled(undefined);
    expect(on.view('grpc')![LISTENER].version).toBe(off.view('grpc')![LISTENER].version);
    expect(on.view('grpc')![CLUSTER].version).toBe(off.view('grpc')![CLUSTER].version);
  });

  it('switched off: no access log, no tracing, no stats listener, and request ids not generated', () => {
    const s = compiled({ accessLog: false, requestId: false });
    const edge = hcms(s, 'edge');
    expect(Object.keys(edge)).toEqual(['edge-http']);
    expect(edge['edge-http']!.access_log).toBeUndefined();
    expect(edge['edge-http']!.tracing).toBeUndefined();
    expect(edge['edge-http']!.generate_request_id).toBe(false);
    expect(names(s.view('edge')![CLUSTER].entries)).not.toContain('gatehouse-otel-collector');
  });
});

describe('one-address clusters', () => {
  it('an IP literal (v4 or v6) is STATIC, a host name STRICT_DNS preferring IPv4', () => {
    expect(addressCluster('a', '10.0.0.1', 1, false)).toMatchObject({ type: 'STATIC' });
    expect(addressCluster('a', '::1', 1, false)).toMatchObject({ type: 'STATIC' });
    expect(addressCluster('a', '10.0.0.1', 1, false).dns_lookup_family).toBeUndefined();
    expect(addressCluster('a', 'otel-collector', 1, true)).toMatchObject({
      type: 'STRICT_DNS',
      dns_lookup_family: 'V4_PREFERRED',
    });
  });

  it('the Check service advertised by name (compose, Kubernetes) gets a STRICT_DNS cluster', () => {
    // Envoy rejects a STATIC cluster whose address is a name; Gatehouse's proto rules cannot see it.
    const authz = clusters(compiled(undefined, 'gatehouse'), 'edge')['gatehouse-authz']!;
    expect(authz.type).toBe('STRICT_DNS');
    expect(authz.load_assignment.endpoints[0].lb_endpoints[0].endpoint.address.socket_address.address).toBe(
      'gatehouse',
    );
  });
});
