// Admin HTTP: health, readiness, metrics and debug views. Reads the other modules; changes nothing.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { stringify } from 'yaml';
import type { Logger } from '../log.ts';
import type { Pipeline } from '../pipeline.ts';
import { configDump, type SnapshotSource } from '../snapshot/index.ts';
import { PROFILE_SYNTAX, PROFILES, type Profile, parseProfile } from '../translate/resources.ts';
import type { AdsService } from '../xds/index.ts';
import type { Metrics } from './metrics.ts';
import { policyRoutes } from './policy-routes.ts';

/** What the admin server reads. */
export interface AdminDeps {
  readonly pipeline: Pipeline;
  readonly snapshots: SnapshotSource;
  readonly ads: AdsService;
  readonly metrics: Metrics;
  readonly log: Logger;
}

type Handler = (
  url: URL,
) => Promise<{ status: number; type: string; body: string }> | { status: number; type: string; body: string };

const json = (status: number, value: unknown) => ({
  status,
  type: 'application/json',
  body: `${JSON.stringify(value, null, 2)}\n`,
});
const yaml = (status: number, value: unknown) => ({
  status,
  type: 'application/yaml',
  body: stringify(value, { lineWidth: 0 }),
});

/** Builds the request handler (exported for tests that skip the socket). */
export function adminHandler(d: AdminDeps): (req: IncomingMessage, res: ServerResponse) => void {
  const routes: Record<string, Handler> = {
    '/healthz': () => ({ status: 200, type: 'text/plain', body: 'ok\n' }),
    '/readyz': () => {
      const s = d.pipeline.status();
      // Degraded still answers 200: the last good config keeps serving, and pulling this replica
      // out of rotation because Consul is down would only make things worse.
      return json(s.ready ? 200 : 503, {
        ready: s.ready,
        status: !s.ready ? 'starting' : s.degraded ? 'degraded' : 'ok',
        version: s.version,
        synced: s.synced,
        sources: s.sources,
        problems: s.problems,
      });
    },
    '/metrics': async () => {
      d.metrics.observeSources(d.pipeline.status().sources);
      return { status: 200, type: d.metrics.registry.contentType, body: await d.metrics.registry.metrics() };
    },
    '/debug/snapshot': (url) => {
      const current = d.snapshots.current();
      if (!current) return json(503, { error: 'no snapshot published yet' });
      const wanted = url.searchParams.get('profile');
      // Sidecar views only on request: there is one per service.
      const profiles: readonly (Profile | undefined)[] = wanted === null ? PROFILES : [parseProfile(wanted)];
      const dumps = profiles.map((p) => p && configDump(current.snapshot, p));
      if (dumps.some((dump) => !dump)) {
        return json(400, { error: `unknown profile "${wanted}" (use ${PROFILE_SYNTAX} of a served service)` });
      }
      const body = {
        version: current.snapshot.version,
        publishedAt: new Date(current.publishedAt).toISOString(),
        profiles: Object.fromEntries(profiles.map((p, i) => [p, dumps[i]!.configs])),
        ...(wanted === null && { sidecars: [...current.snapshot.sidecars.keys()] }),
      };
      return url.searchParams.get('format') === 'json' ? json(200, body) : yaml(200, body);
    },
    '/debug/nodes': () => json(200, { nodes: d.ads.nodes() }),
    '/debug/nacks': () => json(200, { nacks: d.ads.nacks() }),
    '/debug/pipeline': () => json(200, d.pipeline.status()),
    '/policy/history': () => json(200, { current: d.pipeline.policyVersion(), versions: d.pipeline.history() }),
  };
  const posts = policyRoutes(d.pipeline);
  return (req, res) => {
    const url = new URL(req.url ?? '/', 'http://admin');
    const get = req.method === 'GET' ? routes[url.pathname] : undefined;
    const post = req.method === 'POST' ? posts[url.pathname] : undefined;
    if (!get && !post) {
      const known = url.pathname in routes || url.pathname in posts;
      res.writeHead(known ? 405 : 404, { 'content-type': 'application/json' });
      const endpoints = [...Object.keys(routes).map((p) => `GET ${p}`), ...Object.keys(posts).map((p) => `POST ${p}`)];
      res.end(`${JSON.stringify({ error: `no ${req.method} ${url.pathname}`, endpoints })}\n`);
      return;
    }
    Promise.resolve(get ? get(url) : post!(req, url))
      .then((r) => {
        res.writeHead(r.status, { 'content-type': r.type });
        res.end(r.body);
      })
      .catch((err: unknown) => {
        d.log.error({ err, path: url.pathname }, 'admin handler failed');
        res.writeHead(500, { 'content-type': 'application/json' });
        res.end('{"error":"internal error"}\n');
      });
  };
}

/** Creates (but does not start) the admin HTTP server. */
export function createAdminServer(d: AdminDeps): Server {
  return createServer(adminHandler(d));
}
