// One Consul blocking query run as a loop, following the client rules of consul-api.md §2.9:
// never act on a reply without X-Consul-Index; reset to 0 when the index goes backwards; treat an
// index <= 0 as 1; re-query through a token bucket (quiet periods go at once, churn is paced); back off
// with jitter on errors while the last data keeps serving. It reports every reply whose index moved;
// deciding whether the content changed is the caller's job (a return is no guarantee of a change).
import type { Logger } from '../../log.ts';
import { type CallOptions, type ConsulClient, type ConsulReply, explain } from './client.ts';
import { type Backoff, backoffDelay, sleep, type TokenBucket } from './rate.ts';
import type { StatusTracker } from './status.ts';

/** Options of one blocking loop. */
export interface BlockingLoopOptions<T> {
  /** Names the watch in status and logs, e.g. `catalog/services`. */
  readonly name: string;
  readonly client: ConsulClient;
  /** Issues the read with the npm client; `index`/`wait` are absent for the first (non-blocking) read. */
  readonly read: (o: CallOptions & { index?: string; wait?: string }) => Promise<unknown>;
  readonly waitMs: number;
  /** Timeout of a non-blocking read. */
  readonly requestTimeoutMs: number;
  readonly bucket: TokenBucket;
  readonly backoff: Backoff;
  readonly status: StatusTracker;
  readonly log: Logger;
  /** Called with every reply whose index moved (and the first one). */
  readonly onChange: (body: T | undefined, index: number, reply: ConsulReply<T>) => void | Promise<void>;
}

/** A blocking query that keeps running until stop(). */
export class BlockingLoop<T> {
  readonly #o: BlockingLoopOptions<T>;
  readonly #abort = new AbortController();
  #index = 0;
  #failures = 0;
  #running: Promise<void> | undefined;

  constructor(opts: BlockingLoopOptions<T>) {
    this.#o = opts;
  }

  /** The index the next read will block on (0 before the first reply or after a reset). */
  get index(): number {
    return this.#index;
  }

  start(): void {
    this.#running ??= this.#run();
  }

  async stop(): Promise<void> {
    this.#abort.abort();
    await this.#running;
  }

  async #run(): Promise<void> {
    const o = this.#o;
    const signal = this.#abort.signal;
    while (!signal.aborted) {
      await o.bucket.take(signal);
      if (signal.aborted) break;
      const index = this.#index;
      // After a failure the retry does not block: a reply proves Consul is back at once (a blocking
      // read would keep the source degraded for a whole wait). An unchanged index is then skipped.
      const block = index > 0 && this.#failures === 0;
      const blocking = block ? { index: String(index), wait: `${o.waitMs}ms` } : {};
      // Consul adds up to wait/16 of jitter; leave room for it and the transfer.
      const timeout = block ? Math.ceil((o.waitMs * 17) / 16) + 5_000 : o.requestTimeoutMs;
      let reply: ConsulReply<T>;
      try {
        reply = await o.client.call<T>((c) => o.read({ ...c, ...blocking }), timeout);
      } catch (err) {
        if (signal.aborted) break;
        this.#failures++;
        o.status.fail(o.name, explain(err, o.name, o.client.hasToken));
        await sleep(backoffDelay(this.#failures, o.backoff), signal);
        continue;
      }
      this.#failures = 0;
      o.status.ok(o.name);
      if (reply.index < index) {
        o.log.info({ watch: o.name, from: index, to: reply.index }, 'consul index went backwards; resetting');
        this.#index = 0;
        continue;
      }
      const next = Math.max(1, reply.index);
      if (next === index) continue;
      this.#index = next;
      try {
        await o.onChange(reply.body, next, reply);
      } catch (err) {
        o.log.error({ watch: o.name, err }, 'consul change handler failed');
      }
    }
  }
}
