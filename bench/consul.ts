// npm run bench:consul [-- --services 5000 --instances 10 --clients 1000]
// Gatehouse fed by an emulated Consul (real HTTP, real `consul` client), fanning out to simulated
// clients. Prints: cold sync to first publish; one registration to its publish; one health flip in
// Consul to the last client's ACK (p50/p99) against the no-logic pre-serialized fan-out baseline;
// Consul requests per second while idle (at two catalog sizes) and during a burst of 100 flips;
// heap after sync.
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import * as grpc from '@grpc/grpc-js';
import { parsePolicy } from '../src/config/index.ts';
import { createLogger } from '../src/log.ts';
import type { Catalog, Policy } from '../src/model/index.ts';
import { Pipeline } from '../src/pipeline.ts';
import { ENDPOINT, PUSH_ORDER } from '../src/resource-types.ts';
import { SnapshotHolder } from '../src/snapshot/index.ts';
import { ConsulCatalogSource } from '../src/sources/consul/index.ts';
import type { Source } from '../src/sources/index.ts';
import { AdsService } from '../src/xds/index.ts';
import { baselineFanout, bind, type LoadShape, ms, pct, startClients } from './load.ts';

const { values } = parseArgs({
  options: {
    services: { type: 'string', default: '5000' },
    instances: { type: 'string', default: '10' },
    clients: { type: 'string', default: '1000' },
    subscribe: { type: 'string', default: '100' },
  },
});
const SERVICES = Number(values.services);
const INSTANCES = Number(values.instances);
const CLIENTS = Number(values.clients);
const QUIET_MS = 100;
/** The fast lane's quiet period (settings default): health flips are catalog-only changes. */
const ENDPOINT_QUIET_MS = 20;
const WAIT_MS = 2_000;
const gc = (globalThis as { gc?: () => void }).gc ?? (() => {});
const name = (i: number) => `svc-${String(i).padStart(4, '0')}`;
// Each client needs a few services (CDS+EDS by name), as a sidecar or proxyless client would.
const LOAD: LoadShape = { clients: CLIENTS, pattern: 'svc-%04d', names: Number(values.subscribe), shape: 'named' };

/** Sets one instance's check through Consul's HTTP API, as an agent would. */
async function setCheck(emu: { url: string }, service: number, instance: number, status: 'passing' | 'critical') {
  const res = await fetch(
    `${emu.url}/v1/agent/check/${status === 'passing' ? 'pass' : 'fail'}/service:${name(service)}-${instance}`,
    {
      method: 'PUT',
    },
  );
  if (res.status !== 200) {
    // Checks seeded into the store are catalog checks, not this agent's: update through the catalog.
    const k = service * INSTANCES + instance;
    const node = `node-${Math.floor(k / 100)}`;
    const id = `${name(service)}-${instance}`;
    const reg = await fetch(`${emu.url}/v1/catalog/register`, {
      method: 'PUT',
      body: JSON.stringify({
        Node: node,
        Address: `10.${(Math.floor(k / 100) >> 8) & 255}.${Math.floor(k / 100) & 255}.1`,
        SkipNodeUpdate: true,
        Check: { CheckID: `service:${id}`, Name: 'ttl', Status: status, ServiceID: id },
      }),
    });
    if (reg.status !== 200) throw new Error(`flip failed: ${reg.status} ${await reg.text()}`);
  }
}

function staticPolicy(): Source<Policy> {
  const parsed = parsePolicy('{}');
  if (!parsed.ok) throw new Error('policy');
  return { name: 'policy', start: (sink) => sink.update(parsed.value), stop: async () => {} };
}

/** When the Consul source last handed the pipeline a catalog (to split latency into its parts). */
let lastEmitAt = 0;
function timed(source: Source<Catalog>): Source<Catalog> {
  return {
    name: source.name,
    start: (sink) =>
      source.start({
        update: (c) => {
          lastEmitAt = performance.now();
          sink.update(c);
        },
        reject: (d) => sink.reject(d),
      }),
    stop: () => source.stop(),
  };
}

/** The emulated Consul in a child process (see consul-emulator.ts). */
class EmulatorProcess {
  readonly url: string;
  readonly #child: ChildProcess;
  readonly #lines: AsyncIterator<string>;

  private constructor(url: string, child: ChildProcess, lines: AsyncIterator<string>) {
    this.url = url;
    this.#child = child;
    this.#lines = lines;
  }

  static async start(services: number): Promise<EmulatorProcess> {
    const child = spawn(process.execPath, ['bench/consul-emulator.ts', String(services), String(INSTANCES)], {
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
    const first = await lines.next();
    return new EmulatorProcess((JSON.parse(first.value as string) as { url: string }).url, child, lines);
  }

  /** Requests the emulator has served so far. */
  async count(): Promise<number> {
    this.#child.stdin!.write('count\n');
    const line = await this.#lines.next();
    return (JSON.parse(line.value as string) as { count: number }).count;
  }

  async stop(): Promise<void> {
    this.#child.stdin!.end();
    await once(this.#child, 'exit');
  }
}

async function idleRate(services: number): Promise<number> {
  const emu = await EmulatorProcess.start(services);
  const source = new ConsulCatalogSource({
    connection: { address: emu.url },
    log: createLogger('silent'),
    // A short wait so a rate shows within seconds; pacing loose enough not to be what is measured.
    waitMs: WAIT_MS,
    rateLimit: { burst: 2, intervalMs: 200 },
    resyncIntervalMs: 0,
  });
  let synced: () => void = () => {};
  const ready = new Promise<void>((r) => {
    synced = r;
  });
  source.start({ update: (c: Catalog) => Object.keys(c.services).length >= services && synced(), reject: () => {} });
  await ready;
  const before = await emu.count();
  const t = performance.now();
  await new Promise((r) => setTimeout(r, 3 * WAIT_MS)); // the quantity measured is a rate over a fixed window
  const rate = ((await emu.count()) - before) / ((performance.now() - t) / 1000);
  await source.stop();
  await emu.stop();
  return rate;
}

async function main() {
  console.log(
    `bench:consul  services=${SERVICES} x ${INSTANCES} instances, clients=${CLIENTS} (each: ${LOAD.names} services by name)  node ${process.version}`,
  );
  const emu = await EmulatorProcess.start(SERVICES);
  const holder = new SnapshotHolder();
  // Production waits (60 s): idle long polls then never drain the re-query token bucket.
  const source = new ConsulCatalogSource({
    connection: { address: emu.url },
    log: createLogger('silent'),
    resyncIntervalMs: 0,
  });
  const pipeline = new Pipeline({
    catalog: timed(source),
    policy: staticPolicy(),
    holder,
    log: createLogger('silent'),
    quietPeriodMs: QUIET_MS,
    endpointQuietPeriodMs: ENDPOINT_QUIET_MS,
    maxDelayMs: 1000,
  });
  let t0 = performance.now();
  pipeline.start();
  await new Promise<void>((resolve) => {
    const off = holder.subscribe(() => {
      off();
      resolve();
    });
  });
  console.log(
    `cold start: Consul sync to first publish: ${ms(performance.now() - t0)} (${await emu.count()} Consul requests)`,
  );

  // One new registration (agent API) to its publish.
  t0 = performance.now();
  const published = new Promise<void>((resolve) => {
    const off = holder.subscribe((p) => {
      if (p.snapshot.profiles.edge?.[ENDPOINT].entries.has('svc-new')) {
        off();
        resolve();
      }
    });
  });
  await fetch(`${emu.url}/v1/agent/service/register`, {
    method: 'PUT',
    body: JSON.stringify({ Name: 'svc-new', ID: 'svc-new-1', Address: '10.250.0.1', Port: 9000 }),
  });
  await published;
  console.log(
    `one registration to its publish: ${ms(performance.now() - t0)}  (endpoint quiet period ${ENDPOINT_QUIET_MS} ms included)`,
  );

  const acks: number[] = [];
  let measuring = false;
  let done: () => void = () => {};
  let allAcked = new Promise<void>((r) => {
    done = r;
  });
  const ads = new AdsService({
    source: holder,
    log: createLogger('silent'),
    callbacks: {
      onAck: (_s, t) => {
        if (!measuring || t !== ENDPOINT) return;
        acks.push(performance.now() - t0);
        if (acks.length === CLIENTS) done();
      },
    },
  });
  const server = new grpc.Server();
  ads.addTo(server);
  const clients = startClients(await bind(server), LOAD);
  await clients.synced;
  gc();
  console.log(
    `heap after sync (catalog, snapshot, ${CLIENTS} streams): ${(process.memoryUsage().heapUsed / 2 ** 20).toFixed(1)} MB`,
  );

  // One health flip of svc-0000 (every client needs it) to the last client's ACK.
  const before = holder.current()!.snapshot;
  measuring = true;
  let publishedAt = 0;
  const offPublish = holder.subscribe(() => {
    publishedAt ||= performance.now() - t0;
  });
  const buildsBefore = pipeline.builds;
  t0 = performance.now();
  await setCheck(emu, 0, 0, 'critical');
  await allAcked;
  offPublish();
  measuring = false;
  const after = holder.current()!.snapshot;
  console.log(
    `health flip -> ACK      p50 ${ms(pct(acks, 50))}  p99 ${ms(pct(acks, 99))}  last ${ms(Math.max(...acks))}`,
  );
  console.log(
    `  of which: flip -> Consul source emits ${ms(lastEmitAt - t0)}; -> publish ${ms(publishedAt - (lastEmitAt - t0))} (quiet period + ${pipeline.builds - buildsBefore} build of ${ms(pipeline.lastBuildMs)}); publish -> last ACK ${ms(Math.max(...acks) - publishedAt)}`,
  );

  // Burst: 100 flips across services; Consul request rate until the catalog has them all.
  const reqBefore = await emu.count();
  t0 = performance.now();
  allAcked = Promise.resolve();
  const flipped = Array.from({ length: 100 }, (_, i) => 1 + ((i * 37) % (SERVICES - 1)));
  await Promise.all(flipped.map((s) => setCheck(emu, s, 1, 'critical')));
  await new Promise<void>((resolve) => {
    // Published snapshots follow the pipeline's inputs: wait until those hold every flip.
    const check = () => {
      const services = pipeline.inputs().catalog?.services ?? {};
      return flipped.every((s) =>
        services[name(s)]?.instances.some((i) => i.id?.endsWith(`/${name(s)}-1`) && i.health === 'unhealthy'),
      );
    };
    const off = holder.subscribe(() => {
      if (check()) {
        off();
        resolve();
      }
    });
  });
  const burstSeconds = (performance.now() - t0) / 1000;
  const burstRequests = (await emu.count()) - reqBefore;
  console.log(
    `burst of 100 flips: converged in ${ms(burstSeconds * 1000)}, ${burstRequests} Consul requests (${(burstRequests / burstSeconds).toFixed(1)}/s)`,
  );
  await clients.stop();
  server.forceShutdown();
  await pipeline.stop();
  await emu.stop();

  const edgeBefore = before.profiles.edge!;
  const changed = [...after.profiles.edge![ENDPOINT].entries.values()].filter(
    (e) => edgeBefore[ENDPOINT].entries.get(e.name)?.hash !== e.hash,
  );
  const named = (t: string) =>
    [...edgeBefore[t as typeof ENDPOINT].entries.values()].filter(
      (e) => t !== ENDPOINT || Number(e.name.slice(4)) < LOAD.names,
    );
  const base = await baselineFanout(LOAD, new Map(PUSH_ORDER.map((t) => [t, named(t)])), {
    typeUrl: ENDPOINT,
    entries: changed,
  });
  console.log(`baseline (pre-serialized fan-out)  p50 ${ms(pct(base.acks, 50))}  p99 ${ms(pct(base.acks, 99))}`);
  for (const [label, quiet] of [
    ['config quiet period', QUIET_MS],
    ['endpoint quiet period', ENDPOINT_QUIET_MS],
  ] as const) {
    const limit = 2 * pct(base.acks, 99) + quiet;
    const verdict = pct(acks, 99) <= limit ? 'within' : 'OVER';
    console.log(`flip->ACK p99 ${ms(pct(acks, 99))} vs aim 2 x baseline p99 + ${label} = ${ms(limit)}: ${verdict}`);
  }

  const small = await idleRate(Math.max(50, Math.floor(SERVICES / 10)));
  const large = await idleRate(SERVICES);
  console.log(
    `idle Consul requests/s (wait ${WAIT_MS} ms): ${small.toFixed(2)} at ${Math.max(50, Math.floor(SERVICES / 10))} services, ${large.toFixed(2)} at ${SERVICES} services`,
  );
  process.exit(0);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
