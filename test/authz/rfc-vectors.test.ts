// Public vectors nobody here wrote: RFC 7515 Appendix A and RFC 7520 (§3 keys, §4.1, §4.3), run
// through our grammar, key checks, provider config and jose as the RFCs say they should behave.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { compactVerify, createLocalJWKSet, type JWK } from 'jose';
import { describe, expect, it } from 'vitest';
import { isGrammarFailure, parseCompactJws } from '../../src/authz/compact-jws.ts';
import { checkJwks } from '../../src/authz/key-checks.ts';
import { authSection } from '../../src/config/auth-schema.ts';
import { jwtHarness } from './fixtures/policy.ts';
import { A1, A2, A3, A5, EXP } from './fixtures/rfc7515.ts';
import { ManualClock } from './fixtures/tokens.ts';

const rfc7520 = (file: string) =>
  JSON.parse(readFileSync(path.join(import.meta.dirname, 'fixtures/rfc7520', file), 'utf8')) as Record<string, unknown>;
/** A moment before the RFC 7515 claims' `exp` (2011-03-22T18:43:00Z). */
const BEFORE_EXP = new ManualClock((EXP - 600) * 1000);
const joe = (alg: string) => ({ issuer: 'joe', audiences: ['https://api.example'], algorithms: [alg] });
const flip = (token: string) => token.slice(0, -2) + (token.at(-2) === 'A' ? 'B' : 'A') + token.at(-1);

describe('RFC 7515 Appendix A', () => {
  it.each([
    ['A.2 RS256', A2, 'RS256'],
    ['A.3 ES256', A3, 'ES256'],
  ])(
    '%s: signature, issuer and exp pass; our policy then requires an audience the vector lacks',
    async (_n, v, alg) => {
      const h = jwtHarness(BEFORE_EXP, { keys: [v.jwk] }, joe(alg));
      const d = await h.decide(v.token);
      // jose checks the signature before claims, then iss before aud: reaching "aud missing" proves both.
      expect(d).toMatchObject({ result: 'unauthenticated', reason: 'claim_missing' });
      expect(d.why).toContain('"aud"');
      const verified = await compactVerify(v.token, createLocalJWKSet({ keys: [v.jwk as JWK] }), { algorithms: [alg] });
      expect(JSON.parse(new TextDecoder().decode(verified.payload))).toEqual({
        iss: 'joe',
        exp: EXP,
        'http://example.com/is_root': true,
      });
    },
  );

  it.each([
    ['A.2', A2, 'RS256'],
    ['A.3', A3, 'ES256'],
  ])('%s with one signature character changed is refused', async (_n, v, alg) => {
    const d = await jwtHarness(BEFORE_EXP, { keys: [v.jwk] }, joe(alg)).decide(flip(v.token));
    expect(d.reason).toBe('signature_invalid');
  });

  it('A.2 is refused when the provider pins PS256 only (algorithm substitution inside RSA)', async () => {
    const d = await jwtHarness(BEFORE_EXP, { keys: [A2.jwk] }, joe('PS256')).decide(A2.token);
    expect(d.reason).toBe('algorithm_not_allowed');
  });

  it('A.1 HS256: HMAC cannot be configured, its oct key is dropped from sets, its token is refused', async () => {
    expect(authSection.safeParse({ providers: { p: { ...joe('HS256'), keys: { file: 'x' } } } }).success).toBe(false);
    expect((await checkJwks({ keys: [A1.jwk] })).rejected).toEqual([{ kid: undefined, reason: 'symmetric' }]);
    const d = await jwtHarness(BEFORE_EXP, { keys: [A2.jwk] }, joe('RS256')).decide(A1.token);
    expect(d.reason).toBe('algorithm_not_allowed');
  });

  it('A.5 unsecured JWS (alg none) is refused by the grammar before jose', async () => {
    expect(parseCompactJws(A5.token, 8192)).toMatchObject({ reason: 'token_malformed' });
    const d = await jwtHarness(BEFORE_EXP, { keys: [A2.jwk] }, joe('RS256')).decide(A5.token);
    expect(d.reason).toBe('token_malformed');
  });
});

describe('RFC 7520 (JOSE Cookbook)', () => {
  it('§3.1 EC and §3.3 RSA public keys pass the key checks; §3.2/§3.4 private and §3.5 symmetric keys do not', async () => {
    const ok = await checkJwks({ keys: [rfc7520('3_1.ec_public_key.json'), rfc7520('3_3.rsa_public_key.json')] });
    expect(ok.keys).toHaveLength(2);
    expect(ok.rejected).toEqual([]);
    const bad = await checkJwks({
      keys: [
        rfc7520('3_2.ec_private_key.json'),
        rfc7520('3_4.rsa_private_key.json'),
        rfc7520('3_5.symmetric_key_mac_computation.json'),
      ],
    });
    expect(bad.keys).toEqual([]);
    expect(bad.rejected.map((r) => r.reason)).toEqual(['private', 'private', 'symmetric']);
  });

  it.each([
    ['§4.1 RSA v1.5 (RS256)', '4_1.rsa_v15_signature.json', '3_3.rsa_public_key.json'],
    ['§4.3 ECDSA (ES512)', '4_3.ecdsa_signature.json', '3_1.ec_public_key.json'],
  ])(
    '%s verifies with the §3 public key after our checks; it is a JWS over text, so the JWT path refuses it',
    async (_n, file, keyFile) => {
      const v = rfc7520(file) as { input: { payload: string; alg: string }; output: { compact: string } };
      const checked = await checkJwks({ keys: [rfc7520(keyFile)] });
      const set = createLocalJWKSet({ keys: [...checked.keys] });
      const ok = await compactVerify(v.output.compact, set, { algorithms: [v.input.alg] });
      expect(new TextDecoder().decode(ok.payload)).toBe(v.input.payload);
      await expect(compactVerify(flip(v.output.compact), set, { algorithms: [v.input.alg] })).rejects.toMatchObject({
        code: 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED',
      });
      const parts = parseCompactJws(v.output.compact, 8192);
      expect(isGrammarFailure(parts) && parts.why).toBe('claims are not a JSON object');
    },
  );
});
