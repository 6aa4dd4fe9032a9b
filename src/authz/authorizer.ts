// The runtime around decide(): one key source per distinct provider key configuration (shared by
// policy versions, so a policy change does not refetch unchanged JWKS), the verified-token cache
// (flushed on every new policy version and on every key change), and the clock.
import { readFile } from 'node:fs/promises';
import type { Logger } from '../log.ts';
import type { CompiledAuthPolicy, CompiledRoute, ProviderSpec } from './compiled.ts';
import { decide } from './decide.ts';
import type { AuthzRequest, Decision } from './decision.ts';
import { JwksSource } from './jwks-source.ts';
import { type JwtOutcome, verifyJwt } from './jwt-verify.ts';
import { keyLoader } from './key-loaders.ts';
import type { AuthzMetrics } from './metrics.ts';
import type { AuthzPolicyVersion } from './policy-history.ts';
import { TokenCache, tokenCacheKey } from './token-cache.ts';

/** Options of the authorizer. */
export interface AuthorizerOptions {
  readonly log: Logger;
  readonly metrics: AuthzMetrics;
  readonly now: () => number;
}

/** Decides requests on policy versions, holding key sources and the token cache. */
export class Authorizer {
  readonly #o: AuthorizerOptions;
  readonly #sources = new Map<string, JwksSource>();
  #cache: TokenCache;
  #upkeep: NodeJS.Timeout | undefined;

  constructor(options: AuthorizerOptions) {
    this.#o = options;
    this.#cache = new TokenCache(0, options.now);
  }

  /** A new policy version: flush the cache, drop key sources no held version uses, warm the rest. */
  onPolicy(latest: CompiledAuthPolicy, held: readonly CompiledAuthPolicy[]): void {
    const size = latest.settings.tokenCacheSize;
    this.#cache = new TokenCache(size, this.#o.now);
    const used = new Set(held.flatMap((p) => [...p.providers.values()].map((s) => s.sourceKey)));
    for (const key of this.#sources.keys()) if (!used.has(key)) this.#sources.delete(key);
    for (const spec of latest.providers.values()) this.keys(spec).warm();
  }

  /** Keeps every provider's keys fresh without traffic; call `close()` to stop. */
  startUpkeep(intervalMs = 15_000): void {
    this.#upkeep ??= setInterval(() => {
      for (const source of this.#sources.values()) source.refreshIfDue();
    }, intervalMs);
    this.#upkeep.unref();
  }

  /** Stops background key upkeep. */
  close(): void {
    clearInterval(this.#upkeep);
    this.#upkeep = undefined;
  }

  /** The key source of a provider, created on first use. */
  keys(spec: ProviderSpec): JwksSource {
    let source = this.#sources.get(spec.sourceKey);
    if (!source) {
      const { log, metrics, now } = this.#o;
      const f = spec.fetch;
      const limits = { timeoutMs: f.timeout, maxBytes: f.maxBytes, insecureHttpHosts: f.insecureHttpHosts };
      source = new JwksSource({
        provider: spec.name,
        ...spec.timing,
        now,
        log,
        load: async () => {
          const ca = spec.caFile ? await readFile(spec.caFile, 'utf8') : undefined;
          return keyLoader(spec.location, { ...limits, ...(ca ? { ca } : {}) })();
        },
        onFetch: (outcome) => metrics.jwksFetch(spec.name, outcome),
        onKeyRejected: (reason) => metrics.keyRejected(spec.name, reason),
        onKeysChanged: () => this.#cache.clear(),
      });
      this.#sources.set(spec.sourceKey, source);
    }
    return source;
  }

  /** Decides one request on one policy version. Throws only on internal faults. */
  decide(req: AuthzRequest, policy: AuthzPolicyVersion): Promise<Decision> {
    const { compiled, version } = policy;
    return decide(req, compiled, {
      now: this.#o.now,
      verifyJwt: (token, route) => this.#verify(token, route, compiled, version),
    });
  }

  async #verify(token: string, route: CompiledRoute, policy: CompiledAuthPolicy, version: string): Promise<JwtOutcome> {
    const specs = route.providers.map((n) => policy.providers.get(n)).filter((p): p is ProviderSpec => p !== undefined);
    const key = tokenCacheKey(token, version, route.providers);
    const hit = this.#cache.get(key);
    const hitSpec = hit && policy.providers.get(hit.provider);
    // A cached token is only as good as its provider's keys: past the stale window it fails closed too.
    if (hit && hitSpec && this.keys(hitSpec).usable()) {
      this.#o.metrics.tokenCacheLookup(true);
      return { kind: 'verified', identity: hit };
    }
    this.#o.metrics.tokenCacheLookup(false);
    const out = await verifyJwt(token, specs, {
      keys: (p) => this.keys(p),
      now: this.#o.now,
      maxTokenBytes: policy.settings.maxTokenBytes,
    });
    if (out.kind === 'verified') this.#cache.set(key, out.identity);
    return out;
  }

  /** The token cache (tests and debug views read its size and stats). */
  get tokenCache(): TokenCache {
    return this.#cache;
  }
}
