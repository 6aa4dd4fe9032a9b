// Readiness of a Consul source: healthy once synced and while every watch's latest call succeeded;
// "degraded" otherwise, with since when and the latest error. Transitions are logged once, not per retry.
import type { Logger } from '../../log.ts';

/** What /readyz and debug views show about a Consul source. */
export interface ConsulSourceStatus {
  /** False before the first full sync and while any watch is failing (the last data keeps serving). */
  readonly healthy: boolean;
  /** When the current state (healthy or degraded) began, ISO 8601. */
  readonly since?: string;
  /** The latest error, safe to show (never contains the token). */
  readonly lastError?: string;
  /** X-Consul-Index of the source's main watch (catalog/services for the catalog, the KV prefix for policy). */
  readonly lastIndex: number;
}

/** Tracks which parts of a source are failing. */
export class StatusTracker {
  readonly #log: Logger;
  readonly #now: () => number;
  readonly #failing = new Map<string, string>();
  #synced = false;
  #healthy = false;
  #since: number;
  #lastError: string | undefined;

  constructor(log: Logger, now: () => number = Date.now) {
    this.#log = log;
    this.#now = now;
    this.#since = now();
  }

  /** The first full sync is done. */
  synced(): void {
    this.#synced = true;
    this.#update();
  }

  /** `part` (a watch, or a service fetch) succeeded. */
  ok(part: string): void {
    if (this.#failing.delete(part)) this.#update();
  }

  /** `part` failed with a loggable message. */
  fail(part: string, message: string): void {
    this.#lastError = message;
    const isNew = !this.#failing.has(part);
    this.#failing.set(part, message);
    // Before the first sync there is no state change to report, but the operator needs to see why.
    if (isNew && !this.#synced) this.#log.warn({ part, error: message }, 'consul call failing; retrying');
    this.#update();
  }

  status(lastIndex: number): ConsulSourceStatus {
    return {
      healthy: this.#healthy,
      since: new Date(this.#since).toISOString(),
      ...(this.#lastError !== undefined && { lastError: this.#lastError }),
      lastIndex,
    };
  }

  #update(): void {
    const healthy = this.#synced && this.#failing.size === 0;
    if (healthy === this.#healthy) return;
    const was = this.#since;
    this.#healthy = healthy;
    this.#since = this.#now();
    const since = new Date(this.#since).toISOString();
    if (healthy) {
      this.#log.info({ since, degradedForMs: this.#since - was }, 'consul source healthy');
    } else {
      this.#log.warn({ since, error: this.#lastError }, 'consul source degraded; serving the last good data');
    }
  }
}
