// End to end through real gRPC: the Check service on 127.0.0.1:0, a grpc-js client built from the
// loaded protos, CheckRequests shaped as Envoy sends them, CheckResponse fields asserted as Envoy
// reads them (authz.md §c.1, §c.2, §b.2 rows 22–25 and 28, architecture invariant 7).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../../src/authz/api-keys.ts';
import type { CompiledAuthPolicy } from '../../src/authz/index.ts';
import { headersOf, metadataOf, type RequestShape, startCheckServer } from './fixtures/envoy.ts';
import {
  AUDIENCE,
  compile,
  fileProvider,
  ISSUER,
  service,
  type TestPolicySource,
  tempDir,
  writeJson,
} from './fixtures/policy.ts';
import { jwks, ManualClock, mint, type TestKey, testKey } from './fixtures/tokens.ts';

const clock = new ManualClock();
const key = createApiKey();
let k1: TestKey;
let server: Awaited<ReturnType<typeof startCheckServer>>;
let source: TestPolicySource;
let registry: ReturnType<typeof service>['registry'];
let base: CompiledAuthPolicy;
const policy = (apiRoles: string[], extra: object = {}) =>
  compile({
    providers: { idp: fileProvider(writeJson(tempDir(), 'jwks.json', jwks(k1))) },
    roles: { reader: { permissions: [{ methods: ['GET'] }] }, admin: { permissions: [{}] } },
    consumers: { billing: { keys: [{ digest: key.digest, id: 'billing-1' }], roles: ['admin'] } },
    routes: {
      api: { auth: 'jwt', roles: apiRoles },
      public: { auth: 'none' },
      reports: { auth: 'any', forwardCredentials: true },
      admin: { auth: 'api-key', roles: ['admin'] },
    },
    ...extra,
  });
const token = (claims: Record<string, unknown> = {}) =>
  mint(k1, { issuer: ISSUER, audience: AUDIENCE, nowS: clock.s, claims: { roles: ['reader'], ...claims } });
const check = (s: RequestShape) => server.check({ policyKey: 'route/api', path: '/api/orders/1?expand=items', ...s });
const bearer = async (claims?: Record<string, unknown>) => ({ authorization: `Bearer ${await token(claims)}` });

beforeAll(async () => {
  k1 = await testKey('k1');
  const s = service(clock);
  source = s.source;
  registry = s.registry;
  base = policy(['reader']);
  source.publish('v1', base);
  server = await startCheckServer(s.svc);
});
afterAll(() => server.close());

describe('allow (§c.2.2)', () => {
  it('sets identity headers with append=false, removes the rest, and carries the policy version', async () => {
    const res = await check({ headers: await bearer() });
    expect(res.status?.code).toBe(0);
    expect(res.http_response).toBe('ok_response');
    expect(
      res.ok_response?.headers.map((h) => [h.header?.key, h.header?.value, h.append?.value, h.append_action]),
    ).toEqual([
      ['x-gatehouse-provider', 'idp', false, 'APPEND_IF_EXISTS_OR_ADD'],
      ['x-gatehouse-roles', 'reader', false, 'APPEND_IF_EXISTS_OR_ADD'],
      ['x-gatehouse-subject', 'alice', false, 'APPEND_IF_EXISTS_OR_ADD'],
    ]);
    expect(res.ok_response?.headers_to_remove).toEqual(['authorization', 'x-gatehouse-consumer']);
    expect(metadataOf(res)).toEqual({
      policy_version: 'v1',
      policy_key: 'route/api',
      result: 'allow',
      reason: 'role_granted',
      subject: 'alice',
      provider: 'idp',
    });
  });

  it('#22 spoofed x-gatehouse-* headers are overwritten or removed, on protected and public routes', async () => {
    const spoof = {
      'x-gatehouse-subject': 'root',
      'x-gatehouse-consumer': 'root',
      'x-gatehouse-roles': 'admin',
      'x-gatehouse-debug': '1',
    };
    const res = await check({ headers: { ...spoof, ...(await bearer()) } });
    expect(headersOf(res)['x-gatehouse-subject']).toBe('alice');
    expect(headersOf(res)['x-gatehouse-roles']).toBe('reader');
    expect(res.ok_response?.headers_to_remove).toEqual(['authorization', 'x-gatehouse-consumer', 'x-gatehouse-debug']);
    const pub = await check({ policyKey: 'route/public', headers: spoof });
    expect(pub.ok_response?.headers).toEqual([]);
    expect(pub.ok_response?.headers_to_remove).toEqual([
      'x-gatehouse-consumer',
      'x-gatehouse-debug',
      'x-gatehouse-provider',
      'x-gatehouse-roles',
      'x-gatehouse-subject',
    ]);
  });

  it('#24 claim values are made header-safe; undefined roles are not echoed', async () => {
    const res = await check({
      headers: await bearer({ sub: 'alice\r\nx-admin: true', roles: ['reader', 'evil\r\nx: 1'] }),
    });
    const h = headersOf(res);
    expect(h['x-gatehouse-subject']).toBe('alice%0D%0Ax-admin%3A%20true');
    expect(h['x-gatehouse-roles']).toBe('reader');
  });

  it('#25 credentials are removed after use unless the route forwards them', async () => {
    const viaKey = await check({
      policyKey: 'route/admin',
      headers: { 'x-api-key': key.key, authorization: 'Basic dXNlcjpwdw==' },
    });
    expect(headersOf(viaKey)['x-gatehouse-consumer']).toBe('billing');
    expect(viaKey.ok_response?.headers_to_remove).toContain('x-api-key');
    expect(viaKey.ok_response?.headers_to_remove).not.toContain('authorization');
    const forwarded = await check({ policyKey: 'route/reports', headers: await bearer() });
    expect(forwarded.status?.code).toBe(0);
    expect(forwarded.ok_response?.headers_to_remove).not.toContain('authorization');
  });

  it('reads raw header_map when Envoy sends encode_raw_headers', async () => {
    const res = await check({ rawHeaders: true, headers: await bearer() });
    expect(headersOf(res)['x-gatehouse-subject']).toBe('alice');
  });
});

describe('deny (§c.2.3)', () => {
  it('401 challenges say why, per RFC 6750', async () => {
    const missing = await check({});
    expect(missing.status?.code).toBe(16);
    expect(missing.denied_response?.status?.code).toBe('Unauthorized');
    expect(headersOf(missing)['www-authenticate']).toBe('Bearer realm="gatehouse"');
    expect(JSON.parse(missing.denied_response?.body ?? '')).toEqual({ error: 'unauthenticated' });
    const expired = await check({ headers: await bearer({ exp: clock.s - 3600 }) });
    expect(headersOf(expired)['www-authenticate']).toBe(
      'Bearer realm="gatehouse", error="invalid_token", error_description="token expired"',
    );
    const either = await check({ policyKey: 'route/reports' });
    expect(headersOf(either)['www-authenticate']).toBe(
      'Bearer realm="gatehouse", ApiKey realm="gatehouse", header="x-api-key"',
    );
  });

  it('403 when authenticated without a granting role', async () => {
    const res = await check({ method: 'DELETE', headers: await bearer() });
    expect(res.status?.code).toBe(7);
    expect(res.denied_response?.status?.code).toBe('Forbidden');
    expect(headersOf(res)['www-authenticate']).toBe('Bearer realm="gatehouse", error="insufficient_scope"');
    expect(metadataOf(res)).toMatchObject({ result: 'forbidden', reason: 'role_missing', subject: 'alice' });
  });
});

describe('fail closed (§b #28)', () => {
  it.each<[string, RequestShape, string]>([
    ['unknown policy key', { policyKey: 'route/nope' }, 'unknown_route'],
    ['no policy key', { policyKey: undefined }, 'no_policy_key'],
    ['a policy version no longer held', { policyVersion: 'v0' }, 'policy_version_unavailable'],
  ])('%s gives the error status, never an allow', async (_n, shape, reason) => {
    const res = await check({ ...shape, headers: await bearer() });
    expect(res.status?.code).toBe(14);
    expect(res.http_response).toBe('denied_response');
    expect(res.denied_response?.status?.code).toBe('ServiceUnavailable');
    expect(metadataOf(res).reason).toBe(reason);
  });

  it('an internal fault while deciding gives the configured error status', async () => {
    const boom = {
      apply: () => {
        throw new Error('boom');
      },
      toString: () => 'boom',
    };
    const broken = policy(['reader'], { errorStatus: 500 });
    source.publish('broken', { ...broken, roleRules: new Map([['reader', boom]]) });
    const res = await check({ headers: await bearer() });
    source.publish('v1', base);
    expect(res.denied_response?.status?.code).toBe('InternalServerError');
    expect(metadataOf(res)).toMatchObject({ result: 'error', reason: 'internal_error', policy_version: 'broken' });
  });
});

describe('policy versions (architecture invariant 7)', () => {
  it('a route carrying gatehouse.policy_version is decided on that version while it is held', async () => {
    source.publish('v2', policy(['admin']));
    const onV1 = await check({ policyVersion: 'v1', headers: await bearer() });
    expect(metadataOf(onV1)).toMatchObject({ policy_version: 'v1', result: 'allow' });
    const current = await check({ headers: await bearer() });
    expect(metadataOf(current)).toMatchObject({ policy_version: 'v2', result: 'forbidden' });
    for (const v of ['v3', 'v4', 'v5', 'v6']) source.publish(v, policy(['admin']));
    const evicted = await check({ policyVersion: 'v1', headers: await bearer() });
    expect(metadataOf(evicted)).toMatchObject({ result: 'error', reason: 'policy_version_unavailable' });
    source.publish('v1', base);
  });
});

describe('metrics', () => {
  it('counts decisions by result, reason and route, and times every Check', async () => {
    const text = await registry.metrics();
    expect(text).toMatch(
      /gatehouse_authz_decisions_total\{result="allow",reason="role_granted",route="route\/api"\} \d+/,
    );
    expect(text).toMatch(/gatehouse_authz_decisions_total\{result="error",reason="unknown_route",route="unknown"\} 1/);
    expect(text).toMatch(/gatehouse_authz_check_duration_seconds_count\{result="unauthenticated"\} \d+/);
    expect(text).toContain('gatehouse_authz_token_cache_hit_ratio');
  });
});
