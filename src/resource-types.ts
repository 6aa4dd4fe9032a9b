// Type URLs and well-known names, in one place (go-control-plane's `resource`/`wellknown`).

export const LISTENER = 'type.googleapis.com/envoy.config.listener.v3.Listener';
export const ROUTE = 'type.googleapis.com/envoy.config.route.v3.RouteConfiguration';
export const CLUSTER = 'type.googleapis.com/envoy.config.cluster.v3.Cluster';
export const ENDPOINT = 'type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment';

/** The xDS resource types Gatehouse serves. */
export type TypeUrl = typeof LISTENER | typeof ROUTE | typeof CLUSTER | typeof ENDPOINT;

/** Make-before-break push order: clusters, then their endpoints, then listeners, then routes. */
export const PUSH_ORDER: readonly TypeUrl[] = [CLUSTER, ENDPOINT, LISTENER, ROUTE];

/** SotW types whose responses carry the complete state: a missing resource is a deletion. */
export const FULL_STATE_TYPES: ReadonlySet<string> = new Set([LISTENER, CLUSTER]);

/** Short names for logs, metrics and debug views. */
export const SHORT_NAME: Readonly<Record<TypeUrl, string>> = {
  [LISTENER]: 'lds',
  [ROUTE]: 'rds',
  [CLUSTER]: 'cds',
  [ENDPOINT]: 'eds',
};

/** The protobuf message name behind a type URL. */
export function messageName(typeUrl: string): string {
  return typeUrl.slice(typeUrl.lastIndexOf('/') + 1);
}

export const HCM_TYPE = 'envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager';
export const ROUTER_TYPE = 'envoy.extensions.filters.http.router.v3.Router';
export const HTTP_PROTOCOL_OPTIONS_TYPE = 'envoy.extensions.upstreams.http.v3.HttpProtocolOptions';
