// ClusterLoadAssignment: a service's instances by locality. Every service gets one, empty if it
// has no instances, so a new cluster can finish warming (xds-protocol.md items 20-21).
import type { ClusterLoadAssignment } from '../generated/envoy/config/endpoint/v3/ClusterLoadAssignment.ts';
import type { Assignment, Health } from '../model/index.ts';

const HEALTH = { healthy: 'HEALTHY', unhealthy: 'UNHEALTHY', draining: 'DRAINING', unknown: 'UNKNOWN' } as const;

/** The Envoy ClusterLoadAssignment of a model assignment. */
export function translateAssignment(a: Assignment): ClusterLoadAssignment {
  return {
    cluster_name: a.clusterName,
    endpoints: a.localities.map((l) => ({
      locality: { region: l.region, zone: l.zone, sub_zone: l.subZone },
      // Always set: grpc-js-xds silently drops a locality without a weight (xds-protocol.md).
      load_balancing_weight: { value: Math.max(1, sum(l.endpoints.map((e) => e.weight))) },
      priority: l.priority,
      lb_endpoints: l.endpoints.map((e) => ({
        endpoint: { address: { socket_address: { address: e.address, port_value: e.port } } },
        health_status: HEALTH[e.health as Health],
        load_balancing_weight: { value: e.weight },
      })),
    })),
  };
}

function sum(values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0);
}
