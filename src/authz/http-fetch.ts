// GET of a JSON document (JWKS or OIDC discovery) under Gatehouse's fetch policy: https only (plain
// http only to listed loopback hosts), no redirects followed, a body size cap and a whole-request
// timeout. Written on node:http(s) rather than jose's fetch because jose caps neither body size nor
// scheme (authz.md §b #9), and an extra CA must be addable per issuer.
import http from 'node:http';
import https from 'node:https';
import { rootCertificates } from 'node:tls';
import { GatehouseError } from '../errors.ts';

/** Outcome labels for metrics; `ok` or why a fetch failed. */
export type FetchOutcome =
  | 'ok'
  | 'insecure_url'
  | 'redirect'
  | 'http_status'
  | 'too_large'
  | 'timeout'
  | 'network'
  | 'invalid_json'
  | 'invalid_document';

/** A refused or failed fetch, with its outcome label. */
export class FetchError extends GatehouseError {
  readonly outcome: FetchOutcome;
  constructor(outcome: Exclude<FetchOutcome, 'ok'>, message: string) {
    super('JWKS_FETCH', message);
    this.outcome = outcome;
  }
}

/** How fetches are limited. */
export interface FetchLimits {
  readonly timeoutMs: number;
  readonly maxBytes: number;
  readonly insecureHttpHosts: readonly string[];
  /** Extra PEM CA trusted in addition to the system roots. */
  readonly ca?: string;
}

/** Throws unless `url` may be fetched under the limits' scheme rule. */
export function checkUrl(url: string, limits: FetchLimits): URL {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new FetchError('insecure_url', `"${url}" is not a URL`);
  }
  if (parsed.username || parsed.password) throw new FetchError('insecure_url', 'URLs with credentials are refused');
  if (parsed.protocol === 'https:') return parsed;
  if (parsed.protocol === 'http:' && limits.insecureHttpHosts.includes(parsed.host.replace(/:\d+$/, ''))) return parsed;
  throw new FetchError('insecure_url', `"${parsed.origin}" is not https and not an allowed loopback host`);
}

/** Fetches and parses one JSON document. */
export function fetchJson(url: string, limits: FetchLimits): Promise<unknown> {
  const target = checkUrl(url, limits);
  const signal = AbortSignal.timeout(limits.timeoutMs);
  const options: https.RequestOptions = {
    method: 'GET',
    headers: { accept: 'application/json, application/jwk-set+json', 'user-agent': 'gatehouse' },
    signal,
    agent: false,
    ...(target.protocol === 'https:' && limits.ca ? { ca: [...rootCertificates, limits.ca] } : {}),
  };
  const client = target.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const fail = (err: FetchError) => {
      req.destroy();
      reject(err);
    };
    const req = client.request(target, options, (res) => {
      const status = res.statusCode ?? 0;
      if (status >= 300 && status < 400)
        return fail(new FetchError('redirect', `${target.origin} answered ${status}; redirects are not followed`));
      if (status !== 200) return fail(new FetchError('http_status', `${target.origin} answered ${status}`));
      const declared = Number(res.headers['content-length'] ?? 0);
      if (declared > limits.maxBytes)
        return fail(new FetchError('too_large', `body of ${declared} bytes exceeds ${limits.maxBytes}`));
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > limits.maxBytes) fail(new FetchError('too_large', `body exceeds ${limits.maxBytes} bytes`));
        else chunks.push(chunk);
      });
      res.on('end', () => {
        try {
          resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')));
        } catch {
          reject(new FetchError('invalid_json', `${target.origin} sent a body that is not JSON`));
        }
      });
      res.on('error', () => undefined);
    });
    req.on('error', (err) => {
      if (signal.aborted)
        reject(new FetchError('timeout', `${target.origin} did not answer within ${limits.timeoutMs}ms`));
      else reject(new FetchError('network', `${target.origin}: ${(err as NodeJS.ErrnoException).code ?? err.message}`));
    });
    req.end();
  });
}
