// OpenTelemetry tracing on a connection manager: Envoy starts or continues a trace (W3C
// traceparent) and exports spans over OTLP/gRPC to the collector through a cluster Gatehouse
// sends alongside. Sampling applies to traces Envoy starts; a client's sampled trace is kept.
import type { Cluster as EnvoyCluster } from '../generated/envoy/config/cluster/v3/Cluster.ts';
import type { OpenTelemetryConfig } from '../generated/envoy/config/trace/v3/OpenTelemetryConfig.ts';
import type { HttpConnectionManager } from '../generated/envoy/extensions/filters/network/http_connection_manager/v3/HttpConnectionManager.ts';
import { names, type Observability } from '../model/index.ts';
import { pack } from '../protos.ts';
import { addressCluster } from './address-cluster.ts';

const OPENTELEMETRY_TYPE = 'envoy.config.trace.v3.OpenTelemetryConfig';

type Tracing = NonNullable<Observability['tracing']>;

/** The HCM `tracing` block; spans carry `serviceName` (the edge's, or the sidecar's service). */
export function hcmTracing(t: Tracing, serviceName: string): HttpConnectionManager['tracing'] {
  const config: OpenTelemetryConfig = {
    grpc_service: { envoy_grpc: { cluster_name: names.OTEL_COLLECTOR_CLUSTER }, timeout: { seconds: 1, nanos: 0 } },
    service_name: serviceName,
  };
  return {
    random_sampling: { value: t.samplingPercent },
    provider: { name: 'envoy.tracers.opentelemetry', typed_config: pack(OPENTELEMETRY_TYPE, config) },
  };
}

/** The cluster spans are exported through (OTLP/gRPC needs HTTP/2). */
export function collectorCluster(t: Tracing): EnvoyCluster {
  return addressCluster(names.OTEL_COLLECTOR_CLUSTER, t.collector.host, t.collector.port, true);
}
