// demo/issuer.ts against Gatehouse's own authz: the tokens it signs are decided by the compose
// policy's auth section (deploy/compose/policy.yaml) with keys.file pointing at the JWKS file the
// issuer wrote — allowed with the scope, refused for the wrong audience, without the scope, or
// without a token. This is the walkthrough's protected-route step without Envoy.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { type Issuer, startIssuer } from '../../demo/issuer.ts';
import { authzRequest, compile, service, tempDir } from '../authz/fixtures/policy.ts';
import { ManualClock } from '../authz/fixtures/tokens.ts';
import { startDemo } from './demo-process.ts';

const ROOT = path.join(import.meta.dirname, '..', '..');
const composePolicy = parse(readFileSync(path.join(ROOT, 'deploy/compose/policy.yaml'), 'utf8'));
const provider = composePolicy.auth.providers.demo;

describe('tokens from demo/issuer.ts, decided by Gatehouse with the compose policy', () => {
  const jwksFile = path.join(tempDir(), 'jwks.json');
  let issuer: Issuer;
  let base: string;
  const clock = new ManualClock(Date.now());
  const { svc, source } = service(clock);

  beforeAll(async () => {
    issuer = await startIssuer({
      port: 0,
      host: '127.0.0.1',
      issuer: provider.issuer,
      audience: provider.audiences[0],
      jwksFile,
      ttlSeconds: 300,
    });
    base = `http://127.0.0.1:${issuer.port}`;
    const auth = structuredClone(composePolicy.auth);
    auth.providers.demo.keys = { file: jwksFile };
    source.publish(
      'v1',
      compile(
        auth,
        composePolicy.routes.map((r: { name: string }) => r.name),
      ),
    );
  });

  afterAll(() => issuer.close());

  const token = async (query: string) => {
    const res = await fetch(`${base}/token?${query}`);
    expect(res.status).toBe(200);
    return (await res.text()).trim();
  };
  const decide = (route: string, bearer?: string) =>
    svc.authorizer.decide(authzRequest({ route, path: `/${route}/orders`, token: bearer }), source.current()!);

  it('publishes the same JWKS at /jwks.json and in JWKS_FILE: one ES256 signing key with a kid', async () => {
    const served = (await (await fetch(`${base}/jwks.json`)).json()) as { keys: Record<string, unknown>[] };
    expect(JSON.parse(readFileSync(jwksFile, 'utf8'))).toEqual(served);
    expect(served.keys).toEqual([
      expect.objectContaining({ kty: 'EC', crv: 'P-256', alg: 'ES256', use: 'sig', kid: expect.any(String) }),
    ]);
    expect(served.keys[0]!.d).toBeUndefined();
  });

  it('allows the protected route with a token carrying the scope', async () => {
    const decision = await decide('api', await token('sub=alice&scope=demo:read'));
    expect(decision).toMatchObject({
      result: 'allow',
      reason: 'role_granted',
      identity: { subject: 'alice', provider: 'demo', roles: ['demo:read'] },
    });
  });

  it('refuses a token for another audience', async () => {
    const decision = await decide('api', await token('sub=alice&scope=demo:read&aud=someone-else'));
    expect(decision).toMatchObject({ result: 'unauthenticated', reason: 'audience_mismatch' });
  });

  it('forbids a valid token without the scope, and challenges a request with no token', async () => {
    expect(await decide('api', await token('sub=bob'))).toMatchObject({ result: 'forbidden', reason: 'role_missing' });
    expect(await decide('api')).toMatchObject({ result: 'unauthenticated', reason: 'credentials_missing' });
  });

  it('leaves the public routes open', async () => {
    expect(await decide('web')).toMatchObject({ result: 'allow', reason: 'public' });
  });

  it('refuses a token lifetime out of range, naming the parameter', async () => {
    const res = await fetch(`${base}/token?ttl=0`);
    expect(res.status).toBe(400);
    expect(await res.text()).toContain('ttl must be whole seconds');
  });
});

it('demo/issuer.ts as a process writes JWKS_FILE before it says it is issuing, and exits 0 on SIGTERM', async () => {
  const jwksFile = path.join(tempDir(), 'jwks.json');
  const demo = startDemo('issuer.ts', { PORT: '0', JWKS_FILE: jwksFile });
  try {
    const line = await demo.waitFor('issuing');
    expect(JSON.parse(readFileSync(jwksFile, 'utf8')).keys[0].kid).toBe(line.kid);
    const claims = await fetch(`http://127.0.0.1:${line.port}/token?sub=carol`).then(async (r) => {
      const [, payload] = (await r.text()).trim().split('.');
      return JSON.parse(Buffer.from(payload!, 'base64url').toString());
    });
    expect(claims).toMatchObject({ iss: 'http://issuer:8080', aud: 'gatehouse-demo', sub: 'carol' });
    expect(claims.exp - claims.iat).toBe(3600);
    demo.child.kill('SIGTERM');
    expect(await demo.exited).toBe(0);
    expect(existsSync(`${jwksFile}.${demo.child.pid}.tmp`)).toBe(false);
  } finally {
    demo.child.kill('SIGKILL');
  }
});
