// The request path as authorization sees it. Envoy's HCM is expected to normalise (normalize_path,
// merge_slashes, escaped-slash action); this is the second line: we decide on the path Envoy sends,
// decode only what is unambiguous (percent-encoded unreserved characters, RFC 3986 §6.2.2.2), and
// refuse anything an upstream could read differently (dot segments, "//", encoded "/" or "\", NUL).

/** A path ready for permission matching, or why it was refused. */
export type CanonicalPath = { readonly ok: true; readonly path: string } | { readonly ok: false; readonly why: string };

const UNRESERVED = /[A-Za-z0-9\-._~]/;
// RFC 3986 pchar plus "/" and "%": anything else never reaches a decision.
const ALLOWED = /^[A-Za-z0-9\-._~!$&'()*+,;=:@/%]*$/;

/** Canonicalises the `:path` Envoy sent (query and fragment dropped) or refuses it as ambiguous. */
export function canonicalPath(raw: string): CanonicalPath {
  const end = raw.search(/[?#]/);
  const target = end === -1 ? raw : raw.slice(0, end);
  if (!target.startsWith('/')) return { ok: false, why: 'path is not origin-form' };
  if (!ALLOWED.test(target)) return { ok: false, why: 'path has characters outside RFC 3986' };
  let out = '';
  for (let i = 0; i < target.length; i++) {
    const c = target[i]!;
    if (c !== '%') {
      out += c;
      continue;
    }
    const hex = target.slice(i + 1, i + 3);
    if (!/^[0-9A-Fa-f]{2}$/.test(hex)) return { ok: false, why: 'malformed percent-encoding' };
    const ch = String.fromCharCode(Number.parseInt(hex, 16));
    if (ch === '/' || ch === '\\' || ch === '\0')
      return { ok: false, why: `encoded "${hex.toUpperCase()}" is ambiguous` };
    out += UNRESERVED.test(ch) ? ch : `%${hex.toUpperCase()}`;
    i += 2;
  }
  const segments = out.split('/').slice(1);
  for (let i = 0; i < segments.length; i++) {
    const s = segments[i]!;
    if (s === '.' || s === '..') return { ok: false, why: 'dot segment in path' };
    if (s === '' && i < segments.length - 1) return { ok: false, why: 'empty segment ("//") in path' };
  }
  return { ok: true, path: out };
}

/** True when a canonical path matches a pattern: literal segments, `*` one segment, final `**` any rest. */
export function matchPath(pattern: string, path: string): boolean {
  const want = pattern.split('/').slice(1);
  const have = path.split('/').slice(1);
  for (let i = 0; i < want.length; i++) {
    const w = want[i]!;
    if (w === '**') return true;
    const h = have[i];
    if (h === undefined) return false;
    if (w === '*' ? h === '' : w !== h) return false;
  }
  return want.length === have.length;
}
