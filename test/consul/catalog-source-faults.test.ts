// Consul failing under the catalog source: the last catalog keeps serving, status() says degraded
// since when and why, and the source recovers by itself, including after a restart on the same port.
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log.ts';
import type { Catalog } from '../../src/model/index.ts';
import { ConsulCatalogSource } from '../../src/sources/consul/index.ts';
import { ConsulEmulator } from './emulator/index.ts';
import { call, FAST, recorder, silent, until } from './helpers.ts';

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});

async function setup(opts: { token?: string; acl?: boolean; log?: ReturnType<typeof createLogger> } = {}) {
  const emu = await new ConsulEmulator({
    maxQueryTimeMs: 10_000,
    ...(opts.acl && { acl: { tokens: { 'good-token': 'write', nobody: 'none' }, defaultPolicy: 'deny' as const } }),
  }).start();
  cleanup.push(() => emu.stop());
  const headers = { 'X-Consul-Token': 'good-token' };
  const r = await call(
    emu,
    'PUT',
    '/v1/agent/service/register',
    { Name: 'web', Address: '10.0.0.9', Port: 80, Check: { TTL: '60s', Status: 'passing' } },
    headers,
  );
  expect(r.status).toBe(200);
  const rec = recorder<Catalog>();
  const source = new ConsulCatalogSource({
    connection: { address: emu.url, ...(opts.token && { token: opts.token }) },
    log: opts.log ?? silent,
    ...FAST,
  });
  cleanup.push(() => source.stop());
  source.start(rec.sink);
  return { emu, rec, source, health: () => rec.last?.services.web?.instances[0]?.health };
}

const neverEmpty = (updates: Catalog[]) => updates.every((c) => Object.keys(c.services).length > 0);

describe('consul catalog source under faults', () => {
  it('keeps the last catalog through 500s, reports degraded, and recovers', async () => {
    const { emu, rec, source, health } = await setup();
    await until(() => health() === 'healthy');
    const emitted = rec.updates.length;
    emu.inject(
      { kind: 'error', status: 500, body: 'No cluster leader' },
      { times: 12, path: /^\/v1\/(catalog|health)\// },
    );
    await call(emu, 'PUT', '/v1/agent/check/fail/service:web');
    await until(() => source.status().healthy === false, 5_000, 'degraded');
    const s = source.status();
    expect(s.lastError).toContain('No cluster leader');
    expect(Date.parse(s.since ?? '')).toBeGreaterThan(0);
    expect(rec.updates.slice(emitted).every((c) => c.services.web !== undefined)).toBe(true);
    await until(() => health() === 'unhealthy' && source.status().healthy, 10_000, 'recovered');
    expect(neverEmpty(rec.updates)).toBe(true);
  });

  it('survives dropped connections, a hung request and a missing X-Consul-Index', async () => {
    const { emu, source, health } = await setup();
    await until(() => health() === 'healthy');
    emu.inject({ kind: 'drop' }, { times: 2, path: '/v1/health/service/' });
    emu.inject({ kind: 'hang' }, { times: 1, path: '/v1/health/service/' });
    emu.inject({ kind: 'no-index' }, { times: 1, path: '/v1/health/service/' });
    await call(emu, 'PUT', '/v1/agent/check/warn/service:web');
    await until(() => source.status().lastError?.includes('X-Consul-Index') === true, 10_000, 'no-index refused');
    await until(() => source.status().healthy, 10_000, 'recovered');
    // A warning with the default Weights.Warning (1) is still healthy; the catalog was never emptied.
    expect(health()).toBe('healthy');
  });

  it('keeps serving while Consul is down and recovers when it comes back on the same port', async () => {
    const { emu, rec, source, health } = await setup();
    await until(() => health() === 'healthy');
    const emitted = rec.updates.length;
    const port = emu.port;
    await emu.stop();
    await until(() => source.status().healthy === false, 5_000, 'degraded');
    expect(source.status().lastError).toMatch(/cannot reach consul|socket hang up|ECONN/);
    expect(rec.updates.length).toBe(emitted);
    await emu.start();
    expect(emu.port).toBe(port);
    await until(() => source.status().healthy, 10_000, 'healthy again');
    await call(emu, 'PUT', '/v1/agent/check/fail/service:web');
    await until(() => health() === 'unhealthy', 5_000, 'follows changes again');
    expect(neverEmpty(rec.updates)).toBe(true);
  });

  it('names the ACL token problem without ever logging the token', async () => {
    const lines: string[] = [];
    const sinkStream = new Writable({ write: (chunk, _enc, done) => done(void lines.push(String(chunk))) });
    const log = createLogger('debug', sinkStream);
    const { rec, source } = await setup({ acl: true, token: 'not-a-real-secret-7f3a', log });
    await until(() => source.status().lastError !== undefined, 5_000, 'acl error');
    const err = source.status().lastError ?? '';
    expect(err).toContain('ACL not found');
    expect(err).toContain('does not know the configured ACL token');
    expect(err).not.toContain('not-a-real-secret-7f3a');
    expect(source.status().healthy).toBe(false);
    expect(rec.updates).toHaveLength(0);
    await until(() => lines.length > 0);
    expect(lines.join('')).not.toContain('not-a-real-secret-7f3a');
  });

  it('refuses to empty the catalog when Consul hides every service behind ACLs', async () => {
    for (const token of ['nobody', undefined]) {
      const { rec, source } = await setup({ acl: true, ...(token && { token }) });
      await until(() => source.status().lastError !== undefined, 5_000, 'acl filtering reported');
      expect(source.status().lastError).toContain('ACL filtering');
      expect(source.status().lastError).toContain(
        token ? 'the configured ACL token lacks service:read' : 'no ACL token is configured',
      );
      expect(rec.updates).toHaveLength(0);
    }
  });

  it('works with a valid ACL token', async () => {
    const { source, health } = await setup({ acl: true, token: 'good-token' });
    await until(() => health() === 'healthy', 5_000, 'emitted');
    expect(source.status().healthy).toBe(true);
  });
});
