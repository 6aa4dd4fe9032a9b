// The HTTP filter chain of every connection manager. The router is always last.
import type { HttpFilter } from '../generated/envoy/extensions/filters/network/http_connection_manager/v3/HttpFilter.ts';
import type { EdgeAuth } from '../model/index.ts';
import { pack } from '../protos.ts';
import { ROUTER_TYPE } from '../resource-types.ts';
import { extAuthzFilter } from './ext-authz.ts';

/** The filter chain, in order: ext_authz first when auth is on (nothing runs before the check), router last. */
export function httpFilters(auth?: EdgeAuth): HttpFilter[] {
  const router = { name: 'envoy.filters.http.router', typed_config: pack(ROUTER_TYPE, {}) };
  return auth ? [extAuthzFilter(auth), router] : [router];
}
