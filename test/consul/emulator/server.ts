// The Consul HTTP API emulator: a real node:http server on 127.0.0.1 (TEST-ONLY). Routing copies
// Consul's wrap (404 for unknown /v1 paths, 405 + Allow for wrong methods, plain-text errors), CE's
// refusal of namespaces/partitions, token lookup and ACL checks, and adds fault injection (§3.14):
// the next N requests fail, hang, are delayed or drop the connection, index headers zeroed or omitted, leader
// loss, snapshot restore (indexes go backwards), connection limits, and stop/start on the same port.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { ALL, fakeUuid, permsOf, rejectEnterprise } from './acl.ts';
import type { Core, Ctx, EmulatorOptions, Route } from './context.ts';
import { HttpError, sendText } from './http-util.ts';
import { agentRoutes } from './routes-agent.ts';
import { catalogRoutes } from './routes-catalog.ts';
import { kvRoutes } from './routes-kv.ts';
import { Store } from './store.ts';

/** What a fault does to a matching request. */
export type Fault =
  | { readonly kind: 'error'; readonly status?: number; readonly body?: string }
  | { readonly kind: 'hang' }
  | { readonly kind: 'drop' }
  | { readonly kind: 'zero-index' }
  | { readonly kind: 'no-index' }
  | { readonly kind: 'delay'; readonly ms: number };

/** One request the emulator received (for counting in tests). */
export interface RequestRecord {
  readonly method: string;
  readonly path: string;
  readonly query: string;
  readonly at: number;
}

const ROUTES: readonly Route[] = [...catalogRoutes, ...agentRoutes, ...kvRoutes];

export class ConsulEmulator {
  readonly store = new Store();
  readonly requests: RequestRecord[] = [];
  readonly #core: Core;
  readonly #opts: EmulatorOptions;
  #port: number;
  #server: Server | undefined;
  #faults: { fault: Fault; left: number; match: (path: string) => boolean }[] = [];
  readonly #hung = new Set<ServerResponse>();
  readonly #perIp = new Map<string, number>();

  constructor(opts: EmulatorOptions = {}) {
    this.#opts = opts;
    this.#port = opts.port ?? 0;
    const nodeName = opts.nodeName ?? 'consul-emu';
    const address = opts.nodeAddress ?? '127.0.0.1';
    this.#core = { store: this.store, opts, datacenter: opts.datacenter ?? 'dc1', nodeName, leader: true };
    const s = this.store;
    s.txn((tx) => {
      const tagged = { lan: address, lan_ipv4: address, wan: address, wan_ipv4: address };
      const meta = { 'consul-network-segment': '', 'consul-version': '1.21.3' };
      s.upsertNode(tx, {
        id: fakeUuid(nodeName),
        node: nodeName,
        address,
        datacenter: this.#core.datacenter,
        taggedAddresses: tagged,
        meta,
      });
      s.upsertCheck(tx, {
        node: nodeName,
        checkId: 'serfHealth',
        name: 'Serf Health Status',
        status: 'passing',
        notes: '',
        output: 'Agent alive and reachable',
        serviceId: '',
        serviceName: '',
        serviceTags: [],
        type: '',
        interval: '',
        timeout: '',
      });
      if (opts.consulService !== false) {
        s.upsertService(tx, {
          node: nodeName,
          id: 'consul',
          service: 'consul',
          tags: [],
          address: '',
          port: 8300,
          meta: {},
          weights: { Passing: 1, Warning: 1 },
          taggedAddresses: {},
          kind: '',
          enableTagOverride: false,
        });
      }
    });
  }

  /** The port, fixed after the first start so a restart reuses it. */
  get port(): number {
    return this.#port;
  }

  /** Base URL, e.g. `http://127.0.0.1:41234`. */
  get url(): string {
    return `http://127.0.0.1:${this.#port}`;
  }

  /** The agent's own node name. */
  get nodeName(): string {
    return this.#core.nodeName;
  }

  async start(): Promise<this> {
    const server = createServer(
      { requestTimeout: 0, keepAliveTimeout: 65_000 },
      (req, res) => void this.#dispatch(req, res),
    );
    server.on('connection', (socket: Socket) => {
      const ip = socket.remoteAddress ?? '';
      this.#perIp.set(ip, (this.#perIp.get(ip) ?? 0) + 1);
      socket.once('close', () => this.#perIp.set(ip, (this.#perIp.get(ip) ?? 1) - 1));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.#port, '127.0.0.1', () => resolve());
    });
    this.#port = (server.address() as { port: number }).port;
    this.#server = server;
    return this;
  }

  /** Stops listening and cuts every connection (blocked and hung requests included); state is kept. */
  async stop(): Promise<void> {
    const server = this.#server;
    this.#server = undefined;
    if (!server) return;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeAllConnections();
    for (const res of this.#hung) res.socket?.destroy();
    this.#hung.clear();
    await closed;
  }

  /** Applies `fault` to the next `times` requests whose path matches. */
  inject(fault: Fault, opts: { times?: number; path?: string | RegExp } = {}): void {
    const p = opts.path;
    const match =
      p === undefined ? () => true : typeof p === 'string' ? (x: string) => x.startsWith(p) : (x: string) => p.test(x);
    this.#faults.push({ fault, left: opts.times ?? 1, match });
  }

  clearFaults(): void {
    this.#faults = [];
  }

  /** Leader loss: non-stale reads and writes get 500 `No cluster leader`. */
  setLeader(on: boolean): void {
    this.#core.leader = on;
  }

  /** Snapshot restore: same data, every index lowered, every blocked query returns at once. */
  restoreSnapshot(to = 2): void {
    this.store.restoreSnapshot(to);
  }

  /** Requests received since `since` (ms epoch) matching `path` (prefix). */
  count(opts: { since?: number; path?: string } = {}): number {
    return this.requests.filter((r) => r.at >= (opts.since ?? 0) && r.path.startsWith(opts.path ?? '')).length;
  }

  async #dispatch(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://emulator');
    const method = req.method ?? 'GET';
    this.requests.push({ method, path: url.pathname, query: url.search, at: Date.now() });
    const acl = this.#opts.acl;
    res.setHeader('X-Consul-Default-ACL-Policy', acl ? (acl.defaultPolicy ?? 'deny') : 'allow');
    res.setHeader('Vary', 'Accept-Encoding');
    const limit = this.#opts.maxConnsPerClient;
    if (limit !== undefined && (this.#perIp.get(req.socket.remoteAddress ?? '') ?? 0) > limit) {
      return sendText(res, 429, 'Your IP is issuing too many concurrent connections, please rate limit your calls\n');
    }
    let indexOverride: Ctx['indexOverride'];
    const f = this.#faults.find((x) => x.left > 0 && x.match(url.pathname));
    if (f) {
      f.left--;
      const fault = f.fault;
      if (fault.kind === 'hang') return void this.#hung.add(res);
      if (fault.kind === 'drop') return void req.socket.destroy();
      if (fault.kind === 'error') {
        if (/^\/v1\/(catalog|health)\//.test(url.pathname)) {
          res.setHeader('X-Consul-Index', '1');
          res.setHeader('X-Consul-KnownLeader', 'false');
        }
        return sendText(res, fault.status ?? 500, fault.body ?? 'No cluster leader');
      }
      if (fault.kind === 'delay') await new Promise((r) => setTimeout(r, fault.ms));
      else indexOverride = fault.kind === 'zero-index' ? 'zero' : 'none';
    }
    try {
      const path = decodeURIComponent(url.pathname);
      const candidates = ROUTES.filter((r) => (r.prefix ? path.startsWith(r.path) : path === r.path));
      if (candidates.length === 0) throw new HttpError(404, 'Invalid URL path: not a recognized HTTP API endpoint');
      const route = candidates.find((r) => r.methods.includes(method));
      const allow = ['OPTIONS', ...new Set(candidates.flatMap((r) => r.methods))].join(',');
      if (method === 'OPTIONS') {
        res.writeHead(200, { Allow: allow, 'Content-Length': 0 });
        return void res.end();
      }
      if (!route) throw new HttpError(405, `method ${method} not allowed`, { Allow: allow });
      rejectEnterprise(req, url.searchParams);
      const dc = url.searchParams.get('dc');
      if (dc && dc !== this.#core.datacenter) throw new HttpError(500, 'No path to datacenter');
      const perms = path.startsWith('/v1/status/') ? ALL : permsOf(this.#opts, req, url.searchParams);
      const ctx: Ctx = {
        req,
        res,
        method,
        param: route.prefix ? path.slice(route.path.length) : '',
        query: url.searchParams,
        core: this.#core,
        perms,
        pretty: url.searchParams.has('pretty'),
        ...(indexOverride && { indexOverride }),
      };
      await route.handle(ctx);
    } catch (err) {
      if (res.headersSent || res.destroyed) return;
      const e = err instanceof HttpError ? err : new HttpError(500, (err as Error).message);
      for (const [k, v] of Object.entries(e.headers)) res.setHeader(k, v);
      sendText(res, e.status, e.message);
    }
  }
}
