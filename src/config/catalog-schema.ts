// Schema of the static catalog file: where services run. Consul produces the same shape.
import { isIP } from 'node:net';
import { z } from 'zod';

/** A service or instance name: DNS-label-like so it is safe in resource names and authorities. */
export const serviceName = z
  .string()
  .regex(/^[a-z0-9]([a-z0-9._-]{0,126}[a-z0-9])?$/, 'must be lower-case letters, digits, ".", "_" or "-"');

/** Health as Envoy understands it. */
export const health = z.enum(['healthy', 'unhealthy', 'draining', 'unknown']);

export const locality = z.strictObject({
  region: z.string().default(''),
  zone: z.string().default(''),
  subZone: z.string().default(''),
});

export const instance = z.strictObject({
  id: z.string().min(1).optional(),
  address: z.string().refine((a) => isIP(a) !== 0, 'must be an IPv4 or IPv6 literal (EDS needs IPs)'),
  port: z.number().int().min(1).max(65535),
  health: health.default('healthy'),
  weight: z.number().int().min(1).max(128).default(1),
  tags: z.array(z.string()).default([]),
  metadata: z.record(z.string(), z.string()).default({}),
  locality: locality.default({ region: '', zone: '', subZone: '' }),
  /** The instance's datacenter when it is not the catalog's own (failover targets). */
  datacenter: z.string().min(1).optional(),
});

export const catalogService = z.strictObject({
  instances: z.array(instance).default([]),
  tags: z.array(z.string()).default([]),
  metadata: z.record(z.string(), z.string()).default({}),
});

/** The catalog file: `services: { name: { instances: [...] } }`. */
export const catalogFile = z.strictObject({
  /** The local datacenter; instances naming another one serve only as failover. */
  datacenter: z.string().min(1).optional(),
  services: z.record(serviceName, catalogService).default({}),
});

export type CatalogFile = z.output<typeof catalogFile>;
export type CatalogInstance = z.output<typeof instance>;
