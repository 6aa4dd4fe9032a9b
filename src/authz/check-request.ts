// CheckRequest -> AuthzRequest: the few facts a decision reads, taken the way Envoy sends them
// (authz.md §c.1): lower-cased `headers` (or raw `header_map` with `encode_raw_headers`, merged the
// same way), `:path` with its query, the route's policy key and version in context_extensions.
import type { CheckRequest__Output } from '../generated/envoy/service/auth/v3/CheckRequest.ts';
// The context_extensions keys are part of the contract with translate: one definition, in names.ts.
import { POLICY_KEY_EXTENSION, POLICY_VERSION_EXTENSION } from '../model/names.ts';
import type { AuthzRequest } from './decision.ts';

export { POLICY_KEY_EXTENSION, POLICY_VERSION_EXTENSION };

function headerMap(
  http: NonNullable<NonNullable<CheckRequest__Output['attributes']>['request']>['http'],
): Map<string, string> {
  const out = new Map<string, string>();
  const raw = http?.header_map?.headers ?? [];
  if (raw.length > 0) {
    for (const h of raw) {
      const key = h.key.toLowerCase();
      const value = h.raw_value && h.raw_value.length > 0 ? Buffer.from(h.raw_value).toString('latin1') : h.value;
      const prev = out.get(key);
      out.set(key, prev === undefined ? value : `${prev},${value}`);
    }
    return out;
  }
  for (const [k, v] of Object.entries(http?.headers ?? {})) out.set(k.toLowerCase(), v);
  return out;
}

/** Extracts the decision inputs from a CheckRequest. */
export function authzRequest(req: CheckRequest__Output): AuthzRequest {
  const attrs = req.attributes;
  const http = attrs?.request?.http ?? null;
  const headers = headerMap(http);
  const ext = attrs?.context_extensions ?? {};
  return {
    policyKey: ext[POLICY_KEY_EXTENSION] || undefined,
    policyVersion: ext[POLICY_VERSION_EXTENSION] || undefined,
    method: http?.method || headers.get(':method') || '',
    path: http?.path || headers.get(':path') || '',
    headers,
    requestId: headers.get('x-request-id'),
  };
}
