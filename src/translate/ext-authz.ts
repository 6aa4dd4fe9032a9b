// The ext_authz wiring of the edge: the HTTP filter (first in the chain, failing closed), the
// cluster that reaches Gatehouse's Check service, and the per-route settings that tell the Check
// service which policy entry and which policy version the matched route was built from.

import { toDuration } from '../config/index.ts';
import type { Cluster as EnvoyCluster } from '../generated/envoy/config/cluster/v3/Cluster.ts';
import type { ExtAuthz } from '../generated/envoy/extensions/filters/http/ext_authz/v3/ExtAuthz.ts';
import type { ExtAuthzPerRoute } from '../generated/envoy/extensions/filters/http/ext_authz/v3/ExtAuthzPerRoute.ts';
import type { HttpFilter } from '../generated/envoy/extensions/filters/network/http_connection_manager/v3/HttpFilter.ts';
import type { EdgeAuth } from '../model/index.ts';
import { names } from '../model/index.ts';
import { type AnyMessage, pack } from '../protos.ts';
import { addressCluster } from './address-cluster.ts';

const EXT_AUTHZ_TYPE = 'envoy.extensions.filters.http.ext_authz.v3.ExtAuthz';
const EXT_AUTHZ_PER_ROUTE_TYPE = 'envoy.extensions.filters.http.ext_authz.v3.ExtAuthzPerRoute';

/** The filter name, also the key of its per-route config. */
export const EXT_AUTHZ_FILTER = 'envoy.filters.http.ext_authz';

/** The ext_authz HTTP filter calling Gatehouse over gRPC; never allows on failure. */
export function extAuthzFilter(a: EdgeAuth): HttpFilter {
  const config: ExtAuthz = {
    grpc_service: { envoy_grpc: { cluster_name: names.AUTHZ_CLUSTER }, timeout: toDuration(a.timeoutMs) },
    transport_api_version: 'V3',
    // An outage must not open the doors; 503 tells an outage apart from a denial (authz.md c.3).
    failure_mode_allow: false,
    status_on_error: { code: 'ServiceUnavailable' },
    // Raw header map: no comma-merging ambiguity between Envoy and the Check service.
    encode_raw_headers: true,
    // Refuse header mutations that are not valid HTTP instead of forwarding them.
    validate_mutations: true,
    // If someone disables the filter at runtime, deny rather than let everything through.
    deny_at_disable: { default_value: { value: true }, runtime_key: 'gatehouse.ext_authz.deny_at_disable' },
    stat_prefix: 'gatehouse',
  };
  return { name: EXT_AUTHZ_FILTER, typed_config: pack(EXT_AUTHZ_TYPE, config) };
}

/** Per-route ext_authz settings: disabled for `auth: none`, else the route's policy key and version. */
export function extAuthzPerRoute(policyKey: string, checked: boolean, a: EdgeAuth): Record<string, AnyMessage> {
  const perRoute: ExtAuthzPerRoute = checked
    ? {
        check_settings: {
          context_extensions: {
            [names.POLICY_KEY_EXTENSION]: policyKey,
            [names.POLICY_VERSION_EXTENSION]: a.policyVersion,
          },
        },
      }
    : { disabled: true };
  return { [EXT_AUTHZ_FILTER]: pack(EXT_AUTHZ_PER_ROUTE_TYPE, perRoute) };
}

/** The cluster Envoy reaches the Check service through (HTTP/2, one address). */
export function authzCluster(a: EdgeAuth): EnvoyCluster {
  return addressCluster(names.AUTHZ_CLUSTER, a.host, a.port, true);
}
