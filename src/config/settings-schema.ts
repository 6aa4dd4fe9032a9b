// Schema of the settings file: how Gatehouse itself runs (addresses, sources, timings).
import { z } from 'zod';
import { durationMs } from './duration.ts';
import { listenAddress } from './listen-address.ts';
import { observabilitySettings } from './observability-schema.ts';

export const settingsFile = z.strictObject({
  // `.prefault({})` on a section: absent, it is parsed as `{}`, so its fields' defaults fill it.
  xds: z.strictObject({ address: listenAddress.default('127.0.0.1:18000') }).prefault({}),
  admin: z.strictObject({ address: listenAddress.default('127.0.0.1:9902') }).prefault({}),
  authz: z
    .strictObject({
      /** Where the ext_authz Check service listens. */
      address: listenAddress.default('127.0.0.1:18001'),
      /** The address Envoys dial for Check (default: address); set it when Envoys run elsewhere. */
      advertise: listenAddress.optional(),
      /** How long Envoy waits for a Check before answering with the error status. */
      timeout: durationMs.default(250),
    })
    .prefault({}),
  /** Consul connection; CONSUL_HTTP_ADDR / CONSUL_HTTP_TOKEN and friends fill what is unset. */
  consul: z
    .strictObject({
      address: z.string().min(1),
      token: z.string().min(1).optional(),
      tokenFile: z.string().min(1).optional(),
      datacenter: z.string().min(1).optional(),
      /** Datacenters also watched, whose instances serve as failover (policy `failover` orders them). */
      failoverDatacenters: z.array(z.string().min(1)).default([]),
      caFile: z.string().min(1).optional(),
      certFile: z.string().min(1).optional(),
      keyFile: z.string().min(1).optional(),
      tlsServerName: z.string().min(1).optional(),
    })
    .optional(),
  /** Where services run: a static file, or Consul (`consul: true`, the `consul` section above). */
  catalog: z
    .strictObject({ file: z.string().min(1).optional(), consul: z.boolean().default(false) })
    .refine((c) => (c.file !== undefined) !== c.consul, 'set exactly one of file or consul: true')
    .default({ consul: true }),
  /** The policy: a file, a Consul KV prefix (`<prefix>/policy.yaml`), or neither (an empty policy). */
  policy: z
    .strictObject({ file: z.string().min(1).optional(), consulPrefix: z.string().min(1).optional() })
    .refine((p) => !(p.file !== undefined && p.consulPrefix !== undefined), 'set at most one of file or consulPrefix')
    .default({}),
  pipeline: z
    .strictObject({
      quietPeriod: durationMs.default(100),
      /** The fast lane: catalog-only changes (endpoints, health) wait only this long. */
      endpointQuietPeriod: durationMs.default(20),
      maxDelay: durationMs.default(1000),
    })
    .prefault({}),
  observability: observabilitySettings,
  log: z
    .strictObject({ level: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info') })
    .prefault({}),
});

export type Settings = z.output<typeof settingsFile>;

/** Settings whose sources need Consul must have a consul section: checked after env is applied. */
export function needsConsul(s: Settings): boolean {
  return s.catalog.consul || s.policy.consulPrefix !== undefined;
}
