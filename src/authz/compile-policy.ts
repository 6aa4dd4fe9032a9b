// Compiles the schema-valid auth section against the policy's routes: every cross-reference problem
// (unknown route, role or provider; duplicate issuer or key digest; clashing header names) becomes a
// diagnostic with its path, all of them reported at once. Pure: no I/O, no clock.
import { type AuthSection, authSection, type RouteAuth } from '../config/auth-schema.ts';
import { type Diagnostic, hasErrors, problem, warning } from '../errors.ts';
import { routePolicyKey } from '../model/names.ts';
import type { ApiKeyRecord, CompiledAuthPolicy, CompiledRoute, ProviderSpec } from './compiled.ts';
import type { KeyLocation } from './key-loaders.ts';
import { type Rule, roleRule } from './rbac.ts';

/** A policy route as compile sees it: its name and, if the policy sets it inline, its auth. */
export interface PolicyRouteRef {
  readonly name: string;
  readonly auth?: RouteAuth;
}

/** The compiled policy, or undefined when any diagnostic is an error. */
export interface CompileResult {
  readonly compiled: CompiledAuthPolicy | undefined;
  readonly diagnostics: readonly Diagnostic[];
}

const RESERVED_HEADERS = new Set([
  'authorization',
  'host',
  'cookie',
  'content-length',
  'transfer-encoding',
  'te',
  'connection',
]);

function providerSpec(name: string, p: AuthSection['providers'][string], fetch: AuthSection['fetch']): ProviderSpec {
  const location: KeyLocation = p.keys.uri
    ? { kind: 'uri', uri: p.keys.uri }
    : p.keys.file
      ? { kind: 'file', path: p.keys.file }
      : { kind: 'discovery', issuer: p.issuer };
  const timing = { cacheMaxAgeMs: p.cacheMaxAge, cooldownMs: p.cooldown, staleWindowMs: p.staleWindow };
  return {
    name,
    issuer: p.issuer,
    audiences: p.audiences,
    algorithms: p.algorithms,
    location,
    caFile: p.caFile,
    typ: p.typ,
    rolesClaim: p.rolesClaim,
    subjectClaim: p.subjectClaim,
    clockToleranceMs: p.clockTolerance,
    maxTokenAgeMs: p.maxTokenAge,
    timing,
    fetch,
    sourceKey: JSON.stringify({ location, caFile: p.caFile ?? null, timing, fetch }),
  };
}

/** Compiles `auth` (undefined = no auth section: every route public) for the given policy routes. */
export function compileAuthPolicy(
  auth: AuthSection | undefined,
  routes: readonly (string | PolicyRouteRef)[],
  source = 'policy.auth',
): CompileResult {
  const a = auth ?? authSection.parse({});
  const out: Diagnostic[] = [];
  const err = (path: string, msg: string) => out.push(problem('AUTH_INVALID', `${source}.${path}`, msg));
  const warn = (path: string, msg: string) => out.push(warning('AUTH_INVALID', `${source}.${path}`, msg));
  const refs = routes.map((r) => (typeof r === 'string' ? { name: r } : r));
  const routeNames = new Set(refs.map((r) => r.name));
  const roleNames = new Set(Object.keys(a.roles));
  const providerNames = Object.keys(a.providers);

  const checkNames = (
    path: string,
    names: readonly string[] | undefined,
    known: { has(n: string): boolean },
    what: string,
  ) => {
    names?.forEach((n, i) => {
      if (!known.has(n)) err(`${path}[${i}]`, `unknown ${what} "${n}"`);
    });
  };
  const checkRoles = (path: string, roles: readonly string[] | undefined) => checkNames(path, roles, roleNames, 'role');

  // Header names must not collide with each other or with credentials.
  const headers = Object.entries(a.identityHeaders);
  const seenHeader = new Map<string, string>();
  for (const [field, h] of headers) {
    if (RESERVED_HEADERS.has(h) || h === a.apiKeyHeader)
      err(`identityHeaders.${field}`, `"${h}" is reserved or carries credentials`);
    const other = seenHeader.get(h);
    if (other) err(`identityHeaders.${field}`, `"${h}" is also the ${other} header`);
    seenHeader.set(h, field);
  }
  if (RESERVED_HEADERS.has(a.apiKeyHeader)) err('apiKeyHeader', `"${a.apiKeyHeader}" is reserved`);

  const providers = new Map<string, ProviderSpec>();
  const issuers = new Map<string, string>();
  for (const name of providerNames) {
    const p = a.providers[name]!;
    const clash = issuers.get(p.issuer);
    if (clash)
      err(
        `providers.${name}.issuer`,
        `issuer "${p.issuer}" is also provider "${clash}"'s; tokens are matched to providers by issuer`,
      );
    issuers.set(p.issuer, name);
    providers.set(name, providerSpec(name, p, a.fetch));
  }

  const roleRules = new Map<string, Rule>();
  for (const [name, role] of Object.entries(a.roles)) {
    role.permissions.forEach((perm, i) => {
      checkNames(`roles.${name}.permissions[${i}].routes`, perm.routes, routeNames, 'route');
    });
    roleRules.set(name, roleRule(role.permissions));
  }

  const apiKeys = new Map<string, ApiKeyRecord>();
  const digestOwner = new Map<string, string>();
  for (const [name, c] of Object.entries(a.consumers)) {
    checkRoles(`consumers.${name}.roles`, c.roles);
    c.keys.forEach((k, i) => {
      const owner = digestOwner.get(k.digest);
      if (owner) err(`consumers.${name}.keys[${i}].digest`, `the same key is already listed at ${owner}`);
      digestOwner.set(k.digest, `consumers.${name}.keys[${i}]`);
      apiKeys.set(k.digest, {
        consumer: name,
        id: k.id,
        notBefore: k.notBefore ? Date.parse(k.notBefore) : undefined,
        expires: k.expires ? Date.parse(k.expires) : undefined,
        roles: c.roles,
      });
    });
  }

  for (const name of Object.keys(a.routes)) {
    if (!routeNames.has(name)) err(`routes.${name}`, `route "${name}" is not among the policy routes`);
  }

  const compiledRoutes = new Map<string, CompiledRoute>();
  const compileRoute = (name: string, r: RouteAuth, path: string) => {
    checkRoles(`${path}.roles`, r.roles);
    checkNames(`${path}.providers`, r.providers, providers, 'provider');
    const accepted = r.providers ?? providerNames;
    if ((r.auth === 'jwt' || r.auth === 'any') && accepted.length === 0)
      err(`${path}.auth`, `route "${name}" accepts JWTs but no provider is defined`);
    if ((r.auth === 'api-key' || r.auth === 'any') && apiKeys.size === 0)
      warn(`${path}.auth`, `route "${name}" accepts API keys but no consumer is defined`);
    if (r.auth === 'none' && r.roles) err(`${path}.roles`, 'a route with auth "none" cannot require roles');
    for (const role of r.roles ?? []) {
      const perms = a.roles[role]?.permissions ?? [];
      if (roleNames.has(role) && perms.every((p) => p.routes && !p.routes.includes(name)))
        warn(`${path}.roles`, `role "${role}" has no permission on route "${name}"`);
    }
    compiledRoutes.set(routePolicyKey(name), {
      key: routePolicyKey(name),
      name,
      auth: r.auth,
      roles: r.roles,
      providers: accepted,
      forwardCredentials: r.forwardCredentials,
    });
  };
  checkRoles('defaults.roles', a.defaults.roles);
  for (const ref of refs) {
    const listed = a.routes[ref.name];
    if (listed && ref.auth) err(`routes.${ref.name}`, `route "${ref.name}" also sets auth inline; keep one`);
    const [r, path] = listed
      ? [listed, `routes.${ref.name}`]
      : ref.auth
        ? [ref.auth, `(route ${ref.name}).auth`]
        : [a.defaults, 'defaults'];
    compileRoute(ref.name, r, path);
  }

  if (hasErrors(out)) return { compiled: undefined, diagnostics: out };
  const compiled: CompiledAuthPolicy = Object.freeze({
    routes: compiledRoutes,
    providers,
    apiKeys,
    roleRules,
    settings: Object.freeze({
      errorStatus: a.errorStatus,
      realm: a.realm,
      apiKeyHeader: a.apiKeyHeader,
      maxTokenBytes: a.maxTokenBytes,
      tokenCacheSize: a.tokenCacheSize,
      identityHeaders: a.identityHeaders,
      fetch: a.fetch,
    }),
  });
  return { compiled, diagnostics: out };
}
