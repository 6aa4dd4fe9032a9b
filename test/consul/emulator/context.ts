// What every emulator route handler gets: the request, the store, the caller's ACL permissions and
// the validated common query parameters (consul-api.md §1.1, §2.1, §2.5, §3.12).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { HttpError, parseGoDuration } from './http-util.ts';
import type { Store } from './store.ts';

/** Emulator settings; the query-time knobs are the test hooks of §8. */
export interface EmulatorOptions {
  /** Listen port; 0 picks a free one, kept across stop()/start(). */
  readonly port?: number;
  readonly datacenter?: string;
  /** Name and address of the agent's own node (where agent registrations land). */
  readonly nodeName?: string;
  readonly nodeAddress?: string;
  /** Register the `consul` service on the agent node, as a server agent does (default true). */
  readonly consulService?: boolean;
  /** `default_query_time` (300 s in Consul). */
  readonly defaultQueryTimeMs?: number;
  /** `max_query_time` (600 s in Consul). */
  readonly maxQueryTimeMs?: number;
  /** Add Consul's random stagger in [0, timeout/16) to blocking waits (default true). */
  readonly jitter?: boolean;
  /** Turns ACLs on: token secret -> what it may do. Anonymous callers get `defaultPolicy`. */
  readonly acl?: {
    readonly tokens: Readonly<Record<string, 'none' | 'read' | 'write'>>;
    readonly defaultPolicy?: 'allow' | 'deny';
  };
  /** `kv_max_value_size` (512 KiB). */
  readonly kvMaxValueSize?: number;
  /** `limits.http_max_conns_per_client`; past it requests get 429 (off by default). */
  readonly maxConnsPerClient?: number;
}

/** Shared emulator state the handlers read. */
export interface Core {
  readonly store: Store;
  readonly opts: EmulatorOptions;
  readonly datacenter: string;
  readonly nodeName: string;
  leader: boolean;
}

/** The caller's permissions after token lookup. */
export interface Perms {
  readonly read: boolean;
  readonly write: boolean;
  readonly accessor: string;
  /** True when the request carried no token (the anonymous token applied). */
  readonly anonymous: boolean;
}

/** Validated parameters shared by reads. */
export interface ReadParams {
  readonly minIndex: number;
  readonly waitMs: number | undefined;
  readonly consistency: 'leader' | 'stale' | 'consistent';
}

/** One request as a handler sees it. */
export interface Ctx {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly method: string;
  /** Decoded path remainder after the route's prefix (service name, KV key, check ID...). */
  readonly param: string;
  readonly query: URLSearchParams;
  readonly core: Core;
  readonly perms: Perms;
  readonly pretty: boolean;
  /** Fault hook: send `X-Consul-Index: 0`, or omit it. */
  indexOverride?: 'zero' | 'none';
}

/** A route: exact path, or a prefix whose remainder becomes `ctx.param`. */
export interface Route {
  readonly methods: readonly string[];
  readonly path: string;
  readonly prefix?: boolean;
  handle(ctx: Ctx): Promise<void> | void;
}

/** `?flag` present (any value). */
export const has = (ctx: Ctx, name: string): boolean => ctx.query.has(name);

/** Parses index, wait and the consistency flags, with Consul's 400 texts. */
export function readParams(ctx: Ctx): ReadParams {
  const q = ctx.query;
  let minIndex = 0;
  const index = q.get('index');
  if (index) {
    if (!/^\d{1,20}$/.test(index) || BigInt(index) > 0xffffffffffffffffn) throw new HttpError(400, 'Invalid index');
    minIndex = Number(index);
  }
  let waitMs: number | undefined;
  const wait = q.get('wait');
  if (wait) {
    waitMs = parseGoDuration(wait);
    if (waitMs === undefined) throw new HttpError(400, 'Invalid wait time');
  }
  if (q.has('stale') && q.has('consistent')) {
    throw new HttpError(400, 'Cannot specify ?stale with ?consistent, conflicting semantics.');
  }
  if (q.has('cached') && q.has('consistent')) {
    throw new HttpError(400, 'Cannot specify ?cached with ?consistent, conflicting semantics.');
  }
  const consistency = q.has('stale') || q.has('max_stale') ? 'stale' : q.has('consistent') ? 'consistent' : 'leader';
  return { minIndex, waitMs, consistency };
}

/** Throws Consul's 403 when the caller may not write `name` of `kind`. */
export function requireWrite(ctx: Ctx, kind: 'service' | 'node' | 'key', name: string): void {
  if (ctx.perms.write) return;
  const who = ctx.perms.anonymous ? 'anonymous token' : `token with AccessorID '${ctx.perms.accessor}'`;
  const tail = ctx.perms.anonymous
    ? '. The anonymous token is used implicitly when a request does not specify a token.'
    : '';
  throw new HttpError(403, `Permission denied: ${who} lacks permission '${kind}:write' on "${name}"${tail}`);
}
