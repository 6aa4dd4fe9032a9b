// Schema of per-service resilience: circuit breakers, outlier detection, active health checks,
// retry budget, hash policy and failover. Values map one-to-one onto Envoy cluster fields.
import { z } from 'zod';
import { durationMs } from './duration.ts';

const count = z.number().int().min(0).max(4_294_967_295);
const percent = z.number().min(0).max(100);

/** Thresholds of the DEFAULT priority; unset fields keep Envoy's defaults. */
export const circuitBreaker = z.strictObject({
  maxConnections: count.optional(),
  maxPendingRequests: count.optional(),
  maxRequests: count.optional(),
  maxRetries: count.optional(),
});

/** Passive health checking: eject hosts that keep failing. */
export const outlierDetection = z.strictObject({
  consecutive5xx: count.optional(),
  consecutiveGatewayFailure: count.optional(),
  interval: durationMs.optional(),
  baseEjectionTime: durationMs.optional(),
  maxEjectionPercent: percent.optional(),
});

/** Active health checking by Envoy (proxyless gRPC clients do not run these). */
export const healthCheck = z
  .strictObject({
    type: z.enum(['http', 'grpc', 'tcp']),
    path: z.string().startsWith('/').optional(),
    grpcServiceName: z.string().optional(),
    interval: durationMs.default(10_000),
    timeout: durationMs.default(1_000),
    unhealthyThreshold: z.number().int().min(1).default(3),
    healthyThreshold: z.number().int().min(1).default(2),
  })
  .superRefine((h, ctx) => {
    if (h.type === 'http' && h.path === undefined) {
      ctx.addIssue({ code: 'custom', path: ['path'], message: 'an http health check needs a path' });
    }
    if (h.type !== 'http' && h.path !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['path'],
        message: `path applies only to http health checks (type is ${h.type})`,
      });
    }
    if (h.type !== 'grpc' && h.grpcServiceName !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['grpcServiceName'],
        message: `grpcServiceName applies only to grpc health checks`,
      });
    }
  });

/** Caps retries as a share of active requests, instead of a fixed count. */
export const retryBudget = z.strictObject({
  budgetPercent: percent.default(20),
  minRetryConcurrency: count.default(3),
});

/** What ring_hash / maglev hash on; set on every route to the service. */
export const hashPolicy = z
  .strictObject({
    header: z.string().min(1).optional(),
    cookie: z.strictObject({ name: z.string().min(1), ttl: durationMs.optional() }).optional(),
    sourceIp: z.literal(true).optional(),
  })
  .superRefine((h, ctx) => {
    const set = ['header', 'cookie', 'sourceIp'].filter((k) => h[k as keyof typeof h] !== undefined);
    if (set.length !== 1) {
      ctx.addIssue({ code: 'custom', message: `set exactly one of header, cookie, sourceIp (got ${set.length})` });
    }
  });

/** A named slice of a service's instances, selected by tags and metadata (all must match). */
export const subset = z.strictObject({
  tags: z.array(z.string()).default([]),
  metadata: z.record(z.string(), z.string()).default({}),
});

/** Per-route retry policy. */
export const retryPolicy = z.strictObject({
  on: z
    .array(
      z.enum([
        '5xx',
        'gateway-error',
        'reset',
        'connect-failure',
        'retriable-4xx',
        'refused-stream',
        'retriable-status-codes',
        'cancelled',
        'deadline-exceeded',
        'internal',
        'resource-exhausted',
        'unavailable',
      ]),
    )
    .min(1)
    .default(['5xx', 'connect-failure', 'refused-stream']),
  attempts: z.number().int().min(1).max(10).default(2),
  perTryTimeout: durationMs.optional(),
});

export type CircuitBreaker = z.output<typeof circuitBreaker>;
export type OutlierDetection = z.output<typeof outlierDetection>;
export type HealthCheck = z.output<typeof healthCheck>;
export type RetryBudget = z.output<typeof retryBudget>;
export type HashPolicy = z.output<typeof hashPolicy>;
export type RetryPolicy = z.output<typeof retryPolicy>;
