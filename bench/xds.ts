// npm run bench:xds [-- --clients N --services S --instances I]
// Measures the foundation's xDS path against a no-logic baseline in the same run:
//   - full build (build + translate + validate + snapshot) of S services x I instances;
//   - one-instance change -> last client's ACK, p50/p99 over clients (Gatehouse vs baseline that
//     writes one pre-serialized response to every stream);
//   - bytes sent per client for that change; server RSS and heap per connected stream.
import { parseArgs } from 'node:util';
import * as grpc from '@grpc/grpc-js';
import { compile } from '../src/compile.ts';
import { catalogFile, parseWith, policyFile } from '../src/config/index.ts';
import { createLogger } from '../src/log.ts';
import type { Catalog, Policy } from '../src/model/index.ts';
import { ENDPOINT, PUSH_ORDER } from '../src/resource-types.ts';
import { type Snapshot, SnapshotHolder } from '../src/snapshot/index.ts';
import { ValidationMemo } from '../src/translate/validate/index.ts';
import { AdsService } from '../src/xds/index.ts';
import { baselineFanout, bind, type LoadShape, ms, pct, startClients } from './load.ts';

const { values } = parseArgs({
  options: {
    clients: { type: 'string', default: '1000' },
    services: { type: 'string', default: '1000' },
    instances: { type: 'string', default: '10' },
  },
});
const CLIENTS = Number(values.clients);
const SERVICES = Number(values.services);
const INSTANCES = Number(values.instances);
const gc = (globalThis as { gc?: () => void }).gc ?? (() => {});
const LOAD: LoadShape = { clients: CLIENTS, pattern: 'svc-%04d', names: SERVICES, shape: 'edge' };

function world(flip: boolean): { catalog: Catalog; policy: Policy } {
  const services: Record<string, unknown> = {};
  for (let s = 0; s < SERVICES; s++) {
    const instances = [];
    for (let i = 0; i < INSTANCES; i++) {
      const unhealthy = flip && s === 0 && i === 0;
      instances.push({
        address: `10.${s >> 8}.${s & 255}.${i + 1}`,
        port: 8080,
        health: unhealthy ? 'unhealthy' : 'healthy',
      });
    }
    services[`svc-${String(s).padStart(4, '0')}`] = { instances };
  }
  const routes = Object.keys(services).map((name) => ({ name, match: { prefix: `/${name}/` }, service: name }));
  const catalog = parseWith(catalogFile, { services }, 'catalog');
  const policy = parseWith(policyFile, { routes }, 'policy');
  if (!catalog.ok || !policy.ok) throw new Error('bench input invalid');
  return { catalog: catalog.value, policy: policy.value };
}

async function gatehouse(before: Snapshot, afterInput: { catalog: Catalog; policy: Policy }, memo: ValidationMemo) {
  gc();
  const rssBefore = process.memoryUsage().rss;
  const heapBefore = process.memoryUsage().heapUsed;
  const externalBefore = process.memoryUsage().external;
  const holder = new SnapshotHolder();
  holder.publish(before);
  const acks: number[] = [];
  let bytes = 0;
  let measuring = false;
  let done: () => void = () => {};
  const allAcked = new Promise<void>((r) => (done = r));
  let t0 = 0;
  const ads = new AdsService({
    source: holder,
    log: createLogger('silent'),
    callbacks: {
      onResponse: (_s, _t, _n, size) => {
        if (measuring) bytes += size;
      },
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
  const rssPerStream = (process.memoryUsage().rss - rssBefore) / CLIENTS;
  const heapPerStream = (process.memoryUsage().heapUsed - heapBefore) / CLIENTS;
  const externalPerStream = (process.memoryUsage().external - externalBefore) / CLIENTS;
  measuring = true;
  t0 = performance.now();
  const compiled = compile(afterInput.catalog, afterInput.policy, { previous: before, memo });
  const compileMs = performance.now() - t0;
  const publishAt = performance.now();
  holder.publish(compiled.snapshot!);
  await allAcked;
  const fanout = acks.map((a) => a - (publishAt - t0));
  await clients.stop();
  server.forceShutdown();
  return { acks, fanout, compileMs, bytesPerClient: bytes / CLIENTS, rssPerStream, heapPerStream, externalPerStream };
}

async function main() {
  console.log(`bench:xds  clients=${CLIENTS} services=${SERVICES} instances=${INSTANCES}  node ${process.version}`);
  const before = world(false);
  const after = world(true);
  const builds: number[] = [];
  let snap: Snapshot | undefined;
  for (let i = 0; i < 5; i++) {
    const t = performance.now();
    const c = compile(before.catalog, before.policy);
    builds.push(performance.now() - t);
    if (!c.snapshot) throw new Error(`bench input refused: ${JSON.stringify(c.diagnostics.slice(0, 3))}`);
    snap = c.snapshot;
  }
  let resources = 0;
  for (const p of Object.values(snap!.profiles)) for (const t of Object.values(p)) resources += t.entries.size;
  console.log(
    `full build (build+translate+validate+snapshot, ${resources} resources): median ${ms(pct(builds, 50))}, first ${ms(builds[0]!)}  [aim < 200 ms]`,
  );
  const afterSnap = compile(after.catalog, after.policy, { previous: snap, memo: new ValidationMemo() }).snapshot!;

  const edge = snap!.profiles.edge!;
  const changed = [...afterSnap.profiles.edge![ENDPOINT].entries.values()].filter(
    (e) => edge[ENDPOINT].entries.get(e.name)?.hash !== e.hash,
  );
  const base = await baselineFanout(LOAD, new Map(PUSH_ORDER.map((t) => [t, [...edge[t].entries.values()]])), {
    typeUrl: ENDPOINT,
    entries: changed,
  });
  // As the pipeline does: the rebuild for the change reuses validation of unchanged resources.
  const memo = new ValidationMemo();
  compile(before.catalog, before.policy, { memo });
  const gh = await gatehouse(snap!, after, memo);
  const row = (name: string, xs: number[]) =>
    `${name.padEnd(34)} p50 ${ms(pct(xs, 50)).padStart(10)}  p99 ${ms(pct(xs, 99)).padStart(10)}  last ${ms(Math.max(...xs)).padStart(10)}`;
  console.log(row('baseline (pre-serialized, no logic)', base.acks));
  console.log(row('gatehouse publish -> ACK', gh.fanout));
  console.log(row('gatehouse change -> ACK (w/ build)', gh.acks));
  console.log(`gatehouse rebuild for the change: ${ms(gh.compileMs)}`);
  const ratio = pct(gh.fanout, 99) / pct(base.acks, 99);
  const ratioAll = pct(gh.acks, 99) / pct(base.acks, 99);
  console.log(
    `ratio p99 publish->ACK / baseline: ${ratio.toFixed(2)}x; change->ACK incl. build / baseline: ${ratioAll.toFixed(2)}x  [aim <= 2x]`,
  );
  console.log(
    `bytes per client for the change: gatehouse ${gh.bytesPerClient.toFixed(0)} B, baseline ${base.bytesPerClient} B`,
  );
  console.log(
    `per connected stream, retained after GC: heap ${(gh.heapPerStream / 1024).toFixed(1)} KB + external ${(gh.externalPerStream / 1024).toFixed(1)} KB  [aim < 50 KB]`,
  );
  console.log(
    `per connected stream, RSS growth: ${(gh.rssPerStream / 1024).toFixed(1)} KB (includes the allocator's high-water mark from each stream's initial full sync)`,
  );
  process.exit(0);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
