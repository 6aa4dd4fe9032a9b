// Admin endpoints that change the policy: preview (diff), apply, rollback, history. They write
// only through the pipeline's public entry points. Mutations need an `x-gatehouse-author` header:
// it names who changed what in the history, and a browser cannot send it cross-site (no CSRF).
import type { IncomingMessage } from 'node:http';
import type { Pipeline, PolicyPreview } from '../pipeline.ts';

/** A handler's answer. */
export interface Reply {
  readonly status: number;
  readonly type: string;
  readonly body: string;
}

const MAX_BODY = 1024 * 1024;

const json = (status: number, value: unknown): Reply => ({
  status,
  type: 'application/json',
  body: `${JSON.stringify(value, null, 2)}\n`,
});

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) throw new RangeError(`policy body larger than ${MAX_BODY} bytes`);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function answer(p: PolicyPreview): Reply {
  return p.ok ? json(200, p) : json(422, { ok: false, diagnostics: p.diagnostics });
}

/** POST handlers by path. */
export function policyRoutes(pipeline: Pipeline): Record<string, (req: IncomingMessage, url: URL) => Promise<Reply>> {
  const author = (req: IncomingMessage): string | undefined => {
    const a = req.headers['x-gatehouse-author'];
    return typeof a === 'string' && a.trim() !== '' ? a.trim().slice(0, 200) : undefined;
  };
  const guarded =
    (run: (req: IncomingMessage, url: URL, who: string) => Promise<Reply>) =>
    async (req: IncomingMessage, url: URL) => {
      const who = author(req);
      if (!who) return json(400, { error: 'set the x-gatehouse-author header to say who makes this change' });
      try {
        return await run(req, url, who);
      } catch (err) {
        if (err instanceof RangeError) return json(413, { error: err.message });
        throw err;
      }
    };
  return {
    '/policy/diff': guarded(async (req) => answer(pipeline.preview(await readBody(req)))),
    '/policy/apply': guarded(async (req, _url, who) => answer(await pipeline.apply(await readBody(req), who))),
    '/policy/rollback': guarded(async (_req, url, who) =>
      answer(await pipeline.rollback(who, url.searchParams.get('to') ?? undefined)),
    ),
  };
}
