// With a container engine: real Consul and a real edge Envoy (testcontainers) around an in-process
// Gatehouse, with the demo services from the project image registering themselves in Consul.
// Through real HTTP and gRPC requests: routing, health-driven failover, a canary split and its live
// shift, ext_authz with real JWTs, a live policy swap, Envoy's stats and access log, and a config
// real Envoy refuses (NACK) while traffic keeps flowing on what it holds.
// Without an engine (the project's build machines) the suite skips with one line; with
// REQUIRE_CONTAINERS=1 (`npm run test:containers`, CI) a missing engine is a failure instead.
import { getContainerRuntimeClient } from 'testcontainers';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { names } from '../../src/model/index.ts';
import { ROUTE } from '../../src/resource-types.ts';
import type { NackRecord } from '../../src/xds/node-status.ts';
import { mint, testKey } from '../authz/fixtures/tokens.ts';
import { get, tally } from './edge-client.ts';
import { JWT, NACK_ROUTE } from './fixtures.ts';
import { type Fleet, startFleet } from './fleet.ts';
import { greeterClient } from './greeter-client.ts';
import { splitBounds } from './split-bound.ts';

const engine = await getContainerRuntimeClient().then(
  () => undefined,
  (err: Error) => err.message,
);
const skipped = process.env.SKIP_CONTAINERS === '1' ? 'SKIP_CONTAINERS=1' : engine && `no container engine (${engine})`;
const required = process.env.REQUIRE_CONTAINERS === '1';
if (skipped && !required) {
  console.log(`skipping test/containers: ${skipped}; real Envoy + Consul stay unverified here`);
}

describe.runIf(skipped !== undefined && required)('container engine', () => {
  it('is there, as REQUIRE_CONTAINERS=1 demands', () => {
    expect.fail(`REQUIRE_CONTAINERS=1 but ${skipped}`);
  });
});

// biome-ignore lint/suspicious/noExplicitAny: Envoy's admin JSON is walked by field name
type Obj = Record<string, any>;

/** Waits for events (a route appearing, a check turning), never for a fixed time. */
const WAIT = { timeout: 30_000, interval: 250 } as const;
const EDGE_NODE = 'edge-1';
/**
 * The /config_dump entries read here, by exact type: a suffix match would not do, since
 * ScopedRoutesConfigDump also ends in RoutesConfigDump and Envoy dumps it first
 * (envoy/admin/v3/config_dump.proto lists the order: ..., listeners, scoped_routes, routes, ...).
 */
const DUMP = {
  routes: 'type.googleapis.com/envoy.admin.v3.RoutesConfigDump',
  clusters: 'type.googleapis.com/envoy.admin.v3.ClustersConfigDump',
} as const;

// Each test waits up to WAIT for what it expects; the default test timeout would cut that short.
describe.skipIf(skipped !== undefined)(
  'real Envoy, Consul and demo services (testcontainers)',
  { timeout: 120_000 },
  () => {
    let fleet: Fleet;
    const http = (path: string, headers?: Record<string, string>) => get(fleet.edge.url, path, headers);
    const instanceOf = (r: { instance: string }) => r.instance;
    const versionOf = (r: { version: string }) => r.version;

    /** Envoy's RouteConfiguration `edge-routes` as Envoy holds it, with the version it accepted. */
    async function envoyEdgeRoutes(): Promise<{ version_info: string; route_config: Obj }> {
      const dump = (await (await fetch(`${fleet.edge.adminUrl}/config_dump`)).json()) as { configs: Obj[] };
      const routes = dump.configs.find((c) => c['@type'] === DUMP.routes);
      const edge = routes?.dynamic_route_configs?.find((d: Obj) => d.route_config?.name === names.EDGE_ROUTES);
      if (!edge) throw new Error(`Envoy holds no ${names.EDGE_ROUTES}`);
      return edge;
    }

    /** Seconds since Envoy started, from /server_info ("12.5s"): a restart would reset it. */
    async function envoyUptime(): Promise<number> {
      const info = (await (await fetch(`${fleet.edge.adminUrl}/server_info`)).json()) as Obj;
      return Number.parseFloat(String(info.uptime_current_epoch));
    }

    /** The worst check status Consul reports for the instance registered at `ip`. */
    async function consulStatus(service: string, ip: string): Promise<string> {
      const entries = (await (await fetch(`${fleet.consulUrl}/v1/health/service/${service}`)).json()) as Obj[];
      const entry = entries.find((e) => e.Service.Address === ip);
      if (!entry) throw new Error(`no ${service} instance registered at ${ip}`);
      const statuses = entry.Checks.map((c: Obj) => c.Status as string);
      return ['critical', 'warning', 'passing'].find((s) => statuses.includes(s)) ?? 'unknown';
    }

    /** Gatehouse's NACK records from the edge Envoy for its routes. */
    async function edgeRouteNacks(): Promise<NackRecord[]> {
      const { nacks } = (await (await fetch(`${fleet.adminUrl}/debug/nacks`)).json()) as { nacks: NackRecord[] };
      return nacks.filter((n) => n.nodeId === EDGE_NODE && n.typeUrl === ROUTE);
    }

    beforeAll(async () => {
      // Builds the project image unless CI built it (GATEHOUSE_IMAGE), then pulls and starts it all.
      fleet = await startFleet();
      // Envoy is /ready once it holds listeners and clusters; routes and endpoints may follow a
      // moment later. Every test below starts from an edge that serves.
      await vi.waitFor(async () => expect((await http('/stable/ready')).status).toBe(200), {
        ...WAIT,
        message: 'the edge serves /stable/ from the policy',
      });
    }, 900_000);

    afterAll(async () => {
      await fleet?.stop();
    }, 120_000);

    describe('routing', () => {
      it('HTTP through the edge reaches demo-http v1, found in Consul and routed by the policy', async () => {
        const r = await vi.waitFor(async () => {
          const res = await http('/stable/hello');
          expect(res.status).toBe(200);
          return res;
        }, WAIT);
        expect(r.reply).toMatchObject({ service: 'demo-http', version: 'v1', path: '/stable/hello' });
        expect(['http-a', 'http-b']).toContain(r.reply?.instance);
      });

      it('gRPC through the edge reaches demo-grpc', async () => {
        const client = greeterClient(fleet.edge.grpcTarget);
        try {
          const reply = await vi.waitFor(() => client.sayHello('gatehouse'), WAIT);
          expect(reply).toMatchObject({ instance: 'grpc-a', version: 'v1' });
          expect(reply.message).toContain('gatehouse');
        } finally {
          client.close();
        }
      });

      it('Envoy holds the clusters Gatehouse sent, and ACKed them', async () => {
        const dump = (await (await fetch(`${fleet.edge.adminUrl}/config_dump`)).json()) as { configs: Obj[] };
        const clusters = JSON.stringify(dump.configs.find((c) => c['@type'] === DUMP.clusters));
        for (const name of ['demo-http/v1', 'demo-http/v2', 'demo-grpc', names.AUTHZ_CLUSTER]) {
          expect(clusters).toContain(`"${name}"`);
        }
        // The ACK of the latest CDS response may still be on its way when this runs.
        await vi.waitFor(() => {
          const node = fleet.gatehouse.ads.nodes().find((n) => n.nodeId === EDGE_NODE);
          expect(node?.types.cds?.lastSent).toBeDefined();
          expect(node?.types.cds?.lastAck?.nonce).toBe(node?.types.cds?.lastSent?.nonce);
        }, WAIT);
      });
    });

    describe('ext_authz with real JWTs (keys from the JWKS file)', () => {
      const token = (scope: string) =>
        mint(fleet.signingKey, {
          issuer: JWT.issuer,
          audience: JWT.audience,
          nowS: Math.floor(Date.now() / 1000),
          claims: { scope },
        });

      it('no token: 401 with a Bearer challenge, and the backend never sees the request', async () => {
        const r = await http('/secure/orders');
        expect(r.status).toBe(401);
        expect(r.headers.get('www-authenticate')).toMatch(/^Bearer /);
        expect(r.reply).toBeUndefined();
      });

      it('a valid token without the required scope: 403', async () => {
        const r = await http('/secure/orders', { authorization: `Bearer ${await token('profile')}` });
        expect(r.status).toBe(403);
        expect(r.reply).toBeUndefined();
      });

      it('a token with the scope: 200, the backend sees the identity headers and no credentials', async () => {
        const r = await http('/secure/orders', { authorization: `Bearer ${await token(`profile ${JWT.scope}`)}` });
        expect(r.status).toBe(200);
        expect(r.reply?.headers['x-gatehouse-subject']).toBe('alice');
        expect(r.reply?.headers['x-gatehouse-provider']).toBe('demo');
        expect(r.reply?.headers.authorization).toBeUndefined();
      });

      it('a token signed by another key: 401', async () => {
        // Same kid as the published key, so no refetch can help: the signature itself must fail.
        const stranger = await testKey('demo-1', 'ES256');
        const forged = await mint(stranger, {
          issuer: JWT.issuer,
          audience: JWT.audience,
          nowS: Math.floor(Date.now() / 1000),
          claims: { scope: JWT.scope },
        });
        expect((await http('/secure/orders', { authorization: `Bearer ${forged}` })).status).toBe(401);
      });
    });

    describe('health-driven failover', () => {
      it('an instance failing its Consul check stops getting traffic, and gets it back on recovery', async () => {
        const a = fleet.demos.get('http-a')!;
        const failed = await fetch(`${a.url}/fail`, { method: 'POST' });
        expect(failed.ok).toBe(true);
        try {
          await vi.waitFor(async () => expect(await consulStatus('demo-http', a.ip)).toBe('critical'), {
            ...WAIT,
            message: 'Consul marks http-a critical',
          });
          await vi.waitFor(
            async () =>
              expect(await tally(fleet.edge.url, '/stable/failover', 20, instanceOf)).toEqual({ 'http-b': 20 }),
            { ...WAIT, message: 'the edge sends /stable/ only to http-b' },
          );
          expect(await tally(fleet.edge.url, '/stable/failover', 60, instanceOf)).toEqual({ 'http-b': 60 });
        } finally {
          await fetch(`${a.url}/recover`, { method: 'POST' });
        }
        await vi.waitFor(async () => expect(await consulStatus('demo-http', a.ip)).toBe('passing'), {
          ...WAIT,
          message: 'Consul marks http-a passing again',
        });
        await vi.waitFor(
          async () => {
            const t = await tally(fleet.edge.url, '/stable/failback', 20, instanceOf);
            expect(Object.keys(t).sort()).toEqual(['http-a', 'http-b']);
          },
          { ...WAIT, message: 'the edge sends /stable/ to both instances again' },
        );
      }, 180_000); // four waits of up to WAIT each
    });

    describe('canary', () => {
      it('an 80/20 split lands within the binomial bound, then shifts to 0/100 live', async () => {
        const n = 400;
        const counts = await tally(fleet.edge.url, '/canary/x', n, versionOf);
        expect(Object.keys(counts).sort()).toEqual(['v1', 'v2']);
        const { low, high } = splitBounds(n, 0.2);
        expect(counts.v2).toBeGreaterThanOrEqual(low);
        expect(counts.v2).toBeLessThanOrEqual(high);

        await fleet.writePolicy({ canary: [0, 100] });
        await vi.waitFor(
          async () => expect(await tally(fleet.edge.url, '/canary/x', 20, versionOf)).toEqual({ v2: 20 }),
          { ...WAIT, message: 'the edge sends /canary/ only to v2' },
        );
        expect(await tally(fleet.edge.url, '/canary/x', 100, versionOf)).toEqual({ v2: 100 });
      }, 120_000);
    });

    describe('live policy swap', () => {
      it('a policy file edit reroutes the running Envoy: a new route serves, the others stay', async () => {
        const uptime = await envoyUptime();
        const before = await envoyEdgeRoutes();
        expect((await http('/swapped/x')).reply).toBeUndefined();

        const swapped = { name: 'swapped', match: { prefix: '/swapped/' }, service: 'demo-http', subset: 'v2' };
        await fleet.writePolicy({ extraRoutes: [swapped] });
        const r = await vi.waitFor(async () => {
          const res = await http('/swapped/x');
          expect(res.status).toBe(200);
          return res;
        }, WAIT);
        expect(r.reply).toMatchObject({ version: 'v2', path: '/swapped/x' });
        expect((await http('/stable/x')).reply?.version).toBe('v1');
        // The same Envoy process took a new route configuration.
        expect((await envoyEdgeRoutes()).version_info).not.toBe(before.version_info);
        expect(await envoyUptime()).toBeGreaterThanOrEqual(uptime);
      });
    });

    describe('observability of the edge Envoy (settings defaults)', () => {
      it("the stats listener serves Envoy's Prometheus stats and not the rest of the admin", async () => {
        const text = await vi.waitFor(async () => {
          const res = await fetch(`${fleet.edge.statsUrl}/stats/prometheus`);
          expect(res.status).toBe(200);
          return res.text();
        }, WAIT);
        expect(text).toMatch(/^envoy_cluster_upstream_rq_total\{/m);
        const admin = await fetch(`${fleet.edge.statsUrl}/config_dump`);
        expect(admin.status).not.toBe(200);
      });

      it('each request leaves one JSON access log line on Envoy stdout', async () => {
        const probe = `/stable/access-log-${Date.now()}`;
        const served = await http(probe);
        expect(served.status).toBe(200);
        // Envoy buffers access logs and flushes them every few seconds (file_flush_interval).
        const lines = await vi.waitFor(() => {
          const found = fleet.edge
            .logs()
            .split('\n')
            .filter((l) => l.includes(probe));
          expect(found).not.toEqual([]);
          return found;
        }, WAIT);
        expect(lines).toHaveLength(1);
        const entry = JSON.parse(lines[0]!) as Obj;
        expect(entry).toMatchObject({ path: probe, route_name: 'stable', upstream_cluster: 'demo-http/v1' });
        expect(Number(entry.response_code)).toBe(200);
        // The request id Envoy made is the one the backend saw: the line finds the request elsewhere.
        expect(served.reply?.headers['x-request-id']).toBeTruthy();
        expect(entry.request_id).toBe(served.reply?.headers['x-request-id']);
      });
    });

    describe('NACK by real Envoy', () => {
      it('a route Envoy refuses is NACKed: /debug/nacks shows it, Envoy keeps its routes and serves', async () => {
        const held = await envoyEdgeRoutes();
        // Only a NACK this write causes counts, whatever an earlier step may have left behind.
        const earlier = new Set((await edgeRouteNacks()).map((n) => n.nonce));
        await fleet.writePolicy({ extraRoutes: [NACK_ROUTE] });
        const nack = await vi.waitFor(
          async () => {
            const found = (await edgeRouteNacks()).find((n) => !earlier.has(n.nonce));
            expect(found).toBeDefined();
            return found!;
          },
          { ...WAIT, message: 'Gatehouse records the NACK of edge-routes from edge-1' },
        );
        expect(nack.errorMessage).toContain('RE2 program size');
        expect(nack.resourceNames).toContain(names.EDGE_ROUTES);
        expect(nack.keptVersion).toBe(held.version_info);
        expect(nack.rejectedVersion).not.toBe(held.version_info);

        // Envoy still holds the version it had, without the refused route.
        const now = await envoyEdgeRoutes();
        expect(now.version_info).toBe(held.version_info);
        expect(JSON.stringify(now.route_config)).not.toContain(NACK_ROUTE.name);
        // Traffic keeps flowing on what it holds.
        expect(await tally(fleet.edge.url, '/stable/after-nack', 20, versionOf)).toEqual({ v1: 20 });
        // Gatehouse's node view agrees.
        const node = fleet.gatehouse.ads.nodes().find((n) => n.nodeId === EDGE_NODE);
        expect(node?.types.rds?.lastNack?.rejectedVersion).toBe(nack.rejectedVersion);

        // The stream is not wedged: the next valid policy is taken.
        const next = { name: 'after-nack', match: { prefix: '/after-nack/' }, service: 'demo-http', subset: 'v1' };
        await fleet.writePolicy({ extraRoutes: [next] });
        await vi.waitFor(async () => expect((await http('/after-nack/x')).status).toBe(200), {
          ...WAIT,
          message: 'a valid policy after the NACK reaches Envoy',
        });
      });
    });
  },
);
