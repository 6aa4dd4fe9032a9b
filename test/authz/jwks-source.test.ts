// authz.md §b #6–#9 and #31 against a real local HTTPS IdP (discovery + JWKS, self-signed CA):
// refetch discipline, rotation, outage with a bounded stale window, fetch policy, token cache.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type Idp, type IdpMode, startIdp } from './fixtures/idp.ts';
import { AUDIENCE, authzRequest, compile, service, tempDir } from './fixtures/policy.ts';
import { jwks, ManualClock, mint, type TestKey, testKey } from './fixtures/tokens.ts';

const MIN = 60_000;
let k1: TestKey;
let k2: TestKey;
const closers: (() => unknown)[] = [];

beforeAll(async () => {
  k1 = await testKey('k1');
  k2 = await testKey('k2');
});
afterEach(async () => {
  for (const c of closers.splice(0).reverse()) await c();
});

interface Setup {
  readonly mode?: IdpMode;
  readonly provider?: (idp: Idp) => Record<string, unknown>;
  readonly fetch?: Record<string, unknown>;
}

/** An IdP serving k1, and a service whose provider `idp` uses it (discovery by default). */
async function setup(o: Setup = {}) {
  const idp = await startIdp(tempDir());
  closers.push(() => idp.close());
  idp.jwks = jwks(k1);
  idp.mode = o.mode ?? 'ok';
  const clock = new ManualClock();
  const { svc, source, registry } = service(clock);
  closers.push(() => svc.close());
  const provider = {
    issuer: idp.issuer,
    audiences: [AUDIENCE],
    algorithms: ['RS256'],
    keys: { discovery: true },
    caFile: idp.caFile,
    ...o.provider?.(idp),
  };
  source.publish(
    'v1',
    compile({
      providers: { idp: provider as never },
      routes: { api: { auth: 'jwt' } },
      ...(o.fetch ? { fetch: o.fetch } : {}),
    }),
  );
  const token = (key = k1, claims: Record<string, unknown> = {}) =>
    mint(key, { issuer: idp.issuer, audience: AUDIENCE, nowS: clock.s, claims });
  const decide = (t: string) => svc.authorizer.decide(authzRequest({ token: t }), source.current()!);
  return { clock, svc, source, registry, token, decide, idp };
}

async function counter(registry: Registry, name: string, label: string): Promise<Record<string, number>> {
  const m = await registry.getSingleMetric(name)!.get();
  return Object.fromEntries(m.values.map((v) => [String(v.labels[label]), v.value]));
}
const outcomes = (r: Registry) => counter(r, 'gatehouse_authz_jwks_fetches_total', 'outcome');

describe('discovery and the fetch policy (§b #9)', () => {
  it('discovers jwks_uri over HTTPS with the configured CA; 50 concurrent cold Checks share one fetch', async () => {
    const { token, decide, idp } = await setup();
    const t = await token();
    const results = await Promise.all(Array.from({ length: 50 }, () => decide(t)));
    expect(results.every((d) => d.result === 'allow')).toBe(true);
    expect(idp.hits).toEqual({ discovery: 1, jwks: 1 });
  });

  it('a discovery document naming another issuer is refused (OIDC Discovery §4.3): fail closed', async () => {
    const { token, decide, registry } = await setup({ mode: 'wrong-issuer' });
    expect((await decide(await token())).reason).toBe('keys_unavailable');
    expect(await outcomes(registry)).toEqual({ invalid_document: 1 });
  });

  it.each([
    ['redirect', 'redirect'],
    ['huge', 'too_large'],
    ['not-json', 'invalid_json'],
    ['down', 'http_status'],
  ] as const)('a JWKS endpoint answering "%s" yields outcome %s and no keys', async (mode, outcome) => {
    const { token, decide, registry, idp } = await setup({ mode, provider: (i) => ({ keys: { uri: i.jwksUri } }) });
    expect((await decide(await token())).reason).toBe('keys_unavailable');
    expect(await outcomes(registry)).toEqual({ [outcome]: 1 });
    expect(idp.hits.jwks).toBe(1);
  });

  it('a hanging IdP is cut off by the fetch timeout', async () => {
    const { token, decide, registry } = await setup({ mode: 'hang', fetch: { timeout: '150ms' } });
    expect((await decide(await token())).reason).toBe('keys_unavailable');
    expect(await outcomes(registry)).toEqual({ timeout: 1 });
  });

  it('without the IdP CA the TLS handshake fails; plain http is refused unless the loopback host is allowed', async () => {
    const noCa = await setup({ provider: () => ({ caFile: undefined }) });
    expect((await noCa.decide(await noCa.token())).reason).toBe('keys_unavailable');
    expect(await outcomes(noCa.registry)).toEqual({ network: 1 });

    const plain = http.createServer((_q, r) => r.end(JSON.stringify(jwks(k1))));
    await new Promise<void>((resolve) => plain.listen(0, '127.0.0.1', resolve));
    closers.push(() => new Promise((resolve) => plain.close(resolve)));
    const uri = `http://127.0.0.1:${(plain.address() as AddressInfo).port}/jwks`;
    const refused = await setup({ provider: () => ({ keys: { uri } }) });
    expect((await refused.decide(await refused.token())).reason).toBe('keys_unavailable');
    expect(await outcomes(refused.registry)).toEqual({ insecure_url: 1 });
    const allowed = await setup({ provider: () => ({ keys: { uri } }), fetch: { insecureHttpHosts: ['127.0.0.1'] } });
    expect((await allowed.decide(await allowed.token())).result).toBe('allow');
  });
});

describe('refetch discipline (§b #6, #7)', () => {
  it('rotation: a new kid is picked up by one refetch once the cooldown has passed', async () => {
    const { token, decide, idp, clock } = await setup();
    expect((await decide(await token())).result).toBe('allow');
    idp.jwks = jwks(k1, k2);
    expect((await decide(await token(k2))).reason).toBe('key_not_found'); // inside the 30s cooldown
    expect(idp.hits.jwks).toBe(1);
    clock.advance(31_000);
    expect((await decide(await token(k2))).result).toBe('allow');
    expect(idp.hits.jwks).toBe(2);
  });

  it('unknown-kid storm: 200 random kids cost one fetch per cooldown, single-flight', async () => {
    const { token, decide, idp, clock } = await setup();
    await decide(await token());
    clock.advance(31_000);
    const storm = async () => {
      const tokens = await Promise.all(
        Array.from({ length: 200 }, (_v, i) => token({ ...k1, kid: `rnd-${i}-${Math.random()}` })),
      );
      return Promise.all(tokens.map(decide));
    };
    expect((await storm()).every((d) => d.reason === 'key_not_found')).toBe(true);
    expect(idp.hits.jwks).toBe(2);
    expect((await storm()).every((d) => d.reason === 'key_not_found')).toBe(true);
    expect(idp.hits.jwks).toBe(2);
    expect(idp.hits.discovery).toBe(2);
  });
});

describe('IdP outage (§b #8)', () => {
  it('serves the last good keys for the stale window, refetching at most once per cooldown, then fails closed', async () => {
    const { token, decide, idp, clock, registry } = await setup({
      provider: () => ({ cacheMaxAge: '10m', staleWindow: '1h' }),
    });
    expect((await decide(await token())).result).toBe('allow');
    idp.mode = 'down';
    clock.advance(11 * MIN);
    expect((await decide(await token())).result).toBe('allow'); // stale, background refresh fails
    for (let i = 0; i < 20; i++) expect((await decide(await token())).result).toBe('allow');
    expect(idp.hits.discovery).toBe(2); // negative cache: one failed attempt per cooldown
    clock.advance(60 * MIN);
    const cached = await token();
    expect((await decide(cached)).reason).toBe('keys_unavailable');
    expect((await decide(cached)).result).toBe('error');
    expect(await outcomes(registry)).toMatchObject({ ok: 1, http_status: 2 });
    idp.mode = 'ok';
    clock.advance(31_000);
    expect((await decide(await token())).result).toBe('allow');
  });
});

describe('verified-token cache (§b #31)', () => {
  it('hits on repeat, never outlives the keys, and is flushed on key change and on a new policy version', async () => {
    const { token, decide, idp, clock, svc, registry, source } = await setup();
    const t = await token();
    await decide(t);
    await decide(t);
    expect(await counter(registry, 'gatehouse_authz_token_cache_lookups_total', 'result')).toEqual({ miss: 1, hit: 1 });
    expect(svc.authorizer.tokenCache.size).toBe(1);
    idp.jwks = jwks(k1, k2);
    clock.advance(31_000);
    await decide(await token(k2)); // refetch brings a changed set: cache flushed, then k2's token cached
    expect(svc.authorizer.tokenCache.size).toBe(1);
    source.publish('v2', source.current()!.compiled);
    expect(svc.authorizer.tokenCache.size).toBe(0);
    await decide(t);
    expect(await counter(registry, 'gatehouse_authz_token_cache_lookups_total', 'result')).toEqual({ miss: 3, hit: 1 });
  });

  it('an entry expires with its token', async () => {
    const { token, decide, clock } = await setup();
    const t = await token(k1, { exp: clock.s + 60 });
    expect((await decide(t)).result).toBe('allow');
    clock.advance(120_000);
    expect((await decide(t)).reason).toBe('token_expired');
  });
});
