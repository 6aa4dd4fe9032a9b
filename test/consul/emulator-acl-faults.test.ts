// The emulator's ACL mode (token lookup order, 403 texts, list filtering) and fault injection
// (errors, drops, hangs, bad index headers, snapshot restore, leader loss, restart, connection limit),
// plus the npm consul client's view of it.
import { EventEmitter } from 'node:events';
import Consul from 'consul';
import { afterEach, describe, expect, it } from 'vitest';
import { ConsulEmulator, type EmulatorOptions } from './emulator/index.ts';
import { call } from './helpers.ts';

const started: ConsulEmulator[] = [];
afterEach(async () => {
  for (const e of started.splice(0)) await e.stop();
});
async function emulator(opts: EmulatorOptions = {}) {
  const emu = await new ConsulEmulator(opts).start();
  started.push(emu);
  return emu;
}
const index = (r: { headers: Headers }) => Number(r.headers.get('x-consul-index'));

describe('consul emulator: ACLs', () => {
  it('looks tokens up in ?token, X-Consul-Token and Authorization: Bearer; refuses unknown ones', async () => {
    const emu = await emulator({ acl: { tokens: { reader: 'read', writer: 'write' }, defaultPolicy: 'deny' } });
    const reg = { Name: 'web', Address: '10.0.0.1', Port: 80 };
    expect((await call(emu, 'PUT', '/v1/agent/service/register', reg, { 'X-Consul-Token': 'writer' })).status).toBe(
      200,
    );
    const bad = await call(emu, 'GET', '/v1/catalog/services', undefined, { 'X-Consul-Token': 'wrong' });
    expect([bad.status, bad.text]).toEqual([403, 'ACL not found']);
    expect(bad.headers.get('x-consul-default-acl-policy')).toBe('deny');
    expect((await call(emu, 'GET', '/v1/catalog/services?token=wrong')).status).toBe(403);
    const bearer = await call(emu, 'GET', '/v1/catalog/services', undefined, { Authorization: 'Bearer reader' });
    expect(bearer.json()).toMatchObject({ web: [] });
    // ?token wins over the header.
    expect(
      (await call(emu, 'GET', '/v1/catalog/services?token=wrong', undefined, { 'X-Consul-Token': 'reader' })).status,
    ).toBe(403);
    const denied = await call(emu, 'PUT', '/v1/agent/service/register', reg, { 'X-Consul-Token': 'reader' });
    expect(denied.status).toBe(403);
    expect(denied.text).toMatch(
      /^Permission denied: token with AccessorID '[0-9a-f-]{36}' lacks permission 'service:write' on "web"$/,
    );
    const anon = await call(emu, 'PUT', '/v1/kv/k', 'v');
    expect(anon.text).toContain('The anonymous token is used implicitly when a request does not specify a token.');
    expect((await call(emu, 'GET', '/v1/status/leader')).status).toBe(200);
  });

  it('filters lists for callers who may not read, flagging it only when a token was sent', async () => {
    const emu = await emulator({ acl: { tokens: {}, defaultPolicy: 'deny' } });
    const r = await call(emu, 'GET', '/v1/catalog/services');
    expect([r.status, r.text]).toEqual([200, '{}']);
    expect(r.headers.get('x-consul-results-filtered-by-acls')).toBeNull();
  });
});

describe('consul emulator: faults', () => {
  it('fails, drops, or mangles the index of the next N matching requests', async () => {
    const emu = await emulator();
    emu.inject({ kind: 'error' }, { times: 2, path: '/v1/catalog/' });
    for (let i = 0; i < 2; i++) {
      const r = await call(emu, 'GET', '/v1/catalog/services');
      expect([r.status, r.text, index(r), r.headers.get('x-consul-knownleader')]).toEqual([
        500,
        'No cluster leader',
        1,
        'false',
      ]);
    }
    expect((await call(emu, 'GET', '/v1/catalog/services')).status).toBe(200);
    emu.inject({ kind: 'drop' });
    await expect(call(emu, 'GET', '/v1/catalog/services')).rejects.toThrow();
    emu.inject({ kind: 'zero-index' });
    expect((await call(emu, 'GET', '/v1/catalog/services')).headers.get('x-consul-index')).toBe('0');
    emu.inject({ kind: 'no-index' });
    expect((await call(emu, 'GET', '/v1/catalog/services')).headers.get('x-consul-index')).toBeNull();
    emu.inject({ kind: 'delay', ms: 120 });
    const t0 = Date.now();
    expect((await call(emu, 'GET', '/v1/catalog/services')).status).toBe(200);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(110);
    emu.inject({ kind: 'hang' });
    await expect(fetch(`${emu.url}/v1/catalog/services`, { signal: AbortSignal.timeout(100) })).rejects.toThrow();
  });

  it('wakes every blocked query with a lower index on snapshot restore', async () => {
    const emu = await emulator();
    const i = index(await call(emu, 'GET', '/v1/catalog/services'));
    const blocked = call(emu, 'GET', `/v1/catalog/services?index=${i}&wait=5s`);
    await until(() => emu.requests.length === 2);
    emu.restoreSnapshot(2);
    const r = await blocked;
    expect(index(r)).toBeLessThan(i);
    expect(r.json()).toHaveProperty('consul');
  });

  it('loses its leader, restarts on the same port keeping state, and limits connections per client', async () => {
    const emu = await emulator();
    emu.setLeader(false);
    expect((await call(emu, 'GET', '/v1/health/service/consul')).text).toBe('No cluster leader');
    expect((await call(emu, 'GET', '/v1/health/service/consul?stale')).status).toBe(200);
    expect((await call(emu, 'GET', '/v1/status/leader')).json()).toBe('');
    emu.setLeader(true);
    const port = emu.port;
    await call(emu, 'PUT', '/v1/kv/keep', 'me');
    await emu.stop();
    await expect(fetch(`${emu.url}/v1/kv/keep`)).rejects.toThrow();
    await emu.start();
    expect(emu.port).toBe(port);
    expect((await call(emu, 'GET', '/v1/kv/keep?raw')).text).toBe('me');
    const limited = await emulator({ maxConnsPerClient: 1 });
    const first = fetch(`${limited.url}/v1/catalog/services?index=999&wait=1s`);
    await until(() => limited.requests.length === 1);
    const second = await fetch(`${limited.url}/v1/catalog/services`, { headers: { Connection: 'close' } });
    expect(second.status).toBe(429);
    await first;
  });
});

describe('consul emulator: through the npm consul client', () => {
  it('matches the client: kv.get 404 -> undefined, kv.keys 404 rejects, response headers reachable', async () => {
    const emu = await emulator();
    const consul = new Consul({ host: '127.0.0.1', port: emu.port });
    await consul.kv.set('a/b', 'hello');
    expect(await consul.kv.get('a/b')).toMatchObject({ Key: 'a/b', Value: 'hello' });
    expect(await consul.kv.get('missing')).toBeUndefined();
    await expect(consul.kv.keys('missing/')).rejects.toThrow('not found');
    const ctx = Object.assign(new EventEmitter(), { includeResponse: true });
    const [res, body] = (await consul.health.service({ service: 'consul', ctx } as never)) as unknown as [
      { headers: Record<string, string> },
      unknown[],
    ];
    expect(Number(res.headers['x-consul-index'])).toBeGreaterThan(1);
    expect(body).toHaveLength(1);
    consul.destroy();
  });
});

async function until(check: () => boolean): Promise<void> {
  const deadline = Date.now() + 3_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 5));
  }
}
