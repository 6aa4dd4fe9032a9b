// The policy read from Consul KV. Layout: one key, `<prefix>/policy.yaml`, holding the whole policy
// YAML (the same text as the policy file). The watch is one blocking recurse query on `<prefix>/`, so
// keys added beside it later (e.g. split files) need no new watch; other keys under the prefix are
// ignored today. Invalid YAML or schema problems are refused with every problem and its path
// (sink.reject), so the last good policy keeps serving; a missing key is refused the same way. Consul
// errors only mark the source degraded (status()), the last policy keeps serving, and the loop retries.
import { parsePolicy } from '../../config/index.ts';
import { GatehouseError, problem } from '../../errors.ts';
import type { Logger } from '../../log.ts';
import type { Policy } from '../../model/index.ts';
import type { Source, SourceSink } from '../source.ts';
import { BlockingLoop } from './blocking-loop.ts';
import { ConsulClient } from './client.ts';
import type { ConsulConnection } from './options.ts';
import { TokenBucket } from './rate.ts';
import { type ConsulSourceStatus, StatusTracker } from './status.ts';

/** Options of the KV policy source. */
export interface ConsulKvPolicySourceOptions {
  readonly connection: ConsulConnection;
  readonly log: Logger;
  /** KV folder; the policy is `<prefix>/policy.yaml` (default prefix `gatehouse`). */
  readonly prefix?: string;
  readonly name?: string;
  /** Blocking wait (default 60 s). */
  readonly waitMs?: number;
  readonly stale?: boolean;
  readonly rateLimit?: { readonly burst?: number; readonly intervalMs?: number };
  readonly backoff?: { readonly baseMs?: number; readonly maxMs?: number };
  readonly requestTimeoutMs?: number;
}

interface KvEntry {
  readonly Key: string;
  readonly Value: string | null;
}

const MISSING = Symbol('missing');

/** The policy YAML at `<prefix>/policy.yaml`, watched. */
export class ConsulKvPolicySource implements Source<Policy> {
  readonly name: string;
  /** The KV key holding the policy. */
  readonly key: string;
  readonly #o: ConsulKvPolicySourceOptions;
  readonly #log: Logger;
  readonly #status: StatusTracker;
  readonly #dir: string;
  #client: ConsulClient | undefined;
  #loop: BlockingLoop<KvEntry[]> | undefined;
  #last: string | typeof MISSING | undefined;

  constructor(opts: ConsulKvPolicySourceOptions) {
    this.#o = opts;
    this.name = opts.name ?? 'consul-kv-policy';
    const prefix = (opts.prefix ?? 'gatehouse').replace(/^\/+|\/+$/g, '');
    this.#dir = prefix ? `${prefix}/` : '';
    this.key = `${this.#dir}policy.yaml`;
    this.#log = opts.log.child({ source: this.name, key: this.key });
    this.#status = new StatusTracker(this.#log);
  }

  /** Readiness; `lastIndex` is the X-Consul-Index of the prefix. */
  status(): ConsulSourceStatus {
    return this.#status.status(this.#loop?.index ?? 0);
  }

  start(sink: SourceSink<Policy>): void {
    const o = this.#o;
    const client = new ConsulClient(o.connection, 2);
    this.#client = client;
    this.#loop = new BlockingLoop<KvEntry[]>({
      name: `kv/${this.#dir}`,
      client,
      read: (x) => client.consul.kv.get({ key: this.#dir, recurse: true, stale: o.stale ?? true, ...x } as never),
      waitMs: o.waitMs ?? 60_000,
      requestTimeoutMs: o.requestTimeoutMs ?? 10_000,
      bucket: new TokenBucket(o.rateLimit?.burst ?? 2, o.rateLimit?.intervalMs ?? 5_000),
      backoff: { baseMs: o.backoff?.baseMs ?? 250, maxMs: o.backoff?.maxMs ?? 30_000 },
      status: this.#status,
      log: this.#log,
      onChange: (entries) => this.#apply(sink, entries ?? []),
    });
    this.#loop.start();
    this.#log.info({ address: client.address }, 'watching consul kv policy');
  }

  /** Stores a policy in the KV key (for `policy apply`); the watch then delivers it like any edit. */
  async write(text: string): Promise<void> {
    const client = this.#client ?? new ConsulClient(this.#o.connection, 1);
    try {
      const ok = await client.consul.kv.set({ key: this.key, value: text });
      if (ok !== true) throw new GatehouseError('CONSUL_UNAVAILABLE', `consul refused to store ${this.key}`);
    } finally {
      if (client !== this.#client) client.close();
    }
  }

  async stop(): Promise<void> {
    const stopped = this.#loop?.stop();
    this.#client?.close();
    await stopped;
  }

  #apply(sink: SourceSink<Policy>, entries: readonly KvEntry[]): void {
    this.#status.synced();
    const entry = entries.find((e) => e.Key === this.key);
    const where = `consul:${this.key}`;
    if (!entry) {
      if (this.#last === MISSING) return;
      this.#last = MISSING;
      this.#log.warn('policy key missing in consul kv; keeping the last good policy');
      sink.reject([
        problem('CONFIG_READ', where, `key "${this.key}" not found in Consul KV; put the policy YAML there`),
      ]);
      return;
    }
    const text = entry.Value ?? '';
    if (text === this.#last) return;
    this.#last = text;
    const parsed = parsePolicy(text, where);
    if (parsed.ok) {
      this.#log.info('policy loaded from consul kv');
      sink.update(parsed.value);
    } else {
      this.#log.warn({ diagnostics: parsed.diagnostics }, 'policy in consul kv refused; keeping the last good policy');
      sink.reject(parsed.diagnostics);
    }
  }
}
