// build(catalog, policy) -> { model, diagnostics }. Pure: no I/O, no clock, sorted output, and bad
// input becomes a diagnostic instead of an exception.
import type { CatalogInstance, RoutePolicy } from '../config/index.ts';
import { type Diagnostic, problem, warning } from '../errors.ts';
import {
  clusterName,
  EDGE_LISTENER,
  EDGE_ROUTES,
  grpcListenerName,
  grpcRouteConfigName,
  routePolicyKey,
  virtualHostName,
} from './names.ts';
import type {
  Assignment,
  Catalog,
  Cluster,
  Endpoint,
  GrpcTarget,
  HeaderMatch,
  Locality,
  Model,
  PathMatch,
  Policy,
  Route,
  VirtualHost,
} from './types.ts';

/** The outcome of a build: a model (always, best effort) and every problem found. */
export interface BuildResult {
  readonly model: Model;
  readonly diagnostics: readonly Diagnostic[];
}

const byName = <T extends { name: string }>(a: T, b: T) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** Builds the model from the latest catalog and policy. */
export function build(catalog: Catalog, policy: Policy): BuildResult {
  const diagnostics: Diagnostic[] = [];
  const serviceNames = [...new Set([...Object.keys(catalog.services), ...Object.keys(policy.services)])].sort(compare);
  const known = new Set(serviceNames);

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

  const clusters: Cluster[] = serviceNames.map((service) => {
    const p = policy.services[service];
    return {
      name: clusterName(service),
      service,
      lbPolicy: p?.lbPolicy ?? 'round_robin',
      protocol: p?.protocol ?? 'http',
      connectTimeoutMs: p?.connectTimeout ?? 1000,
    };
  });

  const assignments: Assignment[] = serviceNames.map((service) =>
    buildAssignment(service, catalog.services[service]?.instances ?? [], diagnostics),
  );

  const routes = buildRoutes(policy.routes, known, diagnostics);
  const edgeVirtualHosts = groupVirtualHosts(routes, diagnostics);
  const byDomain = new Map<string, Route[]>();
  for (const r of routes) {
    for (const d of r.domains) {
      const list = byDomain.get(d);
      if (list) list.push(r.route);
      else byDomain.set(d, [r.route]);
    }
  }
  const grpcTargets = serviceNames.map((service) => buildGrpcTarget(service, byDomain.get(service) ?? []));

  return {
    model: {
      edgeListener: {
        name: EDGE_LISTENER,
        address: policy.listener.address,
        port: policy.listener.port,
        routeConfigName: EDGE_ROUTES,
      },
      edgeVirtualHosts,
      clusters,
      assignments,
      grpcTargets,
    },
    diagnostics,
  };
}

function buildAssignment(
  service: string,
  instances: readonly CatalogInstance[],
  diagnostics: Diagnostic[],
): Assignment {
  const seen = new Map<string, number>();
  const groups = new Map<string, { region: string; zone: string; subZone: string; endpoints: Endpoint[] }>();
  instances.forEach((inst, i) => {
    const key = `${inst.address}:${inst.port}`;
    const where = `catalog.services.${service}.instances[${i}]`;
    const first = seen.get(key);
    if (first !== undefined) {
      diagnostics.push(
        problem(
          'MODEL_INVALID',
          where,
          `duplicate instance "${key}" of service "${service}" (also instances[${first}])`,
        ),
      );
      return;
    }
    seen.set(key, i);
    const { region, zone, subZone } = inst.locality;
    const lkey = `${region}\0${zone}\0${subZone}`;
    let group = groups.get(lkey);
    if (!group) {
      group = { region, zone, subZone, endpoints: [] };
      groups.set(lkey, group);
    }
    group.endpoints.push({ address: inst.address, port: inst.port, health: inst.health, weight: inst.weight });
  });
  const localities: Locality[] = [...groups.entries()]
    .sort(([a], [b]) => compare(a, b))
    .map(([, g]) => ({
      ...g,
      endpoints: g.endpoints.sort((a, b) => compare(a.address, b.address) || a.port - b.port),
    }));
  return { clusterName: clusterName(service), localities };
}

function buildRoutes(policies: readonly RoutePolicy[], known: ReadonlySet<string>, diagnostics: Diagnostic[]) {
  const names = new Map<string, number>();
  const out: { route: Route; domains: readonly string[] }[] = [];
  policies.forEach((r, i) => {
    const where = `policy.routes[${i}]`;
    const first = names.get(r.name);
    if (first !== undefined) {
      diagnostics.push(
        problem('MODEL_INVALID', `${where}.name`, `duplicate route name "${r.name}" (also routes[${first}])`),
      );
      return;
    }
    names.set(r.name, i);
    if (!known.has(r.service)) {
      diagnostics.push(
        problem('MODEL_INVALID', `${where}.service`, `route "${r.name}" references unknown service "${r.service}"`),
      );
      return;
    }
    const m = r.match;
    const path: PathMatch =
      m.prefix !== undefined
        ? { kind: 'prefix', value: m.prefix }
        : m.path !== undefined
          ? { kind: 'path', value: m.path }
          : { kind: 'regex', value: m.regex ?? '' };
    const headers: HeaderMatch[] = m.headers.map((h) => {
      const kind =
        h.exact !== undefined
          ? 'exact'
          : h.prefix !== undefined
            ? 'prefix'
            : h.regex !== undefined
              ? 'regex'
              : 'present';
      const value = h.exact ?? h.prefix ?? h.regex ?? '';
      return { name: h.name.toLowerCase(), kind, value, invert: h.invert };
    });
    out.push({
      domains: [...r.domains].sort(compare),
      route: {
        name: r.name,
        policyKey: routePolicyKey(r.name),
        path,
        headers,
        methods: [...m.methods].sort(compare),
        cluster: clusterName(r.service),
        ...(r.timeout !== undefined ? { timeoutMs: r.timeout } : {}),
        ...(r.prefixRewrite !== undefined ? { prefixRewrite: r.prefixRewrite } : {}),
      },
    });
  });
  return out;
}

function groupVirtualHosts(routes: readonly { route: Route; domains: readonly string[] }[], diagnostics: Diagnostic[]) {
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
    .sort(byName);
}

function buildGrpcTarget(service: string, own: readonly Route[]): GrpcTarget {
  // A proxyless client dials xds:///<service>; policy routes naming that service as a domain come
  // first (e.g. a header match sending some calls elsewhere), then the default to the service.
  const fallback: Route = {
    name: `${service}-default`,
    policyKey: routePolicyKey(`${service}-default`),
    path: { kind: 'prefix', value: '' },
    headers: [],
    methods: [],
    cluster: clusterName(service),
  };
  return {
    service,
    listenerName: grpcListenerName(service),
    routeConfigName: grpcRouteConfigName(service),
    virtualHost: { name: service, domains: [service], routes: [...own, fallback] },
  };
}
