// Options of the Consul catalog source, and their defaults in one place.
import type { Logger } from '../../log.ts';
import { DEFAULT_LOCALITY_KEYS, type LocalityKeys } from './mapping.ts';
import type { ConsulConnection } from './options.ts';
import type { Backoff } from './rate.ts';

/** Options of the Consul catalog source. */
export interface ConsulCatalogSourceOptions {
  readonly connection: ConsulConnection;
  readonly log: Logger;
  readonly name?: string;
  /** Blocking wait sent to Consul (default 60 s; Consul caps it at max_query_time). */
  readonly waitMs?: number;
  /** Read with `?stale` so any server answers (default true, consul-api.md §7.6). */
  readonly stale?: boolean;
  /** Concurrent health/service fetches (default 8). */
  readonly concurrency?: number;
  /**
   * Re-query pacing per watch: `burst` at once, then one per `intervalMs` (default 4 / 500 ms).
   * Health must follow Consul within a second even under churn, so the pace is at most two
   * re-queries a second per watch (three watches in all), never one long poll per service.
   */
  readonly rateLimit?: { readonly burst?: number; readonly intervalMs?: number };
  /** At most one full re-read of every service (a sweep) per this interval (default 10 s). */
  readonly sweepIntervalMs?: number;
  /** Error backoff (default 250 ms doubling to 30 s, jittered). */
  readonly backoff?: { readonly baseMs?: number; readonly maxMs?: number };
  /** Timeout of non-blocking reads (default 10 s). */
  readonly requestTimeoutMs?: number;
  /** Re-fetch every service this often as anti-entropy (default 10 min; 0 = never). */
  readonly resyncIntervalMs?: number;
  /** Consul services never emitted (default `consul` itself). */
  readonly exclude?: readonly string[];
  /** Node meta keys giving locality (default region / zone / sub_zone). */
  readonly localityKeys?: Partial<LocalityKeys>;
}

/** Options with every default applied. */
export interface ResolvedCatalogOptions {
  readonly connection: ConsulConnection;
  readonly log: Logger;
  readonly name: string;
  readonly waitMs: number;
  readonly stale: boolean;
  readonly concurrency: number;
  readonly rateLimit: { readonly burst: number; readonly intervalMs: number };
  readonly sweepIntervalMs: number;
  readonly backoff: Backoff;
  readonly requestTimeoutMs: number;
  readonly resyncIntervalMs: number;
  readonly exclude: readonly string[];
  readonly localityKeys: LocalityKeys;
}

/** Applies the defaults documented on ConsulCatalogSourceOptions. */
export function withDefaults(o: ConsulCatalogSourceOptions): ResolvedCatalogOptions {
  return {
    connection: o.connection,
    log: o.log,
    name: o.name ?? 'consul-catalog',
    waitMs: o.waitMs ?? 60_000,
    stale: o.stale ?? true,
    concurrency: o.concurrency ?? 8,
    rateLimit: { burst: o.rateLimit?.burst ?? 4, intervalMs: o.rateLimit?.intervalMs ?? 500 },
    // Sweeps cost one read per service: paced far slower than a watch's re-queries.
    sweepIntervalMs: o.sweepIntervalMs ?? 10_000,
    backoff: { baseMs: o.backoff?.baseMs ?? 250, maxMs: o.backoff?.maxMs ?? 30_000 },
    requestTimeoutMs: o.requestTimeoutMs ?? 10_000,
    resyncIntervalMs: o.resyncIntervalMs ?? 600_000,
    exclude: o.exclude ?? ['consul'],
    localityKeys: { ...DEFAULT_LOCALITY_KEYS, ...o.localityKeys },
  };
}
