// Routes and Check decisions from one policy version (architecture invariant 7), end to end: the
// edge routes Gatehouse publishes carry each route's policy key and version; a CheckRequest shaped
// as Envoy sends it, with exactly those context_extensions, reaches Gatehouse's Check port over
// gRPC and is decided on that version, which comes back in the dynamic metadata.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../../src/authz/index.ts';
import type { Gatehouse } from '../../src/main.ts';
import { names } from '../../src/model/index.ts';
import { decode, unpack } from '../../src/protos.ts';
import { CLUSTER, LISTENER, ROUTE } from '../../src/resource-types.ts';
import { headersOf, metadataOf, startCheckClient } from '../authz/fixtures/envoy.ts';
import { startTestGatehouse, Workspace, waitFor } from './harness.ts';

// biome-ignore lint/suspicious/noExplicitAny: decoded protobuf objects, walked by field name
type Obj = Record<string, any>;

const policy = (digest: string) => `routes:
  - { name: docs, match: { prefix: /docs/ }, service: orders }
  - { name: orders, match: { prefix: /orders/ }, service: orders }
auth:
  consumers:
    billing-batch:
      keys: [{ id: k1, digest: "${digest}" }]
      roles: [orders-reader]
  roles:
    orders-reader:
      permissions: [{ routes: [orders], methods: [GET] }]
  routes:
    docs: { auth: none }
    orders: { auth: api-key, roles: [orders-reader] }
`;

describe('ext_authz wired into the edge routes', () => {
  let ws: Workspace;
  let gh: Gatehouse;
  let client: Awaited<ReturnType<typeof startCheckClient>>;
  const key = createApiKey();

  /** The ext_authz per-route settings of an edge route, as published. */
  function perRoute(routeName: string): Obj {
    const entry = gh.holder.current()!.snapshot.profiles.edge![ROUTE].entries.get(names.EDGE_ROUTES)!;
    const rc = decode<Obj>(entry.messageName, entry.value);
    const route = rc.virtual_hosts.flatMap((h: Obj) => h.routes).find((r: Obj) => r.name === routeName);
    return unpack(route.typed_per_filter_config['envoy.filters.http.ext_authz']);
  }

  beforeAll(async () => {
    ws = await Workspace.create();
    await ws.writeRaw('catalog.yaml', 'services:\n  orders:\n    instances: [{ address: 127.0.0.1, port: 8080 }]\n');
    await ws.writeRaw('policy.yaml', policy(key.digest));
    gh = await startTestGatehouse(ws);
    client = await startCheckClient(gh.authzAddress);
  });
  afterAll(async () => {
    await client?.close();
    await gh?.stop();
    await ws?.remove();
  });

  it('the edge listener runs ext_authz first, through a cluster that reaches this Check port', () => {
    const edge = gh.holder.current()!.snapshot.profiles.edge!;
    const listener = decode<Obj>(
      edge[LISTENER].entries.get(names.EDGE_LISTENER)!.messageName,
      edge[LISTENER].entries.get(names.EDGE_LISTENER)!.value,
    );
    const hcm: Obj = unpack(listener.filter_chains[0].filters[0].typed_config);
    expect(hcm.http_filters.map((f: Obj) => f.name)).toEqual([
      'envoy.filters.http.ext_authz',
      'envoy.filters.http.router',
    ]);
    const filter: Obj = unpack(hcm.http_filters[0].typed_config);
    expect(filter.failure_mode_allow).toBe(false);
    expect(filter.grpc_service.envoy_grpc.cluster_name).toBe(names.AUTHZ_CLUSTER);
    const cluster = decode<Obj>(
      'envoy.config.cluster.v3.Cluster',
      edge[CLUSTER].entries.get(names.AUTHZ_CLUSTER)!.value,
    );
    const address = cluster.load_assignment.endpoints[0].lb_endpoints[0].endpoint.address.socket_address;
    expect(`${address.address}:${address.port_value}`).toBe(gh.authzAddress);
  });

  it('a public route disables the check; a protected one names its policy key and version', () => {
    expect(perRoute('docs').disabled).toBe(true);
    expect(perRoute('orders').check_settings.context_extensions).toEqual({
      [names.POLICY_KEY_EXTENSION]: 'route/orders',
      [names.POLICY_VERSION_EXTENSION]: gh.pipeline.policyVersion(),
    });
  });

  it('a Check carrying the route’s extensions is decided on that version, and says so', async () => {
    const ext = perRoute('orders').check_settings.context_extensions;
    const ok = await client.check({ path: '/orders/42?x=1', headers: { 'x-api-key': key.key }, extensions: ext });
    expect(ok.status?.code).toBe(0);
    expect(metadataOf(ok)).toMatchObject({ policy_version: ext[names.POLICY_VERSION_EXTENSION], result: 'allow' });
    expect(headersOf(ok)['x-gatehouse-consumer']).toBe('billing-batch');
    const denied = await client.check({ path: '/orders/42', extensions: ext });
    expect(denied.denied_response?.status?.code).toBe('Unauthorized');
  });

  it('revocation is live: routes of the new version deny the key; the old version decides old routes', async () => {
    const before = perRoute('orders').check_settings.context_extensions;
    await ws.writeRaw('policy.yaml', policy(createApiKey().digest));
    await waitFor(
      'the new policy version',
      () => gh.pipeline.policyVersion() !== before[names.POLICY_VERSION_EXTENSION],
    );
    const after = perRoute('orders').check_settings.context_extensions;
    expect(after[names.POLICY_VERSION_EXTENSION]).toBe(gh.pipeline.policyVersion());
    const now = await client.check({ path: '/orders/42', headers: { 'x-api-key': key.key }, extensions: after });
    expect(now.denied_response?.status?.code).toBe('Unauthorized');
    expect(metadataOf(now).policy_version).toBe(after[names.POLICY_VERSION_EXTENSION]);
    // An Envoy still on the old routes is answered by the version that built them.
    const old = await client.check({ path: '/orders/42', headers: { 'x-api-key': key.key }, extensions: before });
    expect(metadataOf(old)).toMatchObject({ policy_version: before[names.POLICY_VERSION_EXTENSION], result: 'allow' });
  });
});
