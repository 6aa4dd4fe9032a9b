// The npm `consul` client (2.0.1), wrapped for our own watch loops. We call its lower-level methods
// (catalog.service.list, health.state, health.service, catalog.node.list, kv.get) with a `ctx` event
// emitter whose `includeResponse` makes them resolve [response, body], so we can read X-Consul-Index
// and cancel in-flight long polls; its `watch` helper is not used (see catalog-source.ts). The client's
// own keep-alive agent has no socket cap, so we give it one: every request of a source shares a bounded
// pool, far below Consul's per-client connection limit (http_max_conns_per_client, default 200).
import { EventEmitter } from 'node:events';
import { readFileSync } from 'node:fs';
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import Consul from 'consul';
import { type ErrorCode, GatehouseError } from '../../errors.ts';
import { type ConsulConnection, normalizeAddress } from './options.ts';

/** Why a call failed. */
export type CallErrorKind = 'acl' | 'http' | 'unreachable' | 'timeout' | 'no-index' | 'aborted';

/** A failed Consul call; the message is safe to log (it never contains the token). */
export class ConsulCallError extends Error {
  readonly kind: CallErrorKind;
  readonly status: number | undefined;
  readonly code: ErrorCode;
  constructor(kind: CallErrorKind, message: string, status?: number) {
    super(message);
    this.name = 'ConsulCallError';
    this.kind = kind;
    this.status = status;
    this.code = kind === 'acl' ? 'CONSUL_ACL' : 'CONSUL_UNAVAILABLE';
  }
}

/** A successful read. */
export interface ConsulReply<T> {
  /** X-Consul-Index as sent (0 only if Consul misbehaves; callers treat <= 0 as 1). */
  readonly index: number;
  /** Undefined for a 404 KV read. */
  readonly body: T | undefined;
  /**
   * Consul may have hidden rows from us: it said so (X-Consul-Results-Filtered-By-ACLs, sent only when a
   * token was given), or we sent no token and its default ACL policy is deny.
   */
  readonly aclFiltered: boolean;
}

/** Options the npm client's methods accept that we use. */
export interface CallOptions {
  readonly ctx: EventEmitter;
  readonly timeout: number;
}

interface ResponseLike {
  readonly statusCode?: number;
  readonly headers?: Record<string, string | string[] | undefined>;
  readonly body?: unknown;
}

/** One npm consul client with a bounded keep-alive pool. */
export class ConsulClient {
  readonly consul: Consul;
  readonly address: string;
  readonly hasToken: boolean;
  readonly #agent: HttpAgent;
  readonly #inflight = new Set<EventEmitter>();

  constructor(conn: ConsulConnection, maxSockets: number) {
    this.address = normalizeAddress(conn.address);
    const file = (f: string | undefined) => {
      if (!f) return undefined;
      try {
        return readFileSync(f, 'utf8');
      } catch (err) {
        throw new GatehouseError(
          'CONFIG_READ',
          `consul: cannot read ${f}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`,
        );
      }
    };
    const token = (conn.tokenFile ? file(conn.tokenFile)?.trim() : undefined) || conn.token || undefined;
    this.hasToken = token !== undefined;
    const base = { keepAlive: true, maxSockets };
    this.#agent = this.address.startsWith('https:')
      ? new HttpsAgent({
          ...base,
          ca: file(conn.caFile),
          cert: file(conn.certFile),
          key: file(conn.keyFile),
          servername: conn.tlsServerName,
          rejectUnauthorized: conn.insecureSkipVerify !== true,
        })
      : new HttpAgent(base);
    // The typings omit baseUrl; the runtime accepts it (papi). Never set defaults.timeout: it would cut
    // every long poll short (consul-api.md §7.10).
    const opts = {
      baseUrl: `${this.address}/v1`,
      agent: this.#agent,
      defaults: { ...(token && { token }), ...(conn.datacenter && { dc: conn.datacenter }) },
    };
    this.consul = new Consul(opts as ConstructorParameters<typeof Consul>[0]);
  }

  /** Runs one npm-client call with the response included; every failure becomes a ConsulCallError. */
  async call<T>(
    fn: (o: CallOptions) => Promise<unknown>,
    timeoutMs: number,
    needIndex = true,
  ): Promise<ConsulReply<T>> {
    const ctx = Object.assign(new EventEmitter(), { includeResponse: true });
    this.#inflight.add(ctx);
    let out: unknown;
    try {
      out = await fn({ ctx, timeout: timeoutMs });
    } catch (err) {
      throw classify(err, this.address, timeoutMs);
    } finally {
      this.#inflight.delete(ctx);
    }
    const [res, body] = out as [ResponseLike, T | undefined];
    const header = (name: string) => {
      const v = res.headers?.[name];
      return Array.isArray(v) ? v[0] : v;
    };
    const aclFiltered =
      header('x-consul-results-filtered-by-acls') === 'true' ||
      (!this.hasToken && header('x-consul-default-acl-policy') === 'deny');
    const text = header('x-consul-index');
    if (text === undefined || !/^\d+$/.test(text)) {
      if (needIndex) throw new ConsulCallError('no-index', 'consul answered without X-Consul-Index; not acting on it');
      return { index: 0, body, aclFiltered };
    }
    return { index: Number(text), body, aclFiltered };
  }

  /** Aborts every in-flight call and closes pooled sockets. */
  close(): void {
    for (const ctx of this.#inflight) ctx.emit('cancel');
    this.#inflight.clear();
    this.#agent.destroy();
  }
}

function bodyText(body: unknown): string {
  if (body === undefined || body === null) return '';
  const text = Buffer.isBuffer(body) ? body.toString('utf8') : typeof body === 'string' ? body : JSON.stringify(body);
  return text.trim().slice(0, 300);
}

function classify(err: unknown, address: string, timeoutMs: number): ConsulCallError {
  const e = err as Error & { isAbort?: boolean; isTimeout?: boolean; response?: ResponseLike; code?: string };
  if (e.isAbort) return new ConsulCallError('aborted', 'request aborted');
  if (e.isTimeout) return new ConsulCallError('timeout', `consul at ${address} did not answer within ${timeoutMs} ms`);
  const status = e.response?.statusCode;
  if (status !== undefined) {
    // The client shortens long bodies to the status text (errata 5); the full text is on the response.
    const text = bodyText(e.response?.body) || e.message;
    if (status === 403) return new ConsulCallError('acl', text, status);
    return new ConsulCallError('http', `consul answered ${status}: ${text}`, status);
  }
  const code = e.code ? `${e.code}: ` : '';
  return new ConsulCallError('unreachable', `cannot reach consul at ${address}: ${code}${e.message}`);
}

/** A one-line explanation for status and logs; ACL failures say what is wrong with the token. */
export function explain(err: unknown, what: string, hasToken: boolean): string {
  if (!(err instanceof ConsulCallError)) return `${what}: ${(err as Error).message}`;
  if (err.kind !== 'acl') return `${what}: ${err.message}`;
  const body = err.message;
  if (!hasToken) {
    return `${what}: consul refused the request without an ACL token (403 "${body}"); set CONSUL_HTTP_TOKEN or the token option`;
  }
  if (/ACL not found/i.test(body)) {
    return `${what}: consul does not know the configured ACL token (403 "${body}"); check CONSUL_HTTP_TOKEN or the token option`;
  }
  return `${what}: the configured ACL token lacks permission (403 "${body}"); it needs service:read and node:read (key:read for KV policy)`;
}
