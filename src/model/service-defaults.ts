// Service metadata as defaults, so a service registered in Consul is routable with no Gatehouse
// config at all. The policy overrides every one of these. Keys (service Meta in Consul):
//   gatehouse-route            path prefix the edge routes to the service, e.g. "/orders/"
//   gatehouse-host             domain of that route (default "*")
//   gatehouse-protocol         http | http2 | grpc
//   gatehouse-lb-policy        round_robin | least_request | ring_hash | random | maglev
//   gatehouse-connect-timeout  e.g. "250ms"
// A bad value is a warning naming the service, key and value; the key is ignored, nothing blocks.
import { durationMs, type LbPolicy, lbPolicy, type Protocol, protocol } from '../config/index.ts';
import { type Diagnostic, warning } from '../errors.ts';
import type { Catalog } from './types.ts';

/** The metadata keys Gatehouse reads. */
export const META = {
  route: 'gatehouse-route',
  host: 'gatehouse-host',
  protocol: 'gatehouse-protocol',
  lbPolicy: 'gatehouse-lb-policy',
  connectTimeout: 'gatehouse-connect-timeout',
} as const;

/** Defaults one service declares about itself. */
export interface ServiceDefaults {
  readonly lbPolicy?: LbPolicy;
  readonly protocol?: Protocol;
  readonly connectTimeoutMs?: number;
  readonly route?: { readonly prefix: string; readonly host: string };
}

/** Service-level metadata, falling back to what its instances agree on (Consul Meta is per instance). */
function metadataOf(entry: Catalog['services'][string]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key of Object.values(META)) {
    const own = entry.metadata[key];
    const values = new Set(entry.instances.map((i) => i.metadata[key]).filter((v) => v !== undefined));
    if (own !== undefined) out[key] = own;
    else if (values.size === 1) out[key] = [...values][0]!;
  }
  return out;
}

/** Reads the gatehouse-* metadata of a catalog service. */
export function serviceDefaults(
  service: string,
  entry: Catalog['services'][string] | undefined,
  diagnostics: Diagnostic[],
): ServiceDefaults {
  if (!entry) return {};
  // Catalog entries are frozen and kept by identity while unchanged: read each one once.
  const hit = memo.get(entry);
  if (hit?.service === service) {
    diagnostics.push(...hit.diagnostics);
    return hit.defaults;
  }
  const own: Diagnostic[] = [];
  const defaults = readDefaults(service, entry, own);
  memo.set(entry, { service, defaults, diagnostics: own });
  diagnostics.push(...own);
  return defaults;
}

const memo = new WeakMap<object, { service: string; defaults: ServiceDefaults; diagnostics: readonly Diagnostic[] }>();

function readDefaults(
  service: string,
  entry: Catalog['services'][string] | undefined,
  diagnostics: Diagnostic[],
): ServiceDefaults {
  if (!entry) return {};
  const meta = metadataOf(entry);
  const bad = (key: string, why: string) =>
    diagnostics.push(
      warning('MODEL_INVALID', `catalog.services.${service}.metadata.${key}`, `${why} (got "${meta[key]}"); ignored`),
    );
  const out: { -readonly [K in keyof ServiceDefaults]: ServiceDefaults[K] } = {};
  if (meta[META.lbPolicy] !== undefined) {
    const r = lbPolicy.safeParse(meta[META.lbPolicy]);
    if (r.success) out.lbPolicy = r.data;
    else bad(META.lbPolicy, `must be one of ${lbPolicy.options.join(', ')}`);
  }
  if (meta[META.protocol] !== undefined) {
    const r = protocol.safeParse(meta[META.protocol]);
    if (r.success) out.protocol = r.data;
    else bad(META.protocol, `must be one of ${protocol.options.join(', ')}`);
  }
  if (meta[META.connectTimeout] !== undefined) {
    const r = durationMs.safeParse(meta[META.connectTimeout]);
    if (r.success) out.connectTimeoutMs = r.data;
    else bad(META.connectTimeout, 'must be a duration like "250ms"');
  }
  const prefix = meta[META.route];
  if (prefix !== undefined) {
    if (prefix.startsWith('/')) out.route = { prefix, host: meta[META.host] ?? '*' };
    else bad(META.route, 'must be a path prefix starting with "/"');
  }
  return out;
}
