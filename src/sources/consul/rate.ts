// Pacing for Consul watches: a token bucket that lets quiet periods re-query at once but bounds the
// rate while results churn (Consul's blocking-query guidance: burst 2), and exponential backoff with
// jitter for errors so a fleet of control planes does not retry in lockstep.

/** Waits that stop() can cut short. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}

/** A token bucket: `burst` tokens, one more every `intervalMs`. */
export class TokenBucket {
  readonly #burst: number;
  readonly #intervalMs: number;
  readonly #now: () => number;
  #tokens: number;
  #at: number;

  constructor(burst: number, intervalMs: number, now: () => number = Date.now) {
    this.#burst = Math.max(1, burst);
    this.#intervalMs = Math.max(0, intervalMs);
    this.#now = now;
    this.#tokens = this.#burst;
    this.#at = now();
  }

  /** How long to wait before the next call may go (0 = now); takes the token when it is 0. */
  delay(): number {
    if (this.#intervalMs === 0) return 0;
    const now = this.#now();
    this.#tokens = Math.min(this.#burst, this.#tokens + (now - this.#at) / this.#intervalMs);
    this.#at = now;
    if (this.#tokens >= 1) {
      this.#tokens -= 1;
      return 0;
    }
    return Math.ceil((1 - this.#tokens) * this.#intervalMs);
  }

  /** Resolves when a token is available (or on abort). */
  async take(signal: AbortSignal): Promise<void> {
    for (let wait = this.delay(); wait > 0 && !signal.aborted; wait = this.delay()) await sleep(wait, signal);
  }
}

/** Backoff settings. */
export interface Backoff {
  readonly baseMs: number;
  readonly maxMs: number;
}

/** Delay before retry number `failures` (1-based): "equal jitter": a random point in the upper half of min(max, base * 2^(n-1)). */
export function backoffDelay(failures: number, b: Backoff, random: () => number = Math.random): number {
  const ceiling = Math.min(b.maxMs, b.baseMs * 2 ** Math.max(0, failures - 1));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}
