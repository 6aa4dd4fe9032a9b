// The reference graph inside one profile's resource set: routes name clusters, EDS clusters need a
// ClusterLoadAssignment, listeners using RDS name a RouteConfiguration, and the gRPC services a
// connection manager calls (the ext_authz filter, the OpenTelemetry tracer) name clusters. Envoy accepts each
// resource alone and then fails at runtime (503 "no cluster", a cluster stuck warming, a listener
// never ready), so this is the check PGV rules cannot make.
import { type Diagnostic, problem } from '../../errors.ts';
import { unpack } from '../../protos.ts';
import { CLUSTER, ENDPOINT, HCM_TYPE, LISTENER, ROUTE } from '../../resource-types.ts';
import type { ResourceSet } from '../resources.ts';

type Obj = Record<string, unknown>;

const obj = (v: unknown): Obj | undefined => (v && typeof v === 'object' ? (v as Obj) : undefined);
const list = (v: unknown): Obj[] => (Array.isArray(v) ? (v as Obj[]) : []);
const str = (v: unknown): string => (typeof v === 'string' ? v : '');

/** A set of names as the checks use it: membership only. */
interface Names {
  has(name: string): boolean;
}

const either = (a: Names, b: Names | undefined): Names => (b ? { has: (n) => a.has(n) || b.has(n) } : a);

/** Names a set may reference without holding them: a sidecar's view adds the edge's clusters. */
export interface SharedNames {
  readonly clusters: Names;
  readonly assignments: Names;
}

/** The clusters a route action sends to: `cluster` and every `weighted_clusters` entry. */
function routeTargets(action: Obj): { cluster: string; where: string }[] {
  const out: { cluster: string; where: string }[] = [];
  if (str(action.cluster)) out.push({ cluster: str(action.cluster), where: 'route.cluster' });
  list(obj(action.weighted_clusters)?.clusters).forEach((w, k) => {
    out.push({ cluster: str(w.name), where: `route.weighted_clusters.clusters[${k}].name` });
  });
  return out;
}

function checkRoutes(config: Obj, owner: string, at: string, clusters: Names, out: Diagnostic[]): void {
  list(config.virtual_hosts).forEach((vh, i) => {
    list(vh.routes).forEach((route, j) => {
      const action = obj(route.route);
      if (!action) return;
      for (const { cluster, where } of routeTargets(action)) {
        if (clusters.has(cluster)) continue;
        const routeName = str(route.name) || `virtual_hosts[${i}].routes[${j}]`;
        out.push(
          problem(
            'REFERENCE_DANGLING',
            `${at}virtual_hosts[${i}].routes[${j}].${where}`,
            `route "${routeName}" in ${owner} references unknown cluster "${cluster}"`,
          ),
        );
      }
    });
  });
}

/** An Any of a known type, unpacked; undefined for anything else. */
function unpacked(any: unknown): Obj | undefined {
  const a = obj(any);
  if (!a || !str(a.type_url) || !(a.value instanceof Uint8Array)) return undefined;
  try {
    return unpack(a as { type_url: string; value: Uint8Array });
  } catch {
    return undefined; // a type outside the loaded protos: PGV validation reports it
  }
}

/** The clusters an HCM's gRPC services dial: each HTTP filter's and the tracer's `envoy_grpc`. */
function grpcServiceTargets(hcm: Obj): { cluster: string; where: string }[] {
  const out: { cluster: string; where: string }[] = [];
  const target = (config: Obj | undefined, where: string) => {
    const name = str(obj(obj(config?.grpc_service)?.envoy_grpc)?.cluster_name);
    if (name) out.push({ cluster: name, where: `${where}.grpc_service.envoy_grpc.cluster_name` });
  };
  list(hcm.http_filters).forEach((f, i) => {
    target(unpacked(f.typed_config), `http_filters[${i}].typed_config`);
  });
  target(unpacked(obj(obj(hcm.tracing)?.provider)?.typed_config), 'tracing.provider.typed_config');
  return out;
}

// Decoding a listener's HCMs is the costly part; listener messages reused between builds (the
// fast lane) are decoded once.
type DecodedHcm = { hcm: Obj; where: string; grpcTargets: { cluster: string; where: string }[] };
const hcmMemo = new WeakMap<object, DecodedHcm[]>();

/** Every HCM of a listener with where it sits: filter chains, the default chain, the api_listener. */
function connectionManagers(listener: Obj): DecodedHcm[] {
  let found = hcmMemo.get(listener);
  if (!found) {
    found = decodeConnectionManagers(listener);
    hcmMemo.set(listener, found);
  }
  return found;
}

function decodeConnectionManagers(listener: Obj): DecodedHcm[] {
  const found: { any: unknown; where: string }[] = [];
  const chains = list(listener.filter_chains).map((c, i) => ({ chain: c, where: `filter_chains[${i}]` }));
  const fallback = obj(listener.default_filter_chain);
  if (fallback) chains.push({ chain: fallback, where: 'default_filter_chain' });
  for (const { chain, where } of chains) {
    list(chain.filters).forEach((f, j) => {
      found.push({ any: f.typed_config, where: `${where}.filters[${j}].typed_config` });
    });
  }
  const api = obj(listener.api_listener);
  if (api) found.push({ any: api.api_listener, where: 'api_listener.api_listener' });
  const out: DecodedHcm[] = [];
  for (const { any, where } of found) {
    const hcm = str(obj(any)?.type_url).endsWith(`/${HCM_TYPE}`) ? unpacked(any) : undefined;
    if (hcm) out.push({ hcm, where, grpcTargets: grpcServiceTargets(hcm) });
  }
  return out;
}

/**
 * Every broken reference in `set`; `label` (e.g. the profile) starts each path. `shared` are names
 * the node also holds from elsewhere (a sidecar view over the edge's clusters and endpoints).
 */
export function checkReferences(set: ResourceSet, label = '', shared?: SharedNames): Diagnostic[] {
  const out: Diagnostic[] = [];
  const lead = label ? `${label} ` : '';
  const clusters = either(new Set(set[CLUSTER].map((r) => r.name)), shared?.clusters);
  const assignments = either(new Set(set[ENDPOINT].map((r) => r.name)), shared?.assignments);
  const routeConfigs = new Set(set[ROUTE].map((r) => r.name));

  for (const r of set[ROUTE]) {
    const owner = `RouteConfiguration "${r.name}"`;
    checkRoutes(r.message as Obj, owner, `${lead}${owner} `, clusters, out);
  }
  for (const r of set[CLUSTER]) {
    const c = r.message as Obj;
    if (c.type !== 'EDS' && c.type !== 3) continue;
    // Envoy asks EDS for the service_name when set, else for the cluster's own name.
    const service = str(obj(c.eds_cluster_config)?.service_name) || r.name;
    if (assignments.has(service)) continue;
    out.push(
      problem(
        'REFERENCE_DANGLING',
        `${lead}Cluster "${r.name}" eds_cluster_config`,
        `EDS cluster "${r.name}" has no ClusterLoadAssignment "${service}"; it would stay warming`,
      ),
    );
  }
  for (const r of set[LISTENER]) {
    const owner = `Listener "${r.name}"`;
    for (const { hcm, where, grpcTargets } of connectionManagers(r.message as Obj)) {
      for (const t of grpcTargets) {
        if (clusters.has(t.cluster)) continue;
        out.push(
          problem(
            'REFERENCE_DANGLING',
            `${lead}${owner} ${where}.${t.where}`,
            `listener "${r.name}" calls a gRPC service through unknown cluster "${t.cluster}"`,
          ),
        );
      }
      const rds = obj(hcm.rds);
      const name = str(rds?.route_config_name);
      if (rds && !routeConfigs.has(name)) {
        out.push(
          problem(
            'REFERENCE_DANGLING',
            `${lead}${owner} ${where}.rds.route_config_name`,
            `listener "${r.name}" references unknown RouteConfiguration "${name}"`,
          ),
        );
      }
      const inline = obj(hcm.route_config);
      if (inline) checkRoutes(inline, owner, `${lead}${owner} ${where}.route_config.`, clusters, out);
    }
  }
  return out;
}
