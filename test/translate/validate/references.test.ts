// The reference graph of one profile's resources: every dangling edge is reported with a path that
// names the resource and the field, and a message that names both ends.
import { describe, expect, it } from 'vitest';
import { pack } from '../../../src/protos.ts';
import { CLUSTER, ENDPOINT, HCM_TYPE, LISTENER, ROUTE, ROUTER_TYPE } from '../../../src/resource-types.ts';
import type { NamedResource, ResourceSet } from '../../../src/translate/resources.ts';
import { checkReferences } from '../../../src/translate/validate/index.ts';

const ads = { ads: {}, resource_api_version: 'V3' };
const named = (name: string, message: object): NamedResource => ({ name, message });
const edsCluster = (name: string, serviceName = '') =>
  named(name, { name, type: 'EDS', eds_cluster_config: { eds_config: ads, service_name: serviceName } });
const cla = (name: string) => named(name, { cluster_name: name, endpoints: [] });
const hcm = (spec: object) =>
  pack(HCM_TYPE, {
    stat_prefix: 's',
    http_filters: [{ name: 'router', typed_config: pack(ROUTER_TYPE, {}) }],
    ...spec,
  });
const rds = (name: string) => ({ rds: { config_source: ads, route_config_name: name } });
const routeConfig = (name: string, ...routes: object[]) =>
  named(name, { name, virtual_hosts: [{ name: 'all', domains: ['*'], routes }] });

function set(parts: Partial<Record<keyof ResourceSet, readonly NamedResource[]>>): ResourceSet {
  return { [CLUSTER]: [], [ENDPOINT]: [], [LISTENER]: [], [ROUTE]: [], ...parts } as ResourceSet;
}

const consistent = set({
  [CLUSTER]: [edsCluster('api'), edsCluster('web', 'web-eds')],
  [ENDPOINT]: [cla('api'), cla('web-eds')],
  [LISTENER]: [
    named('edge', {
      name: 'edge',
      filter_chains: [{ filters: [{ name: 'hcm', typed_config: hcm(rds('edge-routes')) }] }],
    }),
    named('api', { name: 'api', api_listener: { api_listener: hcm(rds('api')) } }),
  ],
  [ROUTE]: [
    routeConfig('edge-routes', { name: 'r1', match: { prefix: '/' }, route: { cluster: 'api' } }),
    routeConfig('api', {
      name: 'split',
      match: { prefix: '/' },
      route: {
        weighted_clusters: {
          clusters: [
            { name: 'api', weight: { value: 1 } },
            { name: 'web', weight: { value: 1 } },
          ],
        },
      },
    }),
  ],
});

describe('checkReferences', () => {
  it('accepts a consistent set', () => {
    expect(checkReferences(consistent)).toEqual([]);
  });

  it('reports a route to an unknown cluster, plain and weighted', () => {
    const s = set({
      ...consistent,
      [ROUTE]: [
        routeConfig('edge-routes', { name: 'api', match: { prefix: '/' }, route: { cluster: 'billing' } }),
        routeConfig('api', {
          name: 'split',
          match: { prefix: '/' },
          route: { weighted_clusters: { clusters: [{ name: 'api' }, { name: 'ghost' }] } },
        }),
      ],
    });
    expect(checkReferences(s, 'edge')).toEqual([
      {
        code: 'REFERENCE_DANGLING',
        severity: 'error',
        path: 'edge RouteConfiguration "edge-routes" virtual_hosts[0].routes[0].route.cluster',
        message: 'route "api" in RouteConfiguration "edge-routes" references unknown cluster "billing"',
      },
      {
        code: 'REFERENCE_DANGLING',
        severity: 'error',
        path: 'edge RouteConfiguration "api" virtual_hosts[0].routes[0].route.weighted_clusters.clusters[1].name',
        message: 'route "split" in RouteConfiguration "api" references unknown cluster "ghost"',
      },
    ]);
  });

  it('reports an EDS cluster without a ClusterLoadAssignment, by service_name or cluster name', () => {
    const s = set({ ...consistent, [ENDPOINT]: [cla('web')] });
    const found = checkReferences(s);
    expect(found.map((d) => [d.path, d.message])).toEqual([
      [
        'Cluster "api" eds_cluster_config',
        'EDS cluster "api" has no ClusterLoadAssignment "api"; it would stay warming',
      ],
      [
        'Cluster "web" eds_cluster_config',
        'EDS cluster "web" has no ClusterLoadAssignment "web-eds"; it would stay warming',
      ],
    ]);
    expect(found.every((d) => d.code === 'REFERENCE_DANGLING')).toBe(true);
  });

  it('ignores clusters that are not EDS', () => {
    const s = set({ [CLUSTER]: [named('dns', { name: 'dns', type: 'STRICT_DNS' })] });
    expect(checkReferences(s)).toEqual([]);
  });

  it('reports listeners naming a missing RouteConfiguration, in filter chains and api_listener', () => {
    const s = set({ ...consistent, [ROUTE]: [] });
    expect(checkReferences(s, 'grpc').map((d) => [d.code, d.path, d.message])).toEqual([
      [
        'REFERENCE_DANGLING',
        'grpc Listener "edge" filter_chains[0].filters[0].typed_config.rds.route_config_name',
        'listener "edge" references unknown RouteConfiguration "edge-routes"',
      ],
      [
        'REFERENCE_DANGLING',
        'grpc Listener "api" api_listener.api_listener.rds.route_config_name',
        'listener "api" references unknown RouteConfiguration "api"',
      ],
    ]);
  });

  it('checks the clusters of an inline route_config', () => {
    const inline = {
      route_config: {
        name: 'inline',
        virtual_hosts: [
          { name: 'v', domains: ['*'], routes: [{ name: 'x', match: { prefix: '/' }, route: { cluster: 'nope' } }] },
        ],
      },
    };
    const s = set({ [LISTENER]: [named('l', { name: 'l', api_listener: { api_listener: hcm(inline) } })] });
    expect(checkReferences(s).map((d) => d.path)).toEqual([
      'Listener "l" api_listener.api_listener.route_config.virtual_hosts[0].routes[0].route.cluster',
    ]);
  });

  it('checks the clusters an HCM calls gRPC services through: the ext_authz filter and the tracer', () => {
    const grpcService = (cluster: string) => ({ grpc_service: { envoy_grpc: { cluster_name: cluster } } });
    const spec = pack(HCM_TYPE, {
      stat_prefix: 's',
      route_config: { name: 'inline', virtual_hosts: [] },
      http_filters: [
        {
          name: 'envoy.filters.http.ext_authz',
          typed_config: pack('envoy.extensions.filters.http.ext_authz.v3.ExtAuthz', grpcService('authz')),
        },
        { name: 'router', typed_config: pack(ROUTER_TYPE, {}) },
      ],
      tracing: {
        provider: {
          name: 'envoy.tracers.opentelemetry',
          typed_config: pack('envoy.config.trace.v3.OpenTelemetryConfig', grpcService('otel')),
        },
      },
    });
    const listener = named('l', { name: 'l', filter_chains: [{ filters: [{ name: 'hcm', typed_config: spec }] }] });
    const at = 'Listener "l" filter_chains[0].filters[0].typed_config.';
    expect(checkReferences(set({ [LISTENER]: [listener] })).map((d) => [d.path, d.message])).toEqual([
      [
        `${at}http_filters[0].typed_config.grpc_service.envoy_grpc.cluster_name`,
        'listener "l" calls a gRPC service through unknown cluster "authz"',
      ],
      [
        `${at}tracing.provider.typed_config.grpc_service.envoy_grpc.cluster_name`,
        'listener "l" calls a gRPC service through unknown cluster "otel"',
      ],
    ]);
    const both = [named('authz', { name: 'authz' }), named('otel', { name: 'otel' })];
    expect(checkReferences(set({ [LISTENER]: [listener], [CLUSTER]: both }))).toEqual([]);
  });
});
