// RouteConfiguration: virtual hosts and routes, in policy order inside each host.

import type { HeaderMatcher } from '../generated/envoy/config/route/v3/HeaderMatcher.ts';
import type { Route as EnvoyRoute } from '../generated/envoy/config/route/v3/Route.ts';
import type { RouteConfiguration } from '../generated/envoy/config/route/v3/RouteConfiguration.ts';
import type { RouteMatch } from '../generated/envoy/config/route/v3/RouteMatch.ts';
import { type EdgeAuth, names, type Route, type VirtualHost } from '../model/index.ts';
import { extAuthzPerRoute } from './ext-authz.ts';
import type { Flavor } from './resources.ts';
import { routeAction } from './route-action.ts';

function headerMatcher(h: Route['headers'][number]): HeaderMatcher {
  const base = { name: h.name, invert_match: h.invert };
  switch (h.kind) {
    case 'present':
      return { ...base, present_match: true };
    case 'exact':
      return { ...base, string_match: { exact: h.value } };
    case 'prefix':
      return { ...base, string_match: { prefix: h.value } };
    case 'regex':
      return { ...base, string_match: { safe_regex: { regex: h.value } } };
  }
}

function routeMatch(r: Route): RouteMatch {
  const headers = r.headers.map(headerMatcher);
  if (r.methods.length > 0) {
    headers.push({
      name: ':method',
      string_match:
        r.methods.length === 1 ? { exact: r.methods[0] } : { safe_regex: { regex: `^(${r.methods.join('|')})$` } },
    });
  }
  const path =
    r.path.kind === 'prefix'
      ? { prefix: r.path.value }
      : r.path.kind === 'path'
        ? { path: r.path.value }
        : { safe_regex: { regex: r.path.value } };
  return { ...path, ...(headers.length > 0 ? { headers } : {}) };
}

function translateRoute(r: Route, profile: Flavor): EnvoyRoute {
  return { name: r.name, match: routeMatch(r), route: routeAction(r, profile) };
}

/** A RouteConfiguration holding the given virtual hosts. */
export function translateRouteConfiguration(
  name: string,
  hosts: readonly VirtualHost[],
  profile: Flavor,
  auth?: EdgeAuth,
): RouteConfiguration {
  // With auth (edge only): each route carries its ext_authz settings, and every host ends with a
  // checked catch-all (404), plus a catch-all host when none matches "*", so no request reaches
  // Envoy's "no route" path without a Check (authz.md c.3).
  const all =
    auth && !hosts.some((h) => h.domains.includes('*'))
      ? [...hosts, { name: 'catch-all', domains: ['*'], routes: [] }]
      : hosts;
  const closing: EnvoyRoute[] = auth
    ? [
        {
          name: names.CATCH_ALL_ROUTE,
          match: { prefix: '/' },
          direct_response: { status: 404 },
          typed_per_filter_config: extAuthzPerRoute(names.routePolicyKey(names.CATCH_ALL_ROUTE), true, auth),
        },
      ]
    : [];
  const route = (r: Route): EnvoyRoute =>
    auth
      ? {
          ...translateRoute(r, profile),
          typed_per_filter_config: extAuthzPerRoute(r.policyKey, r.authChecked === true, auth),
        }
      : translateRoute(r, profile);
  return {
    name,
    virtual_hosts: all.map((h) => ({
      name: h.name,
      domains: [...h.domains],
      routes: [...h.routes.map(route), ...closing],
    })),
  };
}
