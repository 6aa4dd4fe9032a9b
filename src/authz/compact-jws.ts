// Strict JWS compact grammar, checked before jose sees a token (authz.md §b #16, §e.4): a size cap,
// exactly three non-empty canonical base64url segments (no padding, whitespace or stray bits),
// JSON-object header and claims. The unverified `iss` chooses the provider; nothing else is trusted.

/** A token that passed the grammar, with its unverified header and claims. */
export interface CompactParts {
  readonly header: Readonly<Record<string, unknown>>;
  readonly claims: Readonly<Record<string, unknown>>;
}

/** Why a token was refused before any cryptography. */
export type GrammarFailure = { readonly reason: 'token_too_large' | 'token_malformed'; readonly why: string };

const SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const utf8 = new TextDecoder('utf-8', { fatal: true });

/** True when a base64url segment is the one canonical encoding of its bytes. */
export function isCanonicalBase64url(segment: string): boolean {
  const rest = segment.length % 4;
  if (rest === 1) return false;
  if (rest === 0) return true;
  const last = ALPHABET.indexOf(segment[segment.length - 1]!);
  return (last & (rest === 2 ? 0x0f : 0x03)) === 0;
}

function decodeObject(segment: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(utf8.decode(Buffer.from(segment, 'base64url')));
    return value !== null && typeof value === 'object' && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/** Checks the grammar and decodes header and claims without verifying anything. */
export function parseCompactJws(token: string, maxBytes: number): CompactParts | GrammarFailure {
  if (token.length > maxBytes) return { reason: 'token_too_large', why: `token longer than ${maxBytes} bytes` };
  if (!SHAPE.test(token)) return { reason: 'token_malformed', why: 'not a three-part base64url compact JWS' };
  const segments = token.split('.');
  if (!segments.every(isCanonicalBase64url)) return { reason: 'token_malformed', why: 'non-canonical base64url' };
  const header = decodeObject(segments[0]!);
  if (!header) return { reason: 'token_malformed', why: 'header is not a JSON object' };
  if (header.b64 !== undefined) return { reason: 'token_malformed', why: 'the b64 header is not accepted' };
  const claims = decodeObject(segments[1]!);
  if (!claims) return { reason: 'token_malformed', why: 'claims are not a JSON object' };
  return { header, claims };
}

/** Narrows a parse result to a failure. */
export function isGrammarFailure(r: CompactParts | GrammarFailure): r is GrammarFailure {
  return 'reason' in r;
}
