// End to end with a real xDS client: Gatehouse in-process on temp-folder input files, plain gRPC
// backends, and @grpc/grpc-js-xds in a child process calling `xds:///greeter`. The tests share one
// Gatehouse and one client (register() and the bootstrap cost seconds) and each leaves the input
// as it found it: greeter on backends a and b, round_robin. The restart test runs last.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gatehouse } from '../../src/main.ts';
import { CLUSTER } from '../../src/resource-types.ts';
import type { NackRecord, NodeStatus } from '../../src/xds/index.ts';
import { type Backend, loadGreeter, startBackend } from '../fixtures/greeter/greeter.ts';
import {
  adminJson,
  answered,
  gatedCatalog,
  metricValue,
  nodeStatus,
  portOf,
  startTestGatehouse,
  type Tally,
  Workspace,
  waitFor,
  XdsClientProcess,
} from './harness.ts';

const NODE_ID = 'e2e-greeter-client';
const TYPES = ['lds', 'rds', 'cds', 'eds'] as const;

describe('proxyless gRPC client (grpc-js-xds) through Gatehouse', () => {
  let ws: Workspace;
  let a: Backend;
  let b: Backend;
  let c: Backend;
  let gatehouse: Gatehouse | undefined;
  let client: XdsClientProcess | undefined;

  const gh = () => gatehouse!;
  const xds = () => client!;

  /** Calls in batches until one batch is answered without errors by exactly `ids`. */
  async function convergeTo(ids: readonly string[], what: string): Promise<void> {
    let last: Tally | undefined;
    try {
      await waitFor(what, async () => {
        last = await xds().call(20);
        return last.errors.length === 0 && answered(last).join() === [...ids].sort().join();
      });
    } catch (err) {
      throw new Error(`${(err as Error).message}\nlast batch: ${JSON.stringify(last)}\nclient stderr: ${xds().stderr}`);
    }
  }

  /** Waits until the node ACKed the latest response of a type (nothing in flight). */
  function settled(type: (typeof TYPES)[number]): Promise<NonNullable<NodeStatus['types'][string]>> {
    return waitFor(`${type} ACKed by ${NODE_ID}`, () => {
      const t = nodeStatus(gh(), NODE_ID)?.types[type];
      return t?.lastSent && t.lastAck?.nonce === t.lastSent.nonce ? t : undefined;
    });
  }

  beforeAll(async () => {
    ws = await Workspace.create();
    const greeter = loadGreeter();
    a = await startBackend('a', greeter);
    b = await startBackend('b', greeter);
    c = await startBackend('c', greeter);
    await ws.writeCatalog([a, b]);
    await ws.writePolicy('round_robin');
    gatehouse = await startTestGatehouse(ws);
    client = await XdsClientProcess.start({ xdsAddress: gatehouse.xdsAddress, nodeId: NODE_ID });
    await convergeTo(['a', 'b'], 'the client to reach both backends');
  });

  afterAll(async () => {
    await client?.stop();
    await gatehouse?.stop();
    await Promise.all([a, b, c].map((x) => x?.stop()));
    await ws?.remove();
  });

  it('spreads calls to xds:///greeter across both backends (round_robin)', async () => {
    const t = await xds().call(100);
    expect(t.errors).toEqual([]);
    expect(t.counts.a).toBeGreaterThanOrEqual(30);
    expect(t.counts.b).toBeGreaterThanOrEqual(30);
    expect(t.counts.c).toBeUndefined();
    const node = nodeStatus(gh(), NODE_ID);
    expect(node?.profile).toBe('grpc');
    expect(node?.types.lds?.subscribed).toEqual(['greeter']);
  });

  it('follows catalog edits: a removed instance gets no calls, a new one does', async () => {
    await ws.writeCatalog([a]);
    await convergeTo(['a'], 'calls to stop reaching b');
    const eds = await settled('eds');
    expect(eds.lastNack).toBeUndefined();
    const servedByB = b.served();
    const only = await xds().call(50);
    expect(only.errors).toEqual([]);
    expect(only.counts).toEqual({ a: 50 });
    expect(b.served()).toBe(servedByB);

    await ws.writeCatalog([a, c]);
    await convergeTo(['a', 'c'], 'calls to reach the new instance c');
    const spread = await xds().call(60);
    expect(spread.errors).toEqual([]);
    expect(spread.counts.c).toBeGreaterThanOrEqual(15);
    expect(spread.counts.b).toBeUndefined();

    await ws.writeCatalog([a, b]);
    await convergeTo(['a', 'b'], 'the original instances to serve again');
  });

  it('records a real NACK for a cluster the client rejects, keeps serving, and does not resend it', async () => {
    const nacksBefore = await metricValue(gh(), 'gatehouse_xds_nacks_total', { type: 'cds' });
    const goodCds = await settled('cds');

    await ws.writePolicy('maglev');
    const nacked = await waitFor('a cds NACK in /debug/nodes', async () => {
      const { json } = await adminJson<{ nodes: NodeStatus[] }>(gh(), '/debug/nodes');
      const cds = json.nodes.find((n) => n.nodeId === NODE_ID)?.types.cds;
      return cds?.lastNack ? cds : undefined;
    });
    const nack = nacked.lastNack!;
    expect(nack.typeUrl).toBe(CLUSTER);
    expect(nack.errorMessage).toMatch(/unsupported lb_policy: MAGLEV/);
    expect(nack.resourceNames).toEqual(['greeter']);
    expect(nack.nonce).toBe(nacked.lastSent?.nonce);
    // The client says it still uses the version it ACKed before.
    expect(nack.keptVersion).toBe(goodCds.lastAck?.version);
    expect(nacked.lastAck?.nonce).toBe(goodCds.lastAck?.nonce);

    const { json: history } = await adminJson<{ nacks: NackRecord[] }>(gh(), '/debug/nacks');
    expect(
      history.nacks.some((n) => n.nodeId === NODE_ID && n.nonce === nack.nonce && /MAGLEV/.test(n.errorMessage)),
    ).toBe(true);
    expect(await metricValue(gh(), 'gatehouse_xds_nacks_total', { type: 'cds', profile: 'grpc' })).toBe(
      nacksBefore + 1,
    );

    // The client keeps the cluster it had: calls still spread over both backends.
    const during = await xds().call(40);
    expect(during.errors).toEqual([]);
    expect(answered(during)).toEqual(['a', 'b']);

    // Something else changes (a service this node does not subscribe to): the rejected cluster
    // must not be offered again.
    const cdsSent = await metricValue(gh(), 'gatehouse_xds_responses_total', { type: 'cds' });
    const version = gh().pipeline.status().version;
    await ws.writeCatalog([a, b], { other: { instances: [{ address: '127.0.0.1', port: 9 }] } });
    await waitFor('the unrelated change to publish', () => gh().pipeline.status().version !== version);
    const after = await xds().call(20);
    expect(after.errors).toEqual([]);
    expect(await metricValue(gh(), 'gatehouse_xds_responses_total', { type: 'cds' })).toBe(cdsSent);
    expect(nodeStatus(gh(), NODE_ID)?.types.cds?.lastSent?.nonce).toBe(nack.nonce);
    expect(await metricValue(gh(), 'gatehouse_xds_nacks_total', { type: 'cds' })).toBe(nacksBefore + 1);

    // Fixing the policy sends the cluster again, and the client ACKs it.
    await ws.writeCatalog([a, b]);
    await ws.writePolicy('round_robin');
    const fixed = await waitFor('the fixed cluster to be ACKed', () => {
      const cds = nodeStatus(gh(), NODE_ID)?.types.cds;
      return cds?.lastSent && cds.lastSent.nonce !== nack.nonce && cds.lastAck?.nonce === cds.lastSent.nonce
        ? cds
        : undefined;
    });
    expect(fixed.lastAck?.version).toBe(goodCds.lastAck?.version);
    expect(await metricValue(gh(), 'gatehouse_xds_responses_total', { type: 'cds' })).toBe(cdsSent + 1);
    await convergeTo(['a', 'b'], 'calls on the fixed config');
  });

  it('refuses an invalid catalog edit, names the field and value, and keeps serving', async () => {
    const version = gh().pipeline.status().version;
    const rejectionsBefore = await metricValue(gh(), 'gatehouse_source_rejections_total', { source: 'catalog' });
    await ws.writeRaw(
      'catalog.yaml',
      [
        'services:',
        '  greeter:',
        '    instances:',
        `      - { address: 127.0.0.1, port: fifty }`,
        `      - { address: 127.0.0.1, port: ${b.port}, weigth: 3 }`,
        '',
      ].join('\n'),
    );
    const problems = await waitFor('the edit to be refused', () => {
      const p = gh().pipeline.status().problems;
      return p.length > 0 ? p : undefined;
    });
    const port = problems.find((p) => p.path.endsWith('services.greeter.instances[0].port'));
    expect(port, JSON.stringify(problems)).toBeDefined();
    expect(port?.code).toBe('CONFIG_INVALID');
    expect(port?.message).toContain('"fifty"');
    const unknown = problems.find((p) => p.path.endsWith('services.greeter.instances[1]'));
    expect(unknown, JSON.stringify(problems)).toBeDefined();
    expect(unknown?.message).toContain('weigth');

    const ready = await adminJson<{ ready: boolean; problems: unknown[] }>(gh(), '/readyz');
    expect(ready.status).toBe(200);
    expect(ready.json.ready).toBe(true);
    expect(ready.json.problems).toHaveLength(problems.length);
    expect(gh().pipeline.status().version).toBe(version);
    expect(await metricValue(gh(), 'gatehouse_source_rejections_total', { source: 'catalog' })).toBe(
      rejectionsBefore + 1,
    );

    const calls = await xds().call(40);
    expect(calls.errors).toEqual([]);
    expect(answered(calls)).toEqual(['a', 'b']);

    await ws.writeCatalog([a, b]);
    await waitFor('the problems to clear', () => gh().pipeline.status().problems.length === 0);
    expect(gh().pipeline.status().version).toBe(version);
  });

  it('keeps serving while the catalog file is missing, and recovers when it returns unchanged', async () => {
    const version = gh().pipeline.status().version;
    await ws.deleteFile('catalog.yaml');
    const problems = await waitFor('the missing file to be reported', () => {
      const p = gh().pipeline.status().problems;
      return p.length > 0 ? p : undefined;
    });
    expect(problems.map((p) => p.code)).toEqual(['CONFIG_READ']);
    expect(problems[0]?.path).toMatch(/catalog\.yaml$/);
    expect((await adminJson(gh(), '/readyz')).status).toBe(200);
    const calls = await xds().call(40);
    expect(calls.errors).toEqual([]);
    expect(answered(calls)).toEqual(['a', 'b']);

    // The same bytes as before the deletion: nothing to publish, but the problem must clear.
    await ws.writeCatalog([a, b]);
    await waitFor('the problem to clear', () => gh().pipeline.status().problems.length === 0);
    expect(gh().pipeline.status().version).toBe(version);
  });

  it('survives a Gatehouse restart on the same port: no failed call, nothing resent', async () => {
    const before = gh();
    const port = portOf(before.xdsAddress);
    for (const t of TYPES) await settled(t);
    const versions = nodeStatus(before, NODE_ID)!.types;

    await xds().startLoop();
    await waitFor('calls before the restart', async () => (await xds().loopStats()).calls >= 20);

    await before.stop();
    gatehouse = undefined;
    const atStop = (await xds().loopStats()).calls;
    // Let the client run without a control plane for a while (measured in calls, not time).
    await waitFor('calls while Gatehouse is down', async () => (await xds().loopStats()).calls >= atStop + 100);

    // The new instance comes up before its catalog has synced (as with a slow Consul): it must
    // accept the reconnecting client and say nothing until it has a snapshot.
    const gate = gatedCatalog(ws);
    gatehouse = await waitFor('the port to be free for the new instance', () =>
      startTestGatehouse(ws, { xdsAddress: `127.0.0.1:${port}`, catalog: gate.source, waitReady: false }),
    );
    expect(gatehouse.xdsAddress).toBe(`127.0.0.1:${port}`);
    const waiting = await waitFor(
      `${NODE_ID} to reconnect to the new instance`,
      () => {
        const n = nodeStatus(gh(), NODE_ID);
        return n && TYPES.every((t) => n.types[t]) ? n : undefined;
      },
      { timeoutMs: 15_000 },
    );
    for (const t of TYPES) expect(waiting.types[t], t).toEqual({ subscribed: versions[t]?.subscribed });
    expect((await adminJson(gh(), '/readyz')).status).toBe(503);
    const atReconnect0 = (await xds().loopStats()).calls;
    await waitFor('calls while the new instance has no snapshot', async () => {
      return (await xds().loopStats()).calls >= atReconnect0 + 50;
    });

    gate.release();
    const reconnected = await waitFor(`${NODE_ID} back in sync with the new instance`, () => {
      const n = nodeStatus(gh(), NODE_ID);
      return n && TYPES.every((t) => n.types[t]?.lastAck) ? n : undefined;
    });
    expect((await adminJson(gh(), '/readyz')).status).toBe(200);
    for (const t of TYPES) {
      const s = reconnected.types[t]!;
      expect(s.lastSent, `${t} was sent again`).toBeUndefined();
      expect(s.lastAck?.version, t).toBe(versions[t]?.lastAck?.version);
    }
    expect(await metricValue(gh(), 'gatehouse_xds_responses_total')).toBe(0);

    const atReconnect = (await xds().loopStats()).calls;
    await waitFor('calls after the restart', async () => (await xds().loopStats()).calls >= atReconnect + 100);
    const loop = await xds().stopLoop();
    expect(loop.errors).toEqual([]);
    expect(answered(loop)).toEqual(['a', 'b']);

    // The new instance still pushes changes to the seeded stream.
    await ws.writeCatalog([a, b, c]);
    await convergeTo(['a', 'b', 'c'], 'calls to reach c through the new instance');
    await ws.writeCatalog([a, b]);
    await convergeTo(['a', 'b'], 'calls back on a and b');
  });
});
