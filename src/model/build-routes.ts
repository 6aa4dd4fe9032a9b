// Routes, virtual hosts and proxyless-gRPC targets. Route order inside a host is policy order.
import type { RoutePolicy } from '../config/index.ts';
import { type Diagnostic, problem } from '../errors.ts';
import type { ClusterSet } from './build-clusters.ts';
import { clusterName, grpcListenerName, grpcRouteConfigName, routePolicyKey, virtualHostName } from './names.ts';
import type { ServiceDefaults } from './service-defaults.ts';
import type { GrpcTarget, HeaderMatch, PathMatch, Policy, Route, VirtualHost, WeightedCluster } from './types.ts';

const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** A route with the domains it is served on. */
export interface PlacedRoute {
  readonly route: Route;
  readonly domains: readonly string[];
}

/** Checks and converts every policy route; bad references become diagnostics and the route is dropped. */
export function buildRoutes(policy: Policy, set: ClusterSet, diagnostics: Diagnostic[]): PlacedRoute[] {
  const names = new Map<string, number>();
  const out: PlacedRoute[] = [];
  policy.routes.forEach((r, i) => {
    const where = `policy.routes[${i}]`;
    const first = names.get(r.name);
    if (first !== undefined) {
      diagnostics.push(
        problem('MODEL_INVALID', `${where}.name`, `duplicate route name "${r.name}" (also routes[${first}])`),
      );
      return;
    }
    names.set(r.name, i);
    const destination = resolve(r, where, set, diagnostics);
    if (!destination) return;
    out.push({
      domains: [...r.domains].sort(compare),
      route: {
        name: r.name,
        policyKey: routePolicyKey(r.name),
        path: pathMatch(r),
        headers: r.match.headers.map((h) => {
          const kind =
            h.exact !== undefined
              ? 'exact'
              : h.prefix !== undefined
                ? 'prefix'
                : h.regex !== undefined
                  ? 'regex'
                  : 'present';
          return {
            name: h.name.toLowerCase(),
            kind,
            value: h.exact ?? h.prefix ?? h.regex ?? '',
            invert: h.invert,
          } as HeaderMatch;
        }),
        methods: [...r.match.methods].sort(compare),
        destination,
        hashPolicy: policy.services[r.service]?.hashPolicy ?? [],
        ...(r.retries && { retries: r.retries }),
        ...(r.timeout !== undefined && { timeoutMs: r.timeout }),
        ...(r.prefixRewrite !== undefined && { prefixRewrite: r.prefixRewrite }),
      },
    });
  });
  return out;
}

function pathMatch(r: RoutePolicy): PathMatch {
  const m = r.match;
  if (m.prefix !== undefined) return { kind: 'prefix', value: m.prefix };
  if (m.path !== undefined) return { kind: 'path', value: m.path };
  return { kind: 'regex', value: m.regex ?? '' };
}

function resolve(
  r: RoutePolicy,
  where: string,
  set: ClusterSet,
  diagnostics: Diagnostic[],
): Route['destination'] | undefined {
  const target = (service: string, subset: string | undefined, at: string): string | undefined => {
    const subsets = set.subsets.get(service);
    if (!subsets) {
      diagnostics.push(
        problem('MODEL_INVALID', `${at}.service`, `route "${r.name}" references unknown service "${service}"`),
      );
      return undefined;
    }
    if (subset !== undefined && !subsets.has(subset)) {
      diagnostics.push(
        problem(
          'MODEL_INVALID',
          `${at}.subset`,
          `route "${r.name}" references unknown subset "${subset}" of service "${service}"`,
        ),
      );
      return undefined;
    }
    return clusterName(service, subset);
  };
  if (!r.split) {
    const cluster = target(r.service, r.subset, where);
    return cluster === undefined ? undefined : { cluster };
  }
  const weighted: WeightedCluster[] = [];
  let ok = target(r.service, undefined, where) !== undefined;
  r.split.forEach((t, j) => {
    const cluster = target(t.service ?? r.service, t.subset, `${where}.split[${j}]`);
    if (cluster === undefined) ok = false;
    else if (weighted.some((w) => w.cluster === cluster)) {
      diagnostics.push(
        problem('MODEL_INVALID', `${where}.split[${j}]`, `route "${r.name}" splits to "${cluster}" twice`),
      );
      ok = false;
    } else weighted.push({ cluster, weight: t.weight });
  });
  return ok ? { weighted } : undefined;
}

/**
 * Routes a service declares in its metadata (gatehouse-route / gatehouse-host), for services no
 * policy route sends traffic to. Longest prefix first, so "/a/b/" is not shadowed by "/a/".
 */
export function metadataRoutes(
  defaults: ReadonlyMap<string, ServiceDefaults>,
  policyRoutes: readonly PlacedRoute[],
  policy: Policy,
): PlacedRoute[] {
  const routed = new Set<string>();
  for (const { route } of policyRoutes) {
    const d = route.destination;
    for (const c of 'cluster' in d ? [d.cluster] : d.weighted.map((w) => w.cluster)) routed.add(c.split('/')[0]!);
  }
  const out: PlacedRoute[] = [];
  for (const [service, d] of defaults) {
    if (!d.route || routed.has(service)) continue;
    const name = `meta:${service}`;
    out.push({
      domains: [d.route.host],
      route: {
        name,
        policyKey: routePolicyKey(name),
        path: { kind: 'prefix', value: d.route.prefix },
        headers: [],
        methods: [],
        destination: { cluster: clusterName(service) },
        hashPolicy: policy.services[service]?.hashPolicy ?? [],
      },
    });
  }
  return out.sort(
    (a, b) => b.route.path.value.length - a.route.path.value.length || compare(a.route.name, b.route.name),
  );
}

/** Groups routes by their domain list; a domain in two different lists is an error. */
export function groupVirtualHosts(routes: readonly PlacedRoute[], diagnostics: Diagnostic[]): VirtualHost[] {
  const hosts = new Map<string, { domains: readonly string[]; routes: Route[] }>();
  const domainOwner = new Map<string, string>();
  for (const { route, domains } of routes) {
    const key = domains.join('\0');
    let host = hosts.get(key);
    if (!host) {
      for (const d of domains) {
        const owner = domainOwner.get(d);
        if (owner !== undefined) {
          diagnostics.push(
            problem(
              'MODEL_INVALID',
              `policy.routes.${route.name}.domains`,
              `domain "${d}" is also used by route "${owner}" with a different domain list; give routes of one host the same domains`,
            ),
          );
        }
      }
      host = { domains, routes: [] };
      hosts.set(key, host);
      for (const d of domains) if (!domainOwner.has(d)) domainOwner.set(d, route.name);
    }
    host.routes.push(route);
  }
  return [...hosts.values()]
    .map((h): VirtualHost => ({ name: virtualHostName(h.domains), domains: h.domains, routes: h.routes }))
    .sort((a, b) => compare(a.name, b.name));
}

/**
 * The proxyless-gRPC view of each service: clients dial xds:///<service>; policy routes naming
 * that service as a domain come first (a header route to a canary, a split), then the default.
 */
export function buildGrpcTargets(
  serviceNames: readonly string[],
  routes: readonly PlacedRoute[],
  policy: Policy,
): GrpcTarget[] {
  const byDomain = new Map<string, Route[]>();
  for (const r of routes) {
    for (const d of r.domains) {
      const list = byDomain.get(d);
      if (list) list.push(r.route);
      else byDomain.set(d, [r.route]);
    }
  }
  return serviceNames.map((service) => {
    const fallback: Route = {
      name: `${service}-default`,
      policyKey: routePolicyKey(`${service}-default`),
      path: { kind: 'prefix', value: '' },
      headers: [],
      methods: [],
      destination: { cluster: clusterName(service) },
      hashPolicy: policy.services[service]?.hashPolicy ?? [],
    };
    return {
      service,
      listenerName: grpcListenerName(service),
      routeConfigName: grpcRouteConfigName(service),
      virtualHost: { name: service, domains: [service], routes: [...(byDomain.get(service) ?? []), fallback] },
    };
  });
}
