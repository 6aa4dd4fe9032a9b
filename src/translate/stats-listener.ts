// Prometheus stats of an Envoy, from resources Gatehouse sends: a listener that serves only
// GET /stats/prometheus, proxied to the Envoy's own admin. The admin itself stays on loopback
// (it can drain listeners, quit the process and dump config); only the stats leave the host.

import type { Cluster as EnvoyCluster } from '../generated/envoy/config/cluster/v3/Cluster.ts';
import type { Listener } from '../generated/envoy/config/listener/v3/Listener.ts';
import type { HttpConnectionManager } from '../generated/envoy/extensions/filters/network/http_connection_manager/v3/HttpConnectionManager.ts';
import { names, type Observability } from '../model/index.ts';
import { addressCluster } from './address-cluster.ts';
import { httpFilters } from './http-filters.ts';
import { hcmFilterChain } from './listeners.ts';

/** Where one Envoy's stats listener listens, and where its admin is (from the model). */
export type StatsEndpoint = NonNullable<Observability['stats']>['edge'];

/** The stats listener: /stats/prometheus to the admin, anything else 404. No access log (scrapes). */
export function statsListener(s: StatsEndpoint): Listener {
  const hcm: HttpConnectionManager = {
    stat_prefix: 'gatehouse_stats',
    codec_type: 'AUTO',
    route_config: {
      name: names.STATS_LISTENER,
      virtual_hosts: [
        {
          name: 'stats',
          domains: ['*'],
          routes: [
            {
              name: 'prometheus',
              match: { path: '/stats/prometheus', headers: [{ name: ':method', string_match: { exact: 'GET' } }] },
              route: { cluster: names.envoyAdminClusterName(s.admin.host, s.admin.port) },
            },
            { name: 'not-found', match: { prefix: '/' }, direct_response: { status: 404 } },
          ],
        },
      ],
    },
    http_filters: httpFilters(),
  };
  return {
    name: names.STATS_LISTENER,
    address: { socket_address: { address: s.listen.host, port_value: s.listen.port } },
    filter_chains: [hcmFilterChain(hcm)],
  };
}

/** The Envoy's own admin, which only the stats route reaches. */
export function envoyAdminCluster(s: StatsEndpoint): EnvoyCluster {
  return addressCluster(names.envoyAdminClusterName(s.admin.host, s.admin.port), s.admin.host, s.admin.port, false);
}
