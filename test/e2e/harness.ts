// End-to-end harness: a temp folder of input files, an in-process Gatehouse reading them, a real
// grpc-js-xds client in a child process, and helpers that wait for conditions (never for time).
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { loadSettings, parseCatalog } from '../../src/config/index.ts';
import { createLogger } from '../../src/log.ts';
import { type Gatehouse, startGatehouse } from '../../src/main.ts';
import type { Catalog } from '../../src/model/index.ts';
import { fileSource, type Source, type SourceSink } from '../../src/sources/index.ts';
import type { NodeStatus } from '../../src/xds/index.ts';
import type { Backend } from '../fixtures/greeter/greeter.ts';

const CLIENT_SCRIPT = fileURLToPath(new URL('../fixtures/greeter/xds-client.ts', import.meta.url));

/** Polls `probe` until it returns a value other than undefined/false, or fails after `timeoutMs`. */
export async function waitFor<T>(
  what: string,
  probe: () => T | undefined | false | Promise<T | undefined | false>,
  { timeoutMs = 10_000, intervalMs = 20 }: { timeoutMs?: number; intervalMs?: number } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined && value !== false) return value;
      last = value;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) {
      const detail = last instanceof Error ? last.message : JSON.stringify(last);
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what} (last: ${detail})`);
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** The input files of one Gatehouse: settings, catalog and policy in a fresh temp folder. */
export class Workspace {
  readonly dir: string;
  #seq = 0;

  private constructor(dir: string) {
    this.dir = dir;
  }

  static async create(): Promise<Workspace> {
    const ws = new Workspace(await mkdtemp(path.join(tmpdir(), 'gatehouse-e2e-')));
    await ws.#write('gatehouse.yaml', {
      xds: { address: '127.0.0.1:0' },
      admin: { address: '127.0.0.1:0' },
      authz: { address: '127.0.0.1:0' },
      catalog: { file: 'catalog.yaml' },
      policy: { file: 'policy.yaml' },
      pipeline: { quietPeriod: '20ms', maxDelay: '200ms' },
      log: { level: 'silent' },
    });
    return ws;
  }

  get settingsFile(): string {
    return path.join(this.dir, 'gatehouse.yaml');
  }

  get catalogFile(): string {
    return path.join(this.dir, 'catalog.yaml');
  }

  /** Writes the catalog: `greeter` served by `backends`, plus any extra services. */
  writeCatalog(backends: readonly Backend[], extra: Record<string, unknown> = {}): Promise<void> {
    return this.#write('catalog.yaml', {
      services: {
        greeter: {
          instances: backends.map((b) => ({
            id: b.id,
            address: '127.0.0.1',
            port: b.port,
            locality: { region: 'local', zone: 'a' },
          })),
        },
        ...extra,
      },
    });
  }

  /** Writes the policy with the given load-balancing policy for `greeter`. */
  writePolicy(lbPolicy = 'round_robin'): Promise<void> {
    return this.#write('policy.yaml', {
      services: { greeter: { protocol: 'grpc', lbPolicy, connectTimeout: '1s' } },
      routes: [{ name: 'greeter', match: { prefix: '/helloworld.Greeter/' }, service: 'greeter', timeout: '5s' }],
    });
  }

  /** Writes raw text (for invalid input). */
  writeRaw(file: 'catalog.yaml' | 'policy.yaml', text: string): Promise<void> {
    return this.#write(file, text);
  }

  /** Deletes one input file. */
  deleteFile(file: 'catalog.yaml' | 'policy.yaml'): Promise<void> {
    return rm(path.join(this.dir, file));
  }

  remove(): Promise<void> {
    return rm(this.dir, { recursive: true, force: true });
  }

  /** Write-then-rename, so the file watcher never reads a half-written file. */
  async #write(file: string, content: unknown): Promise<void> {
    const tmp = path.join(this.dir, `.${file}.${++this.#seq}.tmp`);
    await writeFile(tmp, typeof content === 'string' ? content : stringify(content));
    await rename(tmp, path.join(this.dir, file));
  }
}

/** Options of a test Gatehouse. */
export interface TestGatehouseOptions {
  /** Defaults to a free port. */
  readonly xdsAddress?: string;
  /** Replaces the catalog file source (e.g. a gated one). */
  readonly catalog?: Source<Catalog>;
  /** Whether to wait for the first published snapshot (default true). */
  readonly waitReady?: boolean;
}

/** Starts Gatehouse on the workspace's files and (by default) waits for its first snapshot. */
export async function startTestGatehouse(ws: Workspace, opts: TestGatehouseOptions = {}): Promise<Gatehouse> {
  const settings = loadSettings(ws.settingsFile, { xds: opts.xdsAddress ?? '127.0.0.1:0' });
  if (!settings.ok) throw new Error(`bad test settings: ${JSON.stringify(settings.diagnostics)}`);
  const gatehouse = await startGatehouse(settings.value, {
    log: createLogger('silent'),
    ...(opts.catalog && { catalog: opts.catalog }),
  });
  if (opts.waitReady === false) return gatehouse;
  try {
    await waitFor('the first snapshot', () => gatehouse.pipeline.status().ready);
  } catch (err) {
    await gatehouse.stop();
    throw new Error(`${(err as Error).message}; problems: ${JSON.stringify(gatehouse.pipeline.status().problems)}`);
  }
  return gatehouse;
}

/** The workspace's catalog file as a source that delivers nothing until `release()`. */
export function gatedCatalog(ws: Workspace): { source: Source<Catalog>; release(): void } {
  const inner = fileSource({ name: 'catalog', file: ws.catalogFile, parse: parseCatalog, log: createLogger('silent') });
  let sink: SourceSink<Catalog> | undefined;
  let released = false;
  return {
    source: {
      name: inner.name,
      start(s) {
        sink = s;
        if (released) inner.start(s);
      },
      stop: () => inner.stop(),
    },
    release() {
      if (released) return;
      released = true;
      if (sink) inner.start(sink);
    },
  };
}

/** The port of a "host:port" address. */
export function portOf(address: string): number {
  return Number(address.slice(address.lastIndexOf(':') + 1));
}

/** GETs an admin endpoint over real HTTP. */
export async function adminGet(gatehouse: Gatehouse, pathname: string): Promise<{ status: number; body: string }> {
  const res = await fetch(`http://${gatehouse.adminAddress}${pathname}`);
  return { status: res.status, body: await res.text() };
}

/** GETs an admin endpoint and parses its JSON body. */
export async function adminJson<T>(gatehouse: Gatehouse, pathname: string): Promise<{ status: number; json: T }> {
  const { status, body } = await adminGet(gatehouse, pathname);
  return { status, json: JSON.parse(body) as T };
}

/** Reads /metrics over HTTP; returns the sum of every sample of `name` whose labels include `labels`. */
export async function metricValue(
  gatehouse: Gatehouse,
  name: string,
  labels: Record<string, string> = {},
): Promise<number> {
  const { body } = await adminGet(gatehouse, '/metrics');
  let sum = 0;
  for (const line of body.split('\n')) {
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const have = Object.fromEntries([...(m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((l) => [l[1], l[2]]));
    if (Object.entries(labels).every(([k, v]) => have[k] === v)) sum += Number(m[3]);
  }
  return sum;
}

/** The status of `nodeId`'s stream on `gatehouse`, if connected. */
export function nodeStatus(gatehouse: Gatehouse, nodeId: string): NodeStatus | undefined {
  return gatehouse.ads.nodes().find((n) => n.nodeId === nodeId);
}

/** What a batch of calls (or the call loop) saw. */
export interface Tally {
  readonly calls: number;
  /** Calls answered, by backend id. */
  readonly counts: Readonly<Record<string, number>>;
  /** "code details" of every failed call. */
  readonly errors: readonly string[];
}

/** The backend ids that answered, sorted. */
export function answered(t: Tally): string[] {
  return Object.keys(t.counts).sort();
}

/** The grpc-js-xds client child process (test/fixtures/greeter/xds-client.ts). */
export class XdsClientProcess {
  readonly #child: ChildProcessWithoutNullStreams;
  readonly #pending = new Map<number, { resolve: (v: Record<string, unknown>) => void; reject: (e: Error) => void }>();
  #nextId = 0;
  #stderr = '';
  #exited: Promise<number | null>;
  #ready: Promise<void>;

  private constructor(child: ChildProcessWithoutNullStreams) {
    this.#child = child;
    let onReady: () => void = () => {};
    this.#ready = new Promise((resolve) => (onReady = resolve));
    this.#exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      this.#stderr = (this.#stderr + chunk).slice(-20_000);
    });
    createInterface({ input: child.stdout }).on('line', (line) => {
      let msg: Record<string, unknown>;
      try {
        msg = JSON.parse(line);
      } catch {
        this.#stderr += `\n[stdout] ${line}`;
        return;
      }
      if (msg.event === 'ready') return onReady();
      const waiter = typeof msg.id === 'number' ? this.#pending.get(msg.id) : undefined;
      if (!waiter) return;
      this.#pending.delete(msg.id as number);
      if (msg.error) waiter.reject(new Error(`xds client: ${String(msg.error)}`));
      else waiter.resolve(msg);
    });
    void this.#exited.then((code) => {
      for (const w of this.#pending.values()) w.reject(new Error(`xds client exited (${code}): ${this.#stderr}`));
      this.#pending.clear();
    });
  }

  /** Spawns the client with a bootstrap pointing at `xdsAddress` and waits until it runs. */
  static async start(opts: { xdsAddress: string; nodeId: string; target?: string }): Promise<XdsClientProcess> {
    const bootstrap = {
      xds_servers: [
        { server_uri: opts.xdsAddress, channel_creds: [{ type: 'insecure' }], server_features: ['xds_v3'] },
      ],
      node: { id: opts.nodeId, cluster: 'e2e', locality: { region: 'local', zone: 'a' } },
    };
    const child = spawn(process.execPath, [CLIENT_SCRIPT], {
      env: {
        ...process.env,
        GRPC_XDS_BOOTSTRAP_CONFIG: JSON.stringify(bootstrap),
        XDS_TARGET: opts.target ?? 'xds:///greeter',
        NODE_NO_WARNINGS: '1',
      },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const client = new XdsClientProcess(child);
    await Promise.race([
      client.#ready,
      client.#exited.then((code) => {
        throw new Error(`xds client exited (${code}) before it was ready: ${client.#stderr}`);
      }),
    ]);
    return client;
  }

  /** What the child wrote to stderr lately (for failure messages). */
  get stderr(): string {
    return this.#stderr;
  }

  /** `n` concurrent calls, each carrying `headers` as request metadata. */
  call(n: number, headers?: Record<string, string>): Promise<Tally> {
    return this.#request({ cmd: 'call', n, ...(headers && { headers }) }) as Promise<unknown> as Promise<Tally>;
  }

  /** Starts back-to-back calls in the child. */
  async startLoop(): Promise<void> {
    await this.#request({ cmd: 'startLoop' });
  }

  /** What the loop saw so far. */
  loopStats(): Promise<Tally> {
    return this.#request({ cmd: 'loopStats' }) as Promise<unknown> as Promise<Tally>;
  }

  /** Stops the loop; resolves with everything it saw. */
  stopLoop(): Promise<Tally> {
    return this.#request({ cmd: 'stopLoop' }) as Promise<unknown> as Promise<Tally>;
  }

  /** Asks the child to exit; kills it if it does not within a second. */
  async stop(): Promise<void> {
    if (this.#child.exitCode !== null || this.#child.signalCode !== null) return;
    this.#request({ cmd: 'exit' }).catch(() => {});
    const timer = setTimeout(() => this.#child.kill('SIGKILL'), 1000);
    await this.#exited;
    clearTimeout(timer);
  }

  #request(body: Record<string, unknown>, timeoutMs = 20_000): Promise<Record<string, unknown>> {
    const id = ++this.#nextId;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        reject(new Error(`xds client did not answer ${JSON.stringify(body)} in ${timeoutMs} ms: ${this.#stderr}`));
      }, timeoutMs);
      this.#pending.set(id, {
        resolve: (v) => {
          clearTimeout(timer);
          resolve(v);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
      this.#child.stdin.write(`${JSON.stringify({ id, ...body })}\n`);
    });
  }
}
