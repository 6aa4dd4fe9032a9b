// JWT verification: the strict grammar first, then jose's jwtVerify with every option RFC 8725 asks
// for set explicitly (authz.md §b.5): pinned algorithms, exact issuer, audience, required exp and
// subject, typ, clock tolerance, max token age. jose rejects unknown `crit`, `alg: none`, embedded
// `jwk`/`jku`/`x5u` (never consulted) and HMAC with a JWKS. Failures become reason codes.
import { errors, jwtVerify } from 'jose';
import { isGrammarFailure, parseCompactJws } from './compact-jws.ts';
import type { ProviderSpec } from './compiled.ts';
import { type JwksSource, KeysUnavailable } from './jwks-source.ts';

/** Why a token was refused. */
export type JwtReason =
  | 'token_too_large'
  | 'token_malformed'
  | 'issuer_unknown'
  | 'algorithm_not_allowed'
  | 'key_not_found'
  | 'key_ambiguous'
  | 'signature_invalid'
  | 'token_expired'
  | 'token_not_yet_valid'
  | 'token_too_old'
  | 'issued_in_future'
  | 'issuer_mismatch'
  | 'audience_mismatch'
  | 'type_mismatch'
  | 'claim_missing'
  | 'claims_malformed'
  | 'token_unsupported';

/** A verified token's identity. */
export interface JwtIdentity {
  readonly provider: string;
  readonly subject: string;
  /** Values of the provider's roles claim, unfiltered. */
  readonly claimRoles: readonly string[];
  /** When the token stops being acceptable: `exp`, or `iat` + maxTokenAge if earlier (ms). */
  readonly expiresAtMs: number;
}

/** The outcome of verifying one token. */
export type JwtOutcome =
  | { readonly kind: 'verified'; readonly identity: JwtIdentity }
  | { readonly kind: 'rejected'; readonly reason: JwtReason; readonly why: string }
  | { readonly kind: 'unavailable'; readonly why: string };

/** What verification needs besides the token. */
export interface JwtVerifyDeps {
  readonly keys: (provider: ProviderSpec) => JwksSource;
  readonly now: () => number;
  readonly maxTokenBytes: number;
}

const MAX_ROLES = 64;

/** Reads the roles claim: an array of strings or a space-separated string; dots walk objects. */
export function claimRoles(claims: Record<string, unknown>, path: string): string[] {
  let value: unknown = claims;
  for (const part of path.split('.'))
    value = value && typeof value === 'object' ? (value as Record<string, unknown>)[part] : undefined;
  const list = typeof value === 'string' ? value.split(' ') : Array.isArray(value) ? value : [];
  return list.filter((v): v is string => typeof v === 'string' && v.length > 0 && v.length <= 128).slice(0, MAX_ROLES);
}

function reject(reason: JwtReason, why: string): JwtOutcome {
  return { kind: 'rejected', reason, why };
}

/** Maps a jose error to a reason code; undefined for errors that are not the token's fault. */
export function joseReason(err: unknown): JwtReason | undefined {
  if (err instanceof errors.JWTExpired) return err.claim === 'iat' ? 'token_too_old' : 'token_expired';
  if (err instanceof errors.JWTClaimValidationFailed) {
    if (err.reason === 'missing') return 'claim_missing';
    const byClaim: Record<string, JwtReason> = {
      iss: 'issuer_mismatch',
      aud: 'audience_mismatch',
      typ: 'type_mismatch',
      nbf: 'token_not_yet_valid',
      iat: 'issued_in_future',
    };
    return byClaim[err.claim] ?? 'claims_malformed';
  }
  if (err instanceof errors.JOSEAlgNotAllowed) return 'algorithm_not_allowed';
  if (err instanceof errors.JWKSNoMatchingKey) return 'key_not_found';
  if (err instanceof errors.JWKSMultipleMatchingKeys) return 'key_ambiguous';
  if (err instanceof errors.JWSSignatureVerificationFailed) return 'signature_invalid';
  if (err instanceof errors.JOSENotSupported) return 'token_unsupported';
  if (err instanceof errors.JWTInvalid) return 'claims_malformed';
  if (err instanceof errors.JWSInvalid || err instanceof errors.JWKInvalid) return 'token_malformed';
  return undefined;
}

/** Verifies a bearer token against the providers a route accepts. Throws only on internal faults. */
export async function verifyJwt(
  token: string,
  accepted: readonly ProviderSpec[],
  deps: JwtVerifyDeps,
): Promise<JwtOutcome> {
  const parts = parseCompactJws(token, deps.maxTokenBytes);
  if (isGrammarFailure(parts)) return reject(parts.reason, parts.why);
  const iss = parts.claims.iss;
  // Keys are bound to the issuer's configured source; the unverified iss only picks which one.
  const provider = typeof iss === 'string' ? accepted.find((p) => p.issuer === iss) : undefined;
  if (!provider) return reject('issuer_unknown', 'no accepted provider has this issuer');
  const now = deps.now();
  const toleranceS = provider.clockToleranceMs / 1000;
  let payload: Record<string, unknown>;
  try {
    ({ payload } = await jwtVerify(token, deps.keys(provider).getKey, {
      algorithms: [...provider.algorithms],
      issuer: provider.issuer,
      audience: [...provider.audiences],
      requiredClaims: ['exp', provider.subjectClaim],
      clockTolerance: toleranceS,
      currentDate: new Date(now),
      ...(provider.typ ? { typ: provider.typ } : {}),
      ...(provider.maxTokenAgeMs !== undefined ? { maxTokenAge: provider.maxTokenAgeMs / 1000 } : {}),
    }));
  } catch (err) {
    if (err instanceof KeysUnavailable) return { kind: 'unavailable', why: err.message };
    const reason = joseReason(err);
    if (!reason) throw err;
    return reject(reason, (err as Error).message);
  }
  // jose bounds `iat` only together with maxTokenAge; a token from the future is refused regardless.
  if (typeof payload.iat === 'number' && payload.iat > now / 1000 + toleranceS)
    return reject('issued_in_future', '"iat" is in the future');
  const subject = payload[provider.subjectClaim];
  if (typeof subject !== 'string' || subject.length === 0)
    return reject('claims_malformed', `"${provider.subjectClaim}" is not a non-empty string`);
  return {
    kind: 'verified',
    identity: {
      provider: provider.name,
      subject,
      claimRoles: claimRoles(payload, provider.rolesClaim),
      expiresAtMs: Math.min(
        (payload.exp as number) * 1000,
        provider.maxTokenAgeMs !== undefined
          ? (payload.iat as number) * 1000 + provider.maxTokenAgeMs
          : Number.POSITIVE_INFINITY,
      ),
    },
  };
}
