// Cluster: one EDS cluster per service, endpoints over ADS.

import { toDuration } from '../config/index.ts';
import type { Cluster as EnvoyCluster } from '../generated/envoy/config/cluster/v3/Cluster.ts';
import type { HttpProtocolOptions } from '../generated/envoy/extensions/upstreams/http/v3/HttpProtocolOptions.ts';
import type { Cluster } from '../model/index.ts';
import { pack } from '../protos.ts';
import { HTTP_PROTOCOL_OPTIONS_TYPE } from '../resource-types.ts';
import { clusterResilience } from './cluster-resilience.ts';
import type { Flavor } from './resources.ts';

const LB_POLICY = {
  round_robin: 'ROUND_ROBIN',
  least_request: 'LEAST_REQUEST',
  ring_hash: 'RING_HASH',
  random: 'RANDOM',
  maglev: 'MAGLEV',
} as const;

/** The Envoy Cluster of a model cluster. */
export function translateCluster(c: Cluster, profile: Flavor): EnvoyCluster {
  const out: EnvoyCluster = {
    name: c.name,
    type: 'EDS',
    eds_cluster_config: { eds_config: { ads: {}, resource_api_version: 'V3' } },
    connect_timeout: toDuration(c.connectTimeoutMs),
    lb_policy: LB_POLICY[c.lbPolicy],
    ...clusterResilience(c, profile),
  };
  // Proxyless gRPC always speaks HTTP/2 and rejects options it does not know; Envoy needs telling.
  if (profile === 'edge' && c.protocol !== 'http') out.typed_extension_protocol_options = http2Upstream();
  return out;
}

/** Tells Envoy to speak HTTP/2 to a cluster's hosts (http2 and grpc services). */
export function http2Upstream(): EnvoyCluster['typed_extension_protocol_options'] {
  const options: HttpProtocolOptions = { explicit_http_config: { http2_protocol_options: {} } };
  return { 'envoy.extensions.upstreams.http.v3.HttpProtocolOptions': pack(HTTP_PROTOCOL_OPTIONS_TYPE, options) };
}
