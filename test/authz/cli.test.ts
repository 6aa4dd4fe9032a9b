// `gatehouse authz explain` on a policy file: the real decision, explained, never echoing the
// credential; invalid policies refused with every diagnostic.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { createApiKey } from '../../src/authz/api-keys.ts';
import { explain } from '../../src/authz/cli.ts';
import { AUDIENCE, ISSUER, tempDir, writeJson } from './fixtures/policy.ts';
import { jwks, ManualClock, mint, type TestKey, testKey } from './fixtures/tokens.ts';

const clock = new ManualClock();
const key = createApiKey();
let k1: TestKey;
let policyFile: string;

function writePolicy(dir: string, auth: object): string {
  const file = path.join(dir, 'policy.yaml');
  const route = (name: string) => ({ name, match: { prefix: `/${name}` }, service: 'orders' });
  writeFileSync(file, stringify({ routes: [route('api'), route('admin')], auth }));
  return file;
}

beforeAll(async () => {
  k1 = await testKey('k1');
  const dir = tempDir();
  policyFile = writePolicy(dir, {
    providers: {
      corp: {
        issuer: ISSUER,
        audiences: [AUDIENCE],
        algorithms: ['RS256'],
        keys: { file: writeJson(dir, 'jwks.json', jwks(k1)) },
      },
    },
    consumers: { billing: { keys: [{ digest: key.digest, id: 'billing-1' }], roles: ['admin'] } },
    roles: { reader: { permissions: [{ methods: ['GET'], paths: ['/api/**'] }] }, admin: { permissions: [{}] } },
    routes: { api: { auth: 'any', roles: ['reader', 'admin'] }, admin: { auth: 'api-key', roles: ['admin'] } },
  });
});

describe('authz explain', () => {
  it('explains an allowed bearer request without printing the token', async () => {
    const token = await mint(k1, { issuer: ISSUER, audience: AUDIENCE, nowS: clock.s, claims: { roles: ['reader'] } });
    const text = await explain({ policyFile, route: 'api', token, path: '/api/orders/1', now: clock.now });
    expect(text).toContain('decision:  allow: forwarded upstream (role_granted)');
    expect(text).toContain('identity:  subject "alice" via provider "corp", roles [reader]');
    expect(text).toContain('set:       x-gatehouse-subject: alice');
    expect(text).toContain('remove:    authorization,');
    expect(text).not.toContain(token);
  });

  it('explains denials: an expired token, a wrong method, a missing credential', async () => {
    const expired = await mint(k1, { issuer: ISSUER, audience: AUDIENCE, nowS: clock.s - 3600 });
    expect(await explain({ policyFile, route: 'route/api', token: expired, now: clock.now })).toContain(
      'challenge: Bearer realm="gatehouse", error="invalid_token", error_description="token expired", ApiKey realm="gatehouse", header="x-api-key"',
    );
    const reader = await mint(k1, { issuer: ISSUER, audience: AUDIENCE, nowS: clock.s, claims: { roles: ['reader'] } });
    const post = await explain({
      policyFile,
      route: 'api',
      token: reader,
      method: 'post',
      path: '/api/x',
      now: clock.now,
    });
    expect(post).toContain('decision:  deny: HTTP 403 (role_missing)');
    expect(post).toContain('none of [reader, admin] grants POST /api/x');
    expect(await explain({ policyFile, route: 'admin', now: clock.now })).toContain('(credentials_missing)');
  });

  it('explains an API-key request by consumer and key label', async () => {
    const text = await explain({ policyFile, route: 'admin', apiKey: key.key, now: clock.now });
    expect(text).toContain('identity:  consumer "billing" (key billing-1), roles [admin]');
    expect(text).not.toContain(key.key);
  });

  it('refuses an invalid policy with every diagnostic', async () => {
    const file = writePolicy(tempDir(), { routes: { api: { auth: 'jwt', roles: ['ghost'] }, nope: { auth: 'none' } } });
    await expect(explain({ policyFile: file, route: 'api' })).rejects.toMatchObject({
      code: 'AUTH_INVALID',
      diagnostics: [
        expect.objectContaining({ path: `${file}.auth.routes.nope` }),
        expect.objectContaining({ path: `${file}.auth.routes.api.roles[0]` }),
        expect.objectContaining({ path: `${file}.auth.routes.api.auth` }),
      ],
    });
  });
});
