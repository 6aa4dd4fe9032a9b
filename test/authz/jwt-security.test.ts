// authz.md §b.1 rows 1–5 and 10–20, one test each, through the real decision path (grammar, jose,
// key checks, file-backed key source) with a manual clock.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  CompactEncrypt,
  type CryptoKey,
  compactVerify,
  createLocalJWKSet,
  exportJWK,
  exportSPKI,
  generateKeyPair,
  importJWK,
  SignJWT,
} from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  AUDIENCE,
  authzRequest,
  compile,
  fileProvider,
  ISSUER,
  jwtHarness,
  service,
  tempDir,
  writeJson,
} from './fixtures/policy.ts';
import { jwks, ManualClock, mint, type TestKey, testKey } from './fixtures/tokens.ts';

const clock = new ManualClock();
let k1: TestKey;
let attacker: TestKey;
let h: ReturnType<typeof jwtHarness>;
const token = (claims: Record<string, unknown> = {}, header: Record<string, unknown> = {}, key = k1) =>
  mint(key, { issuer: ISSUER, audience: AUDIENCE, nowS: clock.s, claims, header });
const reasonOf = async (t: string) => (await h.decide(t)).reason;

beforeAll(async () => {
  k1 = await testKey('k1');
  attacker = await testKey('k1');
  h = jwtHarness(clock, jwks(k1), {});
});

describe('baseline', () => {
  it('a well-formed token from the configured issuer is allowed', async () => {
    const d = await h.decide(await token());
    expect(d).toMatchObject({
      result: 'allow',
      reason: 'authenticated',
      identity: { subject: 'alice', provider: 'idp' },
    });
  });
});

describe('§b.1 token and key handling', () => {
  it('#1 alg none: unsecured tokens never verify, with or without a signature part', async () => {
    const body = (await token()).split('.')[1];
    const none = (alg: string, sig: string) =>
      `${Buffer.from(JSON.stringify({ alg, kid: 'k1' })).toString('base64url')}.${body}.${sig}`;
    expect(await reasonOf(none('none', ''))).toBe('token_malformed');
    for (const alg of ['none', 'None', 'NONE']) expect(await reasonOf(none(alg, 'AAAA'))).toBe('algorithm_not_allowed');
  });

  it('#2 HS/RS confusion: a token HMAC-signed with the public key as secret is refused', async () => {
    const pem = await exportSPKI((await importJWK(k1.jwk, 'RS256', { extractable: true })) as CryptoKey);
    for (const secret of [pem, JSON.stringify(k1.jwk)]) {
      const forged = await new SignJWT({ iss: ISSUER, aud: AUDIENCE, sub: 'mallory', exp: clock.s + 60 })
        .setProtectedHeader({ alg: 'HS256', kid: 'k1' })
        .sign(new TextEncoder().encode(secret));
      expect(await reasonOf(forged)).toBe('algorithm_not_allowed');
    }
  });

  it('#3 algorithm substitution: PS256 with the same RSA key is refused when only RS256 is pinned', async () => {
    const ps = await testKey('k1', 'PS256');
    const harness = jwtHarness(clock, jwks(ps), { algorithms: ['RS256'] });
    expect((await harness.decide(await token({}, {}, ps))).reason).toBe('algorithm_not_allowed');
  });

  it('#4 kid injection: kid is an opaque lookup, path or SQL text finds nothing', async () => {
    for (const kid of ['../../../../etc/passwd', "' OR '1'='1", '$(id)', 'k1\u0000'])
      expect(await reasonOf(await token({}, { kid }))).toBe('key_not_found');
  });

  it('#5 jku, x5u and embedded jwk are never used: attacker keys do not verify and nothing is fetched', async () => {
    let fetched = 0;
    const trap = http.createServer((_req, res) => {
      fetched++;
      res.end('{}');
    });
    await new Promise<void>((resolve) => trap.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(trap.address() as AddressInfo).port}/keys`;
    const header = { jwk: attacker.jwk, jku: url, x5u: url };
    expect(await reasonOf(await token({ sub: 'mallory' }, header, attacker))).toBe('signature_invalid');
    expect(await reasonOf(await token({ sub: 'mallory' }, { ...header, kid: 'attacker' }, attacker))).toBe(
      'key_not_found',
    );
    trap.close();
    expect(fetched).toBe(0);
  });

  it('#10 exp is required; maxTokenAge requires and bounds iat', async () => {
    expect(await reasonOf(await token({ exp: undefined }))).toBe('claim_missing');
    const aged = jwtHarness(clock, jwks(k1), { maxTokenAge: '10m' });
    expect((await aged.decide(await token({ iat: clock.s - 1200, exp: clock.s + 60 }))).reason).toBe('token_too_old');
    expect((await aged.decide(await token({ iat: undefined }))).reason).toBe('claim_missing');
    expect((await aged.decide(await token({ iat: clock.s - 60 }))).result).toBe('allow');
  });

  it('#11 nbf, exp and iat are checked with the configured 30s skew', async () => {
    expect(await reasonOf(await token({ nbf: clock.s + 20 }))).toBe('authenticated');
    expect(await reasonOf(await token({ nbf: clock.s + 45 }))).toBe('token_not_yet_valid');
    expect(await reasonOf(await token({ exp: clock.s - 20 }))).toBe('authenticated');
    expect(await reasonOf(await token({ exp: clock.s - 45 }))).toBe('token_expired');
    expect(await reasonOf(await token({ iat: clock.s + 120 }))).toBe('issued_in_future');
  });

  it('#12 issuer: unknown issuers are refused and keys stay bound to their own issuer', async () => {
    expect(await reasonOf(await token({ iss: 'https://evil.example' }))).toBe('issuer_unknown');
    const other = await testKey('other');
    const dir = tempDir();
    const { svc, source } = service(clock);
    source.publish(
      'v1',
      compile({
        providers: {
          a: fileProvider(writeJson(dir, 'a.json', jwks(k1))),
          b: { ...fileProvider(writeJson(dir, 'b.json', jwks(other))), issuer: 'https://b.example' },
        },
        routes: { api: { auth: 'jwt' } },
      }),
    );
    // Signed with a's key but claiming b's issuer: b's set has no such key.
    const crossed = await mint(k1, { issuer: 'https://b.example', audience: AUDIENCE, nowS: clock.s });
    expect((await svc.authorizer.decide(authzRequest({ token: crossed }), source.current()!)).reason).toBe(
      'key_not_found',
    );
  });

  it('#13 audience must name this API', async () => {
    expect(await reasonOf(await token({ aud: 'https://other.example' }))).toBe('audience_mismatch');
    expect(await reasonOf(await token({ aud: ['https://other.example', AUDIENCE] }))).toBe('authenticated');
  });

  it('#14 typ: an ID token (typ JWT) is not accepted where at+jwt is required', async () => {
    const typed = jwtHarness(clock, jwks(k1), { typ: 'at+jwt' });
    expect((await typed.decide(await token({}, { typ: 'JWT' }))).reason).toBe('type_mismatch');
    expect((await typed.decide(await token({}, { typ: 'application/at+jwt' }))).result).toBe('allow');
  });

  it('#15 crit: an unknown critical header is refused', async () => {
    const t = await new SignJWT({ iss: ISSUER, aud: AUDIENCE, sub: 'alice', exp: clock.s + 60 })
      .setProtectedHeader({ alg: 'RS256', kid: 'k1', crit: ['urn:example:must'], 'urn:example:must': true })
      .sign(k1.privateKey, { crit: { 'urn:example:must': true } });
    expect(await reasonOf(t)).toBe('token_unsupported');
  });

  it('#16 oversized and malformed tokens are refused before parsing', async () => {
    const good = await token();
    const [hd, pl, sg] = good.split('.') as [string, string, string];
    expect(await reasonOf(`${good}${'A'.repeat(9000)}`)).toBe('token_too_large');
    expect(await reasonOf('a.'.repeat(5000))).toBe('token_too_large');
    for (const bad of [`${hd}.${pl}.${sg}.x.y`, `${hd}.${pl}`, `${hd}.${pl}.${sg}==`, `${hd}.${pl}.`, '...'])
      expect(await reasonOf(bad)).toBe('token_malformed');
    // Whitespace never gets past the Authorization header grammar.
    expect(await reasonOf(`${hd} .${pl}.${sg}`)).toBe('authorization_malformed');
    // A non-canonical last character decodes to the same bytes; jose alone accepts it, our grammar does not.
    const last = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'.indexOf(sg.at(-1)!);
    const twin = `${hd}.${pl}.${sg.slice(0, -1)}${'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'[last | 1]}`;
    expect(sg.length % 4).toBe(2);
    await expect(compactVerify(twin, createLocalJWKSet(jwks(k1)))).resolves.toBeDefined();
    expect(await reasonOf(twin)).toBe('token_malformed');
  });

  it('#17 JWE (five parts) is never accepted as an access token', async () => {
    const { publicKey } = await generateKeyPair('RSA-OAEP-256');
    const jwe = await new CompactEncrypt(new TextEncoder().encode(await token()))
      .setProtectedHeader({ alg: 'RSA-OAEP-256', enc: 'A256GCM' })
      .encrypt(publicKey);
    expect(await reasonOf(jwe)).toBe('token_malformed');
  });

  it('#18 psychic ECDSA signature (r = s = 0) is refused', async () => {
    const ec = await testKey('ec1', 'ES256');
    const harness = jwtHarness(clock, jwks(ec), { algorithms: ['ES256'] });
    const [hd, pl] = (await token({}, {}, ec)).split('.');
    const psychic = `${hd}.${pl}.${Buffer.alloc(64).toString('base64url')}`;
    expect((await harness.decide(psychic)).reason).toBe('signature_invalid');
  });

  it('#20 duplicate kid fails closed; several keys and no kid is ambiguous', async () => {
    const twin = await testKey('k1');
    const dup = jwtHarness(clock, jwks(k1, twin, await testKey('k2')), {});
    expect((await dup.decide(await token())).reason).toBe('key_not_found');
    const noKid = jwtHarness(
      clock,
      { keys: [{ ...k1.jwk, kid: undefined }, { ...(await exportJWK((await generateKeyPair('RS256')).publicKey)) }] },
      {},
    );
    expect((await noKid.decide(await token({}, { kid: undefined }))).reason).toBe('key_ambiguous');
  });
});
