// The one loop from (latest catalog, latest policy) to a published snapshot. Debounced with a
// quiet period and a maximum delay; publishes only after every source has synced once; a build
// that fails keeps the last good snapshot serving. Knows no Consul HTTP, gRPC or Envoy fields.
import { stringify } from 'yaml';
import { z } from 'zod';
import type { AuthzPolicySource, AuthzPolicyVersion } from './authz/index.ts';
import { type Compiled, compile } from './compile.ts';
import { type Parsed, parsePolicy, policyFile } from './config/index.ts';
import { type Diagnostic, problem } from './errors.ts';
import type { Logger } from './log.ts';
import type { Catalog, Observability, Policy } from './model/index.ts';
import { PolicyHistory, type PolicyRecord, policyVersion } from './policy/index.ts';
import { diffSnapshots, type SnapshotDiff, type SnapshotHolder } from './snapshot/index.ts';
import type { Source, SourceHealth } from './sources/index.ts';
import { ValidationMemo } from './translate/validate/index.ts';

/** Hooks for metrics. */
export interface PipelineHooks {
  onBuild?(result: 'published' | 'unchanged' | 'failed', durationMs: number): void;
  onSourceRejected?(source: string): void;
}

/** Options of the pipeline. */
export interface PipelineOptions {
  readonly catalog: Source<Catalog>;
  readonly policy: Source<Policy>;
  readonly holder: SnapshotHolder;
  readonly log: Logger;
  readonly quietPeriodMs: number;
  /** Quiet period of the fast lane: catalog-only changes (endpoints, health). Default: quietPeriodMs. */
  readonly endpointQuietPeriodMs?: number;
  readonly maxDelayMs: number;
  readonly hooks?: PipelineHooks;
  readonly now?: () => number;
  /** Where Envoys reach the Check service (read at each build; undefined until it listens). */
  readonly authz?: () => { readonly host: string; readonly port: number; readonly timeoutMs: number } | undefined;
  /** What the Envoys report (settings `observability`); absent: nothing. */
  readonly observability?: Observability;
  /** How many published policy versions to keep for rollback (default 20). */
  readonly historyLimit?: number;
}

/** What applying a policy would do, or why it cannot be applied. */
export type PolicyPreview =
  | { ok: true; version: string; changes: SnapshotDiff; warnings: readonly Diagnostic[] }
  | { ok: false; diagnostics: readonly Diagnostic[] };

/** What /readyz and /debug show about the pipeline. */
export interface PipelineStatus {
  readonly ready: boolean;
  /** Serving, but some source cannot refresh (e.g. Consul unreachable): the last data keeps serving. */
  readonly degraded: boolean;
  readonly sources: Readonly<Record<string, SourceHealth>>;
  readonly synced: Readonly<Record<string, boolean>>;
  readonly version?: string;
  readonly lastBuildAt?: string;
  /** Problems of the latest refused input or failed build; empty once a build succeeds. */
  readonly problems: readonly Diagnostic[];
  readonly warnings: readonly Diagnostic[];
}

/** The debounced build loop; also the Check service's policy source (the same version as routes). */
export class Pipeline implements AuthzPolicySource {
  readonly #o: PipelineOptions;
  readonly #now: () => number;
  #catalog: Catalog | undefined;
  #policy: Policy | undefined;
  #timer: NodeJS.Timeout | undefined;
  #firstPendingAt: number | undefined;
  /** Whether the pending build includes a policy change (the slow lane). */
  #policyPending = false;
  #problems: readonly Diagnostic[] = [];
  #sourceProblems = new Map<string, readonly Diagnostic[]>();
  #warnings: readonly Diagnostic[] = [];
  #lastBuildAt: number | undefined;
  #builds = 0;
  #lastBuildMs = 0;
  readonly #memo = new ValidationMemo();
  readonly #history: PolicyHistory;
  #pendingAuthor: string | undefined;
  #authz: AuthzPolicyVersion | undefined;
  readonly #authzListeners = new Set<(v: AuthzPolicyVersion) => void>();
  readonly #waiters: (() => void)[] = [];

  constructor(opts: PipelineOptions) {
    this.#o = opts;
    this.#now = opts.now ?? Date.now;
    this.#history = new PolicyHistory(opts.historyLimit ?? 20);
  }

  /** Starts both sources; the first build runs once both have delivered a value. */
  start(): void {
    this.#o.catalog.start(this.#sink('catalog', (c) => (this.#catalog = c)));
    this.#o.policy.start(this.#sink('policy', (p) => (this.#policy = p)));
  }

  /** Stops sources and the timer. */
  async stop(): Promise<void> {
    clearTimeout(this.#timer);
    await Promise.all([this.#o.catalog.stop(), this.#o.policy.stop()]);
  }

  /** Readiness, sync state and the latest problems. */
  status(): PipelineStatus {
    const current = this.#o.holder.current();
    const sources: Record<string, SourceHealth> = {};
    for (const [name, src] of [
      ['catalog', this.#o.catalog],
      ['policy', this.#o.policy],
    ] as const) {
      const h = src.status?.();
      if (h)
        sources[name] = {
          healthy: h.healthy,
          ...(h.since && { since: h.since }),
          ...(h.lastError && { lastError: h.lastError }),
        };
    }
    return {
      ready: current !== undefined,
      degraded: Object.values(sources).some((h) => !h.healthy),
      sources,
      synced: { catalog: this.#catalog !== undefined, policy: this.#policy !== undefined },
      ...(current && { version: current.snapshot.version }),
      ...(this.#lastBuildAt !== undefined && { lastBuildAt: new Date(this.#lastBuildAt).toISOString() }),
      problems: [...[...this.#sourceProblems.values()].flat(), ...this.#problems],
      warnings: this.#warnings,
    };
  }

  /** The latest inputs (for debug views). */
  inputs(): { catalog?: Catalog; policy?: Policy } {
    return { ...(this.#catalog && { catalog: this.#catalog }), ...(this.#policy && { policy: this.#policy }) };
  }

  /** Compiles `text` against the current catalog and says what it would change, per profile. */
  preview(text: string): PolicyPreview {
    const parsed: Parsed<Policy> = parsePolicy(text, 'policy');
    if (!parsed.ok) return parsed;
    if (this.#catalog === undefined) {
      return { ok: false, diagnostics: [problem('MODEL_INVALID', 'catalog', 'the catalog has not synced yet')] };
    }
    const compiled = compile(this.#catalog, parsed.value, {
      previous: this.#o.holder.current()?.snapshot,
      authz: this.#o.authz?.(),
      observability: this.#o.observability,
    });
    if (!compiled.snapshot) return { ok: false, diagnostics: compiled.diagnostics };
    return {
      ok: true,
      version: policyVersion(parsed.value),
      changes: diffSnapshots(this.#o.holder.current()?.snapshot, compiled.snapshot),
      warnings: compiled.diagnostics,
    };
  }

  /**
   * Applies a policy: refused with every problem unless it compiles; otherwise stored through the
   * policy source (file or KV, so a restart keeps it) and built right away.
   */
  async apply(text: string, author: string): Promise<PolicyPreview> {
    const preview = this.preview(text);
    if (!preview.ok) return preview;
    await this.#o.policy.write?.(text);
    const parsed = parsePolicy(text, 'policy');
    if (parsed.ok) {
      this.#policy = parsed.value;
      this.#pendingAuthor = author;
      this.#o.log.info({ author, version: preview.version }, 'policy applied');
      this.#schedule();
    }
    return preview;
  }

  /** Re-applies a held policy version (default: the one before the current). */
  async rollback(author: string, version?: string): Promise<PolicyPreview> {
    const record = this.#history.find(version);
    if (!record) {
      const what =
        version === undefined ? 'no earlier policy version is held' : `policy version "${version}" is not held`;
      return { ok: false, diagnostics: [problem('USAGE', 'version', what)] };
    }
    // Written back in input form (durations as "5s"), so the file reads like one a person wrote.
    return this.apply(stringify(z.encode(policyFile, record.policy)), `${author} (rollback to ${record.version})`);
  }

  /** The auth policy compiled from the policy version that built the current routes. */
  current(): AuthzPolicyVersion | undefined {
    return this.#authz;
  }

  /** Every auth policy version as it is published. */
  subscribe(listener: (v: AuthzPolicyVersion) => void): () => void {
    this.#authzListeners.add(listener);
    return () => this.#authzListeners.delete(listener);
  }

  /** Published policy versions, newest first. */
  history(): Omit<PolicyRecord, 'policy'>[] {
    return this.#history.list();
  }

  /** The version of the policy the current snapshot was built from. */
  policyVersion(): string | undefined {
    return this.#history.latest()?.version;
  }

  /** Resolves after the next build attempt completes (for tests and the CLI). */
  nextBuild(): Promise<void> {
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  /** How long the latest build took (ms). */
  get lastBuildMs(): number {
    return this.#lastBuildMs;
  }

  /** Number of build attempts so far. */
  get builds(): number {
    return this.#builds;
  }

  #sink<T>(name: string, assign: (v: T) => void) {
    return {
      update: (value: T) => {
        assign(value);
        this.#sourceProblems.delete(name);
        this.#schedule(name === 'catalog' ? 'catalog' : 'policy');
      },
      reject: (diagnostics: readonly Diagnostic[]) => {
        this.#sourceProblems.set(name, diagnostics);
        this.#o.hooks?.onSourceRejected?.(name);
        this.#wake();
      },
    };
  }

  /**
   * Two lanes: a catalog-only change (endpoints, health) waits the short endpoint quiet period;
   * anything with a policy change waits the full one. Both are bounded by the maximum delay.
   */
  #schedule(lane: 'catalog' | 'policy' = 'policy'): void {
    if (lane === 'policy') this.#policyPending = true;
    if (this.#catalog === undefined || this.#policy === undefined) return;
    const now = this.#now();
    this.#firstPendingAt ??= now;
    const deadline = this.#firstPendingAt + this.#o.maxDelayMs;
    const quiet = this.#policyPending
      ? this.#o.quietPeriodMs
      : (this.#o.endpointQuietPeriodMs ?? this.#o.quietPeriodMs);
    const at = Math.min(now + quiet, deadline);
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => this.#run(), Math.max(0, at - now));
  }

  #run(): void {
    this.#firstPendingAt = undefined;
    this.#policyPending = false;
    const started = performance.now();
    const previous = this.#o.holder.current()?.snapshot;
    let result: Compiled;
    try {
      result = compile(this.#catalog!, this.#policy!, {
        previous,
        memo: this.#memo,
        authz: this.#o.authz?.(),
        observability: this.#o.observability,
      });
    } catch (err) {
      // A bug, not bad input: report it as a failed build and keep serving.
      this.#o.log.error({ err }, 'build crashed; keeping the last good snapshot');
      result = {
        diagnostics: [problem('MODEL_INVALID', '', `internal error: ${(err as Error).message}`)],
        policyVersion: policyVersion(this.#policy!),
      };
    }
    const ms = performance.now() - started;
    this.#lastBuildMs = ms;
    this.#builds++;
    this.#lastBuildAt = this.#now();
    this.#warnings = result.diagnostics.filter((d) => d.severity === 'warning');
    if (!result.snapshot) {
      this.#problems = result.diagnostics.filter((d) => d.severity === 'error');
      this.#o.log.warn({ problems: this.#problems }, 'build refused; the last good snapshot keeps serving');
      this.#o.hooks?.onBuild?.('failed', ms);
    } else {
      this.#problems = [];
      // Auth first: a route carrying the new version must find it when its first Check arrives.
      if (result.auth && this.#authz?.version !== result.policyVersion) {
        this.#authz = { version: result.policyVersion, compiled: result.auth };
        for (const l of this.#authzListeners) l(this.#authz);
      }
      const published = this.#o.holder.publish(result.snapshot);
      this.#history.record({
        version: result.policyVersion,
        appliedAt: new Date(this.#now()).toISOString(),
        author: this.#pendingAuthor ?? `source:${this.#o.policy.name}`,
        changes: diffSnapshots(previous, result.snapshot),
        policy: this.#policy!,
      });
      this.#pendingAuthor = undefined;
      this.#o.log.info({ version: result.snapshot.version, ms: Math.round(ms), published }, 'build complete');
      this.#o.hooks?.onBuild?.(published ? 'published' : 'unchanged', ms);
    }
    this.#wake();
  }

  #wake(): void {
    for (const w of this.#waiters.splice(0)) w();
  }
}
