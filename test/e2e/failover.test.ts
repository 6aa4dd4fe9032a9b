// Priority failover with a real xDS client: local instances at priority 0, the failover
// datacenter's at priority 1; when every local instance is unhealthy, calls move to the failover
// datacenter, and come back when the local one recovers.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gatehouse } from '../../src/main.ts';
import { type Backend, loadGreeter, startBackend } from '../fixtures/greeter/greeter.ts';
import { startTestGatehouse, Workspace, waitFor, XdsClientProcess } from './harness.ts';

const catalog = (local: Backend, remote: Backend, localHealth: string) => `datacenter: dc1
services:
  greeter:
    instances:
      - { address: 127.0.0.1, port: ${local.port}, health: ${localHealth} }
      - { address: 127.0.0.1, port: ${remote.port}, datacenter: dc2 }
`;

describe('datacenter failover (grpc-js-xds)', () => {
  let ws: Workspace;
  let local: Backend;
  let remote: Backend;
  let gh: Gatehouse;
  let client: XdsClientProcess;

  beforeAll(async () => {
    const greeter = loadGreeter();
    [local, remote] = await Promise.all([startBackend('dc1', greeter), startBackend('dc2', greeter)]);
    ws = await Workspace.create();
    await ws.writeRaw('catalog.yaml', catalog(local, remote, 'healthy'));
    await ws.writeRaw('policy.yaml', 'services:\n  greeter: { protocol: grpc, failover: [dc2] }\n');
    gh = await startTestGatehouse(ws);
    client = await XdsClientProcess.start({ xdsAddress: gh.xdsAddress, nodeId: 'e2e-failover' });
    await waitFor('first calls', async () => (await client.call(5)).errors.length === 0);
  });
  afterAll(async () => {
    await client?.stop();
    await gh?.stop();
    await Promise.all([local, remote].filter(Boolean).map((b) => b.stop()));
    await ws?.remove();
  });

  it('serves from the local datacenter while it is healthy', async () => {
    const t = await client.call(50);
    expect(t.errors).toEqual([]);
    expect(t.counts).toEqual({ dc1: 50 });
  });

  it('fails over to dc2 when every local instance is unhealthy, and fails back', async () => {
    await ws.writeRaw('catalog.yaml', catalog(local, remote, 'unhealthy'));
    await waitFor('calls served by dc2', async () => {
      const t = await client.call(20);
      return t.errors.length === 0 && t.counts.dc2 === 20;
    });
    await ws.writeRaw('catalog.yaml', catalog(local, remote, 'healthy'));
    await waitFor('calls back on dc1', async () => {
      const t = await client.call(20);
      return t.errors.length === 0 && t.counts.dc1 === 20;
    });
  });
});
