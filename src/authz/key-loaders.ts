// Where a provider's JWK set document comes from: a JWKS URL, OIDC discovery from the issuer, or
// a local file. Each loader returns the raw document; vetting and caching happen in jwks-source.
import { readFile } from 'node:fs/promises';
import { checkUrl, FetchError, type FetchLimits, fetchJson } from './http-fetch.ts';

/** The key source of one provider, as compiled from the policy. */
export type KeyLocation =
  | { readonly kind: 'uri'; readonly uri: string }
  | { readonly kind: 'discovery'; readonly issuer: string }
  | { readonly kind: 'file'; readonly path: string };

/** Loads the raw JWK set document once. */
export type KeyLoader = () => Promise<unknown>;

/** The OIDC discovery document URL of an issuer (OIDC Discovery §4: trailing "/" removed first). */
export function discoveryUrl(issuer: string): string {
  return `${issuer.replace(/\/$/, '')}/.well-known/openid-configuration`;
}

async function discover(issuer: string, limits: FetchLimits): Promise<unknown> {
  const doc = (await fetchJson(discoveryUrl(issuer), limits)) as { issuer?: unknown; jwks_uri?: unknown } | null;
  // OIDC Discovery §4.3: the document must name exactly the issuer we asked about (mix-up defence).
  if (doc?.issuer !== issuer)
    throw new FetchError(
      'invalid_document',
      `discovery document names issuer ${JSON.stringify(doc?.issuer)}, not ${JSON.stringify(issuer)}`,
    );
  if (typeof doc.jwks_uri !== 'string') throw new FetchError('invalid_document', 'discovery document has no jwks_uri');
  checkUrl(doc.jwks_uri, limits);
  return fetchJson(doc.jwks_uri, limits);
}

async function readJson(path: string, maxBytes: number): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new FetchError('network', `cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`);
  }
  if (text.length > maxBytes) throw new FetchError('too_large', `${path} exceeds ${maxBytes} bytes`);
  try {
    return JSON.parse(text);
  } catch {
    throw new FetchError('invalid_json', `${path} is not JSON`);
  }
}

/** The loader for a key location under the fetch limits. */
export function keyLoader(location: KeyLocation, limits: FetchLimits): KeyLoader {
  switch (location.kind) {
    case 'uri':
      return () => fetchJson(location.uri, limits);
    case 'discovery':
      return () => discover(location.issuer, limits);
    case 'file':
      return () => readJson(location.path, limits.maxBytes);
  }
}
