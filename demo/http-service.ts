// Demo HTTP service for the docker compose walkthrough. Every path answers with JSON naming the
// service, instance and version that served it plus the request headers (x-request-id, trace
// context, the identity headers Gatehouse's ext_authz sets), so routing is visible from curl.
// GET /healthz is Consul's check; POST /fail and POST /recover flip it to show failover.
//   node demo/http-service.ts     (env: see demo/instance-config.ts)
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import { instanceConfig } from './instance-config.ts';
import { type RunningServer, runRegistered } from './instance-lifecycle.ts';

/** Who answers: echoed in every reply. */
export interface HttpServiceIdentity {
  readonly service: string;
  readonly instance: string;
  readonly version: string;
}

const send = (res: ServerResponse, status: number, body: unknown) => {
  const text = `${JSON.stringify(body)}\n`;
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
};

/** Starts the service on `host:port` (port 0 picks one). */
export function startHttpService(opts: {
  readonly port: number;
  readonly host?: string;
  readonly identity: HttpServiceIdentity;
  readonly onRequest?: (req: IncomingMessage, status: number) => void;
}): Promise<RunningServer> {
  const { identity } = opts;
  let healthy = true;
  const handle = (req: IncomingMessage, res: ServerResponse): number => {
    const path = new URL(req.url ?? '/', 'http://demo').pathname;
    if (path === '/healthz') {
      const status = healthy ? 200 : 503;
      send(res, status, { status: healthy ? 'ok' : 'failing', ...identity });
      return status;
    }
    if (path === '/fail' || path === '/recover') {
      if (req.method !== 'POST') {
        res.setHeader('allow', 'POST');
        send(res, 405, { error: `${path} takes POST (got ${req.method})` });
        return 405;
      }
      healthy = path === '/recover';
      send(res, 200, { healthy, ...identity });
      return 200;
    }
    send(res, 200, { ...identity, method: req.method, path: req.url, headers: req.headers });
    return 200;
  };
  const server = createServer((req, res) => {
    const status = handle(req, res);
    opts.onRequest?.(req, status);
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host ?? '0.0.0.0', () => {
      server.off('error', reject);
      resolve({
        port: (server.address() as AddressInfo).port,
        close: () => new Promise<void>((done) => server.close(() => done())),
      });
    });
  });
}

if (import.meta.main) {
  const config = instanceConfig(process.env, { port: 8080, serviceName: 'demo-http' });
  const log = pino({ level: config.logLevel, base: { service: config.serviceName, instance: config.instanceId } });
  const identity = { service: config.serviceName, instance: config.instanceId, version: config.version };
  const server = await startHttpService({
    port: config.port,
    identity,
    onRequest: (req, status) =>
      log.debug({ method: req.method, path: req.url, status, requestId: req.headers['x-request-id'] }, 'request'),
  });
  log.info({ port: server.port, version: config.version }, 'listening');
  runRegistered({ config, log, server, check: 'http', meta: { 'gatehouse-protocol': 'http' } });
}
