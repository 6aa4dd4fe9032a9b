// Verified tokens remembered so a busy route does not re-run signature checks: keyed by a SHA-256
// digest of the token (the token itself is never stored) plus provider and policy version, each
// entry dropped at the token's `exp`, least recently used entries evicted past the size bound, and
// everything flushed when the policy or a provider's keys change.
import { createHash } from 'node:crypto';
import type { JwtIdentity } from './jwt-verify.ts';

/** Cache lookups, for the hit-ratio metric. */
export interface TokenCacheStats {
  hits: number;
  misses: number;
}

/** The cache key of a token under a provider set and policy version. */
export function tokenCacheKey(token: string, version: string, providers: readonly string[]): string {
  return `${createHash('sha256').update(token).digest('base64url')}|${version}|${providers.join(',')}`;
}

/** A bounded LRU of verified identities. */
export class TokenCache {
  readonly #max: number;
  readonly #now: () => number;
  readonly #entries = new Map<string, JwtIdentity>();
  readonly stats: TokenCacheStats = { hits: 0, misses: 0 };

  constructor(maxEntries: number, now: () => number) {
    this.#max = maxEntries;
    this.#now = now;
  }

  /** The identity for `key` if still valid; counts a hit or a miss. */
  get(key: string): JwtIdentity | undefined {
    const hit = this.#entries.get(key);
    if (hit && hit.expiresAtMs > this.#now()) {
      this.#entries.delete(key);
      this.#entries.set(key, hit);
      this.stats.hits++;
      return hit;
    }
    if (hit) this.#entries.delete(key);
    this.stats.misses++;
    return undefined;
  }

  /** Remembers a verified identity until its `exp` (and `validUntilMs`, when earlier). */
  set(key: string, identity: JwtIdentity, validUntilMs = Number.POSITIVE_INFINITY): void {
    if (this.#max === 0) return;
    const until = Math.min(identity.expiresAtMs, validUntilMs);
    if (until <= this.#now()) return;
    this.#entries.delete(key);
    this.#entries.set(key, until === identity.expiresAtMs ? identity : { ...identity, expiresAtMs: until });
    while (this.#entries.size > this.#max) this.#entries.delete(this.#entries.keys().next().value!);
  }

  /** Drops everything (policy or keys changed). */
  clear(): void {
    this.#entries.clear();
  }

  /** Number of entries held. */
  get size(): number {
    return this.#entries.size;
  }
}
