// A sidecar's view is visible where the others are: /debug/snapshot?profile=sidecar/<service>
// and `gatehouse render --node sidecar/<service>`, shaped like Envoy's config dump.
import { execFile } from 'node:child_process';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { Metrics } from '../../src/admin/metrics.ts';
import { createAdminServer } from '../../src/admin/server.ts';
import { createLogger } from '../../src/log.ts';
import type { Pipeline } from '../../src/pipeline.ts';
import { SnapshotHolder } from '../../src/snapshot/index.ts';
import type { AdsService } from '../../src/xds/index.ts';
import { publishWorld } from '../fixtures/world.ts';

// biome-ignore lint/suspicious/noExplicitAny: config dumps are read field by field in assertions
type Obj = Record<string, any>;

const ROOT = path.join(import.meta.dirname, '..', '..');
const listenerNames = (configs: Obj[]) =>
  configs.find((c) => c['@type'].endsWith('ListenersConfigDump'))!.dynamic_listeners.map((l: Obj) => l.name);

describe('/debug/snapshot', () => {
  const holder = new SnapshotHolder();
  // Only the snapshot views are exercised; the other dependencies are never touched.
  const server = createAdminServer({
    snapshots: holder,
    log: createLogger('silent'),
    pipeline: {} as Pipeline,
    ads: {} as AdsService,
    metrics: {} as Metrics,
  });
  const get = async (query: string) => {
    const { port } = server.address() as AddressInfo;
    const res = await fetch(`http://127.0.0.1:${port}/debug/snapshot?format=json${query}`);
    return { status: res.status, body: (await res.json()) as Obj };
  };
  beforeAll(async () => {
    publishWorld(holder, {
      services: { web: { instances: ['10.0.0.1:8080'] }, api: { instances: ['10.0.0.2:9000'] } },
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  });
  afterAll(() => server.close());

  it('shows a sidecar view when asked for it by profile key', async () => {
    const { status, body } = await get('&profile=sidecar/web');
    expect(status).toBe(200);
    expect(Object.keys(body.profiles)).toEqual(['sidecar/web']);
    expect(listenerNames(body.profiles['sidecar/web'])).toEqual(['sidecar-inbound', 'sidecar-outbound']);
  });

  it('lists the sidecars it can show next to the full views, and refuses an unknown one', async () => {
    const all = await get('');
    expect(Object.keys(all.body.profiles)).toEqual(['edge', 'grpc']);
    expect(all.body.sidecars).toEqual(['api', 'web']);
    const bad = await get('&profile=sidecar/nope');
    expect(bad.status).toBe(400);
    expect(bad.body.error).toContain('sidecar/<service>');
  });
});

describe('gatehouse render', () => {
  const render = (node: string) =>
    promisify(execFile)(
      process.execPath,
      ['src/cli.ts', 'render', '--config', 'config/gatehouse.yaml', '--node', node],
      {
        cwd: ROOT,
      },
    );

  it('renders the sidecar of a service of the example configuration', async () => {
    const { stdout } = await render('sidecar/web');
    const dump = parse(stdout) as Obj;
    expect(dump.profile).toBe('sidecar/web');
    // The stats listener comes with the default observability settings.
    expect(listenerNames(dump.configs)).toEqual(['gatehouse-stats', 'sidecar-inbound', 'sidecar-outbound']);
  });

  it('refuses a sidecar of an unknown service, naming it', async () => {
    await expect(render('sidecar/nope')).rejects.toMatchObject({
      stderr: expect.stringContaining('"nope" is not a known service'),
    });
  });
});
