// Architecture invariant 8 / authz.md §b #25: no token, API key or Authorization value ever reaches
// a log line. Every decision path is driven with debug logging captured from pino.
import { Writable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../../src/authz/api-keys.ts';
import { createLogger } from '../../src/log.ts';
import { decodedCheckRequest } from './fixtures/envoy.ts';
import { type Idp, startIdp } from './fixtures/idp.ts';
import { AUDIENCE, compile, service, tempDir } from './fixtures/policy.ts';
import { ManualClock, mint, testKey } from './fixtures/tokens.ts';

let idp: Idp | undefined;
afterAll(() => idp?.close());

describe('credentials never logged', () => {
  it('across allow, deny, error, key-refresh and internal-fault paths', async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _enc, done) {
        lines.push(String(chunk));
        done();
      },
    });
    const log = createLogger('debug', sink);
    const clock = new ManualClock();
    const k1 = await testKey('k1');
    idp = await startIdp(tempDir());
    idp.jwks = { keys: [k1.jwk, { kty: 'oct', k: 'c2VjcmV0LXNlY3JldC1zZWNyZXQ', kid: 'hmac' }] };
    const good = createApiKey();
    const { svc, source } = service(clock, { log });
    source.publish(
      'v1',
      compile({
        providers: {
          idp: {
            issuer: idp.issuer,
            audiences: [AUDIENCE],
            algorithms: ['RS256'],
            keys: { discovery: true },
            caFile: idp.caFile,
          },
        },
        roles: { reader: { permissions: [{ methods: ['GET'] }] } },
        consumers: { billing: { keys: [{ digest: good.digest }], roles: ['reader'] } },
        routes: { api: { auth: 'any', roles: ['reader'] } },
      }),
    );
    const mk = (claims: Record<string, unknown> = {}) =>
      mint(k1, { issuer: idp!.issuer, audience: AUDIENCE, nowS: clock.s, claims: { roles: ['reader'], ...claims } });
    const tokens = [await mk(), await mk({ exp: clock.s - 999 }), await mk({ aud: 'other' }), await mk({ roles: [] })];
    const secrets = [...tokens, good.key, createApiKey().key, 'dXNlcjpwYXNzd29yZA=='];
    const run = (headers: Record<string, string>, path = '/api/x') =>
      svc.check(decodedCheckRequest({ policyKey: 'route/api', path, headers }));

    for (const t of tokens) await run({ authorization: `Bearer ${t}` }, `/api/x?access_token=${t}`);
    await run({ 'x-api-key': good.key });
    await run({ 'x-api-key': secrets[5]! });
    await run({ authorization: `Basic ${secrets[6]}` });
    await run({ authorization: `Bearer ${tokens[0]}`, 'x-api-key': good.key });
    idp.mode = 'down';
    clock.advance(2 * 3_600_000);
    await run({ authorization: `Bearer ${tokens[0]}` });
    source.publish('broken', { ...source.current()!.compiled, apiKeys: null as never });
    await run({ 'x-api-key': good.key });

    const text = lines.join('');
    expect(lines.length).toBeGreaterThan(10);
    expect(text).toContain('"reason":"token_expired"');
    expect(text).toContain('key refresh failed');
    expect(text).toContain('"reason":"symmetric"');
    expect(text).toContain('authz internal error');
    for (const s of secrets) {
      expect(text).not.toContain(s);
      for (const part of s.split('.')) if (part.length > 16) expect(text).not.toContain(part);
    }
    // No header names or values either (the reason code "authorization_malformed" is fine).
    expect(text).not.toMatch(/bearer |basic |"authorization"|x-api-key|c2VjcmV0/i);
  });
});
