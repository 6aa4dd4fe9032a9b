// The resilience parts of a Cluster: circuit breakers (with retry budget), outlier detection and
// active health checks. Proxyless gRPC gets only what it implements (gRFC A32 max_requests,
// A50 outlier detection); active health checks are Envoy-only.

import { toDuration } from '../config/index.ts';
import type { Cluster as EnvoyCluster } from '../generated/envoy/config/cluster/v3/Cluster.ts';
import type { HealthCheck as EnvoyHealthCheck } from '../generated/envoy/config/core/v3/HealthCheck.ts';
import type { Cluster } from '../model/index.ts';
import type { Flavor } from './resources.ts';

const u32 = (value: number | undefined) => (value === undefined ? undefined : { value });

function circuitBreakers(c: Cluster, profile: Flavor): EnvoyCluster['circuit_breakers'] | undefined {
  const cb = c.circuitBreaker;
  if (!cb && !c.retryBudget) return undefined;
  const threshold =
    profile === 'grpc'
      ? { priority: 'DEFAULT' as const, ...(cb?.maxRequests !== undefined && { max_requests: u32(cb.maxRequests) }) }
      : {
          priority: 'DEFAULT' as const,
          ...(cb?.maxConnections !== undefined && { max_connections: u32(cb.maxConnections) }),
          ...(cb?.maxPendingRequests !== undefined && { max_pending_requests: u32(cb.maxPendingRequests) }),
          ...(cb?.maxRequests !== undefined && { max_requests: u32(cb.maxRequests) }),
          ...(cb?.maxRetries !== undefined && { max_retries: u32(cb.maxRetries) }),
          ...(c.retryBudget && {
            retry_budget: {
              budget_percent: { value: c.retryBudget.budgetPercent },
              min_retry_concurrency: u32(c.retryBudget.minRetryConcurrency),
            },
          }),
        };
  return Object.keys(threshold).length > 1 ? { thresholds: [threshold] } : undefined;
}

function outlierDetection(c: Cluster): EnvoyCluster['outlier_detection'] | undefined {
  const o = c.outlierDetection;
  if (!o) return undefined;
  return {
    ...(o.consecutive5xx !== undefined && { consecutive_5xx: u32(o.consecutive5xx) }),
    ...(o.consecutiveGatewayFailure !== undefined && {
      consecutive_gateway_failure: u32(o.consecutiveGatewayFailure),
      // Envoy ignores gateway failures unless enforcement is switched on.
      enforcing_consecutive_gateway_failure: { value: 100 },
    }),
    ...(o.interval !== undefined && { interval: toDuration(o.interval) }),
    ...(o.baseEjectionTime !== undefined && { base_ejection_time: toDuration(o.baseEjectionTime) }),
    ...(o.maxEjectionPercent !== undefined && { max_ejection_percent: u32(o.maxEjectionPercent) }),
  };
}

function healthChecks(c: Cluster): EnvoyHealthCheck[] | undefined {
  const h = c.healthCheck;
  if (!h) return undefined;
  const kind =
    h.type === 'http'
      ? {
          http_health_check: {
            path: h.path ?? '/',
            ...(c.protocol !== 'http' && { codec_client_type: 'HTTP2' as const }),
          },
        }
      : h.type === 'grpc'
        ? { grpc_health_check: { service_name: h.grpcServiceName ?? '' } }
        : { tcp_health_check: {} };
  return [
    {
      timeout: toDuration(h.timeout),
      interval: toDuration(h.interval),
      unhealthy_threshold: u32(h.unhealthyThreshold),
      healthy_threshold: u32(h.healthyThreshold),
      ...kind,
    },
  ];
}

/** The resilience fields to merge into a Cluster for `profile`. */
export function clusterResilience(c: Cluster, profile: Flavor): Partial<EnvoyCluster> {
  const cb = circuitBreakers(c, profile);
  const od = outlierDetection(c);
  const hc = profile === 'edge' ? healthChecks(c) : undefined;
  return {
    ...(cb && { circuit_breakers: cb }),
    ...(od && { outlier_detection: od }),
    ...(hc && { health_checks: hc }),
  };
}
