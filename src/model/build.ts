// build(catalog, policy) -> { model, diagnostics }. Pure: no I/O, no clock, sorted output, and bad
// input becomes a diagnostic instead of an exception.
import { type Diagnostic, warning } from '../errors.ts';
import { type AuthTarget, edgeAuth, markChecked } from './build-auth.ts';
import { buildClusters } from './build-clusters.ts';
import { buildGrpcTargets, buildRoutes, groupVirtualHosts, metadataRoutes } from './build-routes.ts';
import { buildSidecarHosts, buildSidecars } from './build-sidecars.ts';
import { AUTHZ_CLUSTER, EDGE_LISTENER, EDGE_ROUTES, OTEL_COLLECTOR_CLUSTER } from './names.ts';
import { type ServiceDefaults, serviceDefaults } from './service-defaults.ts';
import type { Catalog, Model, Observability, Policy } from './types.ts';

/** The outcome of a build: a model (always, best effort) and every problem found. */
export interface BuildResult {
  readonly model: Model;
  readonly diagnostics: readonly Diagnostic[];
}

const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** Inputs of a build beyond catalog and policy. */
export interface BuildOptions {
  /** Where the edge reaches the Check service; with an auth section, turns ext_authz on. */
  readonly authz?: AuthTarget | undefined;
  /** What the Envoys report (from the settings); carried to translate as is. */
  readonly observability?: Observability | undefined;
}

/** Cluster names Gatehouse gives its own clusters; a service of that name would collide with them. */
const RESERVED: ReadonlySet<string> = new Set([AUTHZ_CLUSTER, OTEL_COLLECTOR_CLUSTER]);

/**
 * True (with a warning) for a service named like one of Gatehouse's own clusters. A warning, not an
 * error: one oddly named Consul service must not stop the fleet's updates; it is left out instead.
 */
function reserved(name: string, source: 'catalog' | 'policy', diagnostics: Diagnostic[]): boolean {
  if (!RESERVED.has(name)) return false;
  diagnostics.push(
    warning(
      'MODEL_INVALID',
      `${source}.services.${name}`,
      `service "${name}" has the name of a cluster Gatehouse sends itself; it is left out (rename it)`,
    ),
  );
  return true;
}

/** Builds the model from the latest catalog and policy. */
export function build(catalog: Catalog, policy: Policy, options: BuildOptions = {}): BuildResult {
  const diagnostics: Diagnostic[] = [];
  const serviceNames = [...new Set([...Object.keys(catalog.services), ...Object.keys(policy.services)])]
    .filter((name) => !reserved(name, name in catalog.services ? 'catalog' : 'policy', diagnostics))
    .sort(compare);
  for (const name of Object.keys(policy.services)) {
    if (!(name in catalog.services)) {
      diagnostics.push(
        warning(
          'MODEL_INVALID',
          `policy.services.${name}`,
          `service "${name}" has policy but no catalog entry; it gets no endpoints`,
        ),
      );
    }
  }
  const defaults = new Map<string, ServiceDefaults>(
    serviceNames.map((s) => [s, serviceDefaults(s, catalog.services[s], diagnostics)]),
  );
  const set = buildClusters(catalog, policy, serviceNames, defaults, diagnostics);
  const policyRoutes = buildRoutes(policy, set, diagnostics);
  const routes = markChecked([...policyRoutes, ...metadataRoutes(defaults, policyRoutes, policy)], policy);
  const auth = edgeAuth(policy, options.authz);
  const grpcTargets = buildGrpcTargets(serviceNames, routes, policy);
  const sidecarHosts = buildSidecarHosts(grpcTargets);
  return {
    model: {
      edgeListener: {
        name: EDGE_LISTENER,
        address: policy.listener.address,
        port: policy.listener.port,
        routeConfigName: EDGE_ROUTES,
      },
      edgeVirtualHosts: groupVirtualHosts(routes, diagnostics),
      clusters: [...set.clusters].sort((a, b) => compare(a.name, b.name)),
      assignments: [...set.assignments].sort((a, b) => compare(a.clusterName, b.clusterName)),
      grpcTargets,
      sidecars: buildSidecars(catalog, policy, serviceNames, set.clusters, sidecarHosts, diagnostics),
      sidecarHosts,
      ...(auth && { edgeAuth: auth }),
      ...(options.observability && { observability: options.observability }),
    },
    diagnostics,
  };
}
