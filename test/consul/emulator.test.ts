// The emulator against consul-api.md: response shapes, read headers, the per-endpoint index model and
// the blocking algorithm (return on a higher index, time out with the same index, wait clamping).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConsulEmulator, parseGoDuration } from './emulator/index.ts';
import { call, registerOnNode } from './helpers.ts';

let emu: ConsulEmulator;
beforeAll(async () => {
  emu = await new ConsulEmulator({ maxQueryTimeMs: 1_000, defaultQueryTimeMs: 150, jitter: false }).start();
  await call(emu, 'PUT', '/v1/agent/service/register', {
    Name: 'web',
    ID: 'web-1',
    Address: '10.0.0.9',
    Port: 8080,
    Tags: ['v1'],
    Check: { TTL: '60s' },
  });
  await registerOnNode(emu, {
    node: 'node-b',
    address: '10.0.1.2',
    meta: { zone: 'b' },
    service: { ID: 'db-1', Service: 'db', Port: 5432, Meta: { v: '2' } },
  });
});
afterAll(() => emu.stop());

const index = (r: { headers: Headers }) => Number(r.headers.get('x-consul-index'));

describe('consul emulator: shapes and headers', () => {
  it('serves health/service with Consul field names, defaults and read headers', async () => {
    const r = await call(emu, 'GET', '/v1/health/service/web');
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toBe('application/json');
    expect(index(r)).toBeGreaterThan(1);
    expect(r.headers.get('x-consul-knownleader')).toBe('true');
    expect(r.headers.get('x-consul-lastcontact')).toBe('0');
    expect(r.headers.get('x-consul-effective-consistency')).toBe('leader');
    expect(r.headers.get('x-consul-default-acl-policy')).toBe('allow');
    const [e] = r.json<{ Node: unknown; Service: unknown; Checks: { CheckID: string }[] }[]>();
    expect(e?.Node).toMatchObject({ Node: 'consul-emu', Address: '127.0.0.1', Datacenter: 'dc1' });
    expect(e?.Service).toMatchObject({
      ID: 'web-1',
      Service: 'web',
      Tags: ['v1'],
      Address: '10.0.0.9',
      Port: 8080,
      Meta: null,
      Weights: { Passing: 1, Warning: 1 },
      TaggedAddresses: { lan_ipv4: { Address: '10.0.0.9', Port: 8080 } },
    });
    // Node-level checks first; agent checks default to ID service:<id>, a generated name, critical.
    expect(e?.Checks.map((c) => c.CheckID)).toEqual(['serfHealth', 'service:web-1']);
    expect(e?.Checks[1]).toMatchObject({
      Name: "Service 'web' check",
      Status: 'critical',
      ServiceTags: ['v1'],
      Type: 'ttl',
    });
  });

  it('serves catalog rows, services, nodes, checks, state and datacenters', async () => {
    const rows = (await call(emu, 'GET', '/v1/catalog/service/db')).json<Record<string, unknown>[]>();
    expect(rows[0]).toMatchObject({
      Node: 'node-b',
      Address: '10.0.1.2',
      NodeMeta: { zone: 'b' },
      ServiceAddress: '',
      ServiceMeta: { v: '2' },
      ServiceLocality: null,
    });
    expect((await call(emu, 'GET', '/v1/catalog/service/nope')).json()).toEqual([]);
    expect((await call(emu, 'GET', '/v1/health/service/nope')).json()).toEqual([]);
    const services = (await call(emu, 'GET', '/v1/catalog/services')).json<Record<string, string[]>>();
    expect(services).toEqual({ consul: [], web: ['v1'], db: [] });
    const nodes = (await call(emu, 'GET', '/v1/catalog/nodes')).json<{ Node: string }[]>();
    expect(nodes.map((n) => n.Node)).toEqual(['consul-emu', 'node-b']);
    const checks = (await call(emu, 'GET', '/v1/health/checks/web')).json<{ CheckID: string }[]>();
    expect(checks.map((c) => c.CheckID)).toEqual(['service:web-1']);
    const critical = (await call(emu, 'GET', '/v1/health/state/critical')).json<{ CheckID: string }[]>();
    expect(critical.map((c) => c.CheckID)).toEqual(['service:web-1']);
    const dcs = await call(emu, 'GET', '/v1/catalog/datacenters');
    expect(dcs.json()).toEqual(['dc1']);
    expect(dcs.headers.get('x-consul-index')).toBeNull();
    expect((await call(emu, 'GET', '/v1/status/leader')).json()).toBe('127.0.0.1:8300');
  });

  it('filters with ?passing, ?tag and ?filter, and refuses bad input with Consul status codes', async () => {
    expect((await call(emu, 'GET', '/v1/health/service/web?passing')).json()).toEqual([]);
    expect((await call(emu, 'GET', '/v1/health/service/web?tag=v1')).json<unknown[]>()).toHaveLength(1);
    expect((await call(emu, 'GET', '/v1/health/service/web?tag=v2')).json()).toEqual([]);
    expect(
      (await call(emu, 'GET', '/v1/catalog/service/db?filter=ServiceMeta.v%20%3D%3D%20%222%22')).json<unknown[]>(),
    ).toHaveLength(1);
    const cases: [string, string, number, string][] = [
      ['GET', '/v1/health/service/web?passing=maybe', 400, 'Invalid value for ?passing'],
      ['GET', '/v1/health/service/web?index=-1', 400, 'Invalid index'],
      ['GET', '/v1/health/service/web?index=5&wait=30000', 400, 'Invalid wait time'],
      [
        'GET',
        '/v1/catalog/services?stale&consistent',
        400,
        'Cannot specify ?stale with ?consistent, conflicting semantics.',
      ],
      [
        'GET',
        '/v1/catalog/services?ns=team',
        400,
        'Invalid query parameter: "ns" - Namespaces are a Consul Enterprise feature',
      ],
      ['GET', '/v1/catalog/services?dc=dc9', 500, 'No path to datacenter'],
      ['GET', '/v1/health/service/', 400, 'Missing service name'],
      ['GET', '/v1/catalog/service/db?filter=Nope%20%3D%3D', 500, 'Failed to create boolean expression evaluator'],
      ['GET', '/v1/nothing/here', 404, 'Invalid URL path: not a recognized HTTP API endpoint'],
      ['POST', '/v1/catalog/services', 405, 'method POST not allowed'],
    ];
    for (const [method, path, status, text] of cases) {
      const r = await call(emu, method, path);
      expect([path, r.status]).toEqual([path, status]);
      expect(r.text).toContain(text);
    }
    expect((await call(emu, 'POST', '/v1/catalog/services')).headers.get('allow')).toBe('OPTIONS,GET');
  });

  it('parses Go durations like Consul', () => {
    expect(parseGoDuration('1h30m')).toBe(5_400_000);
    expect(parseGoDuration('500ms')).toBe(500);
    expect(parseGoDuration('0')).toBe(0);
    expect(parseGoDuration('30000')).toBeUndefined();
  });
});

describe('consul emulator: index model and blocking', () => {
  it('returns at once without an index, and on a relevant write with a higher index', async () => {
    const first = await call(emu, 'GET', '/v1/health/service/web');
    const started = Date.now();
    const blocked = call(emu, 'GET', `/v1/health/service/web?index=${index(first)}&wait=5s`);
    await call(emu, 'PUT', '/v1/agent/check/pass/service:web-1');
    const woke = await blocked;
    expect(index(woke)).toBeGreaterThan(index(first));
    expect(Date.now() - started).toBeLessThan(2_500);
  });

  it('times out with the same index, clamps wait to max_query_time and uses default_query_time for wait=0s', async () => {
    const i = index(await call(emu, 'GET', '/v1/health/service/web'));
    for (const [wait, min, max] of [
      ['100ms', 90, 900],
      ['1h', 990, 2_500],
      ['0s', 140, 900],
    ] as const) {
      const t0 = Date.now();
      const r = await call(emu, 'GET', `/v1/health/service/web?index=${i}&wait=${wait}`);
      const took = Date.now() - t0;
      expect(index(r)).toBe(i);
      expect(took).toBeGreaterThanOrEqual(min);
      expect(took).toBeLessThan(max);
    }
  });

  it('keeps per-service indexes: other services do not wake a watcher, node changes do', async () => {
    const i = index(await call(emu, 'GET', '/v1/health/service/db'));
    const blocked = call(emu, 'GET', `/v1/health/service/db?index=${i}&wait=200ms`);
    await call(emu, 'PUT', '/v1/agent/check/warn/service:web-1');
    expect(index(await blocked)).toBe(i);
    const again = call(emu, 'GET', `/v1/health/service/db?index=${i}&wait=2s`);
    await call(emu, 'PUT', '/v1/catalog/register', { Node: 'node-b', Address: '10.0.1.2', NodeMeta: { zone: 'c' } });
    expect(index(await again)).toBeGreaterThan(i);
  });

  it('does not bump indexes on writes that change nothing', async () => {
    const body = { Name: 'same', Address: '10.0.0.5', Port: 1, Check: { TTL: '60s', Status: 'passing' } };
    await call(emu, 'PUT', '/v1/agent/service/register', body);
    const i = index(await call(emu, 'GET', '/v1/health/service/same'));
    await call(emu, 'PUT', '/v1/agent/service/register', body);
    await call(emu, 'PUT', '/v1/agent/check/pass/service:same?note=still fine');
    expect(index(await call(emu, 'GET', '/v1/health/service/same'))).toBe(i);
    expect(index(await call(emu, 'GET', '/v1/catalog/services'))).toBe(i);
  });

  it('reports the extinction index for a service that lost its last instance', async () => {
    await call(emu, 'PUT', '/v1/agent/service/register', { Name: 'gone', Address: '10.0.0.6', Port: 1 });
    const i = index(await call(emu, 'GET', '/v1/health/service/gone'));
    const blocked = call(emu, 'GET', `/v1/health/service/gone?index=${i}&wait=2s`);
    await call(emu, 'PUT', '/v1/agent/service/deregister/gone');
    const r = await blocked;
    expect(r.json()).toEqual([]);
    expect(index(r)).toBeGreaterThan(i);
  });
});
