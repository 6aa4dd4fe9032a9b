// Versions, ACK/NACK and when the server speaks: checklist items 4-10 and 23 of
// /work/shared/docs/xds-protocol.md.
import { describe, expect, it } from 'vitest';
import { CLUSTER, ENDPOINT, LISTENER, ROUTE } from '../../src/resource-types.ts';
import { versionOf } from '../../src/snapshot/index.ts';
import { names } from '../fixtures/ads-client.ts';
import { adsServers, publishWorld, type WorldSpec } from '../fixtures/world.ts';

const start = adsServers();

const WORLD: WorldSpec = {
  services: {
    a: { instances: ['10.0.0.1:80'] },
    b: { instances: ['10.0.0.2:80'] },
    c: { instances: ['10.0.0.3:80'] },
  },
  routes: [
    { name: 'ra', service: 'a' },
    { name: 'rb', service: 'b' },
  ],
};

/** WORLD with a's single instance moved: only a's ClusterLoadAssignment changes. */
const A_MOVED: WorldSpec = { ...WORLD, services: { ...WORLD.services, a: { instances: ['10.0.1.1:80'] } } };
/** WORLD with b's load-balancing policy changed: only cluster b changes. */
const B_RING_HASH: WorldSpec = {
  ...WORLD,
  services: { ...WORLD.services, b: { ...WORLD.services.b, lbPolicy: 'ring_hash' } },
};

describe('versions', () => {
  it('item 4: each type carries its own version_info and changes only when that type changes', async () => {
    const srv = await start(WORLD);
    const snap = srv.holder.current()!.snapshot.profiles.edge;
    const c = await srv.connect();
    const cds = await srv.sync(c, CLUSTER, []);
    const eds = await srv.sync(c, ENDPOINT, ['a', 'b']);
    expect(cds.version_info).toBe(snap[CLUSTER].version);
    expect(eds.version_info).toBe(versionOf(['a', 'b'].map((n) => snap[ENDPOINT].entries.get(n)!)));
    expect(eds.version_info).not.toBe(cds.version_info);

    // An endpoint-only change moves the EDS version and leaves CDS alone.
    const next = publishWorld(srv.holder, A_MOVED).profiles.edge;
    const eds2 = await c.next(ENDPOINT);
    await srv.ack(c, eds2);
    expect(names(eds2)).toEqual(['a']);
    expect(eds2.version_info).toBe(versionOf(['a', 'b'].map((n) => next[ENDPOINT].entries.get(n)!)));
    expect(eds2.version_info).not.toBe(eds.version_info);
    expect(next[CLUSTER].version).toBe(cds.version_info);
    await c.expectSilence(CLUSTER);
    const status = srv.ads.nodes()[0]!.types;
    expect(status.cds?.lastSent?.version).toBe(cds.version_info);
    expect(status.eds?.lastSent?.version).toBe(eds2.version_info);
  });

  it('item 23: two servers fed the same input give identical version_info, so a node can fail over without a resend', async () => {
    const one = await start(WORLD);
    const two = await start(WORLD);
    const got = [];
    for (const srv of [one, two]) {
      const c = await srv.connect();
      got.push([
        await srv.sync(c, CLUSTER, []),
        await srv.sync(c, ENDPOINT, ['a', 'b', 'c']),
        await srv.sync(c, LISTENER, []),
        await srv.sync(c, ROUTE, ['edge-routes']),
      ]);
    }
    const [fromOne, fromTwo] = got;
    expect(fromTwo!.map((r) => r.version_info)).toEqual(fromOne!.map((r) => r.version_info));
    expect(fromTwo!.map((r) => r.resources)).toEqual(fromOne!.map((r) => r.resources));
    expect(new Set(fromOne!.map((r) => r.version_info)).size).toBe(4);

    // A node moving from server one to server two claims what it holds and gets nothing again.
    const moved = await two.connect({ node: { id: 'moved', user_agent_name: 'envoy' } });
    const [cds, eds] = fromOne!;
    moved.subscribe(CLUSTER, [], { version: cds!.version_info });
    moved.subscribe(ENDPOINT, ['a', 'b', 'c'], { version: eds!.version_info });
    await moved.expectSilence();
    expect(moved.received).toEqual([]);
  });
});

describe('ACK and NACK', () => {
  it('item 5: a NACK is detected by error_detail, not by version/nonce, and recorded with node, type, names, error and version', async () => {
    const srv = await start(WORLD);
    const c = await srv.connect({ node: { id: 'nacker', cluster: 'edge', user_agent_name: 'envoy' } });
    c.subscribe(ENDPOINT, ['b', 'a']);
    const eds = await c.next(ENDPOINT);
    // Same version and nonce as an ACK would carry; only error_detail says otherwise.
    const nacked = srv.events.once('nack', ENDPOINT);
    c.send({
      type_url: ENDPOINT,
      resource_names: ['b', 'a'],
      version_info: eds.version_info,
      response_nonce: eds.nonce,
      error_detail: { code: 3, message: 'endpoint address is not a valid IP' },
    });
    await nacked;
    const expected = {
      nodeId: 'nacker',
      profile: 'edge',
      typeUrl: ENDPOINT,
      resourceNames: ['a', 'b'],
      rejectedVersion: eds.version_info,
      keptVersion: eds.version_info,
      nonce: eds.nonce,
      errorCode: 3,
      errorMessage: 'endpoint address is not a valid IP',
    };
    expect(srv.ads.nacks()).toEqual([expect.objectContaining(expected)]);
    const status = srv.ads.nodes()[0]!.types.eds!;
    expect(status.lastNack).toMatchObject(expected);
    expect(status.lastAck).toBeUndefined();
    expect(srv.events.log.filter((e) => e.kind === 'ack')).toEqual([]);
  });

  it('item 6: after a NACK the same bytes are not resent, even when an identical type arrives in a new snapshot; a real change is', async () => {
    const srv = await start(WORLD);
    const c = await srv.connect();
    c.subscribe(CLUSTER, []);
    const rejected = await c.next(CLUSTER);
    const nacked = srv.events.once('nack', CLUSTER);
    c.nack(rejected, { keptVersion: '', message: 'cluster b: unsupported lb_policy' });
    await nacked;

    // Endpoints change, clusters are byte-identical: a new snapshot, but nothing new for CDS.
    publishWorld(srv.holder, A_MOVED);
    await c.expectSilence(CLUSTER);
    // A spontaneous request with the same subscription does not bring the rejected bytes back.
    c.subscribe(CLUSTER, []);
    await c.expectSilence(CLUSTER);

    const changed = publishWorld(srv.holder, B_RING_HASH).profiles.edge;
    const cds2 = await c.next(CLUSTER);
    expect(cds2.version_info).toBe(changed[CLUSTER].version);
    expect(cds2.version_info).not.toBe(rejected.version_info);
    expect(names(cds2)).toEqual(['a', 'b', 'c']);
    expect(cds2.resources.find((r) => r.name === 'b')?.lb_policy).toBe('RING_HASH');
  });

  it('item 7: a NACK whose version_info equals the version just sent is still a NACK', async () => {
    const srv = await start(WORLD);
    const c = await srv.connect();
    const v1 = await srv.sync(c, ENDPOINT, ['a']);
    c.subscribe(ENDPOINT, ['a', 'b']);
    const v2 = await c.next(ENDPOINT);
    expect(names(v2)).toEqual(['b']);
    expect(v2.version_info).not.toBe(v1.version_info);
    // The client claims to be using v2 (the version just sent) and rejects it anyway.
    const nacked = srv.events.once('nack', ENDPOINT);
    c.nack(v2, { keptVersion: v2.version_info, message: 'b rejected' });
    await nacked;
    const status = srv.ads.nodes()[0]!.types.eds!;
    expect(status.lastAck).toMatchObject({ version: v1.version_info, nonce: v1.nonce });
    expect(status.lastNack).toMatchObject({
      rejectedVersion: v2.version_info,
      keptVersion: v2.version_info,
      resourceNames: ['b'],
      nonce: v2.nonce,
    });
    expect(srv.ads.nacks()).toHaveLength(1);
    await c.expectSilence(ENDPOINT);
  });

  it('item 8: a subscription change carried on a NACK is honoured, and on an ACK too', async () => {
    const srv = await start(WORLD);
    const c = await srv.connect();
    c.subscribe(ENDPOINT, ['a']);
    const r1 = await c.next(ENDPOINT);
    expect(names(r1)).toEqual(['a']);
    c.nack(r1, { keptVersion: '', names: ['a', 'b'] });
    const r2 = await c.next(ENDPOINT);
    expect(names(r2)).toEqual(['b']); // b is new; the rejected a is not offered again
    c.ack(r2, ['a', 'b', 'c']);
    const r3 = await c.next(ENDPOINT);
    expect(names(r3)).toEqual(['c']);
    c.ack(r3);
    await c.expectSilence(ENDPOINT);
    expect(srv.ads.nodes()[0]!.types.eds?.subscribed).toEqual(['a', 'b', 'c']);
  });

  it('item 9: a request carrying a stale nonce is ignored: no response and no subscription change', async () => {
    const srv = await start(WORLD);
    const c = await srv.connect();
    const r1 = await srv.sync(c, ENDPOINT, ['a']);
    publishWorld(srv.holder, A_MOVED);
    const r2 = await c.next(ENDPOINT);
    expect(r2.nonce).not.toBe(r1.nonce);
    // Answers r1 although r2 is out: superseded, so its new name "b" must not be subscribed.
    const stale = srv.events.once('stale', ENDPOINT);
    c.subscribe(ENDPOINT, ['a', 'b'], { nonce: r1.nonce, version: r1.version_info });
    await stale;
    await c.expectSilence(ENDPOINT);
    expect(srv.ads.nodes()[0]!.types.eds?.subscribed).toEqual(['a']);
    // The current ACK (still only "a") is processed normally and brings nothing new.
    const acked = srv.events.once('ack', ENDPOINT);
    c.ack(r2, ['a']);
    await acked;
    await c.expectSilence(ENDPOINT);
    expect(srv.ads.nodes()[0]!.types.eds?.lastAck?.version).toBe(r2.version_info);
  });

  it('item 10: the server stays silent when nothing changed for the node', async () => {
    const srv = await start(WORLD);
    const c = await srv.connect({ node: { id: 'grpc-client', user_agent_name: 'gRPC Node Pure JS' } });
    const lds = await srv.sync(c, LISTENER, ['a', 'b']);
    const rds = await srv.sync(c, ROUTE, ['grpc/a', 'grpc/b']);
    const cds = await srv.sync(c, CLUSTER, ['a', 'b']);
    const eds = await srv.sync(c, ENDPOINT, ['a', 'b']);
    expect([lds, rds, cds, eds].map(names)).toEqual([
      ['a', 'b'],
      ['grpc/a', 'grpc/b'],
      ['a', 'b'],
      ['a', 'b'],
    ]);
    // A repeated ACK is not a reason to answer.
    for (const r of [lds, rds, cds, eds]) c.ack(r);
    // A publish that changes only the edge profile (an http2 upstream for c) leaves this node's view alone.
    const before = srv.holder.current()!.snapshot;
    const after = publishWorld(srv.holder, {
      ...WORLD,
      services: { ...WORLD.services, c: { ...WORLD.services.c, protocol: 'http2' } },
    });
    expect(after.version).not.toBe(before.version);
    expect(after.profiles.edge[CLUSTER].version).not.toBe(before.profiles.edge[CLUSTER].version);
    await c.expectSilence();
    expect(c.received).toHaveLength(4);
  });
});
