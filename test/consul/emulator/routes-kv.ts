// KV (consul-api.md §3.11): GET with recurse/keys/raw (404 with index headers when nothing is there),
// PUT with flags and cas (body = raw value, max kv_max_value_size), DELETE with recurse/cas.
import { blockingRead, type ReadResult } from './blocking.ts';
import { type Ctx, type Route, requireWrite } from './context.ts';
import { HttpError, readBody, sendJson } from './http-util.ts';
import { kvJson } from './shapes.ts';

function checkKey(key: string): void {
  if (key === '..' || key.startsWith('../') || key.includes('/../') || key.endsWith('/..')) {
    throw new HttpError(400, `Invalid key name: path traversal is not allowed: "${key}"`);
  }
  if (key !== key.trim()) throw new HttpError(400, `Invalid key name: leading or trailing spaces: "${key}"`);
}

function uintParam(ctx: Ctx, name: string): number | undefined {
  const v = ctx.query.get(name);
  if (v === null) return undefined;
  if (!/^\d+$/.test(v)) throw new HttpError(400, `Invalid ${name} value: "${v}"`);
  return Number(v);
}

function get(ctx: Ctx): Promise<void> {
  const key = ctx.param;
  const { store } = ctx.core;
  const keys = ctx.query.has('keys');
  const recurse = ctx.query.has('recurse');
  if (!key && !keys && !recurse) throw new HttpError(400, 'Missing key name');
  checkKey(key);
  if (!ctx.perms.read && !keys && !recurse) {
    throw new HttpError(403, `Permission denied: token lacks permission 'key:read' on "${key}"`);
  }
  const visible = () => (ctx.perms.read ? [...store.kv.values()].filter((r) => r.key.startsWith(key)) : []);
  const run = (): ReadResult => {
    if (keys) {
      const sep = ctx.query.get('separator') ?? ctx.query.get('seperator') ?? '';
      const out = new Set<string>();
      for (const r of visible()) {
        const rest = r.key.slice(key.length);
        const at = sep ? rest.indexOf(sep) : -1;
        out.add(at >= 0 ? key + rest.slice(0, at + sep.length) : r.key);
      }
      const list = [...out].sort();
      const status = list.length === 0 && key !== '' ? 404 : 200;
      return { index: store.kvIdx(key, true), body: list, status };
    }
    if (recurse) {
      const rows = visible().sort((a, b) => (a.key < b.key ? -1 : 1));
      return { index: store.kvIdx(key, true), body: rows.map(kvJson), status: rows.length ? 200 : 404 };
    }
    const r = store.kv.get(key);
    if (!r) return { index: store.kvIdx(key, false), body: null, status: 404 };
    if (ctx.query.has('raw')) return { index: r.modifyIndex, body: null, raw: r.value ?? Buffer.alloc(0) };
    return { index: r.modifyIndex, body: [kvJson(r)] };
  };
  return blockingRead(ctx, { topics: ['kvs'], run, kv: true });
}

async function put(ctx: Ctx): Promise<void> {
  const key = ctx.param;
  if (!key) throw new HttpError(400, 'Missing key name');
  checkKey(key);
  const q = ctx.query;
  const set = ['cas', 'acquire', 'release'].filter((f) => q.has(f));
  if (set.length > 1) throw new HttpError(400, `Conflicting flags: ${set.map((f) => `${f}=${q.get(f)}`).join('&')}`);
  if (q.has('acquire') || q.has('release'))
    throw new HttpError(500, `invalid session "${q.get('acquire') ?? q.get('release')}"`);
  const flags = uintParam(ctx, 'flags') ?? 0;
  const cas = uintParam(ctx, 'cas');
  const value = await readBody(ctx.req, ctx.core.opts.kvMaxValueSize ?? 512 * 1024);
  requireWrite(ctx, 'key', key);
  if (!ctx.core.leader) throw new HttpError(500, 'No cluster leader');
  const { store } = ctx.core;
  const cur = store.kv.get(key);
  const allowed = cas === undefined || (cas === 0 ? !cur : cur?.modifyIndex === cas);
  if (allowed) store.txn((tx) => store.kvSet(tx, key, value.length ? value : null, flags));
  sendJson(ctx.res, 200, allowed);
}

function del(ctx: Ctx): void {
  const key = ctx.param;
  const recurse = ctx.query.has('recurse');
  const cas = uintParam(ctx, 'cas');
  if (recurse && cas !== undefined) throw new HttpError(400, `Conflicting flags: cas=${cas}&recurse`);
  if (!key && !recurse) throw new HttpError(400, 'Missing key name');
  checkKey(key);
  requireWrite(ctx, 'key', key);
  if (!ctx.core.leader) throw new HttpError(500, 'No cluster leader');
  const { store } = ctx.core;
  const cur = store.kv.get(key);
  const allowed = cas === undefined || (cas !== 0 && cur?.modifyIndex === cas);
  if (allowed) {
    store.txn((tx) => {
      if (recurse) for (const k of [...store.kv.keys()]) if (k.startsWith(key)) store.kvDelete(tx, k);
      if (!recurse) store.kvDelete(tx, key);
    });
  }
  sendJson(ctx.res, 200, allowed);
}

export const kvRoutes: Route[] = [
  {
    methods: ['GET', 'PUT', 'DELETE'],
    path: '/v1/kv/',
    prefix: true,
    handle: (ctx) => (ctx.method === 'GET' ? get(ctx) : ctx.method === 'PUT' ? put(ctx) : del(ctx)),
  },
];
