// Prometheus metrics of the authz service, registered into the registry the caller passes (the
// process-wide one from src/admin/metrics.ts, or a fresh one in tests).
import * as prom from 'prom-client';
import type { FetchOutcome } from './http-fetch.ts';
import type { KeyRejection } from './key-checks.ts';

/** What the authz service reports. */
export interface AuthzMetrics {
  decision(result: string, reason: string, route: string, seconds: number): void;
  jwksFetch(provider: string, outcome: FetchOutcome): void;
  keyRejected(provider: string, reason: KeyRejection): void;
  tokenCacheLookup(hit: boolean): void;
}

/** Metrics that record nothing (no registry given). */
export const NO_METRICS: AuthzMetrics = {
  decision: () => undefined,
  jwksFetch: () => undefined,
  keyRejected: () => undefined,
  tokenCacheLookup: () => undefined,
};

/** Creates the authz metrics in `registry`. */
export function createAuthzMetrics(registry: prom.Registry): AuthzMetrics {
  const registers = [registry];
  const decisions = new prom.Counter({
    name: 'gatehouse_authz_decisions_total',
    help: 'Check decisions by result (allow, unauthenticated, forbidden, error), reason code and route policy key',
    labelNames: ['result', 'reason', 'route'],
    registers,
  });
  const latency = new prom.Histogram({
    name: 'gatehouse_authz_check_duration_seconds',
    help: 'Time to decide one Check, including any key fetch it waited for',
    labelNames: ['result'],
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
    registers,
  });
  const fetches = new prom.Counter({
    name: 'gatehouse_authz_jwks_fetches_total',
    help: 'JWKS refresh attempts (discovery included) by provider and outcome',
    labelNames: ['provider', 'outcome'],
    registers,
  });
  const rejectedKeys = new prom.Counter({
    name: 'gatehouse_authz_jwks_keys_rejected_total',
    help: 'Keys dropped from fetched sets by the key checks, by provider and reason',
    labelNames: ['provider', 'reason'],
    registers,
  });
  const lookups = new prom.Counter({
    name: 'gatehouse_authz_token_cache_lookups_total',
    help: 'Verified-token cache lookups by result (hit, miss)',
    labelNames: ['result'],
    registers,
  });
  const counts = { hit: 0, miss: 0 };
  new prom.Gauge({
    name: 'gatehouse_authz_token_cache_hit_ratio',
    help: 'Share of token cache lookups that hit, since start',
    registers,
    collect() {
      const total = counts.hit + counts.miss;
      this.set(total === 0 ? 0 : counts.hit / total);
    },
  });
  return {
    decision: (result, reason, route, seconds) => {
      decisions.inc({ result, reason, route });
      latency.observe({ result }, seconds);
    },
    jwksFetch: (provider, outcome) => fetches.inc({ provider, outcome }),
    keyRejected: (provider, reason) => rejectedKeys.inc({ provider, reason }),
    tokenCacheLookup: (hit) => {
      counts[hit ? 'hit' : 'miss']++;
      lookups.inc({ result: hit ? 'hit' : 'miss' });
    },
  };
}
