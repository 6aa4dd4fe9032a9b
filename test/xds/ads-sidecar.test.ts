// The sidecar profile over a real ADS stream: a node whose metadata says it is the sidecar of
// service X gets X's inbound and outbound listeners, the outbound routes, its local app cluster
// and the upstream clusters it may call (all by default, a declared list when the policy has one);
// bad or unknown sidecar identities are refused; endpoint changes reach exactly the sidecars that
// may call the service.
import * as grpc from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import { CLUSTER, ENDPOINT, LISTENER, ROUTE } from '../../src/resource-types.ts';
import { names, type Resource, type TestNode } from '../fixtures/ads-client.ts';
import { adsServers, publishWorld, type WorldSpec } from '../fixtures/world.ts';

const start = adsServers();

// web's sidecar has the defaults (every service); api's may call web only; empty has no instances.
const WORLD: WorldSpec = {
  services: {
    web: { instances: ['10.0.0.1:8080'] },
    api: { instances: ['10.0.1.1:9000'], sidecar: { upstreams: ['web'] } },
    db: { instances: ['10.0.2.1:5432'] },
    empty: {},
  },
  routes: [{ name: 'web', service: 'web' }],
};

function sidecarNode(service: string | undefined, id = `sidecar-${service}`): TestNode {
  const fields: Record<string, { stringValue: string }> = { 'gatehouse.profile': { stringValue: 'sidecar' } };
  if (service !== undefined) fields['gatehouse.service'] = { stringValue: service };
  return { id, cluster: service ?? 'none', user_agent_name: 'envoy', metadata: { fields } };
}

const socket = (r: Resource) =>
  (r.address as { socket_address: { address: string; port_value: number } }).socket_address;
const hosts = (r: Resource) =>
  (r.virtual_hosts as { name: string; domains: string[] }[]).map((h) => [h.name, h.domains]);

describe('what a sidecar gets', () => {
  it('a sidecar without an upstream list: both listeners, outbound routes to every service, all clusters plus its local app', async () => {
    const srv = await start(WORLD);
    const c = await srv.connect({ node: sidecarNode('web') });
    const cds = await srv.sync(c, CLUSTER, []);
    expect(names(cds)).toEqual(['api', 'db', 'empty', 'local-app|8080', 'web']);
    expect(cds.version_info).toBe(srv.holder.current()!.snapshot.view('sidecar/web')![CLUSTER].version);
    const local = cds.resources.find((r) => r.name === 'local-app|8080')!;
    expect(local.type).toBe('STATIC');
    expect(local.load_assignment).toMatchObject({
      endpoints: [
        { lb_endpoints: [{ endpoint: { address: { socket_address: { address: '127.0.0.1', port_value: 8080 } } } }] },
      ],
    });
    const eds = await srv.sync(c, ENDPOINT, ['api', 'db', 'empty', 'web']);
    expect(names(eds)).toEqual(['api', 'db', 'empty', 'web']);
    const lds = await srv.sync(c, LISTENER, []);
    expect(names(lds)).toEqual(['sidecar-inbound', 'sidecar-outbound']);
    expect(lds.resources.map(socket)).toMatchObject([
      { address: '0.0.0.0', port_value: 15006 },
      { address: '127.0.0.1', port_value: 15001 },
    ]);
    const rds = await srv.sync(c, ROUTE, ['sidecar-outbound']);
    expect(rds.resources.map(hosts)).toEqual([
      [
        ['api', ['api', 'api:*']],
        ['db', ['db', 'db:*']],
        ['empty', ['empty', 'empty:*']],
        ['web', ['web', 'web:*']],
      ],
    ]);
    expect(srv.ads.nodes()[0]).toMatchObject({ nodeId: 'sidecar-web', profile: 'sidecar/web' });
  });

  it('a sidecar with a declared upstream list: only those services, their clusters and endpoints', async () => {
    const srv = await start(WORLD);
    const c = await srv.connect({ node: sidecarNode('api') });
    expect(names(await srv.sync(c, CLUSTER, []))).toEqual(['local-app|9000', 'web']);
    // db is not in this sidecar's view: asking for it gets nothing for it.
    expect(names(await srv.sync(c, ENDPOINT, ['db', 'web']))).toEqual(['web']);
    expect(names(await srv.sync(c, LISTENER, []))).toEqual(['sidecar-inbound', 'sidecar-outbound']);
    const rds = await srv.sync(c, ROUTE, ['sidecar-outbound']);
    expect(rds.resources.map(hosts)).toEqual([[['web', ['web', 'web:*']]]]);
  });
});

describe('who is refused', () => {
  const refused = async (node: TestNode) => {
    const srv = await start(WORLD);
    const c = await srv.connect({ node });
    c.subscribe(CLUSTER, []);
    const end = await c.ended();
    expect(c.received).toEqual([]);
    expect(end.code).toBe(grpc.status.INVALID_ARGUMENT);
    return end.details;
  };

  it('a sidecar of an unknown service ends with INVALID_ARGUMENT naming the service', async () => {
    expect(await refused(sidecarNode('nope'))).toContain('"nope" is not a known service');
  });

  it('a sidecar without gatehouse.service ends with INVALID_ARGUMENT', async () => {
    expect(await refused(sidecarNode(undefined, 'anonymous'))).toContain('needs gatehouse.service');
  });

  it('a sidecar of a service with no instances and no appPort ends with INVALID_ARGUMENT saying so', async () => {
    expect(await refused(sidecarNode('empty'))).toContain('services.empty.sidecar.appPort');
  });

  it('a sidecar that connects before the first snapshot is refused once it arrives, if its service is unknown', async () => {
    const srv = await start();
    const c = await srv.connect({ node: sidecarNode('nope') });
    const open = srv.events.once('open');
    c.subscribe(CLUSTER, []);
    await open;
    publishWorld(srv.holder, WORLD);
    const end = await c.ended();
    expect(end.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(end.details).toContain('"nope"');
  });
});

describe('changes', () => {
  it("a change to a service's endpoints reaches the sidecars that may call it, and no other", async () => {
    const srv = await start(WORLD);
    const all = await srv.connect({ node: sidecarNode('web') });
    const some = await srv.connect({ node: sidecarNode('api') });
    await srv.sync(all, CLUSTER, []);
    await srv.sync(all, ENDPOINT, ['api', 'db', 'empty', 'web']);
    await srv.sync(some, CLUSTER, []);
    await srv.sync(some, ENDPOINT, ['web']);
    publishWorld(srv.holder, { ...WORLD, services: { ...WORLD.services, db: { instances: ['10.0.2.9:5432'] } } });
    const eds = await all.next(ENDPOINT);
    expect(names(eds)).toEqual(['db']);
    expect(JSON.stringify(eds.resources[0])).toContain('10.0.2.9');
    await all.expectSilence(CLUSTER);
    await some.expectSilence();
  });

  it('declaring an upstream list later removes the other clusters and virtual hosts from that sidecar', async () => {
    const srv = await start(WORLD);
    const c = await srv.connect({ node: sidecarNode('web') });
    await srv.sync(c, CLUSTER, []);
    await srv.sync(c, ENDPOINT, ['api', 'db', 'empty', 'web']);
    await srv.sync(c, LISTENER, []);
    await srv.sync(c, ROUTE, ['sidecar-outbound']);
    publishWorld(srv.holder, {
      ...WORLD,
      services: { ...WORLD.services, web: { ...WORLD.services.web, sidecar: { upstreams: ['db'] } } },
    });
    // Make-before-break: the new routes first while the old clusters stay, then CDS drops them.
    const rds = await c.next(ROUTE);
    expect(rds.resources.map(hosts)).toEqual([[['db', ['db', 'db:*']]]]);
    await srv.ack(c, rds);
    const cds = await c.next(CLUSTER);
    expect(names(cds)).toEqual(['db', 'local-app|8080']);
    await c.expectSilence(LISTENER);
  });

  it('a sidecar whose service leaves the catalog keeps its config and stream until the service is back', async () => {
    const srv = await start(WORLD);
    const c = await srv.connect({ node: sidecarNode('db') });
    await srv.sync(c, CLUSTER, []);
    const { db: _gone, ...others } = WORLD.services;
    publishWorld(srv.holder, { ...WORLD, services: others });
    await c.expectSilence();
    expect(c.status).toBeUndefined();
    publishWorld(srv.holder, { ...WORLD, services: { ...WORLD.services, db: { instances: ['10.0.2.1:5433'] } } });
    expect(names(await c.next(CLUSTER))).toEqual(['api', 'db', 'empty', 'local-app|5433', 'web']);
  });
});
