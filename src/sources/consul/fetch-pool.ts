// The bounded pool that re-fetches services marked dirty: at most `concurrency` requests at once, one
// request per service at a time (a service marked again while in flight is fetched once more after),
// failed fetches retried with jittered backoff, and an idle callback once nothing is queued or running.
import { type Backoff, backoffDelay } from './rate.ts';

/** Options of the pool. */
export interface FetchPoolOptions {
  readonly concurrency: number;
  readonly backoff: Backoff;
  /** Fetches and stores one service; a throw schedules a retry. */
  readonly fetch: (name: string) => Promise<void>;
  /** False for names no longer wanted (removed meanwhile); they are dropped. */
  readonly wanted: (name: string) => boolean;
  readonly onIdle: () => void;
  readonly onError: (name: string, err: unknown) => void;
  /** Every retry has succeeded. */
  readonly onRecovered: () => void;
}

/** Dirty set + bounded concurrency + retries. */
export class FetchPool {
  readonly #o: FetchPoolOptions;
  readonly #dirty = new Set<string>();
  readonly #running = new Set<string>();
  readonly #retries = new Map<string, { timer: NodeJS.Timeout; failures: number }>();
  #stopped = false;

  constructor(opts: FetchPoolOptions) {
    this.#o = opts;
  }

  /** Queues names for a fetch and starts what the concurrency allows. */
  mark(names: Iterable<string>): void {
    for (const n of names) this.#dirty.add(n);
    this.pump();
  }

  /** Starts queued fetches; calls onIdle when nothing is queued or running. */
  pump(): void {
    if (this.#stopped) return;
    for (const name of this.#dirty) {
      if (this.#running.size >= this.#o.concurrency) break;
      if (this.#running.has(name)) continue;
      this.#dirty.delete(name);
      if (!this.#o.wanted(name)) continue;
      this.#running.add(name);
      void this.#run(name).finally(() => {
        this.#running.delete(name);
        this.pump();
      });
    }
    if (this.#running.size === 0 && this.#dirty.size === 0) this.#o.onIdle();
  }

  stop(): void {
    this.#stopped = true;
    for (const r of this.#retries.values()) clearTimeout(r.timer);
    this.#retries.clear();
  }

  async #run(name: string): Promise<void> {
    try {
      await this.#o.fetch(name);
      const retry = this.#retries.get(name);
      if (!retry) return;
      clearTimeout(retry.timer);
      this.#retries.delete(name);
      if (this.#retries.size === 0) this.#o.onRecovered();
    } catch (err) {
      if (this.#stopped) return;
      const failures = (this.#retries.get(name)?.failures ?? 0) + 1;
      this.#o.onError(name, err);
      const timer = setTimeout(() => this.mark([name]), backoffDelay(failures, this.#o.backoff));
      this.#retries.set(name, { timer, failures });
    }
  }
}
