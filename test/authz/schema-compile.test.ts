// The auth section: a realistic policy compiles clean; schema mistakes and cross-reference
// mistakes are all reported at once, each with its path.
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { createApiKey } from '../../src/authz/api-keys.ts';
import { compileAuthPolicy } from '../../src/authz/compile-policy.ts';
import { authSection } from '../../src/config/auth-schema.ts';
import { parseWith } from '../../src/config/load.ts';

const digest = createApiKey().digest;
const realistic = parse(`
errorStatus: 503
providers:
  corp:
    issuer: https://login.example.com/realms/corp
    audiences: [gatehouse]
    algorithms: [RS256, ES256]
    keys: { discovery: true }
    typ: at+jwt
    rolesClaim: realm_access.roles
    clockTolerance: 30s
    maxTokenAge: 1h
  ci:
    issuer: https://token.actions.githubusercontent.com
    audiences: [https://gatehouse.example.com]
    algorithms: [RS256]
    keys: { uri: https://token.actions.githubusercontent.com/.well-known/jwks }
consumers:
  billing:
    keys:
      - { digest: ${digest}, id: billing-2030-01, expires: "2030-02-01T00:00:00Z" }
    roles: [reader]
roles:
  reader: { permissions: [{ methods: [GET, HEAD], paths: ["/api/**"] }] }
  admin: { permissions: [{}] }
defaults: { auth: jwt }
routes:
  public: { auth: none }
  api: { auth: any, roles: [reader, admin] }
  admin: { auth: jwt, roles: [admin], providers: [corp] }
`);

describe('auth section', () => {
  it('a realistic policy parses and compiles without diagnostics; defaults cover unlisted routes', () => {
    const parsed = parseWith(authSection, realistic, 'policy.auth');
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.diagnostics));
    const { compiled, diagnostics } = compileAuthPolicy(parsed.value, ['public', 'api', 'admin', 'reports']);
    expect(diagnostics).toEqual([]);
    expect(compiled!.routes.get('route/reports')).toMatchObject({ auth: 'jwt', providers: ['corp', 'ci'] });
    expect(compiled!.routes.get('route/admin')).toMatchObject({ roles: ['admin'], providers: ['corp'] });
    expect(compiled!.providers.get('corp')).toMatchObject({ clockToleranceMs: 30_000, maxTokenAgeMs: 3_600_000 });
  });

  it('no auth section means every route is public', () => {
    const { compiled } = compileAuthPolicy(undefined, ['a', 'b']);
    expect([...compiled!.routes.values()].map((r) => [r.key, r.auth])).toEqual([
      ['route/a', 'none'],
      ['route/b', 'none'],
    ]);
  });

  it('schema mistakes are all reported, each with its path', () => {
    const bad = {
      errorStatus: 200,
      identityHeaders: { subject: 'X-Upper' },
      fetch: { insecureHttpHosts: ['10.0.0.1'] },
      providers: {
        a: {
          issuer: 'https://a',
          audiences: ['x'],
          algorithms: ['HS256'],
          keys: { uri: 'https://a/jwks', file: 'k.json' },
        },
        b: { issuer: 'https://b', audiences: [], algorithms: ['RS256'], keys: { discovery: true }, issuerUrl: 'x' },
      },
      consumers: {
        c: {
          keys: [
            { digest: 'plain-text-key' },
            { digest, notBefore: '2030-02-01T00:00:00Z', expires: '2030-01-01T00:00:00Z' },
          ],
        },
      },
      roles: { r: { permissions: [{ paths: ['/a/../b'] }] } },
      routes: { x: { auth: 'basic' } },
    };
    const parsed = parseWith(authSection, bad, 'policy.auth');
    expect(parsed.ok).toBe(false);
    const paths = parsed.ok ? [] : parsed.diagnostics.map((d) => d.path);
    expect(paths).toEqual(
      expect.arrayContaining([
        'policy.auth.errorStatus',
        'policy.auth.identityHeaders.subject',
        'policy.auth.fetch.insecureHttpHosts[0]',
        'policy.auth.providers.a.algorithms[0]',
        'policy.auth.providers.a.keys',
        'policy.auth.providers.b.audiences',
        'policy.auth.providers.b',
        'policy.auth.consumers.c.keys[0].digest',
        'policy.auth.consumers.c.keys[1].expires',
        'policy.auth.roles.r.permissions[0].paths[0]',
        'policy.auth.routes.x.auth',
      ]),
    );
  });

  it('cross-reference mistakes are all reported as AUTH_INVALID diagnostics', () => {
    const section = authSection.parse({
      apiKeyHeader: 'x-key',
      identityHeaders: { consumer: 'x-key', provider: 'x-gatehouse-subject' },
      providers: {
        a: { issuer: 'https://same', audiences: ['x'], algorithms: ['RS256'], keys: { discovery: true } },
        b: { issuer: 'https://same', audiences: ['x'], algorithms: ['RS256'], keys: { discovery: true } },
      },
      consumers: {
        c: { keys: [{ digest }], roles: ['ghost'] },
        d: { keys: [{ digest }] },
      },
      roles: { r: { permissions: [{ routes: ['nowhere'] }] }, only: { permissions: [{ routes: ['api'] }] } },
      routes: {
        api: { auth: 'jwt', roles: ['missing'], providers: ['zzz'] },
        pub: { auth: 'none', roles: ['r'] },
        other: { auth: 'jwt', roles: ['only'] },
        gone: { auth: 'jwt' },
      },
    });
    const { compiled, diagnostics } = compileAuthPolicy(section, [
      'api',
      'pub',
      'other',
      { name: 'inline', auth: { auth: 'jwt', forwardCredentials: false } },
    ]);
    expect(compiled).toBeUndefined();
    expect(diagnostics.every((d) => d.code === 'AUTH_INVALID')).toBe(true);
    expect(diagnostics.map((d) => `${d.severity} ${d.path}: ${d.message}`)).toEqual(
      expect.arrayContaining([
        'error policy.auth.identityHeaders.consumer: "x-key" is reserved or carries credentials',
        'error policy.auth.identityHeaders.provider: "x-gatehouse-subject" is also the subject header',
        `error policy.auth.providers.b.issuer: issuer "https://same" is also provider "a"'s; tokens are matched to providers by issuer`,
        'error policy.auth.roles.r.permissions[0].routes[0]: unknown route "nowhere"',
        'error policy.auth.consumers.c.roles[0]: unknown role "ghost"',
        'error policy.auth.consumers.d.keys[0].digest: the same key is already listed at consumers.c.keys[0]',
        'error policy.auth.routes.gone: route "gone" is not among the policy routes',
        'error policy.auth.routes.api.roles[0]: unknown role "missing"',
        'error policy.auth.routes.api.providers[0]: unknown provider "zzz"',
        'error policy.auth.routes.pub.roles: a route with auth "none" cannot require roles',
        'warning policy.auth.routes.other.roles: role "only" has no permission on route "other"',
      ]),
    );
  });

  it('a route set both inline and in auth.routes is refused', () => {
    const section = authSection.parse({ routes: { api: { auth: 'none' } } });
    const { diagnostics } = compileAuthPolicy(section, [
      { name: 'api', auth: { auth: 'none', forwardCredentials: false } },
    ]);
    expect(diagnostics.map((d) => d.message)).toEqual(['route "api" also sets auth inline; keep one']);
  });
});
