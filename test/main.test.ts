// Starting Gatehouse: a taken port fails the start cleanly, leaving no server bound behind.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCatalog, parsePolicy, settingsFile } from '../src/config/index.ts';
import { createLogger } from '../src/log.ts';
import { startGatehouse } from '../src/main.ts';
import type { Catalog, Policy } from '../src/model/index.ts';
import type { Source } from '../src/sources/index.ts';

/** A port that was free a moment ago (bound on 0, then released). */
async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

function fixed<T>(name: string, value: T): Source<T> {
  return { name, start: (sink) => sink.update(value), stop: async () => {} };
}

describe('startGatehouse', () => {
  let squatter: Server;
  let taken: number;
  beforeAll(async () => {
    squatter = createServer();
    await new Promise<void>((r) => squatter.listen(0, '127.0.0.1', () => r()));
    taken = (squatter.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((r) => squatter.close(() => r())));

  it('fails when the admin port is taken, and releases the xDS and authz ports it had bound', async () => {
    const catalog = parseCatalog('services: {}');
    const policy = parsePolicy('{}');
    if (!catalog.ok || !policy.ok) throw new Error('fixture');
    const [xdsPort, authzPort] = [await freePort(), await freePort()];
    const settings = settingsFile.parse({
      xds: { address: `127.0.0.1:${xdsPort}` },
      admin: { address: `127.0.0.1:${taken}` },
      authz: { address: `127.0.0.1:${authzPort}` },
      catalog: { file: 'unused.yaml' },
      log: { level: 'silent' },
    });
    const opts = {
      log: createLogger('silent'),
      catalog: fixed<Catalog>('catalog', catalog.value),
      policy: fixed<Policy>('policy', policy.value),
    };
    await expect(startGatehouse(settings, opts)).rejects.toThrow(/EADDRINUSE/);
    // Nothing left listening: the same xDS and authz ports bind again.
    const ok = await startGatehouse({ ...settings, admin: { address: '127.0.0.1:0' } }, opts);
    expect(ok.xdsAddress).toBe(`127.0.0.1:${xdsPort}`);
    expect(ok.authzAddress).toBe(`127.0.0.1:${authzPort}`);
    await ok.stop();
  });
});
