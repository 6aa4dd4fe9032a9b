// One resource type on one SotW stream: what the node subscribes to, what it holds, and what it
// should be sent next. Pure bookkeeping: no I/O, no gRPC. Rule numbers refer to
// ../shared/docs/xds-protocol.md.
//
// What the node holds is kept as a reference to the snapshot view it was last brought in sync
// with (`base`) plus a few exceptions (`overrides`), not as a map per stream: streams in sync share
// the snapshot's own map, and a new snapshot built on `base` is compared through its `changed`
// names only. Per stream cost of a one-resource change: O(1), not O(subscribed).
import { FULL_STATE_TYPES, type TypeUrl } from '../resource-types.ts';
import { type Entry, type TypeSnapshot, versionOf } from '../snapshot/index.ts';
import { internNames, type NameSet, NO_NAMES, sameNames } from './name-set.ts';
import type { NackRecord } from './node-status.ts';

// Versions of a named subscription under a view, shared by every stream with the same NameSet.
const versions = new WeakMap<TypeSnapshot, WeakMap<NameSet, string>>();

/** Subscription and delivery state of one type on one stream. */
export class TypeState {
  readonly typeUrl: TypeUrl;
  readonly fullState: boolean;
  wildcard = false;
  /** Whether the node ever named a resource (after that, an empty list unsubscribes all). */
  explicitEver = false;
  names: NameSet = NO_NAMES;
  /** The view the node was last brought in sync with (what it holds, with `overrides`). */
  #base: TypeSnapshot | undefined;
  /** Exceptions to `base`: an entry held instead, or null for "not held" (rules 6, 12, 20). */
  #overrides = new Map<string, Entry | null>();
  /** Whether the node has been answered (or is known to hold our version) on this stream. */
  responded = false;
  /** version_info of the first request on this stream, until used to skip a resend (rule 22). */
  claimedVersion: string | undefined;
  /** Nonce of the latest response; requests carrying another nonce are stale (rule 9). */
  nonce: string | undefined;
  awaitingAck = false;
  /** Whether the node NACKed the latest response and keeps using an older state (until its next ACK). */
  rejected = false;
  lastSent:
    | { version: string; nonce: string; names: string[]; at: number; publishedAt: number | undefined }
    | undefined;
  lastAck: { version: string; nonce: string; at: number } | undefined;
  lastNack: NackRecord | undefined;

  constructor(typeUrl: TypeUrl) {
    this.typeUrl = typeUrl;
    this.fullState = FULL_STATE_TYPES.has(typeUrl);
  }

  /** Whether the node subscribes to `name`. */
  subscribed(name: string): boolean {
    return this.wildcard || this.names.set.has(name);
  }

  /** The entry the node holds under `name`, as far as we know. */
  held(name: string): Entry | undefined {
    const o = this.#overrides.get(name);
    if (o !== undefined) return o ?? undefined;
    return this.#base && this.subscribed(name) ? this.#base.entries.get(name) : undefined;
  }

  /** Marks `name` as not held, so it is sent at the next chance (rule 20). */
  forget(name: string): void {
    if (this.held(name)) this.#overrides.set(name, null);
  }

  /**
   * Applies the resource_names of a request (rules 8, 11, 12). Every request may change the
   * subscription, whether it is an ACK, a NACK or neither.
   */
  updateSubscription(resourceNames: readonly string[]): void {
    const star = resourceNames.includes('*');
    const explicit = star ? resourceNames.filter((n) => n !== '*') : resourceNames;
    const wildcard = this.fullState && (star || (resourceNames.length === 0 && !this.explicitEver));
    if (resourceNames.length > 0) this.explicitEver = true;
    if (wildcard === this.wildcard && sameNames(this.names, explicit)) return;
    const was = { wildcard: this.wildcard, names: this.names };
    const wasSubscribed = (n: string) => was.wildcard || was.names.set.has(n);
    this.names = internNames(explicit);
    this.wildcard = wildcard;
    // Newly requested names are sent even if sent before (rule 12).
    for (const n of this.names.sorted) if (!wasSubscribed(n)) this.#overrides.set(n, null);
    if (wildcard && !was.wildcard && this.#base) {
      for (const n of this.#base.entries.keys()) if (!wasSubscribed(n)) this.#overrides.set(n, null);
    }
    // Dropped names are forgotten, so a later re-subscribe gets them again.
    for (const n of [...this.#overrides.keys()]) if (!this.subscribed(n)) this.#overrides.delete(n);
  }

  /** The entries this node should hold under `view`, in name order. */
  desired(view: TypeSnapshot | undefined): Entry[] {
    if (!view) return [];
    if (this.wildcard) return [...view.entries.values()];
    const out: Entry[] = [];
    for (const n of this.names.sorted) {
      const e = view.entries.get(n);
      if (e) out.push(e);
    }
    return out;
  }

  /** Names that may differ between what the node holds and `view` (all of them, or just a diff). */
  #candidates(view: TypeSnapshot): Iterable<string> {
    if (this.#overrides.size === 0 && this.#base) {
      if (this.#base === view || this.#base.version === view.version) return [];
      if (view.previousVersion === this.#base.version) return view.changed;
    }
    const all = new Set<string>(this.#base ? this.#base.entries.keys() : []);
    for (const n of this.#overrides.keys()) all.add(n);
    for (const n of this.wildcard ? view.entries.keys() : this.names.sorted) all.add(n);
    return all;
  }

  /** Subscribed names whose held entry differs from `view` (including ones `view` lacks). */
  #differing(view: TypeSnapshot): string[] {
    const out: string[] = [];
    for (const n of this.#candidates(view)) {
      if (this.subscribed(n) && this.held(n)?.hash !== view.entries.get(n)?.hash) out.push(n);
    }
    return out;
  }

  /**
   * What to send now, or undefined when the node is in sync. Full-state types (LDS, CDS) send the
   * whole subscribed set when anything differs (rule 16); the others send only what changed.
   * `keep` are entries to carry although they are gone, so removals can wait (rule 19).
   */
  pending(view: TypeSnapshot | undefined, keep: readonly Entry[] = []): Entry[] | undefined {
    if (!view) return undefined;
    if (this.fullState) {
      if (!this.responded || !this.inSync(view, keep)) {
        return keep.length > 0 ? mergeByName(this.desired(view), keep) : this.desired(view);
      }
    } else {
      // Non-full-state types have no deletion; names gone from `view` are simply not sent.
      const changed = this.#differing(view)
        .map((n) => view.entries.get(n))
        .filter((e): e is Entry => e !== undefined)
        .sort((a, b) => (a.name < b.name ? -1 : 1));
      if (changed.length > 0) return changed;
    }
    // In sync: adopt the view, so the next snapshot is compared through its diff only.
    if (keep.length === 0) this.#adopt(view, []);
    return undefined;
  }

  /** Whether the node holds exactly what it should under `view`, plus `keep`. */
  inSync(view: TypeSnapshot | undefined, keep: readonly Entry[] = []): boolean {
    if (!view) return true;
    if (!keep.every((e) => this.held(e.name)?.hash === e.hash)) return false;
    const kept = new Set(keep.map((e) => e.name));
    return this.#differing(view).every((n) => kept.has(n) || (!this.fullState && !view.entries.has(n)));
  }

  /** Entries the node holds that `view` no longer has (full-state types only). */
  removed(view: TypeSnapshot | undefined): Entry[] {
    if (!this.fullState || !view) return [];
    const out: Entry[] = [];
    for (const n of this.#differing(view)) {
      const held = this.held(n);
      if (held && !view.entries.has(n)) out.push(held);
    }
    return out;
  }

  /** Records a response that brings the node to `view` (plus `keep`); returns its version. */
  recordSent(
    view: TypeSnapshot,
    entries: readonly Entry[],
    keep: readonly Entry[],
    nonce: string,
    at: number,
    publishedAt: number | undefined,
  ): string {
    this.#adopt(view, keep);
    const version = keep.length > 0 ? versionOf(mergeByName(this.desired(view), keep)) : this.#versionOf(view);
    this.responded = true;
    this.claimedVersion = undefined;
    this.nonce = nonce;
    this.awaitingAck = true;
    this.lastSent = { version, nonce, names: entries.map((e) => e.name), at, publishedAt };
    return version;
  }

  #adopt(view: TypeSnapshot, keep: readonly Entry[]): void {
    this.#base = view;
    this.#overrides = new Map(keep.map((e) => [e.name, e]));
  }

  /** The content version of what a node in sync with `view` holds. */
  #versionOf(view: TypeSnapshot): string {
    if (this.wildcard) return view.version;
    let byNames = versions.get(view);
    if (!byNames) {
      byNames = new WeakMap();
      versions.set(view, byNames);
    }
    let v = byNames.get(this.names);
    if (v === undefined) {
      v = versionOf(this.desired(view));
      byNames.set(this.names, v);
    }
    return v;
  }

  /**
   * On a new stream, a node may claim a version it already holds (rule 22). If that version is
   * exactly the content of what it subscribes to now, it holds every resource: adopt the view and
   * send nothing. Otherwise the normal path sends everything.
   */
  trySeed(view: TypeSnapshot | undefined, at: number): boolean {
    const claimed = this.claimedVersion;
    if (!claimed || this.responded || !view) return false;
    this.claimedVersion = undefined;
    if (this.#versionOf(view) !== claimed) return false;
    this.#adopt(view, []);
    this.responded = true;
    this.lastAck = { version: claimed, nonce: '', at };
    return true;
  }
}

function mergeByName(a: readonly Entry[], b: readonly Entry[]): Entry[] {
  const names = new Set(a.map((e) => e.name));
  return [...a, ...b.filter((e) => !names.has(e.name))].sort((x, y) => (x.name < y.name ? -1 : 1));
}
