// Scale: the requests the catalog source makes while Consul is idle do not grow with the number of
// services (three index-driving long polls), and one health change costs one service fetch, not a sweep.
import { afterEach, describe, expect, it } from 'vitest';
import type { Catalog } from '../../src/model/index.ts';
import { ConsulCatalogSource } from '../../src/sources/consul/index.ts';
import { ConsulEmulator } from './emulator/index.ts';
import { call, FAST, recorder, silent, until } from './helpers.ts';

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});

/** Registers `n` services (one instance and one passing check each) spread over 50 nodes, in-process. */
function seed(emu: ConsulEmulator, n: number): void {
  const s = emu.store;
  s.txn((tx) => {
    for (let j = 0; j < 50; j++) {
      const address = `10.2.0.${j + 1}`;
      s.upsertNode(tx, {
        id: `node-${j}`,
        node: `node-${j}`,
        address,
        datacenter: 'dc1',
        taggedAddresses: {},
        meta: { zone: `z${j % 3}` },
      });
    }
    for (let i = 0; i < n; i++) {
      const node = `node-${i % 50}`;
      const [service, id] = [`svc-${i}`, `svc-${i}-1`];
      s.upsertService(tx, {
        node,
        id,
        service,
        tags: ['v1'],
        address: '',
        port: 8000 + (i % 1000),
        meta: null,
        weights: { Passing: 1, Warning: 1 },
        taggedAddresses: {},
        kind: '',
        enableTagOverride: false,
      });
      s.upsertCheck(tx, {
        node,
        checkId: `service:${id}`,
        name: 'ttl',
        status: 'passing',
        notes: '',
        output: '',
        serviceId: id,
        serviceName: service,
        serviceTags: ['v1'],
        type: 'ttl',
        interval: '',
        timeout: '',
      });
    }
  });
}

const WINDOW_MS = 1_200;
const WAIT_MS = 400;

async function measure(n: number) {
  const emu = await new ConsulEmulator({ maxQueryTimeMs: 10_000, jitter: false }).start();
  cleanup.push(() => emu.stop());
  seed(emu, n);
  const rec = recorder<Catalog>();
  const source = new ConsulCatalogSource({ connection: { address: emu.url }, log: silent, ...FAST, waitMs: WAIT_MS });
  cleanup.push(() => source.stop());
  const started = Date.now();
  source.start(rec.sink);
  await until(() => Object.keys(rec.last?.services ?? {}).length === n, 20_000, `${n} services`);
  const syncMs = Date.now() - started;
  const syncRequests = emu.count();
  // Idle: nothing changes in Consul for a fixed measurement window (this is the quantity under test).
  const since = Date.now();
  await new Promise((r) => setTimeout(r, WINDOW_MS));
  const idle = emu.count({ since });
  const idleFetches = emu.count({ since, path: '/v1/health/service/' });
  // One health change: the checks watch names the one service to re-fetch.
  const changedAt = Date.now();
  const target = `svc-${n - 1}`;
  const r = await call(emu, 'PUT', '/v1/catalog/register', {
    Node: `node-${(n - 1) % 50}`,
    Address: `10.2.0.${((n - 1) % 50) + 1}`,
    SkipNodeUpdate: true,
    Checks: [{ CheckID: `service:${target}-1`, ServiceID: `${target}-1`, Name: 'ttl', Status: 'critical' }],
  });
  expect(r.status).toBe(200);
  await until(() => rec.last?.services[target]?.instances[0]?.health === 'unhealthy', 5_000, 'health change');
  const changeFetches = emu.count({ since: changedAt, path: '/v1/health/service/' });
  // A new instance (with its check) of an existing service, same tags: no sweep either.
  const addedAt = Date.now();
  const added = await call(emu, 'PUT', '/v1/catalog/register', {
    Node: 'node-extra',
    Address: '10.3.0.1',
    Service: { ID: 'svc-0-2', Service: 'svc-0', Port: 9000, Tags: ['v1'] },
    Checks: [{ CheckID: 'service:svc-0-2', ServiceID: 'svc-0-2', Name: 'ttl', Status: 'passing' }],
  });
  expect(added.status).toBe(200);
  await until(() => rec.last?.services['svc-0']?.instances.length === 2, 5_000, 'instance added');
  const addFetches = emu.count({ since: addedAt, path: '/v1/health/service/' });
  return { n, syncMs, syncRequests, idle, idleFetches, changeFetches, addFetches, emitted: rec.updates.length };
}

describe('consul catalog source at scale', () => {
  it('makes the same number of idle requests for 20 and 2,000 services', async () => {
    const small = await measure(20);
    const large = await measure(2_000);
    console.info(`consul scale: ${JSON.stringify({ small, large, windowMs: WINDOW_MS, waitMs: WAIT_MS })}`);
    for (const m of [small, large]) {
      // 3 long polls, each returning every WAIT_MS: about 3 * WINDOW_MS / WAIT_MS requests.
      expect(m.idle).toBeLessThanOrEqual(3 * Math.ceil(WINDOW_MS / WAIT_MS) + 3);
      expect(m.idleFetches).toBe(0);
      expect(m.changeFetches).toBe(1);
      expect(m.addFetches).toBe(1);
    }
    expect(Math.abs(large.idle - small.idle)).toBeLessThanOrEqual(3);
    // The first sync reads each service once (no bulk health endpoint exists), plus a few watch calls.
    expect(large.syncRequests).toBeLessThan(2_000 + 50);
  });
});
