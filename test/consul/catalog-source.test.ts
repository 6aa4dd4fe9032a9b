// The Consul catalog source through real HTTP against the emulator: registration, health mapping,
// address fallback, locality, bad data, and index resets that must not re-emit.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Catalog } from '../../src/model/index.ts';
import { ConsulCatalogSource } from '../../src/sources/consul/index.ts';
import { ConsulEmulator } from './emulator/index.ts';
import { call, FAST, recorder, registerOnNode, silent, until } from './helpers.ts';

let emu: ConsulEmulator;
let source: ConsulCatalogSource;
let rec: ReturnType<typeof recorder<Catalog>>;

beforeEach(async () => {
  emu = await new ConsulEmulator({ maxQueryTimeMs: 10_000 }).start();
  rec = recorder<Catalog>();
  source = new ConsulCatalogSource({ connection: { address: emu.url }, log: silent, ...FAST });
});
afterEach(async () => {
  await source.stop();
  await emu.stop();
});

const instances = (name: string) => rec.last?.services[name]?.instances ?? [];
const register = async (body: Record<string, unknown>) => {
  const r = await call(emu, 'PUT', '/v1/agent/service/register', body);
  expect(r.status, r.text).toBe(200);
};

describe('consul catalog source', () => {
  it('emits a registered service, then follows its health, weights, maintenance and removal', async () => {
    await register({
      Name: 'web',
      ID: 'web-1',
      Address: '10.0.0.9',
      Port: 8080,
      Tags: ['v1', 'blue'],
      Meta: { version: '1' },
      Weights: { Passing: 10, Warning: 3 },
      Check: { TTL: '60s', Status: 'passing' },
    });
    source.start(rec.sink);
    await until(() => instances('web').length === 1, 5_000, 'web emitted');
    expect(rec.last?.services.consul).toBeUndefined();
    expect(instances('web')[0]).toEqual({
      id: 'consul-emu/web-1',
      address: '10.0.0.9',
      port: 8080,
      health: 'healthy',
      weight: 10,
      tags: ['blue', 'v1'],
      metadata: { version: '1' },
      locality: { region: '', zone: '', subZone: '' },
    });
    expect(source.status()).toMatchObject({ healthy: true });

    await call(emu, 'PUT', '/v1/agent/check/fail/service:web-1?note=down');
    await until(() => instances('web')[0]?.health === 'unhealthy', 5_000, 'critical -> unhealthy');

    await call(emu, 'PUT', '/v1/agent/check/warn/service:web-1');
    await until(() => instances('web')[0]?.health === 'healthy' && instances('web')[0]?.weight === 3, 5_000, 'warning');

    await call(emu, 'PUT', '/v1/agent/service/maintenance/web-1?enable=true&reason=deploy');
    await until(() => instances('web')[0]?.health === 'draining', 5_000, 'maintenance -> draining');
    await call(emu, 'PUT', '/v1/agent/service/maintenance/web-1?enable=false');
    await until(() => instances('web')[0]?.health === 'healthy', 5_000, 'maintenance off');

    await call(emu, 'PUT', '/v1/agent/service/deregister/web-1');
    await until(() => rec.last?.services.web === undefined, 5_000, 'web gone');
  });

  it('treats a warning with Weights.Warning 0 as unhealthy', async () => {
    await register({
      Name: 'api',
      Address: '10.0.0.3',
      Port: 80,
      Weights: { Passing: 5 },
      Check: { TTL: '60s', Status: 'warning' },
    });
    source.start(rec.sink);
    await until(() => instances('api').length === 1);
    expect(instances('api')[0]).toMatchObject({ health: 'unhealthy', weight: 1 });
  });

  it('falls back to the node address, takes locality from node meta, and reports non-IP addresses', async () => {
    await registerOnNode(emu, {
      node: 'node-a',
      address: '10.1.0.5',
      meta: { region: 'eu-west', zone: 'eu-west-1a', sub_zone: 'rack7' },
      service: { ID: 'db-1', Service: 'db', Port: 5432 },
      checks: [{ CheckID: 'db-1-tcp', ServiceID: 'db-1', Status: 'passing' }],
    });
    await registerOnNode(emu, {
      node: 'node-b',
      address: 'node-b.example.internal',
      service: { ID: 'db-2', Service: 'db', Port: 5432 },
    });
    source.start(rec.sink);
    await until(() => instances('db').length === 1, 5_000, 'db emitted');
    expect(instances('db')[0]).toMatchObject({
      id: 'node-a/db-1',
      address: '10.1.0.5',
      locality: { region: 'eu-west', zone: 'eu-west-1a', subZone: 'rack7' },
    });
    await until(() => rec.rejects.length > 0, 5_000, 'diagnostic');
    const [d] = rec.rejects.at(-1) ?? [];
    expect(d?.code).toBe('CONSUL_INVALID_DATA');
    expect(d?.message).toContain('"db"');
    expect(d?.message).toContain('"node-b"');
    expect(d?.message).toContain('"node-b.example.internal"');

    // A node's new meta reaches its instances without touching the service.
    await call(emu, 'PUT', '/v1/catalog/register', {
      Node: 'node-a',
      Address: '10.1.0.5',
      NodeMeta: { region: 'us-east' },
    });
    await until(() => instances('db')[0]?.locality.region === 'us-east', 5_000, 'node meta change');
  });

  it('leaves out a service whose name the catalog schema refuses, and says why', async () => {
    await register({ Name: 'Billing_API', Address: '10.0.0.4', Port: 80 });
    await register({ Name: 'ok', Address: '10.0.0.5', Port: 80 });
    source.start(rec.sink);
    await until(() => instances('ok').length === 1 && rec.rejects.length > 0, 5_000, 'emitted with problems');
    expect(Object.keys(rec.last?.services ?? {})).toEqual(['ok']);
    expect(rec.rejects.at(-1)?.[0]).toMatchObject({ code: 'CONFIG_INVALID', path: 'consul.services.Billing_API' });
  });

  it('sees a re-registration that changes only the port (no tag or check change)', async () => {
    await register({ Name: 'pay', Address: '10.0.0.7', Port: 7000, Check: { TTL: '60s', Status: 'passing' } });
    source.start(rec.sink);
    await until(() => instances('pay')[0]?.port === 7000);
    await register({ Name: 'pay', Address: '10.0.0.7', Port: 7001, Check: { TTL: '60s' } });
    await until(() => instances('pay')[0]?.port === 7001, 5_000, 'port change');
    expect(instances('pay')[0]?.health).toBe('healthy');
  });

  it('queries the configured datacenter and reports an unknown one', async () => {
    await source.stop();
    source = new ConsulCatalogSource({ connection: { address: emu.url, datacenter: 'dc9' }, log: silent, ...FAST });
    source.start(rec.sink);
    await until(() => source.status().lastError !== undefined, 5_000, 'error');
    expect(source.status().lastError).toContain('No path to datacenter');
    expect(emu.requests.every((r) => r.query.includes('dc=dc9'))).toBe(true);
    expect(rec.updates).toHaveLength(0);
  });

  it('resets when the index goes backwards and emits nothing when the content is equal', async () => {
    await register({ Name: 'web', Address: '10.0.0.9', Port: 80, Check: { TTL: '60s', Status: 'passing' } });
    source.start(rec.sink);
    await until(() => instances('web').length === 1);
    await until(() => emu.requests.some((r) => r.path === '/v1/catalog/services' && r.query.includes('index=')));
    const before = rec.updates.length;
    const indexBefore = source.status().lastIndex;
    const restoredAt = Date.now();
    emu.restoreSnapshot(2);
    // Each watch resets (a non-blocking read) and then blocks again on the lowered index.
    const blockingAgain = (path: string) =>
      emu.requests.some((r) => r.at >= restoredAt && r.path === path && /index=[12]\b/.test(r.query));
    await until(
      () => ['/v1/catalog/services', '/v1/health/state/any', '/v1/catalog/nodes'].every(blockingAgain),
      5_000,
      'reset',
    );
    expect(source.status().lastIndex).toBeLessThan(indexBefore);
    expect(rec.updates.length).toBe(before);
    // And it still follows changes afterwards.
    await call(emu, 'PUT', '/v1/agent/check/fail/service:web');
    await until(() => instances('web')[0]?.health === 'unhealthy', 5_000, 'change after reset');
  });
});
