// Demo JWT issuer for the docker compose walkthrough. It makes one ES256 key pair at start, signs
// tokens on GET /token?sub=alice&scope=demo:read[&aud=…][&ttl=seconds], and publishes the public
// JWKS at /jwks.json and, atomically, in the file JWKS_FILE. Gatehouse reads that file
// (`keys: { file }`): it fetches remote JWKS over HTTPS only, and this demo has no TLS.
// Not an identity provider: anyone who can reach it gets any token. Keep it inside the demo.
//   node demo/issuer.ts    env: PORT (8080), ISSUER (http://issuer:8080), AUDIENCE (gatehouse-demo),
//                               JWKS_FILE (unset: not written), TOKEN_TTL (seconds, 3600), LOG_LEVEL
import { renameSync, writeFileSync } from 'node:fs';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, type JSONWebKeySet, SignJWT } from 'jose';
import { pino } from 'pino';

/** What the issuer signs with and puts in its tokens. */
export interface IssuerOptions {
  readonly port: number;
  readonly host?: string;
  /** The `iss` claim. */
  readonly issuer: string;
  /** The default `aud` claim (a request may ask for another, to show a refusal). */
  readonly audience: string;
  /** Where the public JWKS is written (replaced atomically), if anywhere. */
  readonly jwksFile?: string | undefined;
  /** Default token lifetime in seconds. */
  readonly ttlSeconds: number;
}

/** A running issuer. */
export interface Issuer {
  readonly port: number;
  readonly jwks: JSONWebKeySet;
  close(): Promise<void>;
}

const MAX_TTL_SECONDS = 24 * 3600;

/** Writes via a temporary file and a rename, so a reader never sees half a JWKS. */
function writeAtomically(file: string, text: string): void {
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, text, { mode: 0o644 });
  renameSync(tmp, file);
}

const reply = (res: ServerResponse, status: number, type: string, body: string) => {
  res.writeHead(status, {
    'content-type': type,
    'content-length': Buffer.byteLength(body),
    'cache-control': 'no-store',
  });
  res.end(body);
};

/** Starts the issuer: a fresh key pair, the JWKS published, the HTTP server listening. */
export async function startIssuer(opts: IssuerOptions): Promise<Issuer> {
  const { publicKey, privateKey } = await generateKeyPair('ES256');
  const publicJwk = await exportJWK(publicKey);
  const kid = await calculateJwkThumbprint(publicJwk);
  const jwks: JSONWebKeySet = { keys: [{ ...publicJwk, kid, alg: 'ES256', use: 'sig' }] };
  if (opts.jwksFile) writeAtomically(opts.jwksFile, `${JSON.stringify(jwks, null, 2)}\n`);

  const token = async (q: URLSearchParams): Promise<string> => {
    const ttlText = q.get('ttl');
    const ttl = ttlText === null ? opts.ttlSeconds : Number(ttlText);
    if (!Number.isInteger(ttl) || ttl < 1 || ttl > MAX_TTL_SECONDS) {
      throw new RangeError(`ttl must be whole seconds 1..${MAX_TTL_SECONDS} (got "${ttlText}")`);
    }
    const scope = q.get('scope');
    return new SignJWT(scope ? { scope } : {})
      .setProtectedHeader({ alg: 'ES256', kid, typ: 'JWT' })
      .setIssuer(opts.issuer)
      .setAudience(q.get('aud') || opts.audience)
      .setSubject(q.get('sub') || 'demo-user')
      .setIssuedAt()
      .setExpirationTime(`${ttl}s`)
      .sign(privateKey);
  };

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://issuer');
    if (req.method !== 'GET') return reply(res, 405, 'text/plain', `${url.pathname} takes GET\n`);
    if (url.pathname === '/healthz') return reply(res, 200, 'text/plain', 'ok\n');
    if (url.pathname === '/jwks.json') return reply(res, 200, 'application/json', JSON.stringify(jwks));
    if (url.pathname !== '/token') return reply(res, 404, 'text/plain', 'try GET /token?sub=alice&scope=demo:read\n');
    token(url.searchParams).then(
      (jwt) => reply(res, 200, 'text/plain', `${jwt}\n`),
      (err: Error) => reply(res, err instanceof RangeError ? 400 : 500, 'text/plain', `${err.message}\n`),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host ?? '0.0.0.0', () => {
      server.off('error', reject);
      resolve();
    });
  });
  return {
    port: (server.address() as AddressInfo).port,
    jwks,
    close: () => new Promise<void>((done) => server.close(() => done())),
  };
}

if (import.meta.main) {
  const env = process.env;
  const log = pino({ level: env.LOG_LEVEL || 'info', base: { service: 'demo-issuer' } });
  const port = Number(env.PORT || 8080);
  const ttlSeconds = Number(env.TOKEN_TTL || 3600);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`PORT must be 0..65535 (got "${env.PORT}")`);
  if (!Number.isInteger(ttlSeconds) || ttlSeconds < 1 || ttlSeconds > MAX_TTL_SECONDS) {
    throw new Error(`TOKEN_TTL must be whole seconds 1..${MAX_TTL_SECONDS} (got "${env.TOKEN_TTL}")`);
  }
  const issuer = await startIssuer({
    port,
    issuer: env.ISSUER || 'http://issuer:8080',
    audience: env.AUDIENCE || 'gatehouse-demo',
    jwksFile: env.JWKS_FILE || undefined,
    ttlSeconds,
  });
  log.info({ port: issuer.port, kid: issuer.jwks.keys[0]?.kid, jwksFile: env.JWKS_FILE }, 'issuing');
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => void issuer.close().then(() => process.exit(0)));
  }
}
