// What responses carry and in which order: full state (checklist item 16), no duplicates (17),
// whole ClusterLoadAssignments (18), make-before-break (19), warming (20, 21). Item numbers refer
// to /work/shared/docs/xds-protocol.md.
import { describe, expect, it } from 'vitest';
import { CLUSTER, ENDPOINT, LISTENER, ROUTE } from '../../src/resource-types.ts';
import type { AdsTestClient, Resource, Response } from '../fixtures/ads-client.ts';
import { names } from '../fixtures/ads-client.ts';
import { type AdsHarness, adsServers, publishWorld, type WorldSpec } from '../fixtures/world.ts';

const start = adsServers();

const WORLD: WorldSpec = {
  services: {
    a: { instances: ['10.0.0.1:80', '10.0.0.2:80'] },
    b: { instances: ['10.0.0.3:80'] },
  },
  routes: [
    { name: 'ra', service: 'a' },
    { name: 'rb', service: 'b' },
  ],
};

/** route name -> cluster, over every virtual host of a RouteConfiguration. */
function routeTargets(rc: Resource): Record<string, string> {
  const out: Record<string, string> = {};
  for (const vh of rc.virtual_hosts as { routes: { name: string; route: { cluster: string } }[] }[]) {
    for (const r of vh.routes) out[r.name] = r.route.cluster;
  }
  return out;
}

/** `address:port` of every endpoint of a ClusterLoadAssignment. */
function endpoints(cla: Resource): string[] {
  type Lb = { endpoint: { address: { socket_address: { address: string; port_value: number } } } };
  return (cla.endpoints as { lb_endpoints: Lb[] }[]).flatMap((l) =>
    l.lb_endpoints.map(
      (e) => `${e.endpoint.address.socket_address.address}:${e.endpoint.address.socket_address.port_value}`,
    ),
  );
}

/** An edge node subscribed to and in sync on all four types. */
async function edgeInSync(srv: AdsHarness, c: AdsTestClient, clusters: readonly string[]): Promise<Response[]> {
  return [
    await srv.sync(c, CLUSTER, []),
    await srv.sync(c, ENDPOINT, clusters),
    await srv.sync(c, LISTENER, []),
    await srv.sync(c, ROUTE, ['edge-routes']),
  ];
}

describe('response content', () => {
  it('item 16: LDS/CDS responses carry the complete subscribed state; a removed cluster is left out', async () => {
    const srv = await start({ ...WORLD, routes: [], services: { ...WORLD.services, c: {} } });
    const c = await srv.connect();
    expect(names(await srv.sync(c, CLUSTER, []))).toEqual(['a', 'b', 'c']);
    const lds = await srv.sync(c, LISTENER, []);

    // Only b changes, yet the response holds every cluster the node has.
    publishWorld(srv.holder, {
      ...WORLD,
      routes: [],
      services: { ...WORLD.services, b: { lbPolicy: 'random' }, c: {} },
    });
    const changed = await c.next(CLUSTER);
    await srv.ack(c, changed);
    expect(names(changed)).toEqual(['a', 'b', 'c']);

    // c disappears: the next CDS response is everything but c, which is how SotW deletes.
    const after = publishWorld(srv.holder, {
      ...WORLD,
      routes: [],
      services: { ...WORLD.services, b: { lbPolicy: 'random' } },
    });
    const removed = await c.next(CLUSTER);
    await srv.ack(c, removed);
    expect(names(removed)).toEqual(['a', 'b']);
    expect(removed.version_info).toBe(after.profiles.edge[CLUSTER].version);

    // The listener port changes: the LDS response is again the complete listener set.
    publishWorld(srv.holder, { ...WORLD, routes: [], listenerPort: 10443 });
    const lds2 = await c.next(LISTENER);
    expect(names(lds2)).toEqual(names(lds));
    expect(lds2.resources[0]).toHaveProperty('address.socket_address.port_value', 10443);
  });

  it('item 17: a response never names the same resource twice, whatever the request repeats', async () => {
    const srv = await start(WORLD);
    const c = await srv.connect();
    c.subscribe(ENDPOINT, ['b', 'a', 'b', 'a']);
    expect(names(await c.next(ENDPOINT))).toEqual(['a', 'b']);
    c.subscribe(CLUSTER, ['*', 'a', 'a', 'b']);
    const cds = await c.next(CLUSTER);
    await srv.ack(c, cds);
    expect(names(cds)).toEqual(['a', 'b']);
    publishWorld(srv.holder, {
      ...WORLD,
      services: { ...WORLD.services, a: { ...WORLD.services.a, lbPolicy: 'random' } },
    });
    expect(names(await c.next(CLUSTER))).toEqual(['a', 'b']);
  });

  it('item 18: a one-endpoint change sends the whole ClusterLoadAssignment of that cluster, and only that one', async () => {
    const srv = await start(WORLD);
    const c = await srv.connect();
    const [, eds] = await edgeInSync(srv, c, ['a', 'b']);
    expect(eds!.resources.map(endpoints)).toEqual([['10.0.0.1:80', '10.0.0.2:80'], ['10.0.0.3:80']]);
    publishWorld(srv.holder, {
      ...WORLD,
      services: { ...WORLD.services, a: { instances: ['10.0.0.1:80', '10.0.0.2:80', '10.0.0.4:80'] } },
    });
    const update = await c.next();
    expect(update.type_url).toBe(ENDPOINT);
    expect(names(update)).toEqual(['a']);
    expect(endpoints(update.resources[0]!)).toEqual(['10.0.0.1:80', '10.0.0.2:80', '10.0.0.4:80']);
    c.ack(update);
    await c.expectSilence();
  });
});

describe('ordering and warming', () => {
  it('item 19: a publish that changes clusters, endpoints, listener and routes is sent CDS, EDS, LDS, RDS', async () => {
    const srv = await start(WORLD);
    const c = await srv.connect();
    await edgeInSync(srv, c, ['a', 'b']);
    publishWorld(srv.holder, {
      services: { a: { instances: ['10.0.0.9:80'], lbPolicy: 'least_request' }, b: { ...WORLD.services.b } },
      routes: [
        { name: 'ra', service: 'a', prefix: '/v2/a' },
        { name: 'rb', service: 'b' },
      ],
      listenerPort: 10080,
    });
    const order: string[] = [];
    for (let i = 0; i < 4; i++) {
      const r = await c.next();
      order.push(`${r.type_url.slice(r.type_url.lastIndexOf('.') + 1)}[${names(r).join(',')}]`);
      c.ack(r);
    }
    expect(order).toEqual([
      'Cluster[a,b]',
      'ClusterLoadAssignment[a]',
      'Listener[edge-http]',
      'RouteConfiguration[edge-routes]',
    ]);
    await c.expectSilence();
  });

  it('item 19: a cluster that a removed route used stays in CDS until the RDS response is ACKed, then CDS drops it', async () => {
    const srv = await start(WORLD);
    const c = await srv.connect();
    await edgeInSync(srv, c, ['a', 'b']);
    // b and its route go; a changes too, so a CDS response goes out straight away.
    const after = publishWorld(srv.holder, {
      services: { a: { ...WORLD.services.a, lbPolicy: 'least_request' } },
      routes: [{ name: 'ra', service: 'a' }],
    });
    const cds = await c.next();
    expect([cds.type_url, names(cds)]).toEqual([CLUSTER, ['a', 'b']]);
    expect(cds.resources.find((r) => r.name === 'a')?.lb_policy).toBe('LEAST_REQUEST');
    const eds = await c.next();
    expect([eds.type_url, names(eds)]).toEqual([ENDPOINT, ['a']]);
    const rds = await c.next();
    expect(rds.type_url).toBe(ROUTE);
    expect(routeTargets(rds.resources[0]!)).toEqual({ ra: 'a' });
    await srv.ack(c, cds);
    await srv.ack(c, eds, ['a']);
    await c.expectSilence(CLUSTER);

    c.ack(rds);
    const final = await c.next(CLUSTER);
    expect(names(final)).toEqual(['a']);
    expect(final.version_info).toBe(after.profiles.edge[CLUSTER].version);
    c.ack(final);
    await c.expectSilence();
  });

  it('item 19: routes never overtake the clusters they use, even while a CDS response is still unacknowledged', async () => {
    const srv = await start(WORLD);
    const c = await srv.connect();
    await edgeInSync(srv, c, ['a', 'b']);
    publishWorld(srv.holder, {
      ...WORLD,
      services: { ...WORLD.services, a: { ...WORLD.services.a, lbPolicy: 'random' } },
    });
    const cds1 = await c.next(CLUSTER);
    expect(names(cds1)).toEqual(['a', 'b']);
    await srv.ack(c, await c.next(ENDPOINT));
    // Before the node ACKs cds1, a new service arrives with a route to it.
    publishWorld(srv.holder, {
      services: {
        ...WORLD.services,
        a: { ...WORLD.services.a, lbPolicy: 'random' },
        c: { instances: ['10.0.0.5:80'] },
      },
      routes: [...WORLD.routes!, { name: 'rc', service: 'c' }],
    });
    await c.expectSilence(ROUTE);
    c.ack(cds1);
    const cds2 = await c.next();
    expect([cds2.type_url, names(cds2)]).toEqual([CLUSTER, ['a', 'b', 'c']]);
    const rds = await c.next();
    expect(rds.type_url).toBe(ROUTE);
    expect(routeTargets(rds.resources[0]!)).toEqual({ ra: 'a', rb: 'b', rc: 'c' });
  });

  it('item 19: a cluster stays while the node rejects (NACKs) the route change that stopped using it', async () => {
    const srv = await start(WORLD);
    const c = await srv.connect();
    const [, , , rds0] = await edgeInSync(srv, c, ['a', 'b']);
    const withoutB: WorldSpec = { services: { a: { ...WORLD.services.a } }, routes: [{ name: 'ra', service: 'a' }] };
    publishWorld(srv.holder, withoutB);
    const rds = await c.next(ROUTE);
    expect(routeTargets(rds.resources[0]!)).toEqual({ ra: 'a' });
    const nacked = srv.events.once('nack', ROUTE);
    c.nack(rds, { keptVersion: rds0!.version_info, message: 'route config rejected' });
    await nacked;
    // The node still routes to b; an unrelated change must not make the server drop cluster b.
    publishWorld(srv.holder, { ...withoutB, services: { a: { instances: ['10.0.0.1:80'] } } });
    await srv.ack(c, await c.next(ENDPOINT), ['a', 'b']);
    await c.expectSilence(CLUSTER);
    // Once the node accepts routes without b, b goes.
    publishWorld(srv.holder, {
      ...withoutB,
      services: { a: { instances: ['10.0.0.1:80'] } },
      routes: [{ name: 'ra2', service: 'a' }],
    });
    const rds2 = await c.next(ROUTE);
    expect(routeTargets(rds2.resources[0]!)).toEqual({ ra2: 'a' });
    c.ack(rds2);
    expect(names(await c.next(CLUSTER))).toEqual(['a']);
  });

  it('item 20: after a cluster changes, its ClusterLoadAssignment is sent again although the endpoints did not change', async () => {
    const srv = await start(WORLD);
    const c = await srv.connect();
    const [, eds] = await edgeInSync(srv, c, ['a', 'b']);
    publishWorld(srv.holder, {
      ...WORLD,
      services: { ...WORLD.services, b: { ...WORLD.services.b, lbPolicy: 'random' } },
    });
    const cds = await c.next();
    expect(cds.type_url).toBe(CLUSTER);
    const again = await c.next();
    expect(again.type_url).toBe(ENDPOINT);
    expect(names(again)).toEqual(['b']); // b's cluster changed; a's did not
    expect(again.resources[0]).toEqual(eds!.resources[1]);
    expect(again.version_info).toBe(eds!.version_info);
    c.ack(cds);
    c.ack(again);
    await c.expectSilence();
  });

  it('item 21: a service with no instances gets an explicit empty ClusterLoadAssignment', async () => {
    const srv = await start(WORLD);
    const c = await srv.connect();
    await edgeInSync(srv, c, ['a', 'b']);
    publishWorld(srv.holder, { ...WORLD, services: { ...WORLD.services, idle: {} } });
    const cds = await c.next(CLUSTER);
    expect(names(cds)).toEqual(['a', 'b', 'idle']);
    c.ack(cds);
    // Like Envoy, the node asks for the new cluster's endpoints after seeing it.
    c.subscribe(ENDPOINT, ['a', 'b', 'idle']);
    const eds = await c.next(ENDPOINT);
    expect(names(eds)).toEqual(['idle']);
    expect(eds.resources[0]).toMatchObject({ cluster_name: 'idle', endpoints: [] });
  });
});
