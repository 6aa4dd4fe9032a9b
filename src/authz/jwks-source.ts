// One provider's signing keys, kept under a fetch discipline jose's remote set does not give
// (authz.md §b #6–#9): every fetch attempt (success or failure) starts a cooldown, so an unknown-kid
// storm or a dead IdP costs at most one fetch per cooldown; fetches are single-flight; keys past
// `cacheMaxAge` keep serving while a background refresh runs, for at most `staleWindow`; after that,
// or with nothing fetched yet, verification fails closed. Key selection itself is jose's
// createLocalJWKSet over the vetted keys.
import {
  calculateJwkThumbprint,
  createLocalJWKSet,
  errors,
  type FlattenedJWSInput,
  type JWSHeaderParameters,
} from 'jose';
import { GatehouseError } from '../errors.ts';
import type { Logger } from '../log.ts';
import { FetchError, type FetchOutcome } from './http-fetch.ts';
import { checkJwks, type KeyRejection } from './key-checks.ts';
import type { KeyLoader } from './key-loaders.ts';

/** No usable keys: nothing fetched yet, or the last good set is older than the stale window. */
export class KeysUnavailable extends GatehouseError {
  constructor(provider: string, detail: string) {
    super('JWKS_UNAVAILABLE', `no usable keys for provider "${provider}": ${detail}`);
  }
}

/** Timing of one source. */
export interface JwksTiming {
  readonly cacheMaxAgeMs: number;
  readonly cooldownMs: number;
  readonly staleWindowMs: number;
}

/** Options of a key source. */
export interface JwksSourceOptions extends JwksTiming {
  readonly provider: string;
  readonly load: KeyLoader;
  readonly now: () => number;
  readonly log: Logger;
  /** Called once per refresh attempt with its outcome. */
  readonly onFetch?: (outcome: FetchOutcome) => void;
  /** Called when a refresh brought a different set of keys (the token cache flushes). */
  readonly onKeysChanged?: () => void;
  /** Called for each key dropped by the checks. */
  readonly onKeyRejected?: (reason: KeyRejection) => void;
}

type LocalSet = ReturnType<typeof createLocalJWKSet>;

/** A provider's keys with cooldown, single-flight, negative caching and a bounded stale window. */
export class JwksSource {
  readonly #o: JwksSourceOptions;
  #good: { set: LocalSet; fetchedAt: number; fingerprint: string } | undefined;
  #inflight: Promise<void> | undefined;
  #lastAttemptAt: number | undefined;

  constructor(options: JwksSourceOptions) {
    this.#o = options;
  }

  /** jose's key-resolver signature: selects the key for a token's header. */
  readonly getKey = async (header: JWSHeaderParameters, token: FlattenedJWSInput): ReturnType<LocalSet> => {
    const set = await this.#usableSet();
    try {
      return await set(header, token);
    } catch (err) {
      // Unknown kid: join a fetch already under way, else start one if the cooldown allows.
      if (!(err instanceof errors.JWKSNoMatchingKey) || (!this.#inflight && !this.#mayAttempt())) throw err;
      await this.#refresh().catch(() => undefined);
      return (this.#good?.set ?? set)(header, token);
    }
  };

  /** True when keys are available without fetching (fresh or inside the stale window). */
  usable(): boolean {
    return (
      this.#good !== undefined && this.#o.now() - this.#good.fetchedAt < this.#o.cacheMaxAgeMs + this.#o.staleWindowMs
    );
  }

  /** Starts the first fetch in the background so the first Check does not wait for it. */
  warm(): void {
    if (!this.#good && this.#mayAttempt()) this.#refresh().catch(() => undefined);
  }

  /**
   * Background upkeep (the authorizer calls it on a timer): refreshes keys past `cacheMaxAge`, or
   * never fetched, so a Check after a long idle spell finds fresh keys instead of waiting for a
   * fetch longer than Envoy's Check timeout. Cooldown and single-flight still apply.
   */
  refreshIfDue(): void {
    const age = this.#good ? this.#o.now() - this.#good.fetchedAt : Number.POSITIVE_INFINITY;
    if (age >= this.#o.cacheMaxAgeMs && this.#inflight === undefined && this.#mayAttempt()) {
      this.#refresh().catch(() => undefined);
    }
  }

  /** For debug views and explain: age of the keys and when the last attempt happened. */
  status(): { fetchedAt?: number; lastAttemptAt?: number; usable: boolean } {
    return { fetchedAt: this.#good?.fetchedAt, lastAttemptAt: this.#lastAttemptAt, usable: this.usable() };
  }

  async #usableSet(): Promise<LocalSet> {
    const good = this.#good;
    const age = good ? this.#o.now() - good.fetchedAt : Number.POSITIVE_INFINITY;
    if (good && age < this.#o.cacheMaxAgeMs) return good.set;
    if (good && this.usable()) {
      if (this.#mayAttempt()) this.#refresh().catch(() => undefined);
      return good.set;
    }
    if (this.#inflight || this.#mayAttempt()) await this.#refresh().catch(() => undefined);
    if (this.#good && this.usable()) return this.#good.set;
    throw new KeysUnavailable(this.#o.provider, good ? 'the stale window has passed' : 'keys could not be fetched');
  }

  #mayAttempt(): boolean {
    return this.#lastAttemptAt === undefined || this.#o.now() - this.#lastAttemptAt >= this.#o.cooldownMs;
  }

  #refresh(): Promise<void> {
    if (!this.#inflight) {
      this.#lastAttemptAt = this.#o.now();
      this.#inflight = this.#fetch().finally(() => {
        this.#inflight = undefined;
      });
    }
    return this.#inflight;
  }

  async #fetch(): Promise<void> {
    const { provider, log } = this.#o;
    try {
      const checked = await checkJwks(await this.#o.load());
      for (const r of checked.rejected) {
        log.warn({ provider, kid: r.kid, reason: r.reason }, 'dropped a signing key that failed the checks');
        this.#o.onKeyRejected?.(r.reason);
      }
      if (checked.keys.length === 0) throw new FetchError('invalid_document', 'the set has no usable signing keys');
      const prints = await Promise.all(
        checked.keys.map(async (k) => `${k.kid ?? ''}:${await calculateJwkThumbprint(k)}`),
      );
      const fingerprint = prints.sort().join(',');
      const changed = this.#good !== undefined && this.#good.fingerprint !== fingerprint;
      this.#good = { set: createLocalJWKSet({ keys: [...checked.keys] }), fetchedAt: this.#o.now(), fingerprint };
      this.#o.onFetch?.('ok');
      if (changed) {
        log.info({ provider, keys: prints.length }, 'signing keys changed');
        this.#o.onKeysChanged?.();
      }
    } catch (err) {
      const outcome = err instanceof FetchError ? err.outcome : 'invalid_document';
      this.#o.onFetch?.(outcome);
      log.warn({ provider, outcome, error: (err as Error).message }, 'key refresh failed; last good keys kept');
      throw err;
    }
  }
}
