// The emulator's state and its index bookkeeping (consul-api.md §2.4): one Raft counter, per-table
// indexes (nodes, services, checks, kvs incl. tombstones), a per-service index bumped by any change to
// an instance, its checks or its node, and a "last extinction" index. Writes that change nothing
// bump nothing. Blocked readers subscribe to the topics they read and are woken by writes to them.

export type CheckStatus = 'passing' | 'warning' | 'critical';

export interface NodeRec {
  id: string;
  node: string;
  address: string;
  datacenter: string;
  taggedAddresses: Record<string, string>;
  meta: Record<string, string>;
  createIndex: number;
  modifyIndex: number;
}

export interface TaggedAddress {
  Address: string;
  Port: number;
}

export interface ServiceRec {
  node: string;
  id: string;
  service: string;
  tags: string[];
  address: string;
  port: number;
  meta: Record<string, string> | null;
  weights: { Passing: number; Warning: number };
  taggedAddresses: Record<string, TaggedAddress>;
  kind: string;
  enableTagOverride: boolean;
  createIndex: number;
  modifyIndex: number;
}

export interface CheckRec {
  node: string;
  checkId: string;
  name: string;
  status: CheckStatus;
  notes: string;
  output: string;
  serviceId: string;
  serviceName: string;
  serviceTags: string[];
  type: string;
  interval: string;
  timeout: string;
  /** Set for TTL checks. */
  ttlMs?: number;
  createIndex: number;
  modifyIndex: number;
}

export interface KvRec {
  key: string;
  flags: number;
  value: Buffer | null;
  createIndex: number;
  modifyIndex: number;
  lockIndex: number;
}

type Table = 'nodes' | 'services' | 'checks' | 'kvs';
type New<T> = Omit<T, 'createIndex' | 'modifyIndex'>;

/** One write: every change in it gets the same index, committed once. */
export class Tx {
  readonly idx: number;
  readonly touched = new Set<string>();
  constructor(idx: number) {
    this.idx = idx;
  }
  touch(topic: Table | `svc:${string}`): void {
    this.touched.add(topic);
  }
}

interface Waiter {
  readonly topics: readonly string[];
  readonly wake: (abandoned: boolean) => void;
}

const key2 = (a: string, b: string) => `${a}\0${b}`;
const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/** Catalog, health and KV state with Consul's index model. */
export class Store {
  raft: number;
  readonly tables: Record<Table, number> = { nodes: 0, services: 0, checks: 0, kvs: 0 };
  readonly serviceIndex = new Map<string, number>();
  extinction = 0;
  readonly nodes = new Map<string, NodeRec>();
  readonly services = new Map<string, ServiceRec>();
  readonly checks = new Map<string, CheckRec>();
  readonly kv = new Map<string, KvRec>();
  readonly tombstones = new Map<string, number>();
  /** TTL timers of the agent's TTL checks, by node+check ID. */
  readonly ttlTimers = new Map<string, NodeJS.Timeout>();
  readonly #waiters = new Set<Waiter>();

  constructor(startIndex = 10) {
    this.raft = startIndex;
  }

  /** Runs one write; commits (bumps indexes, wakes readers) only if something changed. */
  txn<T>(fn: (tx: Tx) => T): T {
    const tx = new Tx(this.raft + 1);
    const out = fn(tx);
    if (tx.touched.size === 0) return out;
    this.raft = tx.idx;
    for (const t of tx.touched) {
      if (t.startsWith('svc:')) this.serviceIndex.set(t.slice(4), tx.idx);
      else this.tables[t as Table] = tx.idx;
    }
    for (const w of [...this.#waiters]) if (w.topics.some((t) => tx.touched.has(t))) w.wake(false);
    return out;
  }

  /** Subscribes a blocked reader; returns the unsubscribe function. */
  watch(topics: readonly string[], wake: (abandoned: boolean) => void): () => void {
    const w = { topics, wake };
    this.#waiters.add(w);
    return () => this.#waiters.delete(w);
  }

  /** A snapshot restore: same content, every index lowered to `to`, every blocked reader woken. */
  restoreSnapshot(to = 2): void {
    const lower = (r: { createIndex: number; modifyIndex: number }) => {
      r.createIndex = Math.min(r.createIndex, to);
      r.modifyIndex = Math.min(r.modifyIndex, to);
    };
    for (const m of [this.nodes, this.services, this.checks, this.kv]) for (const r of m.values()) lower(r);
    this.raft = to;
    for (const t of Object.keys(this.tables) as Table[]) this.tables[t] = Math.min(this.tables[t], to);
    for (const k of this.serviceIndex.keys()) this.serviceIndex.set(k, to);
    for (const k of this.tombstones.keys()) this.tombstones.set(k, to);
    this.extinction = Math.min(this.extinction, to);
    for (const w of [...this.#waiters]) w.wake(true);
  }

  /** Wakes every blocked reader without changing anything (server shutdown). */
  abandonAll(): void {
    for (const w of [...this.#waiters]) w.wake(true);
  }

  servicesOnNode(node: string): ServiceRec[] {
    return [...this.services.values()].filter((s) => s.node === node);
  }

  instancesOf(name: string): ServiceRec[] {
    return [...this.services.values()].filter((s) => s.service === name);
  }

  /** Node-level checks first, then the checks bound to the service instance (parseCheckServiceNodes). */
  checksFor(node: string, serviceId: string): CheckRec[] {
    const all = [...this.checks.values()].filter((c) => c.node === node);
    return [...all.filter((c) => c.serviceId === ''), ...all.filter((c) => c.serviceId === serviceId && serviceId)];
  }

  /** X-Consul-Index of catalog/service and health/service for `name`. */
  serviceIdx(name: string): number {
    if (this.instancesOf(name).length === 0) return this.extinction || this.tables.services;
    return this.serviceIndex.get(name) ?? this.tables.services;
  }

  upsertNode(tx: Tx, n: New<NodeRec>): void {
    const old = this.nodes.get(n.node);
    if (old && same({ ...old, createIndex: 0, modifyIndex: 0 }, { ...n, createIndex: 0, modifyIndex: 0 })) return;
    this.nodes.set(n.node, { ...n, createIndex: old?.createIndex ?? tx.idx, modifyIndex: tx.idx });
    tx.touch('nodes');
    for (const s of this.servicesOnNode(n.node)) tx.touch(`svc:${s.service}`);
  }

  upsertService(tx: Tx, s: New<ServiceRec>): void {
    const k = key2(s.node, s.id);
    const old = this.services.get(k);
    if (old && same({ ...old, createIndex: 0, modifyIndex: 0 }, { ...s, createIndex: 0, modifyIndex: 0 })) return;
    this.services.set(k, { ...s, createIndex: old?.createIndex ?? tx.idx, modifyIndex: tx.idx });
    tx.touch('services');
    tx.touch(`svc:${s.service}`);
    if (old && old.service !== s.service) this.#touchExtinct(tx, old.service);
    for (const c of this.checksFor(s.node, s.id)) if (c.serviceId) c.serviceTags = [...s.tags];
  }

  removeService(tx: Tx, node: string, id: string): boolean {
    const old = this.services.get(key2(node, id));
    if (!old) return false;
    for (const c of [...this.checks.values()])
      if (c.node === node && c.serviceId === id) this.removeCheck(tx, node, c.checkId);
    this.services.delete(key2(node, id));
    tx.touch('services');
    this.#touchExtinct(tx, old.service);
    return true;
  }

  upsertCheck(tx: Tx, c: New<CheckRec>): void {
    const k = key2(c.node, c.checkId);
    const old = this.checks.get(k);
    if (old && same({ ...old, createIndex: 0, modifyIndex: 0 }, { ...c, createIndex: 0, modifyIndex: 0 })) return;
    this.checks.set(k, { ...c, createIndex: old?.createIndex ?? tx.idx, modifyIndex: tx.idx });
    this.#touchCheck(tx, c);
  }

  removeCheck(tx: Tx, node: string, checkId: string): boolean {
    const k = key2(node, checkId);
    const old = this.checks.get(k);
    if (!old) return false;
    this.checks.delete(k);
    clearTimeout(this.ttlTimers.get(k));
    this.ttlTimers.delete(k);
    this.#touchCheck(tx, old);
    return true;
  }

  getCheck(node: string, checkId: string): CheckRec | undefined {
    return this.checks.get(key2(node, checkId));
  }

  getService(node: string, id: string): ServiceRec | undefined {
    return this.services.get(key2(node, id));
  }

  kvSet(tx: Tx, key: string, value: Buffer | null, flags: number): void {
    const old = this.kv.get(key);
    const lockIndex = old?.lockIndex ?? 0;
    this.kv.set(key, { key, value, flags, createIndex: old?.createIndex ?? tx.idx, modifyIndex: tx.idx, lockIndex });
    this.tombstones.delete(key);
    tx.touch('kvs');
  }

  kvDelete(tx: Tx, key: string): void {
    if (!this.kv.delete(key)) return;
    this.tombstones.set(key, tx.idx);
    tx.touch('kvs');
  }

  /** X-Consul-Index of a KV read: the key's ModifyIndex, or the highest index under a prefix. */
  kvIdx(key: string, prefix: boolean): number {
    if (!prefix) return this.kv.get(key)?.modifyIndex ?? (this.tables.kvs || 1);
    let max = 0;
    for (const r of this.kv.values()) if (r.key.startsWith(key)) max = Math.max(max, r.modifyIndex);
    for (const [k, i] of this.tombstones) if (k.startsWith(key)) max = Math.max(max, i);
    return max || this.tables.kvs || 1;
  }

  #touchExtinct(tx: Tx, name: string): void {
    tx.touch(`svc:${name}`);
    if (this.instancesOf(name).length === 0) this.extinction = tx.idx;
  }

  #touchCheck(tx: Tx, c: New<CheckRec>): void {
    tx.touch('checks');
    if (c.serviceId) tx.touch(`svc:${c.serviceName}`);
    else for (const s of this.servicesOnNode(c.node)) tx.touch(`svc:${s.service}`);
  }
}
