// Decision -> CheckResponse, shaped per authz.md §c.2. Allow: our identity headers set with
// `append: false` (overwrite on every Envoy version, §b #23; `append_action` stays at its default
// because some Envoy paths refuse both being set), every identity header we did not set and any
// client-sent `x-gatehouse-*` header removed (§b #22), consumed credentials removed unless the route
// forwards them (§b #25). Deny: 401 with a WWW-Authenticate that says why (RFC 6750 §3), 403, or the
// configured error status. The policy version rides in the top-level dynamic_metadata (field 4).

import type { HeaderValueOption } from '../generated/envoy/config/core/v3/HeaderValueOption.ts';
import type { CheckResponse } from '../generated/envoy/service/auth/v3/CheckResponse.ts';
import type { StatusCode } from '../generated/envoy/type/v3/StatusCode.ts';
import type { Struct } from '../generated/google/protobuf/Struct.ts';
import type { AuthSettings } from './compiled.ts';
import type { Decision, Identity, Scheme } from './decision.ts';

/** gRPC status codes used in CheckResponse.status. */
const GRPC = { OK: 0, PERMISSION_DENIED: 7, UNAVAILABLE: 14, UNAUTHENTICATED: 16 } as const;
/** Prefix of every header Gatehouse owns; clients can never send one through. */
export const IDENTITY_PREFIX = 'x-gatehouse-';
const MAX_VALUE = 256;

/** A header value safe to emit: printable ASCII, capped; anything else percent-encoded (§b #24). */
export function headerValue(raw: string): string {
  const safe = /^[\x20-\x7e]*$/.test(raw) ? raw : encodeURIComponent(raw);
  return safe.length > MAX_VALUE ? safe.slice(0, MAX_VALUE) : safe;
}

function set(key: string, value: string): HeaderValueOption {
  return { header: { key, value }, append: { value: false } };
}

function metadata(decision: Decision, version: string | undefined, policyKey: string | undefined): Struct {
  const fields: Record<string, string | undefined> = {
    policy_version: version ?? '',
    policy_key: decision.route?.key ?? policyKey ?? '',
    result: decision.result,
    reason: decision.reason,
  };
  const identity = 'identity' in decision ? decision.identity : undefined;
  if (identity?.subject) fields.subject = headerValue(identity.subject);
  if (identity?.consumer) fields.consumer = identity.consumer;
  if (identity?.provider) fields.provider = identity.provider;
  return {
    fields: Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, { stringValue: v ?? '' }])),
  };
}

function identityHeaders(identity: Identity | undefined, s: AuthSettings): Map<string, string> {
  const h = s.identityHeaders;
  const out = new Map<string, string>();
  if (!identity) return out;
  if (identity.subject) out.set(h.subject, headerValue(identity.subject));
  if (identity.provider) out.set(h.provider, identity.provider);
  if (identity.consumer) out.set(h.consumer, identity.consumer);
  if (identity.roles.length > 0) out.set(h.roles, headerValue(identity.roles.join(',')));
  return out;
}

/** RFC 6750 error_description text for a reason; API-key reasons stay uniform (no enumeration, §b #33). */
function describe(reason: string, presented: Scheme | undefined): string {
  return presented === 'api-key' ? 'invalid api key' : reason.replaceAll('_', ' ');
}

function challenge(schemes: readonly Scheme[], s: AuthSettings, presented: Scheme | undefined, reason: string): string {
  return schemes
    .map((scheme) => {
      const base =
        scheme === 'jwt' ? `Bearer realm="${s.realm}"` : `ApiKey realm="${s.realm}", header="${s.apiKeyHeader}"`;
      if (presented !== scheme) return base;
      const error = scheme === 'jwt' ? 'invalid_token' : 'invalid_key';
      return `${base}, error="${error}", error_description="${describe(reason, presented)}"`;
    })
    .join(', ');
}

function denied(code: number, status: number, headers: HeaderValueOption[], body: string): CheckResponse {
  return {
    status: { code, message: '' },
    denied_response: {
      status: { code: status as StatusCode },
      headers: [set('content-type', 'application/json'), set('cache-control', 'no-store'), ...headers],
      body: `${JSON.stringify({ error: body })}\n`,
    },
  };
}

/** The CheckResponse for a decision. `requestHeaders` lets spoofed `x-gatehouse-*` headers be removed. */
export function checkResponse(
  decision: Decision,
  ctx: {
    readonly settings: AuthSettings;
    readonly version: string | undefined;
    readonly policyKey: string | undefined;
    readonly requestHeaders: ReadonlyMap<string, string>;
  },
): CheckResponse {
  const s = ctx.settings;
  const dynamic_metadata = metadata(decision, ctx.version, ctx.policyKey);
  if (decision.result === 'allow') {
    const ours = identityHeaders(decision.identity, s);
    const remove = new Set<string>(Object.values(s.identityHeaders));
    for (const name of ctx.requestHeaders.keys()) if (name.startsWith(IDENTITY_PREFIX)) remove.add(name);
    const route = decision.route;
    if (route.auth !== 'none' && !route.forwardCredentials) {
      if (route.auth !== 'api-key') remove.add('authorization');
      if (route.auth !== 'jwt') remove.add(s.apiKeyHeader);
    }
    for (const name of ours.keys()) remove.delete(name);
    return {
      status: { code: GRPC.OK, message: '' },
      ok_response: {
        headers: [...ours].sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, v]) => set(k, v)),
        headers_to_remove: [...remove].sort(),
      },
      dynamic_metadata,
    };
  }
  if (decision.result === 'unauthenticated') {
    const www = challenge(decision.schemes, s, decision.presented, decision.reason);
    return {
      ...denied(GRPC.UNAUTHENTICATED, 401, [set('www-authenticate', www)], 'unauthenticated'),
      dynamic_metadata,
    };
  }
  if (decision.result === 'forbidden') {
    const bearer = decision.identity?.kind === 'jwt' && decision.reason === 'role_missing';
    const extra = bearer ? [set('www-authenticate', `Bearer realm="${s.realm}", error="insufficient_scope"`)] : [];
    return { ...denied(GRPC.PERMISSION_DENIED, 403, extra, 'forbidden'), dynamic_metadata };
  }
  return { ...denied(GRPC.UNAVAILABLE, s.errorStatus, [], 'unavailable'), dynamic_metadata };
}
