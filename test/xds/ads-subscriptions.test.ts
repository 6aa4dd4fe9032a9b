// What a node subscribes to: wildcard (checklist item 11), growing subscriptions (12), names that
// do not exist yet (13) and a new stream that claims a version (22). Item numbers refer to
// /work/shared/docs/xds-protocol.md.
import { describe, expect, it } from 'vitest';
import { CLUSTER, ENDPOINT, LISTENER, ROUTE } from '../../src/resource-types.ts';
import { versionOf } from '../../src/snapshot/index.ts';
import { names } from '../fixtures/ads-client.ts';
import { adsServers, publishWorld, type WorldSpec } from '../fixtures/world.ts';

const start = adsServers();

const WORLD: WorldSpec = {
  services: { a: { instances: ['10.0.0.1:80'] }, b: { instances: ['10.0.0.2:80'] } },
  routes: [{ name: 'ra', service: 'a' }],
};
const WITH_C: WorldSpec = { ...WORLD, services: { ...WORLD.services, c: { instances: ['10.0.0.3:80'] } } };

describe('wildcard', () => {
  it('item 11: an empty first LDS/CDS request is a wildcard subscription that keeps following new resources', async () => {
    const srv = await start(WORLD);
    const c = await srv.connect();
    expect(names(await srv.sync(c, CLUSTER, []))).toEqual(['a', 'b']);
    expect(names(await srv.sync(c, LISTENER, []))).toEqual(['edge-http']);
    publishWorld(srv.holder, WITH_C);
    expect(names(await c.next(CLUSTER))).toEqual(['a', 'b', 'c']);
    const types = srv.ads.nodes()[0]!.types;
    expect([types.cds?.subscribed, types.lds?.subscribed]).toEqual(['*', '*']);
  });

  it('item 11: an explicit "*" is a wildcard subscription, also after naming resources', async () => {
    const srv = await start(WORLD);
    const c = await srv.connect();
    c.subscribe(CLUSTER, ['a']);
    const named = await c.next(CLUSTER);
    expect(names(named)).toEqual(['a']);
    c.ack(named, ['*']);
    expect(names(await c.next(CLUSTER))).toEqual(['a', 'b']);
    expect(srv.ads.nodes()[0]!.types.cds?.subscribed).toBe('*');
  });

  it('item 11: after naming a resource, an empty list unsubscribes from everything instead of meaning wildcard', async () => {
    const srv = await start(WORLD);
    const c = await srv.connect();
    c.subscribe(CLUSTER, ['a']);
    const named = await c.next(CLUSTER);
    const acked = srv.events.once('ack', CLUSTER);
    c.ack(named, []);
    await acked;
    await c.expectSilence(CLUSTER);
    expect(srv.ads.nodes()[0]!.types.cds?.subscribed).toEqual([]);
    // New clusters do not reach a node that unsubscribed from all.
    publishWorld(srv.holder, WITH_C);
    await c.expectSilence(CLUSTER);
    expect(c.received).toHaveLength(1);
  });

  it('item 11: EDS and RDS are never wildcard, not even on an empty first request', async () => {
    const srv = await start(WORLD);
    const c = await srv.connect();
    const subscribed = [srv.events.once('subscribe', ENDPOINT), srv.events.once('subscribe', ROUTE)];
    c.subscribe(ENDPOINT, []);
    c.subscribe(ROUTE, []);
    await Promise.all(subscribed);
    publishWorld(srv.holder, WITH_C);
    await c.expectSilence();
    const types = srv.ads.nodes()[0]!.types;
    expect([types.eds?.subscribed, types.rds?.subscribed]).toEqual([[], []]);
    expect(c.received).toEqual([]);
  });
});

describe('subscription changes', () => {
  it('item 12: a newly subscribed name is sent even if unchanged and sent before (EDS unsubscribe, then resubscribe)', async () => {
    const srv = await start(WORLD);
    const c = await srv.connect();
    c.subscribe(ENDPOINT, ['a', 'b']);
    const first = await c.next(ENDPOINT);
    expect(names(first)).toEqual(['a', 'b']);
    const acked = srv.events.once('ack', ENDPOINT);
    c.ack(first, ['a']); // drop b
    await acked;
    await c.expectSilence(ENDPOINT);
    c.subscribe(ENDPOINT, ['a', 'b']); // b again, unchanged since it was sent
    const again = await c.next(ENDPOINT);
    expect(names(again)).toEqual(['b']);
    expect(again.resources[0]).toEqual(first.resources[1]);
    expect(again.nonce).not.toBe(first.nonce);
    expect(again.version_info).toBe(first.version_info); // the node holds exactly what it held before
  });

  it('item 13: a requested name that does not exist yet gets nothing, and is sent once it appears', async () => {
    const srv = await start(WORLD);
    const c = await srv.connect();
    c.subscribe(ENDPOINT, ['c']);
    await c.expectSilence(ENDPOINT);
    c.subscribe(ROUTE, ['grpc/c', 'edge-routes']);
    expect(names(await c.next(ROUTE))).toEqual(['edge-routes']);

    const next = publishWorld(srv.holder, WITH_C).profiles.edge;
    const eds = await c.next(ENDPOINT);
    expect(names(eds)).toEqual(['c']);
    expect(eds.version_info).toBe(versionOf([next[ENDPOINT].entries.get('c')!]));
    expect(srv.ads.nodes()[0]!.types.eds).toMatchObject({ subscribed: ['c'], lastSent: { version: eds.version_info } });
  });
});

describe('a new stream claiming a version', () => {
  it('item 22: a first request carrying the current version of the subscribed names gets no resend, later changes still arrive', async () => {
    const srv = await start(WORLD);
    const snap = srv.holder.current()!.snapshot.profiles.edge;
    const c = await srv.connect();
    c.subscribe(CLUSTER, [], { version: snap[CLUSTER].version });
    const edsVersion = versionOf(['a', 'b'].map((n) => snap[ENDPOINT].entries.get(n)!));
    c.subscribe(ENDPOINT, ['a', 'b'], { version: edsVersion });
    await c.expectSilence();
    const types = srv.ads.nodes()[0]!.types;
    expect(types.cds?.lastAck?.version).toBe(snap[CLUSTER].version);
    expect(types.eds?.lastAck?.version).toBe(edsVersion);

    // The server now knows what the node holds: an endpoint change sends just that assignment.
    publishWorld(srv.holder, { ...WORLD, services: { ...WORLD.services, b: { instances: ['10.0.0.22:80'] } } });
    expect(names(await c.next(ENDPOINT))).toEqual(['b']);
    await c.expectSilence(CLUSTER);
  });

  it('item 22: a first request carrying a stale or foreign version gets the resources', async () => {
    const srv = await start(WORLD);
    const c = await srv.connect();
    c.subscribe(CLUSTER, [], { version: '0123456789abcdef' });
    expect(names(await c.next(CLUSTER))).toEqual(['a', 'b']);
    c.subscribe(LISTENER, [], { version: '7' });
    expect(names(await c.next(LISTENER))).toEqual(['edge-http']);
  });

  it('item 22: claiming the version of [a] while subscribing [a, b] still sends b', async () => {
    const srv = await start(WORLD);
    const snap = srv.holder.current()!.snapshot.profiles.edge;
    const c = await srv.connect();
    const versionOfA = versionOf([snap[ENDPOINT].entries.get('a')!]);
    c.subscribe(ENDPOINT, ['a', 'b'], { version: versionOfA });
    const eds = await c.next(ENDPOINT);
    expect(names(eds)).toContain('b');
    expect(eds.version_info).toBe(snap[ENDPOINT].version);
    c.subscribe(CLUSTER, ['a', 'b'], { version: versionOf([snap[CLUSTER].entries.get('a')!]) });
    expect(names(await c.next(CLUSTER))).toEqual(['a', 'b']);
  });
});
