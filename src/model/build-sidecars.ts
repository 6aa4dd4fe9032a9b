// Sidecars: which services may run a sidecar Envoy next to their instances, on which ports, and
// which services each may call. Every service with an app port gets one, at O(1) cost: the common
// case (no upstream list) shares one set of outbound virtual hosts; only a declared list costs
// more, and only as much as the list.
import { type Diagnostic, problem, warning } from '../errors.ts';
import type { Catalog, Cluster, GrpcTarget, Policy, Sidecar, VirtualHost } from './types.ts';

const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

const DEFAULT_INBOUND = 15006;
const DEFAULT_OUTBOUND = 15001;

/**
 * The outbound virtual host of each service: the routes its proxyless-gRPC target has (policy
 * routes naming the service as a domain, then the default), on `<service>` and `<service>:*` so a
 * Host header with a port matches too. Route objects are shared with the gRPC targets.
 */
export function buildSidecarHosts(targets: readonly GrpcTarget[]): VirtualHost[] {
  return targets.map((t) => ({
    name: t.service,
    domains: [t.service, `${t.service}:*`],
    routes: t.virtualHost.routes,
  }));
}

/** The port of the service's first instance by address, then port: stable across catalog orderings. */
function firstInstancePort(catalog: Catalog, service: string): number | undefined {
  let best: { address: string; port: number } | undefined;
  for (const i of catalog.services[service]?.instances ?? []) {
    if (!best || compare(i.address, best.address) < 0 || (i.address === best.address && i.port < best.port)) best = i;
  }
  return best?.port;
}

/** The clusters the routes of `hosts` send to, sorted. */
function clustersOf(hosts: readonly VirtualHost[]): string[] {
  const out = new Set<string>();
  for (const h of hosts) {
    for (const r of h.routes) {
      const d = r.destination;
      if ('cluster' in d) out.add(d.cluster);
      else for (const w of d.weighted) out.add(w.cluster);
    }
  }
  return [...out].sort(compare);
}

/**
 * One Sidecar per service that can have one. A service without `sidecar` policy gets the defaults
 * when it has instances (the app port comes from them) and is skipped otherwise; a declared policy
 * that cannot work (no app port, unknown upstream, clashing ports) is an error.
 */
export function buildSidecars(
  catalog: Catalog,
  policy: Policy,
  serviceNames: readonly string[],
  clusters: readonly Cluster[],
  hosts: readonly VirtualHost[],
  diagnostics: Diagnostic[],
): Sidecar[] {
  const known = new Set(serviceNames);
  const protocols = new Map(clusters.filter((c) => c.subset === undefined).map((c) => [c.service, c.protocol]));
  const hostOf = new Map(hosts.map((h) => [h.name, h]));
  const out: Sidecar[] = [];
  for (const service of serviceNames) {
    const declared = policy.services[service]?.sidecar;
    const where = `policy.services.${service}.sidecar`;
    const appPort = declared?.appPort ?? firstInstancePort(catalog, service);
    if (appPort === undefined) {
      if (declared) {
        diagnostics.push(
          problem(
            'MODEL_INVALID',
            `${where}.appPort`,
            `sidecar of "${service}" has no app port: the service has no instances; set appPort`,
          ),
        );
      }
      continue;
    }
    const inboundPort = declared?.inboundPort ?? DEFAULT_INBOUND;
    const outboundPort = declared?.outboundPort ?? DEFAULT_OUTBOUND;
    const ports = [inboundPort, outboundPort, appPort];
    if (new Set(ports).size < 3) {
      const text = `sidecar of "${service}" needs three different ports (inbound ${inboundPort}, outbound ${outboundPort}, app ${appPort})`;
      // Undeclared sidecars come from defaults; an app that happens to use 15001 must not block publishing.
      diagnostics.push(
        declared ? problem('MODEL_INVALID', where, text) : warning('MODEL_INVALID', where, `${text}; no sidecar view`),
      );
      continue;
    }
    const sidecar = { service, inboundPort, outboundPort, appPort, appProtocol: protocols.get(service) ?? 'http' };
    if (!declared?.upstreams) {
      out.push(sidecar);
      continue;
    }
    const services = [...new Set(declared.upstreams)].sort(compare);
    let ok = true;
    declared.upstreams.forEach((u, i) => {
      if (known.has(u)) return;
      ok = false;
      diagnostics.push(
        problem('MODEL_INVALID', `${where}.upstreams[${i}]`, `sidecar of "${service}" may call unknown service "${u}"`),
      );
    });
    if (!ok) continue;
    const chosen = services.map((s) => hostOf.get(s)).filter((h): h is VirtualHost => h !== undefined);
    out.push({ ...sidecar, upstreams: { services, clusters: clustersOf(chosen) } });
  }
  return out;
}
