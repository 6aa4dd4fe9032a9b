// authz.md §b #19 and #20: every key set is vetted on load. Table of bad keys, then the e=1 forgery
// that jose alone accepts (§e.4) refused end to end, and a 1024-bit key whose tokens find no key.
import { createHash, generateKeyPairSync, sign } from 'node:crypto';
import { compactVerify, createLocalJWKSet, type JWK } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { checkJwks, keyProblem, MAX_KEYS } from '../../src/authz/key-checks.ts';
import { AUDIENCE, ISSUER, jwtHarness } from './fixtures/policy.ts';
import { jwks, ManualClock, type TestKey, testKey } from './fixtures/tokens.ts';

const clock = new ManualClock();
let good: TestKey;
const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
const claims = () => ({ iss: ISSUER, aud: AUDIENCE, sub: 'mallory', exp: clock.s + 60 });

beforeAll(async () => {
  good = await testKey('good');
});

describe('key checks (§b #19)', () => {
  it.each([
    ['RSA below 2048 bits', () => ({ ...rsa(1024), kid: 'small' }), 'rsa_too_small'],
    ['RSA e = 1', () => ({ ...good.jwk, e: 'AQ' }), 'rsa_exponent'],
    ['RSA e = 3', () => ({ ...good.jwk, e: 'Aw' }), 'rsa_exponent'],
    ['RSA even exponent', () => ({ ...good.jwk, e: 'AQAA' }), 'rsa_exponent'],
    ['private RSA key', () => ({ ...good.jwk, d: 'AQAB' }), 'private'],
    ['symmetric key', () => ({ kty: 'oct', k: 'c2VjcmV0', kid: 'hmac' }), 'symmetric'],
    ['encryption key (use)', () => ({ ...good.jwk, use: 'enc' }), 'not_for_signing'],
    ['encryption key (key_ops)', () => ({ ...good.jwk, use: undefined, key_ops: ['encrypt'] }), 'not_for_signing'],
    ['secp256k1 curve', () => ({ kty: 'EC', crv: 'secp256k1', x: 'AA', y: 'AA' }), 'ec_curve'],
    ['unknown kty', () => ({ kty: 'XYZ' }), 'unsupported_type'],
    ['kid too long', () => ({ ...good.jwk, kid: 'k'.repeat(300) }), 'kid_invalid'],
  ])('%s is dropped', (_name, make, reason) => {
    expect(keyProblem(make() as Record<string, unknown>)).toBe(reason);
  });

  it('a point off the curve is dropped as unimportable; the good key stays', async () => {
    const offCurve = {
      kty: 'EC',
      crv: 'P-256',
      kid: 'bad',
      x: 'f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU',
      y: 'y_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0',
    };
    const checked = await checkJwks({ keys: [offCurve, good.jwk] });
    expect(checked.rejected).toEqual([{ kid: 'bad', reason: 'unimportable' }]);
    expect(checked.keys.map((k) => k.kid)).toEqual(['good']);
  });

  it('documents that are not key sets, or are too large, are refused whole', async () => {
    await expect(checkJwks({ nokeys: [] })).rejects.toThrow('no "keys" array');
    await expect(checkJwks({ keys: Array(MAX_KEYS + 1).fill(good.jwk) })).rejects.toThrow('at most');
  });

  it('an e = 1 key lets anyone forge RS256 tokens: jose alone verifies the forgery, Gatehouse refuses it', async () => {
    const weak: JWK = { ...good.jwk, e: 'AQ', kid: 'weak' };
    const input = `${b64({ alg: 'RS256', kid: 'weak' })}.${b64(claims())}`;
    // With e = 1, RSASSA-PKCS1-v1_5 verification is s == EM: the "signature" is the padded digest itself.
    const digestInfo = Buffer.concat([
      Buffer.from('3031300d060960864801650304020105000420', 'hex'),
      createHash('sha256').update(input).digest(),
    ]);
    const em = Buffer.concat([
      Buffer.from([0, 1]),
      Buffer.alloc(256 - 3 - digestInfo.length, 0xff),
      Buffer.from([0]),
      digestInfo,
    ]);
    const forged = `${input}.${em.toString('base64url')}`;
    const joseAlone = await compactVerify(forged, createLocalJWKSet({ keys: [weak] })).then(
      () => 'verified',
      () => 'refused',
    );
    // The premise of the check (authz.md §e.4): WebCrypto imports e = 1 and the forgery verifies.
    expect(joseAlone).toBe('verified');
    const d = await jwtHarness(clock, jwks(good, weak), {}).decide(forged);
    expect(d.reason).toBe('key_not_found');
  });

  it('tokens signed by a 1024-bit key in the set find no key', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 1024 });
    const small = { ...(publicKey.export({ format: 'jwk' }) as JWK), kid: 'small' };
    const input = `${b64({ alg: 'RS256', kid: 'small' })}.${b64(claims())}`;
    const t = `${input}.${sign('sha256', Buffer.from(input), privateKey).toString('base64url')}`;
    expect((await jwtHarness(clock, jwks(good, small), {}).decide(t)).reason).toBe('key_not_found');
  });
});

describe('duplicate kid (§b #20)', () => {
  it('two RSA keys sharing a kid are both dropped; the same kid on an EC and an RSA key is kept', async () => {
    const twin = await testKey('good');
    const ec = await testKey('good', 'ES256');
    const checked = await checkJwks(jwks(good, twin, ec));
    expect(checked.rejected.map((r) => r.reason)).toEqual(['duplicate_kid', 'duplicate_kid']);
    expect(checked.keys.map((k) => k.kty)).toEqual(['EC']);
  });
});

function rsa(bits: number): JWK {
  return generateKeyPairSync('rsa', { modulusLength: bits }).publicKey.export({ format: 'jwk' }) as JWK;
}
