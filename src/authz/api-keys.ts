// API keys: created once and shown once, stored in the policy only as a SHA-256 digest, looked up by
// digest (no comparison loop to time, authz.md §b #32–#35). The format is `gatehouse_` + 32 base62 random
// characters (190 bits) + a 6-character base62 CRC32 of everything before it, so secret scanners
// can find leaked keys and typos are refused without a lookup. Rotation = several keys with
// overlapping notBefore/expires; revocation = removing the digest from the policy.
import { createHash, randomBytes } from 'node:crypto';
import { crc32 } from 'node:zlib';
import type { ApiKeyRecord } from './compiled.ts';

/** Every Gatehouse API key starts with this. */
export const API_KEY_PREFIX = 'gatehouse_';
const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const RANDOM_CHARS = 32;
const CHECKSUM_CHARS = 6;
const SHAPE = new RegExp(`^${API_KEY_PREFIX}[0-9A-Za-z]{${RANDOM_CHARS + CHECKSUM_CHARS}}$`);

function base62(n: number, width: number): string {
  let out = '';
  for (let i = 0; i < width; i++) {
    out = BASE62[n % 62] + out;
    n = Math.floor(n / 62);
  }
  return out;
}

function checksum(body: string): string {
  return base62(crc32(body), CHECKSUM_CHARS);
}

function randomBase62(length: number): string {
  let out = '';
  while (out.length < length) {
    // Rejection sampling: bytes >= 248 would bias the modulo.
    for (const b of randomBytes(length * 2)) if (b < 248 && out.length < length) out += BASE62[b % 62];
  }
  return out;
}

/** The digest the policy stores for a key. */
export function apiKeyDigest(key: string): string {
  return `sha256:${createHash('sha256').update(key).digest('hex')}`;
}

/** True when `key` has the Gatehouse shape and a correct checksum. */
export function isWellFormedApiKey(key: string): boolean {
  if (!SHAPE.test(key)) return false;
  const body = key.slice(0, -CHECKSUM_CHARS);
  return checksum(body) === key.slice(-CHECKSUM_CHARS);
}

/** A new key and its digest. */
export function createApiKey(): { key: string; digest: string } {
  const body = API_KEY_PREFIX + randomBase62(RANDOM_CHARS);
  const key = body + checksum(body);
  return { key, digest: apiKeyDigest(key) };
}

/** Why a presented key was refused. */
export type ApiKeyReason = 'api_key_malformed' | 'api_key_unknown' | 'api_key_not_yet_valid' | 'api_key_expired';

/** The result of presenting a key. */
export type ApiKeyOutcome =
  | { readonly kind: 'valid'; readonly record: ApiKeyRecord }
  | { readonly kind: 'rejected'; readonly reason: ApiKeyReason };

/** Looks a presented key up by digest and checks its validity window. */
export function lookupApiKey(key: string, table: ReadonlyMap<string, ApiKeyRecord>, nowMs: number): ApiKeyOutcome {
  if (!isWellFormedApiKey(key)) return { kind: 'rejected', reason: 'api_key_malformed' };
  const record = table.get(apiKeyDigest(key));
  if (!record) return { kind: 'rejected', reason: 'api_key_unknown' };
  if (record.notBefore !== undefined && nowMs < record.notBefore)
    return { kind: 'rejected', reason: 'api_key_not_yet_valid' };
  if (record.expires !== undefined && nowMs >= record.expires) return { kind: 'rejected', reason: 'api_key_expired' };
  return { kind: 'valid', record };
}
