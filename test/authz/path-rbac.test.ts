// authz.md §b #26 and the permission matrix. Division of labour: Envoy's HCM normalises the path
// (normalize_path, merge_slashes, path_with_escaped_slashes_action) before ext_authz runs and routes
// on the result; Gatehouse decides on the `:path` Envoy sends, decodes only percent-encoded
// unreserved characters, and refuses whatever an upstream could read differently — so a path that
// slipped past a misconfigured HCM still cannot reach a permission it should not.
import { describe, expect, it } from 'vitest';
import { createApiKey } from '../../src/authz/api-keys.ts';
import { canonicalPath, matchPath } from '../../src/authz/path.ts';
import { authSection } from '../../src/config/auth-schema.ts';
import { authzRequest, compile, service } from './fixtures/policy.ts';
import { ManualClock } from './fixtures/tokens.ts';

describe('canonicalPath', () => {
  it.each([
    ['/api/items/1?x=1', '/api/items/1'],
    ['/api/items/1#frag', '/api/items/1'],
    ['/api/%69tems/1', '/api/items/1'],
    ['/api/items/1/', '/api/items/1/'],
    ['/api/items/%20', '/api/items/%20'],
    ['/api/items/a%3bb', '/api/items/a%3Bb'],
    ['/', '/'],
  ])('%s -> %s', (raw, want) => expect(canonicalPath(raw)).toEqual({ ok: true, path: want }));

  it.each([
    ['/api/items/..', 'dot segment'],
    ['/api/public/../admin', 'dot segment'],
    ['/api/public/./x', 'dot segment'],
    ['/api/public/%2e%2e/admin', 'dot segment'],
    ['/api/public/%2E%2e/admin', 'dot segment'],
    ['/api/public%2Fadmin', 'ambiguous'],
    ['/api/public%2fadmin', 'ambiguous'],
    ['/api/public%5Cadmin', 'ambiguous'],
    ['/api/items/%00', 'ambiguous'],
    ['/api//items/1', 'empty segment'],
    ['//api/items', 'empty segment'],
    ['/api\\items', 'outside RFC 3986'],
    ['/api/items/%zz', 'malformed'],
    ['/api/items/%2', 'malformed'],
    ['http://evil/api', 'origin-form'],
    ['*', 'origin-form'],
    ['/api/ä', 'outside RFC 3986'],
  ])('%s is refused (%s)', (raw, why) => {
    const r = canonicalPath(raw);
    expect(r.ok).toBe(false);
    expect(r.ok ? '' : r.why).toContain(why);
  });
});

describe('matchPath', () => {
  it.each([
    ['/api/items/*', '/api/items/1', true],
    ['/api/items/*', '/api/items/1/2', false],
    ['/api/items/*', '/api/items/', false],
    ['/api/items/*', '/api/items', false],
    ['/api/**', '/api', true],
    ['/api/**', '/api/a/b/c', true],
    ['/api/**', '/apix', false],
    ['/api', '/api/', false],
    ['/**', '/anything/at/all', true],
    ['/a/*/c', '/a/b/c', true],
  ])('%s vs %s -> %s', (pattern, path, want) => expect(matchPath(pattern, path)).toBe(want));

  it('patterns with dot segments, "//", partial wildcards or encodings are refused by the schema', () => {
    for (const bad of ['/a/../b', '/a//b', '/a/x*', '/a/**/b', '/a/%2e', 'relative'])
      expect(authSection.safeParse({ roles: { r: { permissions: [{ paths: [bad] }] } } }).success, bad).toBe(false);
  });
});

describe('permission matrix on the path Envoy sends', () => {
  const reader = createApiKey();
  const root = createApiKey();
  const clock = new ManualClock();
  const { svc, source } = service(clock);
  source.publish(
    'v1',
    compile({
      roles: {
        reader: {
          permissions: [{ routes: ['api'], methods: ['GET', 'HEAD'], paths: ['/api/public/**', '/api/items/*'] }],
        },
        admin: { permissions: [{ routes: ['api', 'admin'] }] },
      },
      consumers: {
        alice: { keys: [{ digest: reader.digest }], roles: ['reader'] },
        root: { keys: [{ digest: root.digest }], roles: ['admin'] },
      },
      routes: { api: { auth: 'api-key', roles: ['reader', 'admin'] }, admin: { auth: 'api-key', roles: ['admin'] } },
    }),
  );
  const decide = (apiKey: string, method: string, path: string, route = 'api') =>
    svc.authorizer.decide(authzRequest({ apiKey, method, path, route }), source.current()!);

  it.each([
    ['GET', '/api/items/1', 'role_granted'],
    ['get', '/api/items/1?admin=true', 'role_granted'],
    ['HEAD', '/api/public/a/b/c', 'role_granted'],
    ['GET', '/api/%70ublic/x', 'role_granted'],
    ['POST', '/api/items/1', 'role_missing'],
    ['GET', '/api/items/1/extra', 'role_missing'],
    ['GET', '/API/public/x', 'role_missing'],
    ['GET', '/api/private', 'role_missing'],
    ['GET', '/api/public/../private', 'path_ambiguous'],
    ['GET', '/api/public/%2e%2e/private', 'path_ambiguous'],
    ['GET', '/api/public%2F..%2Fprivate', 'path_ambiguous'],
    ['GET', '/api//public/x', 'path_ambiguous'],
    ['GET', '/api/public\\..\\private', 'path_ambiguous'],
  ])('reader: %s %s -> %s', async (method, path, reason) => {
    expect((await decide(reader.key, method, path)).reason).toBe(reason);
  });

  it('a role limited to other routes grants nothing here; admin is granted everywhere it is listed', async () => {
    expect((await decide(reader.key, 'GET', '/api/public/x', 'admin')).reason).toBe('role_missing');
    expect((await decide(root.key, 'DELETE', '/admin/users/7', 'admin')).reason).toBe('role_granted');
    expect((await decide(root.key, 'POST', '/api/anything', 'api')).reason).toBe('role_granted');
  });

  it('authentication comes first: an anonymous request gets 401, not a path verdict', async () => {
    const d = await svc.authorizer.decide(authzRequest({ path: '/api/../admin' }), source.current()!);
    expect(d.reason).toBe('credentials_missing');
  });
});
