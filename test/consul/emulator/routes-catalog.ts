// Catalog, health and status reads (consul-api.md §3.1–3.7, §3.13). List endpoints filter rows the
// caller may not read instead of refusing with 403 (§3.12).
import { blockingRead, type ReadResult } from './blocking.ts';
import type { Ctx, Route } from './context.ts';
import { compileFilter } from './filter.ts';
import { HttpError, parseGoBool, sendJson } from './http-util.ts';
import { catalogRow, checkJson, healthEntry, nodeJson } from './shapes.ts';
import type { ServiceRec } from './store.ts';

function shuffle<T>(items: T[]): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [items[i], items[j]] = [items[j] as T, items[i] as T];
  }
  return items;
}

/** Applies `?filter`, `?tag` (AND) and `?node-meta` to rows. */
function narrow<T>(ctx: Ctx, rows: T[], tags: (r: T) => string[], nodeMeta: (r: T) => Record<string, string>): T[] {
  const filter = ctx.query.get('filter');
  const pred = filter ? compileFilter(filter) : undefined;
  const want = ctx.query.getAll('tag');
  const meta = ctx.query.getAll('node-meta').map((kv) => kv.split(':', 2) as [string, string?]);
  return rows.filter(
    (r) =>
      (!pred || pred(r)) &&
      want.every((t) => tags(r).includes(t)) &&
      meta.every(([k, v]) => nodeMeta(r)[k] === (v ?? '')),
  );
}

/** A list read: empty (and flagged) when the caller may not read. */
function listRead(ctx: Ctx, topics: string[], run: () => ReadResult) {
  return blockingRead(ctx, {
    topics,
    run: () => {
      const r = run();
      if (ctx.perms.read) return r;
      const hadRows = Array.isArray(r.body) ? r.body.length > 0 : Object.keys(r.body as object).length > 0;
      return { index: r.index, body: Array.isArray(r.body) ? [] : {}, filtered: hadRows };
    },
  });
}

function serviceName(ctx: Ctx): string {
  if (!ctx.param) throw new HttpError(400, 'Missing service name');
  return ctx.param;
}

function healthService(ctx: Ctx) {
  const name = serviceName(ctx);
  const passing = ctx.query.get('passing');
  let onlyPassing = false;
  if (passing !== null) {
    const b = passing === '' ? true : parseGoBool(passing);
    if (b === undefined) throw new HttpError(400, 'Invalid value for ?passing');
    onlyPassing = b;
  }
  const { store } = ctx.core;
  return listRead(ctx, [`svc:${name}`, 'services'], () => {
    const entries = store.instancesOf(name).map((s) => healthEntry(store, s));
    let rows = narrow(
      ctx,
      entries,
      (e) => (e.Service as { Tags: string[] }).Tags,
      (e) => (e.Node as { Meta?: Record<string, string> }).Meta ?? {},
    );
    if (onlyPassing) rows = rows.filter((e) => e.Checks.every((c) => (c as { Status: string }).Status === 'passing'));
    return { index: store.serviceIdx(name), body: onlyPassing ? shuffle(rows) : rows };
  });
}

const byNodeThenId = (a: ServiceRec, b: ServiceRec) => a.node.localeCompare(b.node) || a.id.localeCompare(b.id);

export const catalogRoutes: Route[] = [
  {
    methods: ['GET'],
    path: '/v1/catalog/services',
    handle: (ctx) =>
      listRead(ctx, ['services'], () => {
        const { store } = ctx.core;
        const rows = narrow(
          ctx,
          [...store.services.values()].map((s) => catalogRow(store.nodes.get(s.node) ?? nodeStub(s), s)),
          (r) => r.ServiceTags as string[],
          (r) => r.NodeMeta as Record<string, string>,
        );
        const body: Record<string, string[]> = {};
        for (const r of rows) {
          const tags = new Set([...(body[r.ServiceName as string] ?? []), ...(r.ServiceTags as string[])]);
          body[r.ServiceName as string] = shuffle([...tags]);
        }
        return { index: store.tables.services, body };
      }),
  },
  {
    methods: ['GET'],
    path: '/v1/catalog/nodes',
    handle: (ctx) =>
      listRead(ctx, ['nodes'], () => {
        const { store } = ctx.core;
        const nodes = [...store.nodes.values()].sort((a, b) => a.node.localeCompare(b.node)).map(nodeJson);
        return {
          index: store.tables.nodes,
          body: narrow(
            ctx,
            nodes,
            () => [],
            (n) => n.Meta as Record<string, string>,
          ),
        };
      }),
  },
  {
    methods: ['GET'],
    path: '/v1/catalog/service/',
    prefix: true,
    handle: (ctx) => {
      const name = serviceName(ctx);
      const { store } = ctx.core;
      return listRead(ctx, [`svc:${name}`, 'services'], () => {
        const rows = store
          .instancesOf(name)
          .sort(byNodeThenId)
          .map((s) => catalogRow(store.nodes.get(s.node) ?? nodeStub(s), s));
        const body = narrow(
          ctx,
          rows,
          (r) => r.ServiceTags as string[],
          (r) => r.NodeMeta as Record<string, string>,
        );
        return { index: store.serviceIdx(name), body };
      });
    },
  },
  {
    methods: ['GET'],
    path: '/v1/catalog/datacenters',
    handle: (ctx) => sendJson(ctx.res, 200, [ctx.core.datacenter], ctx.pretty),
  },
  { methods: ['GET'], path: '/v1/health/service/', prefix: true, handle: healthService },
  {
    methods: ['GET'],
    path: '/v1/health/checks/',
    prefix: true,
    handle: (ctx) => {
      const name = serviceName(ctx);
      const { store } = ctx.core;
      return listRead(ctx, ['checks'], () => {
        const rows = [...store.checks.values()].filter((c) => c.serviceId && c.serviceName === name).map(checkJson);
        return {
          index: store.tables.checks,
          body: narrow(
            ctx,
            rows,
            () => [],
            () => ({}),
          ),
        };
      });
    },
  },
  {
    methods: ['GET'],
    path: '/v1/health/state/',
    prefix: true,
    handle: (ctx) => {
      if (!ctx.param) throw new HttpError(400, 'Missing check state');
      const state = ctx.param;
      const { store } = ctx.core;
      return listRead(ctx, ['checks'], () => {
        const rows = [...store.checks.values()].filter((c) => state === 'any' || c.status === state).map(checkJson);
        return {
          index: store.tables.checks,
          body: narrow(
            ctx,
            rows,
            () => [],
            () => ({}),
          ),
        };
      });
    },
  },
  {
    methods: ['GET'],
    path: '/v1/health/node/',
    prefix: true,
    handle: (ctx) => {
      const node = ctx.param;
      if (!node) throw new HttpError(400, 'Missing node name');
      const { store } = ctx.core;
      return listRead(ctx, ['checks'], () => ({
        index: store.tables.checks,
        body: [...store.checks.values()].filter((c) => c.node === node).map(checkJson),
      }));
    },
  },
  {
    methods: ['GET'],
    path: '/v1/status/leader',
    handle: (ctx) => sendJson(ctx.res, 200, ctx.core.leader ? '127.0.0.1:8300' : '', ctx.pretty),
  },
  {
    methods: ['GET'],
    path: '/v1/status/peers',
    handle: (ctx) => sendJson(ctx.res, 200, ['127.0.0.1:8300'], ctx.pretty),
  },
];

function nodeStub(s: ServiceRec) {
  return {
    id: '',
    node: s.node,
    address: '',
    datacenter: '',
    taggedAddresses: {},
    meta: {},
    createIndex: 0,
    modifyIndex: 0,
  };
}
