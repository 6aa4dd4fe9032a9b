// The ADS stream itself: node identity (checklist item 1), type_url (2), nonces (3), the profile a
// node gets, the Delta RPC, and the per-node status the debug views read. Item numbers refer to
// /work/shared/docs/xds-protocol.md.
import * as grpc from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import { CLUSTER, ENDPOINT, LISTENER, ROUTE } from '../../src/resource-types.ts';
import { versionOf } from '../../src/snapshot/index.ts';
import { AdsTestClient, names } from '../fixtures/ads-client.ts';
import { adsServers, publishWorld, type WorldSpec } from '../fixtures/world.ts';

const start = adsServers();

const WORLD: WorldSpec = {
  services: { api: { instances: ['10.0.0.1:8080'] }, web: { instances: ['10.0.0.2:8080', '10.0.0.3:8080'] } },
  routes: [{ name: 'api', service: 'api' }],
};

const profileMetadata = (value: string) => ({ fields: { 'gatehouse.profile': { stringValue: value } } });

describe('stream identity', () => {
  it('item 1: the node sent only on the first request is remembered for the rest of the stream', async () => {
    const srv = await start(WORLD);
    const c = await srv.connect({ node: { id: 'edge-7', cluster: 'edge-pool', user_agent_name: 'envoy' } });
    const cds = await srv.sync(c, CLUSTER, []);
    expect(names(cds)).toEqual(['api', 'web']);
    // No node from here on; the server must still know who this is and keep serving.
    c.send({ node: null, type_url: ENDPOINT, resource_names: ['web'] });
    const eds = await c.next(ENDPOINT);
    expect(names(eds)).toEqual(['web']);
    // Repeating the identical node later is fine too.
    c.send({ node: { id: 'edge-7', cluster: 'edge-pool', user_agent_name: 'envoy' }, type_url: LISTENER });
    expect(names(await c.next(LISTENER))).toEqual(['edge-http']);
    const [status] = srv.ads.nodes();
    expect(status).toMatchObject({ nodeId: 'edge-7', nodeCluster: 'edge-pool', profile: 'edge' });
    expect(Object.keys(status!.types).sort()).toEqual(['cds', 'eds', 'lds']);
    expect(c.status).toBeUndefined();
  });

  it('item 1: a first request without node.id ends the stream with INVALID_ARGUMENT', async () => {
    const srv = await start(WORLD);
    const noNode = await srv.connect();
    noNode.send({ node: null, type_url: CLUSTER });
    const emptyId = await srv.connect();
    emptyId.send({ node: { id: '', cluster: 'edge' }, type_url: CLUSTER });
    for (const c of [noNode, emptyId]) {
      const end = await c.ended();
      expect(end.code).toBe(grpc.status.INVALID_ARGUMENT);
      expect(end.details).toContain('node.id');
      expect(c.received).toEqual([]);
    }
    expect(srv.ads.nodes()).toEqual([]);
  });

  it('item 1: a later request naming a different node ends the stream with INVALID_ARGUMENT', async () => {
    const srv = await start(WORLD);
    const c = await srv.connect({ node: { id: 'node-a', cluster: 'edge' } });
    await srv.sync(c, CLUSTER, []);
    c.send({ node: { id: 'node-b', cluster: 'edge' }, type_url: ENDPOINT, resource_names: ['api'] });
    const end = await c.ended();
    expect(end.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(end.details).toContain('"node-a"');
    expect(end.details).toContain('"node-b"');
    expect(c.received.map((r) => r.type_url)).toEqual([CLUSTER]);
    expect(srv.ads.nodes()).toEqual([]);
  });

  it('item 2: a request without type_url ends the stream with INVALID_ARGUMENT', async () => {
    const srv = await start(WORLD);
    const first = await srv.connect();
    first.send({ resource_names: ['api'] });
    const later = await srv.connect();
    await later.sync(CLUSTER, []);
    later.send({ resource_names: ['api'], response_nonce: later.received[0]!.nonce });
    for (const c of [first, later]) {
      const end = await c.ended();
      expect(end.code).toBe(grpc.status.INVALID_ARGUMENT);
      expect(end.details).toContain('type_url');
    }
    expect(first.received).toEqual([]);
    expect(later.received).toHaveLength(1);
  });

  it('item 3: every response carries a fresh nonce, distinct across types and updates on a stream', async () => {
    const srv = await start(WORLD);
    const c = await srv.connect();
    await srv.sync(c, CLUSTER, []);
    await srv.sync(c, ENDPOINT, ['api', 'web']);
    await srv.sync(c, LISTENER, []);
    await srv.sync(c, ROUTE, ['edge-routes']);
    // One publish that touches every type: new cluster, new endpoints, new listener port, new route.
    publishWorld(srv.holder, {
      services: { ...WORLD.services, api: { instances: ['10.0.0.9:8080'] }, new: {} },
      routes: [...(WORLD.routes ?? []), { name: 'new', service: 'new' }],
      listenerPort: 10001,
    });
    for (const t of [CLUSTER, ENDPOINT, LISTENER, ROUTE]) c.ack(await c.next(t));
    await c.expectSilence();
    const nonces = c.received.map((r) => r.nonce);
    expect(nonces).toHaveLength(8);
    expect(nonces.every((n) => n !== '')).toBe(true);
    expect(new Set(nonces).size).toBe(nonces.length);
  });
});

describe('profiles', () => {
  it('node metadata gatehouse.profile=grpc selects the proxyless gRPC profile even for an Envoy user agent', async () => {
    const srv = await start(WORLD);
    const c = await srv.connect({ node: { id: 'x', user_agent_name: 'envoy', metadata: profileMetadata('grpc') } });
    const lds = await srv.sync(c, LISTENER, ['api']);
    expect(names(lds)).toEqual(['api']);
    expect(lds.resources[0]).toHaveProperty('api_listener.api_listener.type_url');
    expect(srv.ads.nodes()[0]?.profile).toBe('grpc');
  });

  it('a gRPC user agent ("gRPC Node Pure JS") selects the grpc profile without metadata', async () => {
    const srv = await start(WORLD);
    const c = await srv.connect({
      node: { id: 'x', user_agent_name: 'gRPC Node Pure JS', user_agent_version: '1.14.1' },
    });
    expect(names(await srv.sync(c, LISTENER, []))).toEqual(['api', 'web']);
    expect(srv.ads.nodes()[0]).toMatchObject({ profile: 'grpc', userAgent: 'gRPC Node Pure JS/1.14.1' });
  });

  it('an Envoy node gets the edge profile by default, and explicit metadata wins over a gRPC user agent', async () => {
    const srv = await start(WORLD);
    const envoy = await srv.connect({ node: { id: 'e1', user_agent_name: 'envoy' } });
    const forced = await srv.connect({
      node: { id: 'e2', user_agent_name: 'gRPC Go', metadata: profileMetadata('edge') },
    });
    for (const c of [envoy, forced]) {
      const lds = await srv.sync(c, LISTENER, []);
      expect(names(lds)).toEqual(['edge-http']);
      expect(lds.resources[0]).toHaveProperty('address.socket_address.port_value', 10000);
    }
    expect(srv.ads.nodes().map((n) => [n.nodeId, n.profile])).toEqual([
      ['e1', 'edge'],
      ['e2', 'edge'],
    ]);
  });

  it('an unsupported gatehouse.profile value ends the stream with INVALID_ARGUMENT', async () => {
    const srv = await start(WORLD);
    const c = await srv.connect({ node: { id: 'x', metadata: profileMetadata('mesh') } });
    c.subscribe(CLUSTER, []);
    const end = await c.ended();
    expect(end.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(end.details).toContain('"mesh"');
    expect(c.received).toEqual([]);
  });
});

describe('service surface', () => {
  it('the Delta RPC answers UNIMPLEMENTED', async () => {
    const srv = await start(WORLD);
    const end = await AdsTestClient.delta(srv.address, {
      node: { id: 'x' },
      type_url: CLUSTER,
      resource_names_subscribe: ['*'],
    });
    expect(end.code).toBe(grpc.status.UNIMPLEMENTED);
  });

  it('ads.nodes() shows subscriptions, the last version and nonce sent per type, and the last ACKed version', async () => {
    const srv = await start(WORLD);
    const snap = srv.holder.current()!.snapshot;
    const c = await srv.connect({ node: { id: 'status-node', cluster: 'edge' } });
    const cds = await srv.sync(c, CLUSTER, []);
    c.subscribe(ENDPOINT, ['web', 'api', 'missing']);
    const eds = await c.next(ENDPOINT); // not ACKed yet
    const edsEntries = ['api', 'web'].map((n) => snap.profiles.edge[ENDPOINT].entries.get(n)!);
    expect(eds.version_info).toBe(versionOf(edsEntries));

    const [status] = srv.ads.nodes();
    expect(status).toMatchObject({ nodeId: 'status-node', nodeCluster: 'edge', profile: 'edge', streamId: 1 });
    expect(status!.types.cds).toMatchObject({
      subscribed: '*',
      lastSent: { version: snap.profiles.edge[CLUSTER].version, nonce: cds.nonce, resources: 2 },
      lastAck: { version: cds.version_info, nonce: cds.nonce },
    });
    expect(status!.types.eds).toMatchObject({
      subscribed: ['api', 'missing', 'web'],
      lastSent: { version: eds.version_info, nonce: eds.nonce, resources: 2 },
    });
    expect(status!.types.eds?.lastAck).toBeUndefined();

    await srv.ack(c, eds);
    expect(srv.ads.nodes()[0]!.types.eds?.lastAck).toMatchObject({ version: eds.version_info, nonce: eds.nonce });

    // A closed stream leaves the list.
    const closed = srv.events.once('closed', undefined, { nodeId: 'status-node' });
    c.close();
    await closed;
    expect(srv.ads.nodes()).toEqual([]);
  });
});
