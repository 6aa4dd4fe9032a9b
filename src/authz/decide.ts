// request + compiled policy -> Decision. Authentication first (so a 401 reveals nothing about
// permissions), then the route's roles against the permission matrix. Only the route's own
// credential schemes are read; a credential that is present but bad is refused, never skipped.
import { lookupApiKey } from './api-keys.ts';
import type { CompiledAuthPolicy, CompiledRoute } from './compiled.ts';
import type { AuthzRequest, Decision, Identity, Scheme } from './decision.ts';
import type { JwtOutcome } from './jwt-verify.ts';
import { canonicalPath } from './path.ts';
import { grantingRole } from './rbac.ts';

/** What decide needs from the runtime. */
export interface DecideDeps {
  /** Verifies a bearer token against a route's providers (cached by the authorizer). */
  readonly verifyJwt: (token: string, route: CompiledRoute) => Promise<JwtOutcome>;
  readonly now: () => number;
}

const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i;

type Authn = { ok: true; identity: Identity } | { ok: false; decision: Decision };

function schemesOf(route: CompiledRoute): Scheme[] {
  return route.auth === 'any' ? ['jwt', 'api-key'] : route.auth === 'jwt' ? ['jwt'] : ['api-key'];
}

function definedRoles(values: readonly string[], policy: CompiledAuthPolicy): string[] {
  return [...new Set(values.filter((r) => policy.roleRules.has(r)))].sort();
}

async function authenticate(
  req: AuthzRequest,
  route: CompiledRoute,
  policy: CompiledAuthPolicy,
  deps: DecideDeps,
): Promise<Authn> {
  const schemes = schemesOf(route);
  const deny = (reason: Decision['reason'], why: string, presented?: Scheme): Authn => ({
    ok: false,
    decision: { result: 'unauthenticated', reason, route, schemes, presented, why },
  });
  const authorization = schemes.includes('jwt') ? req.headers.get('authorization') : undefined;
  const apiKey = schemes.includes('api-key') ? req.headers.get(policy.settings.apiKeyHeader) : undefined;
  if (authorization !== undefined && apiKey !== undefined)
    return deny('credentials_ambiguous', 'both a bearer token and an API key were sent');
  if (authorization !== undefined) {
    const m = BEARER.exec(authorization);
    if (!m) return deny('authorization_malformed', 'Authorization is not a single Bearer token', 'jwt');
    const outcome = await deps.verifyJwt(m[1]!, route);
    if (outcome.kind === 'unavailable')
      return { ok: false, decision: { result: 'error', reason: 'keys_unavailable', route, why: outcome.why } };
    if (outcome.kind === 'rejected') return deny(outcome.reason, outcome.why, 'jwt');
    const { subject, provider, claimRoles } = outcome.identity;
    return { ok: true, identity: { kind: 'jwt', subject, provider, roles: definedRoles(claimRoles, policy) } };
  }
  if (apiKey !== undefined) {
    const found = lookupApiKey(apiKey.trim(), policy.apiKeys, deps.now());
    if (found.kind === 'rejected') return deny(found.reason, 'the API key is not valid', 'api-key');
    const { consumer, id, roles } = found.record;
    return { ok: true, identity: { kind: 'api-key', consumer, keyId: id, roles: definedRoles(roles, policy) } };
  }
  return deny('credentials_missing', `no ${schemes.join(' or ')} credentials`);
}

function whoIs(identity: Identity): string {
  return identity.kind === 'jwt'
    ? `subject "${identity.subject}" of provider "${identity.provider}"`
    : `consumer "${identity.consumer}"`;
}

/** Decides one request on one compiled policy. Throws only on internal faults (the caller fails closed). */
export async function decide(req: AuthzRequest, policy: CompiledAuthPolicy, deps: DecideDeps): Promise<Decision> {
  if (!req.policyKey)
    return { result: 'error', reason: 'no_policy_key', why: 'context_extensions carry no gatehouse.policy_key' };
  const route = policy.routes.get(req.policyKey);
  if (!route)
    return {
      result: 'error',
      reason: 'unknown_route',
      why: `policy key "${req.policyKey}" is not in this policy version`,
    };
  if (route.auth === 'none')
    return { result: 'allow', reason: 'public', route, identity: undefined, why: `route "${route.name}" is public` };

  const authn = await authenticate(req, route, policy, deps);
  if (!authn.ok) return authn.decision;
  const { identity } = authn;
  if (!route.roles)
    return { result: 'allow', reason: 'authenticated', route, identity, why: `${whoIs(identity)} is authenticated` };

  const path = canonicalPath(req.path);
  if (!path.ok) return { result: 'forbidden', reason: 'path_ambiguous', route, identity, why: path.why };
  const facts = { route: route.name, method: req.method.toUpperCase(), path: path.path };
  const role = grantingRole(route.roles, new Set(identity.roles), policy.roleRules, facts);
  if (!role) {
    return {
      result: 'forbidden',
      reason: 'role_missing',
      route,
      identity,
      why: `${whoIs(identity)} holds [${identity.roles.join(', ')}]; none of [${route.roles.join(', ')}] grants ${facts.method} ${facts.path}`,
    };
  }
  return {
    result: 'allow',
    reason: 'role_granted',
    route,
    identity,
    why: `role "${role}" (${policy.roleRules.get(role)}) grants ${facts.method} ${facts.path}`,
  };
}
