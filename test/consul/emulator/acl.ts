// The emulator's ACL and edition checks (consul-api.md §1.1, §3.12): CE refuses namespaces and
// partitions; tokens come from ?token, then X-Consul-Token, then Authorization: Bearer; an unknown
// token is 403 "ACL not found"; no token means the anonymous token and the default policy.
import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { EmulatorOptions, Perms } from './context.ts';
import { HttpError } from './http-util.ts';

/** Permissions when ACLs are off (and for the status endpoints, which need none). */
export const ALL: Perms = { read: true, write: true, accessor: 'root', anonymous: false };

/** A stable UUID-shaped accessor ID derived from a secret. */
export function fakeUuid(seed: string): string {
  const h = createHash('sha256').update(seed).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

/** CE rejects any namespace or partition, even "default". */
export function rejectEnterprise(req: IncomingMessage, q: URLSearchParams): void {
  const ns = q.get('ns')
    ? 'query parameter: "ns"'
    : req.headers['x-consul-namespace']
      ? 'header: "X-Consul-Namespace"'
      : undefined;
  if (ns) throw new HttpError(400, `Invalid ${ns} - Namespaces are a Consul Enterprise feature`);
  const part = q.get('partition')
    ? 'query parameter: "partition"'
    : req.headers['x-consul-partition']
      ? 'header: "X-Consul-Partition"'
      : undefined;
  if (part) throw new HttpError(400, `Invalid ${part} - Partitions are a Consul Enterprise feature`);
}

/** The caller's permissions; throws 403 "ACL not found" for an unknown token. */
export function permsOf(opts: EmulatorOptions, req: IncomingMessage, q: URLSearchParams): Perms {
  const acl = opts.acl;
  if (!acl) return ALL;
  const bearer = /^bearer\s+(\S+)/i.exec(String(req.headers.authorization ?? ''))?.[1];
  const token = q.get('token') || String(req.headers['x-consul-token'] ?? '') || bearer || '';
  if (!token) {
    const allow = acl.defaultPolicy === 'allow';
    return { read: allow, write: allow, accessor: '00000000-0000-0000-0000-000000000002', anonymous: true };
  }
  const grant = acl.tokens[token];
  if (!grant) throw new HttpError(403, 'ACL not found');
  return { read: grant !== 'none', write: grant === 'write', accessor: fakeUuid(token), anonymous: false };
}
