// HTTP through the edge Envoy to the demo services, and tallies of who answered. The demo HTTP
// service answers every path with JSON naming its service, instance and version, and echoing the
// request headers it received (so the test sees what Envoy and ext_authz forwarded).

/** What demo-http answers. */
export interface DemoReply {
  readonly service: string;
  readonly instance: string;
  readonly version: string;
  readonly path: string;
  readonly headers: Readonly<Record<string, string>>;
}

/** One response: the status, its headers, and the demo's reply when a demo instance answered. */
export interface EdgeResponse {
  readonly status: number;
  readonly headers: Headers;
  readonly reply?: DemoReply;
}

/** GETs `path` from `base`; a body that is not a demo reply (Envoy's own answers) leaves `reply` unset. */
export async function get(base: string, path: string, headers: Record<string, string> = {}): Promise<EdgeResponse> {
  const res = await fetch(new URL(path, base), { headers, signal: AbortSignal.timeout(10_000) });
  const text = await res.text();
  let reply: DemoReply | undefined;
  try {
    const body = JSON.parse(text) as Partial<DemoReply>;
    if (typeof body.instance === 'string' && typeof body.service === 'string') reply = body as DemoReply;
  } catch {
    // Not JSON: an Envoy local reply (404, 401, 503...).
  }
  return { status: res.status, headers: res.headers, ...(reply && { reply }) };
}

/**
 * Sends `n` GETs (`concurrency` at a time) and counts answers by `key` of the reply; a response
 * without a demo reply counts as `status <code>`, so a stray error shows up in the tally.
 */
export async function tally(
  base: string,
  path: string,
  n: number,
  key: (r: DemoReply) => string,
  concurrency = 8,
): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (let sent = 0; sent < n; sent += concurrency) {
    const batch = Array.from({ length: Math.min(concurrency, n - sent) }, () => get(base, path));
    for (const r of await Promise.all(batch)) {
      const k = r.reply ? key(r.reply) : `status ${r.status}`;
      counts[k] = (counts[k] ?? 0) + 1;
    }
  }
  return counts;
}
