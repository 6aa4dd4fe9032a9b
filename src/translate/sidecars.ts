// The sidecar profile: an inbound listener (0.0.0.0:inboundPort) to the local app, a STATIC
// cluster for that app (127.0.0.1:appPort; Envoy-only, which sidecars are), and an outbound
// listener (127.0.0.1:outboundPort) whose routes reach the services the app may call. The upstream
// clusters and endpoints are the edge profile's, shared rather than copied (see SidecarSet).
//
// Cost stays O(1) per service: resources are interned by what they depend on (ports, protocol),
// so a thousand sidecars on the default ports hold the same few message objects, and every
// sidecar without an upstream list shares one outbound RouteConfiguration.
import type { Cluster as EnvoyCluster } from '../generated/envoy/config/cluster/v3/Cluster.ts';
import type { Listener } from '../generated/envoy/config/listener/v3/Listener.ts';
import type { HttpConnectionManager } from '../generated/envoy/extensions/filters/network/http_connection_manager/v3/HttpConnectionManager.ts';
import type { Model, Observability, Sidecar, VirtualHost } from '../model/index.ts';
import { names } from '../model/index.ts';
import { CLUSTER, ENDPOINT, LISTENER, ROUTE } from '../resource-types.ts';
import { addressCluster } from './address-cluster.ts';
import { hcmObservability } from './hcm-observability.ts';
import { httpFilters } from './http-filters.ts';
import { hcmFilterChain } from './listeners.ts';
import { type NamedResource, type SidecarSet, sortByName } from './resources.ts';
import { translateRouteConfiguration } from './routes.ts';
import { envoyAdminCluster, type StatsEndpoint, statsListener } from './stats-listener.ts';

const { SIDECAR_INBOUND, SIDECAR_OUTBOUND, localAppClusterName } = names;

/** Traffic to the app: every request on the inbound port goes to the local app cluster. */
function inboundListener(
  inboundPort: number,
  appPort: number,
  o: Observability | undefined,
  service: string,
): Listener {
  const cluster = localAppClusterName(appPort);
  const hcm: HttpConnectionManager = {
    stat_prefix: 'inbound',
    codec_type: 'AUTO',
    // Inline: the route never changes apart from the port, so it needs no RDS round trip.
    route_config: {
      name: SIDECAR_INBOUND,
      virtual_hosts: [
        {
          name: 'local-app',
          domains: ['*'],
          routes: [{ name: 'local-app', match: { prefix: '/' }, route: { cluster } }],
        },
      ],
    },
    http_filters: httpFilters(),
    ...hcmObservability(o, { authz: false, serviceName: service }),
  };
  return {
    name: SIDECAR_INBOUND,
    address: { socket_address: { address: '0.0.0.0', port_value: inboundPort } },
    filter_chains: [hcmFilterChain(hcm)],
  };
}

/** The app's outgoing calls: loopback only, routed by Host over RDS. */
function outboundListener(outboundPort: number, o: Observability | undefined, service: string): Listener {
  const hcm: HttpConnectionManager = {
    stat_prefix: 'outbound',
    codec_type: 'AUTO',
    rds: { config_source: { ads: {}, resource_api_version: 'V3' }, route_config_name: SIDECAR_OUTBOUND },
    http_filters: httpFilters(),
    ...hcmObservability(o, { authz: false, serviceName: service }),
  };
  return {
    name: SIDECAR_OUTBOUND,
    address: { socket_address: { address: '127.0.0.1', port_value: outboundPort } },
    filter_chains: [hcmFilterChain(hcm)],
  };
}

/** The local app, at a fixed loopback address: STATIC, so it needs no EDS. */
function localAppCluster(s: Sidecar): EnvoyCluster {
  return addressCluster(localAppClusterName(s.appPort), '127.0.0.1', s.appPort, s.appProtocol !== 'http');
}

/** Memoises one NamedResource per key (what it depends on), built from the first sidecar asking. */
function interned(make: (s: Sidecar) => NamedResource): (key: string, s: Sidecar) => NamedResource {
  const made = new Map<string, NamedResource>();
  return (key, s) => {
    let r = made.get(key);
    if (!r) {
      r = make(s);
      made.set(key, r);
    }
    return r;
  };
}

/** The stats listener and admin cluster every sidecar holds (the edge's admin is hidden from it). */
function sidecarStats(sidecar: StatsEndpoint) {
  const admin = envoyAdminCluster(sidecar);
  return {
    listener: { name: names.STATS_LISTENER, message: statsListener(sidecar) },
    clusters: [{ name: admin.name!, message: admin }],
  };
}

/** The sidecar resources of every service in `model.sidecars`. */
export function translateSidecars(model: Model): SidecarSet[] {
  const cluster = interned((s) => ({ name: localAppClusterName(s.appPort), message: localAppCluster(s) }));
  const o = model.observability;
  const inbound = interned((s) => ({
    name: SIDECAR_INBOUND,
    message: inboundListener(s.inboundPort, s.appPort, o, s.service),
  }));
  const outbound = interned((s) => ({
    name: SIDECAR_OUTBOUND,
    message: outboundListener(s.outboundPort, o, s.service),
  }));
  // Spans carry the sidecar's service, so with tracing on its listeners are its own.
  const traced = (s: Sidecar) => (o?.tracing ? `,${s.service}` : '');
  const stats = o?.stats && sidecarStats(o.stats.sidecar);
  // A declared upstream list picks edge clusters by name: the trace collector's too.
  const picked = o?.tracing ? [names.OTEL_COLLECTOR_CLUSTER] : [];
  let hostOf: Map<string, VirtualHost> | undefined;
  const routes = interned((s) => {
    let hosts = model.sidecarHosts;
    if (s.upstreams) {
      hostOf ??= new Map(model.sidecarHosts.map((h) => [h.name, h]));
      hosts = s.upstreams.services.map((u) => hostOf!.get(u)).filter((h): h is VirtualHost => h !== undefined);
    }
    return { name: SIDECAR_OUTBOUND, message: translateRouteConfiguration(SIDECAR_OUTBOUND, hosts, 'edge') };
  });
  return model.sidecars.map((s) => ({
    service: s.service,
    ...(s.upstreams && {
      clusters: picked.length ? [...s.upstreams.clusters, ...picked].sort() : s.upstreams.clusters,
    }),
    own: {
      [CLUSTER]: sortByName([cluster(`${s.appPort},${s.appProtocol}`, s), ...(stats?.clusters ?? [])]),
      [ENDPOINT]: [],
      [LISTENER]: sortByName([
        inbound(`${s.inboundPort},${s.appPort}${traced(s)}`, s),
        outbound(`${s.outboundPort}${traced(s)}`, s),
        ...(stats ? [stats.listener] : []),
      ]),
      // Every sidecar without an upstream list shares the key "*", so one RouteConfiguration.
      [ROUTE]: [routes(s.upstreams ? `=${s.service}` : '*', s)],
    },
  }));
}
