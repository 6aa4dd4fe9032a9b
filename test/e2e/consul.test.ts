// End to end on Consul: the Consul HTTP emulator over real HTTP, Gatehouse watching its catalog and
// its KV policy, plain gRPC backends registered through the agent API, and @grpc/grpc-js-xds in a
// child process calling `xds:///greeter`. One Gatehouse, one client and one Consul are shared; the
// tests run in order and each leaves the state the next one expects (written at its top).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PipelineStatus } from '../../src/pipeline.ts';
import { ConsulEmulator } from '../consul/emulator/index.ts';
import { FAST } from '../consul/helpers.ts';
import { type Backend, loadGreeter, startBackend } from '../fixtures/greeter/greeter.ts';
import {
  type ConsulGatehouse,
  checkId,
  deregister,
  maintenance,
  POLICY_KEY,
  PREFIX,
  putPolicy,
  registerGreeter,
  serviceId,
  setCheck,
  startConsulGatehouse,
} from './consul-harness.ts';
import { adminJson, answered, metricValue, type Tally, waitFor, XdsClientProcess } from './harness.ts';

const NODE_ID = 'e2e-consul-client';

/** Splits plain calls between subsets v1/v2 (by tag); `x-canary: yes` always goes to v2. */
const policy = (v1: number, v2: number) => `services:
  greeter:
    protocol: grpc
    subsets:
      v1: { tags: [v1] }
      v2: { tags: [v2] }
routes:
  - name: greeter-canary
    domains: [greeter]
    match: { prefix: /, headers: [{ name: x-canary, exact: "yes" }] }
    service: greeter
    subset: v2
  - name: greeter-split
    domains: [greeter]
    match: { prefix: / }
    service: greeter
    split:
      - { subset: v1, weight: ${v1} }
      - { subset: v2, weight: ${v2} }
`;

interface Readyz {
  ready: boolean;
  status: 'ok' | 'degraded' | 'starting';
  sources: PipelineStatus['sources'];
}

describe('Gatehouse on Consul (catalog + KV policy) with a grpc-js-xds client', () => {
  let emu: ConsulEmulator;
  let a: Backend;
  let b: Backend;
  let c: Backend;
  let consul: ConsulGatehouse | undefined;
  let client: XdsClientProcess | undefined;

  const gh = () => consul!.gatehouse;
  const xds = () => client!;

  /** Calls in batches until one batch (optionally with headers) is answered without errors by exactly `ids`. */
  async function convergeTo(ids: readonly string[], what: string, headers?: Record<string, string>): Promise<void> {
    let last: Tally | undefined;
    try {
      await waitFor(what, async () => {
        last = await xds().call(20, headers);
        return last.errors.length === 0 && answered(last).join() === [...ids].sort().join();
      });
    } catch (err) {
      throw new Error(
        `${(err as Error).message}\nlast batch: ${JSON.stringify(last)}\npipeline: ${JSON.stringify(gh().pipeline.status())}\nclient stderr: ${xds().stderr}`,
      );
    }
  }

  /** `n` calls that must all succeed and never reach `idle`. */
  async function noCallsReach(idle: Backend, n = 60): Promise<Tally> {
    const before = idle.served();
    const t = await xds().call(n);
    expect(t.errors).toEqual([]);
    expect(t.counts[idle.id]).toBeUndefined();
    expect(idle.served()).toBe(before);
    return t;
  }

  const readyz = () => adminJson<Readyz>(gh(), '/readyz');

  beforeAll(async () => {
    emu = await new ConsulEmulator({ jitter: false, maxQueryTimeMs: 10_000 }).start();
    const greeter = loadGreeter();
    a = await startBackend('a', greeter);
    b = await startBackend('b', greeter);
    c = await startBackend('c', greeter);
    // The pipeline publishes only once the policy has synced: start with an empty policy in KV.
    await putPolicy(emu, '# no routes yet: services route by their gatehouse-* metadata\n{}\n');
    consul = await startConsulGatehouse(emu);
    await waitFor('the first snapshot', () => gh().pipeline.status().ready);
    client = await XdsClientProcess.start({ xdsAddress: gh().xdsAddress, nodeId: NODE_ID });
  });

  afterAll(async () => {
    await client?.stop();
    await consul?.stop();
    await Promise.all([a, b, c].map((x) => x?.stop()));
    await emu?.stop();
  });

  it('a registered instance gets calls; a second one shares them', async () => {
    // Nothing registered yet (the agent's own `consul` service is never emitted). A client call
    // would only time out here: SotW has no "does not exist" signal for the greeter listener.
    expect(gh().pipeline.inputs().catalog?.services).toEqual({});

    await registerGreeter(emu, a, ['v1']);
    await convergeTo(['a'], 'calls to reach the first registered instance');

    await registerGreeter(emu, b, ['v2']);
    await convergeTo(['a', 'b'], 'calls to reach the second instance too');
    const t = await xds().call(100);
    expect(t.errors).toEqual([]);
    expect(t.counts.a).toBeGreaterThanOrEqual(30);
    expect(t.counts.b).toBeGreaterThanOrEqual(30);
    const inst = gh().pipeline.inputs().catalog?.services.greeter?.instances ?? [];
    expect(inst.map((i) => [i.id, i.port, i.health])).toEqual([
      [`consul-emu/${serviceId(a)}`, a.port, 'healthy'],
      [`consul-emu/${serviceId(b)}`, b.port, 'healthy'],
    ]);
  });

  it('a critical check takes the instance out; passing again brings it back', async () => {
    await setCheck(emu, b, 'fail');
    await convergeTo(['a'], 'calls to stop reaching the critical instance');
    await noCallsReach(b);
    expect(emu.store.getCheck(emu.nodeName, checkId(b))?.status).toBe('critical');

    await setCheck(emu, b, 'pass');
    await convergeTo(['a', 'b'], 'the instance to get calls again once passing');
  });

  it('maintenance mode drains the instance; leaving it restores it', async () => {
    await maintenance(emu, b, true);
    await convergeTo(['a'], 'calls to stop reaching the instance in maintenance');
    await noCallsReach(b);
    const inst = gh().pipeline.inputs().catalog?.services.greeter?.instances ?? [];
    expect(inst.find((i) => i.port === b.port)?.health).toBe('draining');

    await maintenance(emu, b, false);
    await convergeTo(['a', 'b'], 'the instance to get calls again after maintenance');
  });

  it('a deregistered instance is gone; registering it again brings it back', async () => {
    await deregister(emu, b);
    await convergeTo(['a'], 'calls to stop reaching the deregistered instance');
    await noCallsReach(b);
    const inst = gh().pipeline.inputs().catalog?.services.greeter?.instances ?? [];
    expect(inst.map((i) => i.port)).toEqual([a.port]);

    await registerGreeter(emu, b, ['v2']);
    await convergeTo(['a', 'b'], 'the re-registered instance to get calls');
  });

  it('a policy put in Consul KV is live: a subset split and a header route, then an edit', async () => {
    const versionBefore = gh().pipeline.policyVersion();
    await putPolicy(emu, policy(100, 0));
    await convergeTo(['a'], 'the split to send every plain call to subset v1');
    await convergeTo(['b'], 'the header route to send canary calls to subset v2', { 'x-canary': 'yes' });
    expect(gh().pipeline.policyVersion()).not.toBe(versionBefore);
    expect(gh().pipeline.inputs().policy?.services.greeter?.subsets).toEqual({
      v1: { tags: ['v1'], metadata: {} },
      v2: { tags: ['v2'], metadata: {} },
    });

    await putPolicy(emu, policy(0, 100));
    await convergeTo(['b'], 'the edited split to send every plain call to subset v2');
    await noCallsReach(a);
  });

  it('a bad policy in KV is refused with path and value; the last good policy keeps serving', async () => {
    const version = gh().pipeline.status().version;
    const policyVersion = gh().pipeline.policyVersion();
    const rejected = await metricValue(gh(), 'gatehouse_source_rejections_total', { source: 'policy' });
    await putPolicy(emu, policy(100, 0).replace('protocol: grpc', 'protocol: grpc\n    lbPolicy: fastest'));

    const problems = await waitFor('the bad policy to be refused', async () => {
      const { json } = await adminJson<PipelineStatus>(gh(), '/debug/pipeline');
      return json.problems.length > 0 ? json.problems : undefined;
    });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({
      code: 'CONFIG_INVALID',
      path: `consul:${POLICY_KEY}.services.greeter.lbPolicy`,
      severity: 'error',
    });
    expect(problems[0]?.message).toContain('"fastest"');
    expect(await metricValue(gh(), 'gatehouse_source_rejections_total', { source: 'policy' })).toBe(rejected + 1);

    // The refused edit would have moved plain calls to v1: they still follow the last good policy.
    await noCallsReach(a);
    expect(gh().pipeline.status().version).toBe(version);
    expect(gh().pipeline.policyVersion()).toBe(policyVersion);
    const ready = await readyz();
    expect(ready.status).toBe(200);
    expect(ready.json.status).toBe('ok');

    await putPolicy(emu, policy(50, 50));
    await waitFor('the problems to clear', () => gh().pipeline.status().problems.length === 0);
    await convergeTo(['a', 'b'], 'the fixed policy to split between v1 and v2');
    expect(await metricValue(gh(), 'gatehouse_source_rejections_total', { source: 'policy' })).toBe(rejected + 1);
  });

  it('Consul stopped and restarted: no failed call, degraded while down, recovers without a restart', async () => {
    expect((await readyz()).json.status).toBe('ok');
    await xds().startLoop();
    await waitFor('calls before the outage', async () => (await xds().loopStats()).calls >= 20);
    const version = gh().pipeline.status().version;

    await emu.stop();
    const down = await waitFor('/readyz to say degraded', async () => {
      const r = await readyz();
      return r.json.status === 'degraded' ? r : undefined;
    });
    expect(down.status).toBe(200);
    expect(down.json.ready).toBe(true);
    await waitFor('both Consul sources to report unhealthy', () => {
      const s = gh().pipeline.status().sources;
      return s.catalog?.healthy === false && s.policy?.healthy === false;
    });
    expect(gh().pipeline.status().sources.catalog?.lastError).toBeTruthy();
    expect(await metricValue(gh(), 'gatehouse_source_healthy', { source: 'catalog' })).toBe(0);
    expect(await metricValue(gh(), 'gatehouse_source_healthy', { source: 'policy' })).toBe(0);
    // Keep calling through the outage (counted in calls, not time).
    const atStop = (await xds().loopStats()).calls;
    await waitFor('calls while Consul is down', async () => (await xds().loopStats()).calls >= atStop + 100);
    expect(gh().pipeline.status().version).toBe(version);

    await emu.start();
    // Healthy again as soon as Consul answers, not after a whole blocking wait (FAST.waitMs).
    await waitFor(
      '/readyz to say ok again',
      async () => {
        const r = await readyz();
        return r.status === 200 && r.json.status === 'ok';
      },
      { timeoutMs: FAST.waitMs * 0.75 },
    );
    expect(await metricValue(gh(), 'gatehouse_source_healthy', { source: 'catalog' })).toBe(1);

    // The watches resumed on their own: a new registration is picked up.
    await registerGreeter(emu, c, ['v1']);
    await convergeTo(['a', 'b', 'c'], 'calls to reach the instance registered after the restart');
    const loop = await xds().stopLoop();
    expect(loop.errors).toEqual([]);
    expect(loop.calls).toBeGreaterThanOrEqual(atStop + 100);
  });

  it('an index reset (snapshot restore) publishes nothing new and the watches keep working', async () => {
    const version = gh().holder.current()?.snapshot.version;
    const builds = gh().pipeline.builds;
    const published = await metricValue(gh(), 'gatehouse_builds_total', { result: 'published' });
    const allBuilds = await metricValue(gh(), 'gatehouse_builds_total');
    const raftBefore = emu.store.raft;
    expect(raftBefore).toBeGreaterThan(2);

    const restoredAt = Date.now();
    emu.restoreSnapshot(2);
    // Every watch saw the index go backwards, re-read from 0, and blocks again on the restored index
    // (the KV policy prefix included); the catalog re-fetched greeter to compare contents.
    const watches = ['/v1/catalog/services', '/v1/health/state/any', '/v1/catalog/nodes', `/v1/kv/${PREFIX}/`];
    await waitFor('every watch to block on the restored index', () =>
      watches.every((p) =>
        emu.requests.some(
          (r) =>
            r.at >= restoredAt && decodeURIComponent(r.path) === p && new URLSearchParams(r.query).get('index') === '2',
        ),
      ),
    );
    await waitFor('greeter to be re-fetched after the reset', () =>
      emu.requests.some((r) => r.at >= restoredAt && r.path === '/v1/health/service/greeter'),
    );
    // Calls after the reset (which also gives a duplicate emit time to reach the pipeline).
    const t = await xds().call(60);
    expect(t.errors).toEqual([]);
    expect(answered(t)).toEqual(['a', 'b', 'c']);

    expect(gh().holder.current()?.snapshot.version).toBe(version);
    expect(gh().pipeline.builds).toBe(builds);
    expect(await metricValue(gh(), 'gatehouse_builds_total', { result: 'published' })).toBe(published);
    expect(await metricValue(gh(), 'gatehouse_builds_total')).toBe(allBuilds);
    expect(gh().pipeline.status().problems).toEqual([]);

    // Writes after the restore start again from the restored index, and are still seen.
    await deregister(emu, c);
    await convergeTo(['a', 'b'], 'the deregistration after the reset to reach the client');
    expect(emu.store.raft).toBeLessThan(raftBefore);
    // Exactly one more build: a late duplicate emit from the reset would have added its own.
    expect(gh().pipeline.builds).toBe(builds + 1);
    expect(await metricValue(gh(), 'gatehouse_builds_total', { result: 'published' })).toBe(published + 1);
  });
});
