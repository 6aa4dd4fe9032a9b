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
