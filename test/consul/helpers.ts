// Shared helpers for the Consul tests: HTTP calls to the emulator, a recording sink, a bounded
// poll-until-true, and fast settings for the sources (short waits, quick backoff, no resync).
import type { Diagnostic } from '../../src/errors.ts';
import { createLogger } from '../../src/log.ts';
import type { SourceSink } from '../../src/sources/index.ts';
import type { ConsulEmulator } from './emulator/index.ts';

export const silent = createLogger('silent');

/** A reply from the emulator. */
export interface Reply {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
  json<T = unknown>(): T;
}

/** One HTTP request to the emulator. */
export async function call(
  emu: ConsulEmulator,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<Reply> {
  const init: RequestInit = { method, headers };
  if (body !== undefined) init.body = typeof body === 'string' ? body : JSON.stringify(body);
  const res = await fetch(`${emu.url}${path}`, init);
  const text = await res.text();
  return { status: res.status, headers: res.headers, text, json: <T>() => JSON.parse(text) as T };
}

/** Polls `check` until it returns true; fails after `timeoutMs` (no fixed sleeps). */
export async function until(check: () => boolean, timeoutMs = 5_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Like `until`, for checks that need a request. */
export async function untilAsync(check: () => Promise<boolean>, timeoutMs = 5_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** A sink that records everything it is told. */
export function recorder<T>() {
  const updates: T[] = [];
  const rejects: (readonly Diagnostic[])[] = [];
  const sink: SourceSink<T> = { update: (v) => void updates.push(v), reject: (d) => void rejects.push(d) };
  return {
    sink,
    updates,
    rejects,
    get last(): T | undefined {
      return updates.at(-1);
    },
  };
}

/** Source settings that keep tests fast. */
export const FAST = {
  waitMs: 2_000,
  requestTimeoutMs: 1_000,
  rateLimit: { burst: 2, intervalMs: 20 },
  sweepIntervalMs: 20,
  backoff: { baseMs: 10, maxMs: 100 },
  resyncIntervalMs: 0,
} as const;

/** Registers a service instance on its own node through /v1/catalog/register. */
export async function registerOnNode(
  emu: ConsulEmulator,
  reg: {
    node: string;
    address: string;
    meta?: Record<string, string>;
    service: Record<string, unknown>;
    checks?: Record<string, unknown>[];
  },
): Promise<void> {
  const r = await call(emu, 'PUT', '/v1/catalog/register', {
    Node: reg.node,
    Address: reg.address,
    NodeMeta: reg.meta ?? {},
    Service: reg.service,
    Checks: reg.checks ?? [],
  });
  if (r.status !== 200) throw new Error(`register failed: ${r.status} ${r.text}`);
}
