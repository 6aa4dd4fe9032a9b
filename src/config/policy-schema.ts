// Schema of the policy file: how traffic is routed and treated. Cross-references (a route naming
// an unknown service) are the model builder's job, not the schema's.
import { z } from 'zod';
import { authSection } from './auth-schema.ts';
import { serviceName } from './catalog-schema.ts';
import { durationMs } from './duration.ts';
import {
  circuitBreaker,
  hashPolicy,
  healthCheck,
  outlierDetection,
  retryBudget,
  retryPolicy,
  subset,
} from './resilience-schema.ts';

/** Load-balancing policies a service may ask for. */
export const lbPolicy = z.enum(['round_robin', 'least_request', 'ring_hash', 'random', 'maglev']);

/** The protocol a service's instances speak; http2 and grpc make Envoy use HTTP/2 upstream. */
export const protocol = z.enum(['http', 'http2', 'grpc']);

const port = z.number().int().min(1).max(65535);

/**
 * The sidecar Envoy next to each instance of a service. Absent: every service with instances may
 * still run one, with these defaults and every service as an upstream. Which names exist (the
 * upstreams, an app port when the service has no instances) is the model builder's check.
 */
export const sidecarPolicy = z.strictObject({
  /** Where the sidecar takes traffic for the local app (0.0.0.0). */
  inboundPort: port.default(15006),
  /** Where the local app sends its outgoing calls (127.0.0.1), Host naming the service called. */
  outboundPort: port.default(15001),
  /** The local app's port on 127.0.0.1; default: the port of the service's first instance. */
  appPort: port.optional(),
  /** The services the app may call; absent means all of them. */
  upstreams: z.array(serviceName).optional(),
});

export const servicePolicy = z.strictObject({
  // Unset means: the service's gatehouse-* metadata (Consul), else round_robin / http / 1s.
  lbPolicy: lbPolicy.optional(),
  protocol: protocol.optional(),
  connectTimeout: durationMs.optional(),
  subsets: z
    .record(z.string().regex(/^[a-z0-9][a-z0-9_-]*$/, 'must be lower-case letters, digits, "_" or "-"'), subset)
    .default({}),
  hashPolicy: z.array(hashPolicy).default([]),
  circuitBreaker: circuitBreaker.optional(),
  outlierDetection: outlierDetection.optional(),
  healthCheck: healthCheck.optional(),
  retryBudget: retryBudget.optional(),
  /** Datacenters whose instances take over, in order, when the local ones are unhealthy. */
  failover: z.array(z.string().min(1)).default([]),
  sidecar: sidecarPolicy.optional(),
});

export const headerMatch = z
  .strictObject({
    name: z
      .string()
      .min(1)
      .regex(/^[^\0\r\n]+$/, 'must not contain NUL, CR or LF'),
    exact: z.string().optional(),
    prefix: z.string().min(1).optional(),
    regex: z.string().min(1).optional(),
    present: z.boolean().optional(),
    invert: z.boolean().default(false),
  })
  .superRefine((h, ctx) => {
    const set = ['exact', 'prefix', 'regex', 'present'].filter((k) => h[k as keyof typeof h] !== undefined);
    if (set.length !== 1) {
      ctx.addIssue({ code: 'custom', message: `set exactly one of exact, prefix, regex, present (got ${set.length})` });
    }
  });

export const httpMethod = z.enum(['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'CONNECT', 'TRACE']);

export const routeMatch = z
  .strictObject({
    prefix: z.string().startsWith('/').optional(),
    path: z.string().startsWith('/').optional(),
    regex: z.string().min(1).optional(),
    headers: z.array(headerMatch).default([]),
    methods: z.array(httpMethod).default([]),
  })
  .superRefine((m, ctx) => {
    const set = ['prefix', 'path', 'regex'].filter((k) => m[k as keyof typeof m] !== undefined);
    if (set.length !== 1) {
      ctx.addIssue({ code: 'custom', message: `set exactly one of prefix, path, regex (got ${set.length})` });
    }
  });

/** One weighted destination of a traffic split (canary, blue-green). */
export const splitTarget = z.strictObject({
  service: serviceName.optional(),
  subset: z.string().min(1).optional(),
  weight: z.number().int().min(0).max(10_000),
});

export const route = z
  .strictObject({
    name: z.string().regex(/^[a-z0-9][a-z0-9._-]*$/, 'must be lower-case letters, digits, ".", "_" or "-"'),
    domains: z.array(z.string().min(1)).min(1).default(['*']),
    match: routeMatch,
    /** The destination; with `split`, the default service of split targets that name none. */
    service: serviceName,
    /** Send to one subset of the service (e.g. a header route to the canary). */
    subset: z.string().min(1).optional(),
    /** Weighted destinations; weights are relative and must not all be zero. */
    split: z.array(splitTarget).min(1).optional(),
    timeout: durationMs.optional(),
    retries: retryPolicy.optional(),
    prefixRewrite: z.string().optional(),
  })
  .superRefine((r, ctx) => {
    if (r.split && r.subset !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['subset'], message: 'set subset or split, not both' });
    }
    if (r.split?.every((t) => t.weight === 0)) {
      ctx.addIssue({ code: 'custom', path: ['split'], message: 'at least one split weight must be above 0' });
    }
  });

export const listenerPolicy = z.strictObject({
  address: z.string().default('0.0.0.0'),
  port: z.number().int().min(1).max(65535).default(10000),
});

/** The policy file. */
export const policyFile = z.strictObject({
  listener: listenerPolicy.default({ address: '0.0.0.0', port: 10000 }),
  services: z.record(serviceName, servicePolicy).default({}),
  routes: z.array(route).default([]),
  /** Who may call which route (JWT, API keys, RBAC); absent means every route is open. */
  auth: authSection.optional(),
});

export type PolicyFile = z.output<typeof policyFile>;
export type RoutePolicy = z.output<typeof route>;
export type ServicePolicy = z.output<typeof servicePolicy>;
export type SidecarPolicy = z.output<typeof sidecarPolicy>;
export type LbPolicy = z.output<typeof lbPolicy>;
export type Protocol = z.output<typeof protocol>;
