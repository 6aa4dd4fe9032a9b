// `gatehouse check` against a real Gatehouse started in-process: ready, not ready, unreachable,
// too slow, a NACK the node still runs on, and that NACK resolved by a later ACK. One case runs
// the real CLI in a child process to prove the subcommand's wiring and exit codes.
import { execFile } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { adminBaseUrl, type CheckOutput, runHealthCheck } from '../../src/admin/health-check.ts';
import type { Gatehouse } from '../../src/main.ts';
import { CLUSTER } from '../../src/resource-types.ts';
import { gatedCatalog, nodeStatus, startTestGatehouse, Workspace, waitFor } from '../e2e/harness.ts';
import { AdsTestClient } from '../fixtures/ads-client.ts';

const CLI = path.resolve('src/cli.ts');
const run = promisify(execFile);

const catalogWith = (...services: string[]) =>
  `services:\n${services.map((s, i) => `  ${s}:\n    instances: [{ address: 127.0.0.1, port: ${8000 + i} }]\n`).join('')}`;

/** Runs the check in-process and captures its exit code and its lines. */
async function check(
  argv: string[],
  env: NodeJS.ProcessEnv = {},
): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const io: CheckOutput = { stdout: (l) => out.push(l), stderr: (l) => err.push(l) };
  const code = await runHealthCheck(argv, env, io);
  return { code, out, err };
}

/** A port nothing listens on (bound on 0, then released). */
async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function workspace(catalog = catalogWith('web')): Promise<Workspace> {
  const ws = await Workspace.create();
  cleanups.push(() => ws.remove());
  await ws.writeRaw('catalog.yaml', catalog);
  await ws.writeRaw('policy.yaml', '{}\n');
  return ws;
}

async function gatehouseOn(ws: Workspace, opts: Parameters<typeof startTestGatehouse>[1] = {}): Promise<Gatehouse> {
  const gh = await startTestGatehouse(ws, opts);
  cleanups.push(() => gh.stop());
  return gh;
}

describe('gatehouse check', () => {
  it('ready with no NACK: exit 0 and one "ok:" line on stdout, through the real CLI too', async () => {
    const gh = await gatehouseOn(await workspace());
    const version = gh.pipeline.status().version!;

    const inProcess = await check(['--admin', `http://${gh.adminAddress}`]);
    expect(inProcess).toEqual({ code: 0, out: [`ok: ready, version ${version}, 0 nodes connected`], err: [] });

    // The subcommand as the container's HEALTHCHECK runs it; the address from the environment.
    const cli = await run(process.execPath, [CLI, 'check'], {
      env: { ...process.env, GATEHOUSE_ADMIN: gh.adminAddress },
    });
    expect(cli.stdout).toBe(`ok: ready, version ${version}, 0 nodes connected\n`);
    expect(cli.stderr).toBe('');
  });

  it('not ready while a source has not delivered: exit 1 naming the source', async () => {
    const ws = await workspace();
    const gated = gatedCatalog(ws);
    const gh = await gatehouseOn(ws, { catalog: gated.source, waitReady: false });

    expect(await check(['--admin', gh.adminAddress])).toEqual({
      code: 1,
      out: [],
      err: ['not ready: waiting for sources catalog'],
    });

    gated.release();
    await waitFor('the first snapshot', () => gh.pipeline.status().ready);
    expect((await check(['--admin', gh.adminAddress])).code).toBe(0);
  });

  it('not ready because the input is invalid: exit 1 with the first problem', async () => {
    const ws = await workspace('services: { web: { instances: [{ address: not-an-ip, port: 1 }] } }\n');
    const gh = await gatehouseOn(ws, { waitReady: false });
    await waitFor('the refused catalog', () => gh.pipeline.status().problems.length > 0);

    const { code, err } = await check(['--admin', gh.adminAddress]);
    expect(code).toBe(1);
    expect(err).toHaveLength(1);
    expect(err[0]).toMatch(
      /^not ready: CONFIG_INVALID catalog\.yaml\.services\.web\.instances\[0\]\.address: .*"not-an-ip"/,
    );
  });

  it('unreachable: exit 1 with the URL and the system error, through the real CLI too', async () => {
    const port = await closedPort();
    expect(await check(['--admin', `127.0.0.1:${port}`])).toEqual({
      code: 1,
      out: [],
      err: [`unreachable: http://127.0.0.1:${port}: ECONNREFUSED`],
    });

    const failed = await run(process.execPath, [CLI, 'check', '--admin', `http://127.0.0.1:${port}`]).catch(
      (e: { code: number; stdout: string; stderr: string }) => e,
    );
    expect(failed).toMatchObject({
      code: 1,
      stdout: '',
      stderr: `unreachable: http://127.0.0.1:${port}: ECONNREFUSED\n`,
    });
  });

  it('a server that does not answer in time: exit 1 after --timeout', async () => {
    // Accepts connections and never responds.
    const silent: Server = createServer(() => {});
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', () => r()));
    cleanups.push(() => {
      silent.closeAllConnections();
      return new Promise<void>((r) => silent.close(() => r()));
    });
    const { port } = silent.address() as AddressInfo;
    expect(await check(['--admin', `127.0.0.1:${port}`, '--timeout', '150ms'])).toEqual({
      code: 1,
      out: [],
      err: [`unreachable: http://127.0.0.1:${port}: timed out after 150 ms`],
    });
  });

  it('a node running on a NACKed config fails the check until it ACKs a later version', async () => {
    const ws = await workspace();
    const gh = await gatehouseOn(ws);
    const node = await AdsTestClient.connect(gh.xdsAddress, { node: { id: 'edge-1', cluster: 'edge' } });
    cleanups.push(() => node.close());

    const first = await node.sync(CLUSTER, []);
    await waitFor('the ACK', () => nodeStatus(gh, 'edge-1')?.types.cds?.lastAck);
    expect((await check(['--admin', gh.adminAddress])).out).toEqual([
      `ok: ready, version ${gh.pipeline.status().version}, 1 node connected`,
    ]);

    // A new cluster: the node rejects the response and keeps the version it ACKed.
    await ws.writeRaw('catalog.yaml', catalogWith('web', 'api'));
    const rejected = await node.next(CLUSTER);
    const message = `cluster api: ${'x'.repeat(150)}\nsecond line`;
    node.nack(rejected, { keptVersion: first.version_info, message });
    await waitFor('the NACK', () => nodeStatus(gh, 'edge-1')?.types.cds?.unresolvedNack);

    const nacked = await check(['--admin', gh.adminAddress]);
    expect(nacked.code).toBe(1);
    expect(nacked.err).toEqual([
      `nack: node edge-1 type cds version ${rejected.version_info}: ${`cluster api: ${'x'.repeat(150)}`.slice(0, 120)}…`,
    ]);

    // Another change: the node accepts the next response, so the NACK is history, not a problem.
    await ws.writeRaw('catalog.yaml', catalogWith('web', 'api', 'docs'));
    const accepted = await node.next(CLUSTER);
    node.ack(accepted);
    await waitFor(
      'the later ACK',
      () => nodeStatus(gh, 'edge-1')?.types.cds?.lastAck?.version === accepted.version_info,
    );
    // The NACK stays in the history; only the flag goes.
    const resolved = nodeStatus(gh, 'edge-1')?.types.cds;
    expect(resolved?.lastNack?.nonce).toBe(rejected.nonce);
    expect(resolved?.unresolvedNack).toBeUndefined();
    expect(await check(['--admin', gh.adminAddress])).toMatchObject({ code: 0, err: [] });
  });

  it('bad usage exits 2 with one line', async () => {
    expect(await check(['--timeout', 'soon'])).toEqual({
      code: 2,
      out: [],
      err: ['usage: invalid --timeout "soon": use e.g. "2s" or "500ms"'],
    });
    expect((await check(['--admin', 'http://[bad'])).code).toBe(2);
  });

  it('admin addresses: host:port or URL; a wildcard listen address is dialled on loopback', () => {
    expect(adminBaseUrl('127.0.0.1:9902')).toBe('http://127.0.0.1:9902');
    expect(adminBaseUrl('http://gatehouse:9902/')).toBe('http://gatehouse:9902');
    expect(adminBaseUrl('0.0.0.0:9902')).toBe('http://127.0.0.1:9902');
    expect(adminBaseUrl('[::]:9902')).toBe('http://[::1]:9902');
  });
});
