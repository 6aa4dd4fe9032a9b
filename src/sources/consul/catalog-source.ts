// Consul as the source of truth for where services run.
//
// Watch design. Three blocking queries drive everything, whatever the number of services:
//   1. GET /v1/catalog/services   (services table index): membership and tags;
//   2. GET /v1/health/state/any   (checks table index): every check's status, so a health change names
//      exactly the services it affects (node-level checks affect every service on that node);
//   3. GET /v1/catalog/nodes      (nodes table index): node address and meta (address fallback, locality).
// Each reply is diffed with the previous one, and only the services whose data may have changed are
// re-fetched, with plain (non-blocking) GET /v1/health/service/:name calls through a bounded pool. So an
// idle cluster costs 3 long polls per wait period whether it has 10 services or 10,000, and a change
// storm costs one fetch per changed service, paced by a token bucket per watch (burst 2, then one
// re-query per interval) instead of one long poll per service (consul-api.md §7: per-IP connection
// limits, herd effects, burst re-fetches). The one change no diff can see is an instance update that
// touches neither tags nor checks (a re-registration with a new port, a check-less instance added or
// removed). A registration and its checks are one Raft write, so when catalog/services moves to index
// I without a name/tag diff, a checks change at that same index I explains it; if none did, one
// non-blocking health/state/any read rules out a race between the watches, and if still unexplained
// every service is re-fetched (a sweep, at most one per pacing interval). Only the newest write of a
// burst is checked this way, so a periodic anti-entropy resync (default 10 min) bounds anything missed.
//
// Why not the npm client's `watch` helper: it re-polls immediately with no rate limit, does no content
// dedupe (after an index reset it emits the same data twice), adds no retry jitter, ends the watch on
// a 400 or on a reply without X-Consul-Index, and treats index 0 as an error instead of 1. We use the
// client's lower-level calls (see client.ts) with our own loop (blocking-loop.ts).
//
// Failure behaviour: errors never empty the catalog. The last catalog keeps serving, status() turns
// degraded with since-when and the error, loops back off with jitter and recover on their own; an
// empty service list that Consul says it filtered by ACLs is treated as a token error, not an empty
// fleet. Content is compared before emitting, so index resets and spurious wake-ups emit nothing.
// Bad Consul data (non-IP address, names the schema refuses) never blocks the rest: the instance is
// left out, or the service keeps its last valid instances, and the problems go to sink.reject right
// after the update (which would otherwise clear them).

import type { Logger } from '../../log.ts';
import type { Catalog } from '../../model/index.ts';
import type { Source, SourceSink } from '../source.ts';
import { BlockingLoop } from './blocking-loop.ts';
import { type ConsulCatalogSourceOptions, type ResolvedCatalogOptions, withDefaults } from './catalog-options.ts';
import { CatalogState, type CheckRow, type NodeRow } from './catalog-state.ts';
import { ConsulClient, type ConsulReply, explain } from './client.ts';
import { FetchPool } from './fetch-pool.ts';
import type { HealthEntry } from './mapping.ts';
import { TokenBucket } from './rate.ts';
import { type ConsulSourceStatus, StatusTracker } from './status.ts';

/** The catalog watched from Consul. */
export class ConsulCatalogSource implements Source<Catalog> {
  readonly name: string;
  readonly #o: ResolvedCatalogOptions;
  readonly #log: Logger;
  readonly #status: StatusTracker;
  readonly #state: CatalogState;
  readonly #pool: FetchPool;
  readonly #sweeps: TokenBucket;
  readonly #exclude: ReadonlySet<string>;
  #client: ConsulClient | undefined;
  #loops: Record<'members' | 'checks' | 'nodes', BlockingLoop<unknown>> | undefined;
  #sink: SourceSink<Catalog> | undefined;
  #synced = new Set<string>();
  /** Indexes of recent health/state replies that marked services dirty. */
  readonly #checkMarks: number[] = [];
  #lastCatalog: string | undefined;
  #lastProblems = '[]';
  #timers = new Set<NodeJS.Timeout>();
  #sweepTimer: NodeJS.Timeout | undefined;
  #stopped = false;

  constructor(opts: ConsulCatalogSourceOptions) {
    const o = withDefaults(opts);
    this.#o = o;
    this.name = o.name;
    this.#log = o.log.child({ source: this.name });
    this.#status = new StatusTracker(this.#log);
    this.#exclude = new Set(o.exclude);
    this.#state = new CatalogState(o.exclude, o.localityKeys);
    this.#sweeps = new TokenBucket(1, o.sweepIntervalMs);
    this.#pool = new FetchPool({
      concurrency: o.concurrency,
      backoff: o.backoff,
      fetch: (name) => this.#fetch(name),
      wanted: (name) => !this.#stopped && this.#state.members.has(name),
      onIdle: () => this.#flush(),
      onError: (name, err) =>
        this.#status.fail('health/service', explain(err, `health/service/${name}`, this.#client?.hasToken ?? false)),
      onRecovered: () => this.#status.ok('health/service'),
    });
  }

  /** Readiness: degraded (healthy false) while Consul fails; `lastIndex` is the catalog/services index. */
  status(): ConsulSourceStatus {
    return this.#status.status(this.#loops?.members.index ?? 0);
  }

  start(sink: SourceSink<Catalog>): void {
    this.#sink = sink;
    const o = this.#o;
    const client = new ConsulClient(o.connection, o.concurrency + 4);
    this.#client = client;
    const c = client.consul;
    const loop = (
      name: string,
      read: (x: object) => Promise<unknown>,
      onChange: (body: unknown, index: number, reply: ConsulReply<unknown>) => void,
    ) =>
      new BlockingLoop<unknown>({
        name,
        client,
        read: (x) => read({ ...x, stale: o.stale }),
        waitMs: o.waitMs,
        requestTimeoutMs: o.requestTimeoutMs,
        bucket: new TokenBucket(o.rateLimit.burst, o.rateLimit.intervalMs),
        backoff: o.backoff,
        status: this.#status,
        log: this.#log,
        onChange,
      });
    this.#loops = {
      members: loop(
        'catalog/services',
        (x) => c.catalog.service.list(x as never),
        (b, i, r) => this.#onMembers(b as Record<string, string[]> | undefined, i, r.aclFiltered),
      ),
      checks: loop(
        'health/state/any',
        (x) => c.health.state({ state: 'any', ...x } as never),
        (b, i) => this.#onChecks(b as CheckRow[] | undefined, i),
      ),
      nodes: loop(
        'catalog/nodes',
        (x) => c.catalog.node.list(x as never),
        (b) => this.#onNodes(b as NodeRow[] | undefined),
      ),
    };
    for (const l of Object.values(this.#loops)) l.start();
    if (o.resyncIntervalMs > 0) this.#every(o.resyncIntervalMs, () => this.#sweep('resync'));
    this.#log.info({ address: client.address, datacenter: o.connection.datacenter }, 'watching consul catalog');
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    for (const t of this.#timers) clearTimeout(t);
    clearTimeout(this.#sweepTimer);
    this.#pool.stop();
    const stops = Object.values(this.#loops ?? {}).map((l) => l.stop());
    this.#client?.close();
    await Promise.all(stops);
  }

  #every(ms: number, fn: () => void): void {
    const t = setInterval(fn, ms);
    t.unref();
    this.#timers.add(t);
  }

  #onMembers(body: Record<string, string[]> | undefined, index: number, aclFiltered: boolean): void {
    // An empty list that Consul says it filtered is a token problem, not an empty fleet.
    if (aclFiltered && !Object.keys(body ?? {}).some((n) => !this.#exclude.has(n))) {
      const token = this.#client?.hasToken
        ? 'the configured ACL token lacks'
        : 'no ACL token is configured and the anonymous token lacks';
      this.#status.fail(
        'acl',
        `catalog/services: consul hid every service (ACL filtering): ${token} service:read; keeping the last catalog`,
      );
      return;
    }
    this.#status.ok('acl');
    const { dirty, removed } = this.#state.applyMembership(body ?? {});
    this.#pool.mark(dirty);
    const unexplained = this.#synced.has('members') && dirty.length === 0 && removed.length === 0;
    this.#synced.add('members');
    // A registration and its checks are one Raft write: if the checks changed at this very index, the
    // checks diff already named the service.
    if (unexplained && !this.#checkMarks.includes(index)) void this.#explain(index);
    this.#pool.pump();
  }

  #onChecks(body: CheckRow[] | undefined, index: number): void {
    const dirty = this.#state.applyChecks(body ?? []);
    this.#pool.mark(dirty);
    if (dirty.length > 0 && this.#checkMarks.push(index) > 16) this.#checkMarks.shift();
    this.#synced.add('checks');
    this.#pool.pump();
  }

  #onNodes(body: NodeRow[] | undefined): void {
    this.#pool.mark(this.#state.applyNodes(body ?? []));
    this.#synced.add('nodes');
    this.#pool.pump();
  }

  /** catalog/services moved to `index` with no visible cause: rule out a race with the checks watch, else sweep. */
  async #explain(index: number): Promise<void> {
    const client = this.#client!;
    try {
      const reply = await client.call<CheckRow[]>(
        (x) => client.consul.health.state({ state: 'any', ...x, stale: this.#o.stale } as never),
        this.#o.requestTimeoutMs,
      );
      this.#onChecks(reply.body, reply.index);
    } catch {
      // The sweep below covers it.
    }
    if (!this.#checkMarks.includes(index) && !this.#stopped) this.#sweep('unexplained catalog change');
  }

  /** Re-fetches every service, at most once per rate-limit interval (later requests coalesce). */
  #sweep(why: string): void {
    const wait = this.#sweeps.delay();
    if (wait > 0) {
      this.#sweepTimer ??= setTimeout(() => {
        this.#sweepTimer = undefined;
        this.#sweep(why);
      }, wait);
      return;
    }
    this.#log.debug({ why, services: this.#state.members.size }, 'consul re-fetching every service');
    this.#pool.mark(this.#state.members.keys());
    this.#pool.pump();
  }

  async #fetch(name: string): Promise<void> {
    const client = this.#client!;
    const reply = await client.call<HealthEntry[]>(
      (x) => client.consul.health.service({ service: name, ...x, stale: this.#o.stale } as never),
      this.#o.requestTimeoutMs,
    );
    this.#state.applyService(name, reply.body ?? []);
  }

  /** Emits the catalog if its content changed, then reports data problems (after update, which clears them). */
  #flush(): void {
    if (this.#synced.size < 3 || !this.#sink) return;
    // The first catalog waits for every service; later ones go out without a service whose first fetch
    // still fails (it appears once fetched), so one failing service never holds back the others.
    if (this.#lastCatalog === undefined && !this.#state.complete()) return;
    const { catalog, diagnostics } = this.#state.snapshot();
    const text = JSON.stringify(catalog);
    const problems = JSON.stringify(diagnostics);
    const cleared = diagnostics.length === 0 && this.#lastProblems !== '[]';
    if (this.#lastCatalog === undefined) this.#status.synced();
    let updated = false;
    if (text !== this.#lastCatalog || cleared) {
      this.#lastCatalog = text;
      updated = true;
      this.#log.info({ services: Object.keys(catalog.services).length }, 'consul catalog changed');
      this.#sink.update(catalog);
    }
    if (diagnostics.length > 0 && (updated || problems !== this.#lastProblems)) {
      this.#log.warn({ diagnostics }, 'consul data left out of the catalog');
      this.#sink.reject(diagnostics);
    }
    this.#lastProblems = problems;
  }
}
