// Which compiled policy decides a Check. The pipeline implements AuthzPolicySource; we keep the
// last N versions so a route that carries `gatehouse.policy_version` is decided on exactly the
// version that built it (architecture invariant 7) while Envoys catch up, and fail closed when that
// version is no longer held.
import type { CompiledAuthPolicy } from './compiled.ts';

/** One published policy version and its compiled auth section. */
export interface AuthzPolicyVersion {
  readonly version: string;
  readonly compiled: CompiledAuthPolicy;
}

/** Where the authz service gets policy from; implemented by the pipeline. */
export interface AuthzPolicySource {
  /** The version Envoy's routes are being built from now; undefined before the first publish. */
  current(): AuthzPolicyVersion | undefined;
  /** Optional: every newly published version, so none is missed between two Checks. Returns unsubscribe. */
  subscribe?(listener: (v: AuthzPolicyVersion) => void): () => void;
}

/** The chosen policy or why none could be chosen. */
export type Picked =
  | { readonly ok: true; readonly policy: AuthzPolicyVersion }
  | { readonly ok: false; readonly reason: 'policy_unavailable' | 'policy_version_unavailable' };

/** The last `size` versions seen, newest last. */
export class PolicyHistory {
  readonly #source: AuthzPolicySource;
  readonly #size: number;
  readonly #held = new Map<string, AuthzPolicyVersion>();
  readonly #onNew: (v: AuthzPolicyVersion) => void;
  readonly #unsubscribe: (() => void) | undefined;
  #latest: string | undefined;

  constructor(source: AuthzPolicySource, size: number, onNew: (v: AuthzPolicyVersion) => void) {
    this.#source = source;
    this.#size = Math.max(1, size);
    this.#onNew = onNew;
    this.#unsubscribe = source.subscribe?.((v) => this.#observe(v));
    const now = source.current();
    if (now) this.#observe(now);
  }

  #observe(v: AuthzPolicyVersion): void {
    const known = this.#held.get(v.version);
    if (known && (known.compiled === v.compiled || this.#latest === v.version)) return;
    this.#held.delete(v.version);
    this.#held.set(v.version, v);
    while (this.#held.size > this.#size) this.#held.delete(this.#held.keys().next().value!);
    this.#latest = v.version;
    this.#onNew(v);
  }

  /** The policy for a request: the version it names if held, else the current one. */
  pick(requested: string | undefined): Picked {
    const current = this.#source.current();
    if (current) this.#observe(current);
    if (requested !== undefined) {
      const held = this.#held.get(requested);
      return held ? { ok: true, policy: held } : { ok: false, reason: 'policy_version_unavailable' };
    }
    return current ? { ok: true, policy: current } : { ok: false, reason: 'policy_unavailable' };
  }

  /** Versions held, oldest first. */
  versions(): string[] {
    return [...this.#held.keys()];
  }

  /** All compiled policies held (for key-source bookkeeping). */
  policies(): CompiledAuthPolicy[] {
    return [...this.#held.values()].map((v) => v.compiled);
  }

  /** Stops listening to the source. */
  close(): void {
    this.#unsubscribe?.();
  }
}
