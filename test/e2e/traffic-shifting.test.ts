// Live traffic shifting with a real xDS client: a weighted canary split between subsets, a header
// route to the canary, and a weight change applied live. Subsets are chosen by instance tags and
// metadata; each subset is its own cluster, so proxyless clients (no subset LB) follow too.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gatehouse } from '../../src/main.ts';
import { type Backend, loadGreeter, startBackend } from '../fixtures/greeter/greeter.ts';
import { answered, startTestGatehouse, type Tally, Workspace, waitFor, XdsClientProcess } from './harness.ts';

const catalog = (stable: readonly Backend[], canary: Backend) => `services:
  greeter:
    instances:
${stable.map((b) => `      - { id: ${b.id}, address: 127.0.0.1, port: ${b.port}, metadata: { version: v1 } }`).join('\n')}
      - { id: ${canary.id}, address: 127.0.0.1, port: ${canary.port}, metadata: { version: v2 }, tags: [canary] }
`;

const policy = (stableWeight: number, canaryWeight: number) => `services:
  greeter:
    protocol: grpc
    subsets:
      v1: { metadata: { version: v1 } }
      v2: { metadata: { version: v2 }, tags: [canary] }
routes:
  - name: greeter-canary-header
    domains: [greeter]
    match: { prefix: /, headers: [{ name: x-canary, exact: always }] }
    service: greeter
    subset: v2
  - name: greeter-split
    domains: [greeter]
    match: { prefix: / }
    service: greeter
    split:
      - { subset: v1, weight: ${stableWeight} }
      - { subset: v2, weight: ${canaryWeight} }
`;

describe('traffic shifting through Gatehouse (grpc-js-xds)', () => {
  let ws: Workspace;
  let backends: Backend[];
  let gh: Gatehouse;
  let client: XdsClientProcess;

  beforeAll(async () => {
    const greeter = loadGreeter();
    backends = await Promise.all(['a', 'b', 'canary'].map((id) => startBackend(id, greeter)));
    ws = await Workspace.create();
    await ws.writeRaw('catalog.yaml', catalog(backends.slice(0, 2), backends[2]!));
    await ws.writeRaw('policy.yaml', policy(90, 10));
    gh = await startTestGatehouse(ws);
    client = await XdsClientProcess.start({ xdsAddress: gh.xdsAddress, nodeId: 'e2e-shifting' });
    await waitFor('first calls', async () => (await client.call(5)).errors.length === 0);
  });

  afterAll(async () => {
    await client?.stop();
    await gh?.stop();
    await Promise.all((backends ?? []).map((b) => b.stop()));
    await ws?.remove();
  });

  const share = (t: Tally, id: string) => (t.counts[id] ?? 0) / t.calls;

  it('canary 90/10: the observed split is within statistical bounds', async () => {
    const t = await client.call(1000);
    expect(t.errors).toEqual([]);
    // Binomial(1000, 0.1): sd = 9.5 calls; 4.5 sd either side fails by chance about once in 10^5.
    expect(t.counts.canary ?? 0).toBeGreaterThanOrEqual(57);
    expect(t.counts.canary ?? 0).toBeLessThanOrEqual(143);
    expect(answered(t)).toEqual(['a', 'b', 'canary']);
  });

  it('a header routes every call to the canary subset', async () => {
    const t = await client.call(100, { 'x-canary': 'always' });
    expect(t.errors).toEqual([]);
    expect(t.counts).toEqual({ canary: 100 });
  });

  it('changing the weights is live: 50/50 after a policy edit', async () => {
    await ws.writeRaw('policy.yaml', policy(50, 50));
    let last: Tally | undefined;
    await waitFor('the new split to reach the client', async () => {
      last = await client.call(400);
      return last.errors.length === 0 && Math.abs(share(last, 'canary') - 0.5) < 0.12;
    });
    // Binomial(1000, 0.5): sd = 15.8 calls; allow 4.5 sd.
    const t = await client.call(1000);
    expect(t.errors).toEqual([]);
    expect(Math.abs((t.counts.canary ?? 0) - 500)).toBeLessThanOrEqual(71);
  });

  it('blue-green: weight 0/100 moves every call to the new subset', async () => {
    await ws.writeRaw('policy.yaml', policy(0, 100));
    await waitFor('all calls on the canary', async () => {
      const t = await client.call(50);
      return t.errors.length === 0 && t.counts.canary === 50;
    });
  });
});
