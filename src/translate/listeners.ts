// Listener: the edge HTTP listener (HCM, routes over RDS) and one api_listener per service for
// proxyless gRPC clients (`xds:///<service>`).
import type { Listener } from '../generated/envoy/config/listener/v3/Listener.ts';
import type { HttpConnectionManager } from '../generated/envoy/extensions/filters/network/http_connection_manager/v3/HttpConnectionManager.ts';
import type { EdgeAuth, GrpcTarget, HttpListener, Observability } from '../model/index.ts';
import { pack } from '../protos.ts';
import { HCM_TYPE } from '../resource-types.ts';
import { hcmObservability } from './hcm-observability.ts';
import { httpFilters } from './http-filters.ts';

function rds(routeConfigName: string): HttpConnectionManager['rds'] {
  return { config_source: { ads: {}, resource_api_version: 'V3' }, route_config_name: routeConfigName };
}

/** The filter chain of a listener whose only network filter is this HTTP connection manager. */
export function hcmFilterChain(hcm: HttpConnectionManager): NonNullable<Listener['filter_chains']>[number] {
  return { filters: [{ name: 'envoy.filters.network.http_connection_manager', typed_config: pack(HCM_TYPE, hcm) }] };
}

/** The edge listener: one HTTP connection manager that fetches its routes over RDS. */
export function translateEdgeListener(l: HttpListener, auth?: EdgeAuth, o?: Observability): Listener {
  const hcm: HttpConnectionManager = {
    stat_prefix: 'edge_http',
    codec_type: 'AUTO',
    rds: rds(l.routeConfigName),
    http_filters: httpFilters(auth),
    // Route and authorize on the same, normalised path.
    normalize_path: { value: true },
    merge_slashes: true,
    path_with_escaped_slashes_action: 'UNESCAPE_AND_REDIRECT',
    use_remote_address: { value: true },
    ...hcmObservability(o, { authz: auth !== undefined, serviceName: o?.tracing?.edgeServiceName ?? '' }),
  };
  return {
    name: l.name,
    address: { socket_address: { address: l.address, port_value: l.port } },
    filter_chains: [hcmFilterChain(hcm)],
  };
}

/** A proxyless gRPC client's listener: an api_listener holding only what that client supports. */
export function translateGrpcListener(t: GrpcTarget): Listener {
  const hcm: HttpConnectionManager = {
    stat_prefix: t.service,
    rds: rds(t.routeConfigName),
    http_filters: httpFilters(),
  };
  return { name: t.listenerName, api_listener: { api_listener: pack(HCM_TYPE, hcm) } };
}
