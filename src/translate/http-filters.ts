// The HTTP filter chain of every connection manager. The router is always last.
import type { HttpFilter } from '../generated/envoy/extensions/filters/network/http_connection_manager/v3/HttpFilter.ts';
import { pack } from '../protos.ts';
import { ROUTER_TYPE } from '../resource-types.ts';

/** The filter chain, in order. */
export function httpFilters(): HttpFilter[] {
  return [{ name: 'envoy.filters.http.router', typed_config: pack(ROUTER_TYPE, {}) }];
}
