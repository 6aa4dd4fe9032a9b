// Vetting of every JWK set before it is used (authz.md §b #19, #20): jose refuses RSA < 2048 bits
// but accepts e=1, short keys in sets are our job, and private or symmetric members must never be
// trusted. Bad keys are dropped one by one with a reason; the rest of the set stays usable.
import { importJWK, type JWK } from 'jose';

/** Why a key was dropped. */
export type KeyRejection =
  | 'symmetric'
  | 'private'
  | 'unsupported_type'
  | 'not_for_signing'
  | 'rsa_too_small'
  | 'rsa_too_large'
  | 'rsa_exponent'
  | 'ec_curve'
  | 'kid_invalid'
  | 'duplicate_kid'
  | 'unimportable';

/** The vetted set and what was dropped. */
export interface CheckedJwks {
  readonly keys: readonly JWK[];
  readonly rejected: readonly { readonly kid: string | undefined; readonly reason: KeyRejection }[];
}

const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'] as const;
const EC_CURVES = new Set(['P-256', 'P-384', 'P-521']);
const DEFAULT_ALG: Record<string, string> = {
  'P-256': 'ES256',
  'P-384': 'ES384',
  'P-521': 'ES512',
  Ed25519: 'Ed25519',
};
/** Most keys a set may hold; more is refused as a whole (work per refresh stays bounded). */
export const MAX_KEYS = 64;

function bigEndian(b64u: unknown): Buffer | undefined {
  if (typeof b64u !== 'string' || !/^[A-Za-z0-9_-]+$/.test(b64u)) return undefined;
  return Buffer.from(b64u, 'base64url');
}

function bitLength(bytes: Buffer): number {
  const first = bytes.findIndex((b) => b !== 0);
  if (first === -1) return 0;
  return (bytes.length - first - 1) * 8 + (32 - Math.clz32(bytes[first]!));
}

/** The first problem with one key, or undefined when it is fit to verify signatures. */
export function keyProblem(jwk: Record<string, unknown>): KeyRejection | undefined {
  if (jwk.kty === 'oct') return 'symmetric';
  if (PRIVATE_MEMBERS.some((m) => m in jwk)) return 'private';
  if (jwk.kid !== undefined && (typeof jwk.kid !== 'string' || jwk.kid.length === 0 || jwk.kid.length > 256))
    return 'kid_invalid';
  if (jwk.use !== undefined && jwk.use !== 'sig') return 'not_for_signing';
  if (jwk.key_ops !== undefined && !(Array.isArray(jwk.key_ops) && jwk.key_ops.includes('verify')))
    return 'not_for_signing';
  if (jwk.kty === 'RSA') {
    const n = bigEndian(jwk.n);
    const e = bigEndian(jwk.e);
    if (!n || !e) return 'unimportable';
    const bits = bitLength(n);
    if (bits < 2048) return 'rsa_too_small';
    if (bits > 16384) return 'rsa_too_large';
    const eValue = BigInt(`0x${e.toString('hex')}`);
    if (eValue < 65537n || eValue >= 2n ** 32n || eValue % 2n === 0n) return 'rsa_exponent';
    return undefined;
  }
  if (jwk.kty === 'EC') return EC_CURVES.has(jwk.crv as string) ? undefined : 'ec_curve';
  if (jwk.kty === 'OKP') return jwk.crv === 'Ed25519' ? undefined : 'ec_curve';
  return 'unsupported_type';
}

async function importable(jwk: JWK): Promise<boolean> {
  const alg = jwk.alg ?? (jwk.kty === 'RSA' ? 'RS256' : DEFAULT_ALG[jwk.crv ?? '']);
  if (!alg) return false;
  try {
    await importJWK(jwk, alg);
    return true;
  } catch {
    return false;
  }
}

/** Vets a JWK set document; throws on a document that is not a set at all. */
export async function checkJwks(doc: unknown): Promise<CheckedJwks> {
  const keys = (doc as { keys?: unknown } | null)?.keys;
  if (!Array.isArray(keys)) throw new TypeError('document has no "keys" array');
  if (keys.length > MAX_KEYS) throw new TypeError(`set has ${keys.length} keys; at most ${MAX_KEYS} are accepted`);
  const rejected: { kid: string | undefined; reason: KeyRejection }[] = [];
  const candidates: JWK[] = [];
  for (const raw of keys) {
    if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
      rejected.push({ kid: undefined, reason: 'unsupported_type' });
      continue;
    }
    const jwk = raw as JWK;
    const problem = keyProblem(jwk as Record<string, unknown>);
    if (problem) rejected.push({ kid: jwk.kid, reason: problem });
    else if (!(await importable(jwk))) rejected.push({ kid: jwk.kid, reason: 'unimportable' });
    else candidates.push(jwk);
  }
  // Ambiguity fails closed: a kid naming two keys an algorithm could both use names neither (§b #20).
  // The same kid on keys of different types or curves (RFC 7520 §3 does this) is not ambiguous.
  const slot = (k: JWK) => `${k.kid}|${k.kty}|${k.crv ?? ''}`;
  const seen = new Map<string, number>();
  for (const k of candidates) if (k.kid !== undefined) seen.set(slot(k), (seen.get(slot(k)) ?? 0) + 1);
  const accepted: JWK[] = [];
  for (const k of candidates) {
    if (k.kid !== undefined && (seen.get(slot(k)) ?? 0) > 1) rejected.push({ kid: k.kid, reason: 'duplicate_kid' });
    else accepted.push(k);
  }
  return { keys: accepted, rejected };
}
