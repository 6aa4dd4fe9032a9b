// What the catalog watch knows, and the diffs that decide which services to re-fetch. Pure: no I/O,
// no clock. Each index-driving reply (catalog/services, health/state/any, catalog/nodes) is compared
// with the previous one and turned into the set of services whose data may have changed.
import { type CatalogFile, catalogFile, deepFreeze, parseWith } from '../../config/index.ts';
import type { Diagnostic } from '../../errors.ts';
import { type HealthEntry, type LocalityKeys, mapService } from './mapping.ts';

type CatalogService = CatalogFile['services'][string];

/** The fields of a /v1/health/state check we diff. */
export interface CheckRow {
  readonly Node: string;
  readonly CheckID: string;
  readonly Status: string;
  readonly ServiceID?: string;
  readonly ServiceName?: string;
}

/** The fields of a /v1/catalog/nodes row we diff. */
export interface NodeRow {
  readonly Node: string;
  readonly Address: string;
  readonly Meta?: Record<string, string> | null;
}

interface ServiceData {
  /** Last schema-valid value; kept when newer data is invalid. */
  valid?: CatalogService;
  diagnostics: readonly Diagnostic[];
  nodes: readonly string[];
}

const sortedJson = (o: Record<string, string> | null | undefined) =>
  JSON.stringify(Object.entries(o ?? {}).sort(([a], [b]) => (a < b ? -1 : 1)));

/** The catalog watch's memory. */
export class CatalogState {
  readonly #exclude: ReadonlySet<string>;
  readonly #keys: LocalityKeys;
  /** catalog/services: name -> sorted tags. */
  readonly members = new Map<string, string>();
  readonly #checks = new Map<string, { sig: string; node: string; service: string }>();
  readonly #nodes = new Map<string, string>();
  readonly #services = new Map<string, ServiceData>();
  readonly #onNode = new Map<string, Set<string>>();

  constructor(exclude: readonly string[], keys: LocalityKeys) {
    this.#exclude = new Set(exclude);
    this.#keys = keys;
  }

  /** Applies a catalog/services reply: new or re-tagged services are dirty, vanished ones removed. */
  applyMembership(body: Readonly<Record<string, readonly string[]>>): { dirty: string[]; removed: string[] } {
    const dirty: string[] = [];
    const seen = new Set<string>();
    for (const [name, tags] of Object.entries(body)) {
      if (this.#exclude.has(name)) continue;
      seen.add(name);
      const sig = [...new Set(tags)].sort().join('\0');
      if (this.members.get(name) !== sig) dirty.push(name);
      this.members.set(name, sig);
    }
    const removed = [...this.members.keys()].filter((n) => !seen.has(n));
    for (const name of removed) this.#remove(name);
    return { dirty, removed };
  }

  /** Applies a health/state/any reply: services whose checks changed status, appeared or vanished. */
  applyChecks(rows: readonly CheckRow[]): string[] {
    const next = new Map<string, { sig: string; node: string; service: string }>();
    for (const c of rows) {
      next.set(`${c.Node}\0${c.CheckID}`, {
        sig: `${c.Status}\0${c.ServiceID ?? ''}`,
        node: c.Node,
        service: c.ServiceName ?? '',
      });
    }
    const dirty = new Set<string>();
    const mark = (c: { node: string; service: string }) => {
      if (c.service) dirty.add(c.service);
      else for (const s of this.#onNode.get(c.node) ?? []) dirty.add(s);
    };
    for (const [k, c] of next) if (this.#checks.get(k)?.sig !== c.sig) mark(c);
    for (const [k, c] of this.#checks) if (!next.has(k)) mark(c);
    this.#checks.clear();
    for (const [k, c] of next) this.#checks.set(k, c);
    return [...dirty].filter((s) => this.members.has(s));
  }

  /** Applies a catalog/nodes reply: services on nodes whose address or meta changed. */
  applyNodes(rows: readonly NodeRow[]): string[] {
    const dirty = new Set<string>();
    const next = new Map(rows.map((n) => [n.Node, `${n.Address}\0${sortedJson(n.Meta)}`]));
    for (const [node, sig] of next) {
      if (this.#nodes.has(node) && this.#nodes.get(node) !== sig)
        for (const s of this.#onNode.get(node) ?? []) dirty.add(s);
    }
    this.#nodes.clear();
    for (const [k, v] of next) this.#nodes.set(k, v);
    return [...dirty].filter((s) => this.members.has(s));
  }

  /** Stores a health/service reply for `name`, validated; invalid data keeps the last valid value. */
  applyService(name: string, entries: readonly HealthEntry[]): void {
    if (!this.members.has(name)) return;
    const mapped = mapService(name, entries, this.#keys);
    const parsed = parseWith(catalogFile, { services: { [name]: mapped.service } }, 'consul');
    const old = this.#services.get(name);
    const valid = parsed.ok ? parsed.value.services[name] : old?.valid;
    const diagnostics = parsed.ok ? mapped.diagnostics : [...mapped.diagnostics, ...parsed.diagnostics];
    for (const n of old?.nodes ?? []) this.#onNode.get(n)?.delete(name);
    for (const n of mapped.nodes) {
      const set = this.#onNode.get(n) ?? new Set<string>();
      set.add(name);
      this.#onNode.set(n, set);
    }
    this.#services.set(name, { ...(valid && { valid }), diagnostics, nodes: mapped.nodes });
  }

  /** True when every member has been fetched at least once. */
  complete(): boolean {
    for (const name of this.members.keys()) if (!this.#services.has(name)) return false;
    return true;
  }

  /** The catalog to emit (members with valid data, sorted) and every current problem. */
  snapshot(): { catalog: CatalogFile; diagnostics: Diagnostic[] } {
    const services: Record<string, CatalogService> = {};
    const diagnostics: Diagnostic[] = [];
    for (const name of [...this.members.keys()].sort()) {
      const data = this.#services.get(name);
      if (data?.valid) services[name] = data.valid;
      if (data) diagnostics.push(...data.diagnostics);
    }
    return { catalog: deepFreeze({ services }), diagnostics };
  }

  #remove(name: string): void {
    this.members.delete(name);
    for (const n of this.#services.get(name)?.nodes ?? []) this.#onNode.get(n)?.delete(name);
    this.#services.delete(name);
  }
}
