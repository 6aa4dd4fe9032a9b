// The blocking-query engine (consul-api.md §2.2) and the read headers (§2.3). index 0/missing runs
// once; otherwise the timeout is wait clamped to max_query_time (missing or <= 0 -> default_query_time)
// plus a stagger in [0, t/16); the query re-runs on every write to a topic it reads and returns as soon
// as its index exceeds the caller's, or on timeout with the current (possibly equal) index. A snapshot
// restore wakes every blocked reader at once.
import { type Ctx, type ReadParams, readParams } from './context.ts';
import { HttpError, sendJson } from './http-util.ts';

/** What one run of a read produces. */
export interface ReadResult {
  readonly index: number;
  readonly body: unknown;
  /** 404 for a missing KV key (headers still set). */
  readonly status?: number;
  /** `?raw` KV reads: the bare value as text/plain. */
  readonly raw?: Buffer;
  /** ACLs removed rows (header only when a token was given). */
  readonly filtered?: boolean;
}

/** How a read is served. */
export interface ReadSpec {
  /** Store topics whose writes can change the result. */
  readonly topics: readonly string[];
  run(): ReadResult;
  /** KV reads carry no X-Consul-Effective-Consistency (errata 6). */
  readonly kv?: boolean;
}

/** Timeout of a blocking read per §2.2: clamp, default, then jitter. */
export function blockingTimeout(ctx: Ctx, waitMs: number | undefined): number {
  const max = ctx.core.opts.maxQueryTimeMs ?? 600_000;
  const def = ctx.core.opts.defaultQueryTimeMs ?? 300_000;
  let t = waitMs === undefined || waitMs <= 0 ? def : Math.min(waitMs, max);
  if (ctx.core.opts.jitter !== false) t += Math.random() * (t / 16);
  return t;
}

/** Serves a read, blocking when the caller passed an index. */
export async function blockingRead(ctx: Ctx, spec: ReadSpec): Promise<void> {
  const params = readParams(ctx);
  if (!ctx.core.leader && params.consistency !== 'stale') {
    throw new HttpError(500, 'No cluster leader', { 'X-Consul-Index': '1', 'X-Consul-KnownLeader': 'false' });
  }
  let result: ReadResult | undefined = spec.run();
  if (params.minIndex > 0 && result.index <= params.minIndex) {
    result = await waitForChange(ctx, spec, params.minIndex, blockingTimeout(ctx, params.waitMs));
    if (!result) return;
  }
  writeRead(ctx, result, params, spec.kv === true);
}

function waitForChange(ctx: Ctx, spec: ReadSpec, minIndex: number, timeoutMs: number) {
  return new Promise<ReadResult | undefined>((resolve) => {
    let done = false;
    const finish = (r: ReadResult | undefined) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      unsubscribe();
      ctx.res.off('close', gone);
      resolve(r);
    };
    const gone = () => finish(undefined);
    const unsubscribe = ctx.core.store.watch(spec.topics, (abandoned) => {
      const r = spec.run();
      if (abandoned || r.index > minIndex) finish(r);
    });
    const timer = setTimeout(() => finish(spec.run()), timeoutMs);
    ctx.res.on('close', gone);
  });
}

function writeRead(ctx: Ctx, r: ReadResult, params: ReadParams, kv: boolean): void {
  const { res } = ctx;
  if (ctx.indexOverride !== 'none')
    res.setHeader('X-Consul-Index', ctx.indexOverride === 'zero' ? '0' : String(Math.max(1, r.index)));
  res.setHeader('X-Consul-KnownLeader', String(ctx.core.leader));
  res.setHeader('X-Consul-LastContact', '0');
  if (!kv) res.setHeader('X-Consul-Effective-Consistency', params.consistency);
  res.setHeader('X-Consul-Query-Backend', 'blocking-query');
  if (r.filtered && !ctx.perms.anonymous) res.setHeader('X-Consul-Results-Filtered-By-ACLs', 'true');
  if (r.status === 404) {
    res.writeHead(404, { 'Content-Length': 0 });
    res.end();
  } else if (r.raw) {
    res.writeHead(200, {
      'Content-Type': 'text/plain; charset=utf-8',
      'X-Content-Type-Options': 'nosniff',
      'Content-Security-Policy': 'sandbox',
      'Content-Length': r.raw.length,
    });
    res.end(r.raw);
  } else {
    sendJson(res, r.status ?? 200, r.body, ctx.pretty);
  }
}
