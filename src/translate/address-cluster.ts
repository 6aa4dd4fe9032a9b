// A cluster of one fixed address that Gatehouse itself names (the Check service, the trace
// collector, an Envoy's own admin). An IP literal is STATIC; a host name must be STRICT_DNS,
// because Envoy rejects a STATIC cluster whose address is not an IP ("malformed IP address"),
// and settings such as `authz.advertise: gatehouse:18001` are names in compose and Kubernetes.
import { isIP } from 'node:net';
import { toDuration } from '../config/index.ts';
import type { Cluster as EnvoyCluster } from '../generated/envoy/config/cluster/v3/Cluster.ts';
import { http2Upstream } from './clusters.ts';

/** A one-address cluster; `http2` for gRPC services. */
export function addressCluster(name: string, host: string, port: number, http2: boolean): EnvoyCluster {
  const dns = isIP(host) === 0;
  return {
    name,
    type: dns ? 'STRICT_DNS' : 'STATIC',
    // Names resolve to IPv4 first: container and cluster DNS often return both families.
    ...(dns && { dns_lookup_family: 'V4_PREFERRED' }),
    connect_timeout: toDuration(1000),
    load_assignment: {
      cluster_name: name,
      endpoints: [
        { lb_endpoints: [{ endpoint: { address: { socket_address: { address: host, port_value: port } } } }] },
      ],
    },
    ...(http2 && { typed_extension_protocol_options: http2Upstream() }),
  };
}
