// Agent writes (consul-api.md §3.8–3.10 and errata 1–2) and the catalog register/deregister writes.
// The agent applies changes to the catalog synchronously (the real one syncs by anti-entropy at once).
// Emulator choice: re-registering a check without an explicit Status keeps its current status, so a
// re-registration does not flap the instance. Output-only TTL updates are deferred by Consul
// (check_update_interval); the emulator keeps them agent-local until the status changes or the TTL expires.
import type { Ctx, Route } from './context.ts';
import { requireWrite } from './context.ts';
import { field, HttpError, parseGoBool, parseJsonBody, readBody, sendJson } from './http-util.ts';
import { checkStatus, type NewCheck, parseService, parseServiceChecks } from './service-def.ts';
import type { CheckStatus, Store } from './store.ts';

const ok = (ctx: Ctx) => {
  ctx.res.writeHead(200, { 'Content-Length': 0 });
  ctx.res.end();
};
const unknownService = (id: string) =>
  new HttpError(404, `Unknown service ID "${id}". Ensure that the service ID is passed, not the service name.`);
const unknownCheck = (id: string) =>
  new HttpError(404, `Unknown check ID "${id}". Ensure that the check ID is passed, not the check name.`);

/** Agent-local TTL output (what an expiry message quotes). */
const lastOutput = new WeakMap<Store, Map<string, string>>();

function armTtl(store: Store, c: NewCheck): void {
  const key = `${c.node}\0${c.checkId}`;
  clearTimeout(store.ttlTimers.get(key));
  if (!c.ttlMs) return;
  const timer = setTimeout(() => {
    const cur = store.getCheck(c.node, c.checkId);
    if (!cur) return;
    const last = lastOutput.get(store)?.get(key) ?? cur.output;
    const output = last ? `TTL expired (last output before timeout follows): ${last}` : 'TTL expired';
    store.txn((tx) => store.upsertCheck(tx, { ...cur, status: 'critical', output }));
  }, c.ttlMs);
  timer.unref();
  store.ttlTimers.set(key, timer);
}

function setTtlStatus(ctx: Ctx, id: string, status: CheckStatus, output: string): void {
  const { store, nodeName } = ctx.core;
  const cur = store.getCheck(nodeName, id);
  if (!cur) throw unknownCheck(id);
  if (cur.type !== 'ttl') throw new HttpError(500, `CheckID "${id}" does not have associated TTL`);
  requireWrite(ctx, 'service', cur.serviceName || nodeName);
  const outputs = lastOutput.get(store) ?? new Map<string, string>();
  lastOutput.set(store, outputs);
  outputs.set(`${cur.node}\0${id}`, output);
  if (cur.status !== status) store.txn((tx) => store.upsertCheck(tx, { ...cur, status, output }));
  armTtl(store, cur);
}

function maintenance(ctx: Ctx, serviceId: string | undefined): void {
  const enable = ctx.query.get('enable');
  if (enable === null || enable === '') throw new HttpError(400, 'Missing value for enable');
  const on = parseGoBool(enable);
  if (on === undefined) throw new HttpError(400, `Invalid value for enable: "${enable}"`);
  const { store, nodeName } = ctx.core;
  const svc = serviceId === undefined ? undefined : store.getService(nodeName, serviceId);
  if (serviceId !== undefined && !svc) throw unknownService(serviceId);
  requireWrite(ctx, svc ? 'service' : 'node', svc?.service ?? nodeName);
  const checkId = svc ? `_service_maintenance:${svc.id}` : '_node_maintenance';
  const what = svc ? 'service' : 'node';
  store.txn((tx) => {
    if (!on) return store.removeCheck(tx, nodeName, checkId);
    const reason = ctx.query.get('reason');
    store.upsertCheck(tx, {
      node: nodeName,
      checkId,
      name: svc ? 'Service Maintenance Mode' : 'Node Maintenance Mode',
      status: 'critical',
      notes:
        reason ||
        `Maintenance mode is enabled for this ${what}, but no reason was provided. This is a default message.`,
      output: '',
      serviceId: svc?.id ?? '',
      serviceName: svc?.service ?? '',
      serviceTags: svc ? [...svc.tags] : [],
      type: 'maintenance',
      interval: '',
      timeout: '',
    });
  });
  ok(ctx);
}

async function register(ctx: Ctx): Promise<void> {
  const body = parseJsonBody(await readBody(ctx.req, 1 << 20));
  const { store, nodeName } = ctx.core;
  const svc = parseService(body, nodeName, 'Name');
  requireWrite(ctx, 'service', svc.service);
  const checks = parseServiceChecks(body, svc);
  const replace = ctx.query.has('replace-existing-checks') && ctx.query.get('replace-existing-checks') !== 'false';
  store.txn((tx) => {
    store.upsertService(tx, svc);
    const keep = new Set(checks.map((c) => c.check.checkId));
    if (replace) {
      for (const c of store.checksFor(nodeName, svc.id)) {
        if (c.serviceId && !keep.has(c.checkId) && !c.checkId.startsWith('_service_maintenance:')) {
          store.removeCheck(tx, nodeName, c.checkId);
        }
      }
    }
    for (const { check, explicitStatus } of checks) {
      const cur = store.getCheck(nodeName, check.checkId);
      const status = cur && !explicitStatus ? cur.status : check.status;
      store.upsertCheck(tx, { ...check, status, output: cur?.output ?? check.output });
    }
  });
  for (const { check } of checks) armTtl(store, check);
  ok(ctx);
}

async function catalogRegister(ctx: Ctx): Promise<void> {
  const body = parseJsonBody(await readBody(ctx.req, 1 << 20));
  const { store } = ctx.core;
  const core = ctx.core;
  const node = String(field(body, 'Node') ?? '');
  const address = String(field(body, 'Address') ?? '');
  if (!node) throw new HttpError(400, 'Missing node name');
  if (!address) throw new HttpError(400, 'Missing node address');
  requireWrite(ctx, 'node', node);
  const rawSvc = field(body, 'Service');
  const svc = rawSvc ? parseService(rawSvc, node, 'Service') : undefined;
  const defs = [field(body, 'Check'), ...((field(body, 'Checks') as unknown[]) ?? [])].filter(Boolean);
  store.txn((tx) => {
    if (field(body, 'SkipNodeUpdate') !== true || !store.nodes.has(node)) {
      const tagged = (field(body, 'TaggedAddresses') as Record<string, string>) ?? {
        lan: address,
        lan_ipv4: address,
        wan: address,
        wan_ipv4: address,
      };
      const meta = (field(body, 'NodeMeta') as Record<string, string>) ?? {};
      const id = String(field(body, 'ID') ?? store.nodes.get(node)?.id ?? '');
      store.upsertNode(tx, { id, node, address, datacenter: core.datacenter, taggedAddresses: tagged, meta });
    }
    if (svc) store.upsertService(tx, svc);
    for (const d of defs) {
      const serviceId = String(field(d, 'ServiceID') ?? '');
      const owner = serviceId ? store.getService(node, serviceId) : undefined;
      store.upsertCheck(tx, {
        node,
        checkId: String(field(d, 'CheckID') ?? ''),
        name: String(field(d, 'Name') ?? ''),
        status: checkStatus(field(d, 'Status'), 'critical'),
        notes: String(field(d, 'Notes') ?? ''),
        output: String(field(d, 'Output') ?? ''),
        serviceId,
        serviceName: owner?.service ?? '',
        serviceTags: owner ? [...owner.tags] : [],
        type: '',
        interval: '',
        timeout: '',
      });
    }
  });
  sendJson(ctx.res, 200, true);
}

async function catalogDeregister(ctx: Ctx): Promise<void> {
  const body = parseJsonBody(await readBody(ctx.req, 1 << 20));
  const { store } = ctx.core;
  const node = String(field(body, 'Node') ?? '');
  if (!node) throw new HttpError(400, 'Missing node name');
  requireWrite(ctx, 'node', node);
  const serviceId = field(body, 'ServiceID');
  const checkId = field(body, 'CheckID');
  store.txn((tx) => {
    if (typeof serviceId === 'string') store.removeService(tx, node, serviceId);
    else if (typeof checkId === 'string') store.removeCheck(tx, node, checkId);
    else {
      for (const s of store.servicesOnNode(node)) store.removeService(tx, node, s.id);
      for (const c of [...store.checks.values()]) if (c.node === node) store.removeCheck(tx, node, c.checkId);
      if (store.nodes.delete(node)) tx.touch('nodes');
    }
  });
  sendJson(ctx.res, 200, true);
}

const ttlRoute = (verb: string, status: CheckStatus): Route => ({
  methods: ['PUT'],
  path: `/v1/agent/check/${verb}/`,
  prefix: true,
  handle: (ctx) => {
    setTtlStatus(ctx, ctx.param, status, ctx.query.get('note') ?? '');
    ok(ctx);
  },
});

export const agentRoutes: Route[] = [
  { methods: ['PUT'], path: '/v1/agent/service/register', handle: register },
  {
    methods: ['PUT'],
    path: '/v1/agent/service/deregister/',
    prefix: true,
    handle: (ctx) => {
      const { store, nodeName } = ctx.core;
      const svc = store.getService(nodeName, ctx.param);
      if (!svc) throw unknownService(ctx.param);
      requireWrite(ctx, 'service', svc.service);
      store.txn((tx) => store.removeService(tx, nodeName, ctx.param));
      ok(ctx);
    },
  },
  {
    methods: ['PUT'],
    path: '/v1/agent/service/maintenance/',
    prefix: true,
    handle: (ctx) => maintenance(ctx, ctx.param),
  },
  { methods: ['PUT'], path: '/v1/agent/maintenance', handle: (ctx) => maintenance(ctx, undefined) },
  ttlRoute('pass', 'passing'),
  ttlRoute('warn', 'warning'),
  ttlRoute('fail', 'critical'),
  {
    methods: ['PUT'],
    path: '/v1/agent/check/update/',
    prefix: true,
    handle: async (ctx) => {
      const body = parseJsonBody(await readBody(ctx.req, 1 << 20));
      const status = field(body, 'Status');
      if (status !== 'passing' && status !== 'warning' && status !== 'critical') {
        throw new HttpError(400, `Invalid check status: '${String(status ?? '')}'`);
      }
      setTtlStatus(ctx, ctx.param, status, String(field(body, 'Output') ?? ''));
      ok(ctx);
    },
  },
  { methods: ['PUT'], path: '/v1/catalog/register', handle: catalogRegister },
  { methods: ['PUT'], path: '/v1/catalog/deregister', handle: catalogDeregister },
];
