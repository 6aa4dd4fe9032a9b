// Deterministic names shared by translate, authz and the debug views. Changing one renames a
// resource on every node, so these are part of Gatehouse's external contract.

/** The edge HTTP listener. */
export const EDGE_LISTENER = 'edge-http';
/** The edge RouteConfiguration the edge listener fetches over RDS. */
export const EDGE_ROUTES = 'edge-routes';

/** The Envoy cluster (and ClusterLoadAssignment) of a service, or of one subset of it. */
export function clusterName(service: string, subset?: string): string {
  return subset === undefined ? service : `${service}/${subset}`;
}

/** The LDS name a proxyless gRPC client asks for when it dials `xds:///<service>`. */
export function grpcListenerName(service: string): string {
  return service;
}

/** The RouteConfiguration behind a proxyless gRPC listener. */
export function grpcRouteConfigName(service: string): string {
  return `grpc/${service}`;
}

/** The policy key of a route: the handle ext_authz receives in context_extensions. */
export function routePolicyKey(routeName: string): string {
  return `route/${routeName}`;
}

/** The virtual host holding routes that share a domain list. */
export function virtualHostName(domains: readonly string[]): string {
  return domains.length === 1 && domains[0] === '*' ? 'any' : domains.join(',');
}

/** A sidecar's listener for traffic to its local app (the same name in every sidecar's view). */
export const SIDECAR_INBOUND = 'sidecar-inbound';
/** A sidecar's listener, and its RouteConfiguration, for the local app's outgoing calls. */
export const SIDECAR_OUTBOUND = 'sidecar-outbound';

/**
 * The cluster of a sidecar's local app. "|" cannot occur in a service or subset name, so it never
 * collides with an upstream cluster in the same view.
 */
export function localAppClusterName(appPort: number): string {
  return `local-app|${appPort}`;
}

/** The cluster through which Envoy reaches Gatehouse's ext_authz Check service. */
export const AUTHZ_CLUSTER = 'gatehouse-authz';
/** context_extensions key carrying the route's policy key (`route/<name>`); read by authz. */
export const POLICY_KEY_EXTENSION = 'gatehouse.policy_key';
/** context_extensions key carrying the policy version the route was built from; read by authz. */
export const POLICY_VERSION_EXTENSION = 'gatehouse.policy_version';
/** The route added last to every edge host when auth is on, so every request gets a Check. */
export const CATCH_ALL_ROUTE = '_catch-all';

/** The cluster through which Envoy exports trace spans to the OpenTelemetry collector. */
export const OTEL_COLLECTOR_CLUSTER = 'gatehouse-otel-collector';
/** The listener on every Envoy exposing only its admin's /stats/prometheus. */
export const STATS_LISTENER = 'gatehouse-stats';
/**
 * The cluster of an Envoy's own admin (loopback), reached only by the stats listener. Named by
 * address: a sidecar's view holds the edge's clusters too, so the edge's admin (9901) and the
 * sidecar's (15000) need different names; one address, one name, one content.
 */
export function envoyAdminClusterName(host: string, port: number): string {
  return `gatehouse-envoy-admin|${host}:${port}`;
}
