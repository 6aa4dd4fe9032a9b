// One resource type on one SotW stream: what the node subscribes to, what it has been sent, and
// what it should be sent next. Pure bookkeeping: no I/O, no gRPC. Rule numbers refer to
// ../shared/docs/xds-protocol.md.
import { FULL_STATE_TYPES, type TypeUrl } from '../resource-types.ts';
import { type Entry, type TypeSnapshot, versionOf } from '../snapshot/index.ts';
import type { NackRecord } from './node-status.ts';

/** Subscription and delivery state of one type on one stream. */
export class TypeState {
  readonly typeUrl: TypeUrl;
  readonly fullState: boolean;
  wildcard = false;
  /** Whether the node ever named a resource (after that, an empty list unsubscribes all). */
  explicitEver = false;
  names = new Set<string>();
  /** What the node has been sent, by name: its state as far as we know (rules 6, 12). */
  readonly sent = new Map<string, Entry>();
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

  /**
   * Applies the resource_names of a request (rules 8, 11, 12). Every request may change the
   * subscription, whether it is an ACK, a NACK or neither.
   */
  updateSubscription(resourceNames: readonly string[]): void {
    const explicit = resourceNames.filter((n) => n !== '*');
    const wildcard =
      this.fullState && (resourceNames.includes('*') || (resourceNames.length === 0 && !this.explicitEver));
    if (resourceNames.length > 0) this.explicitEver = true;
    const next = new Set(explicit);
    for (const n of next) {
      // A newly requested name is sent even if it was sent before (rule 12).
      if (!this.names.has(n) && !this.wildcard) this.sent.delete(n);
    }
    if (!wildcard) {
      // Unsubscribed names are forgotten, so a later re-subscribe gets them again.
      for (const n of this.sent.keys()) if (!next.has(n)) this.sent.delete(n);
    }
    this.names = next;
    this.wildcard = wildcard;
  }

  /** The entries this node should hold under `view`, in name order. */
  desired(view: TypeSnapshot | undefined): Entry[] {
    if (!view) return [];
    if (this.wildcard) return [...view.entries.values()];
    const out: Entry[] = [];
    for (const n of [...this.names].sort()) {
      const e = view.entries.get(n);
      if (e) out.push(e);
    }
    return out;
  }

  /**
   * What to send now, or undefined when the node is in sync. Full-state types (LDS, CDS) send the
   * whole subscribed set when anything differs (rule 16); the others send only what changed.
   * `keep` are entries to carry although they are gone, so removals can wait (rule 19).
   */
  pending(view: TypeSnapshot | undefined, keep: readonly Entry[] = []): Entry[] | undefined {
    const desired = this.desired(view);
    if (this.fullState) {
      const all = keep.length > 0 ? mergeByName(desired, keep) : desired;
      const changed =
        !this.responded || all.length !== this.sent.size || all.some((e) => this.sent.get(e.name)?.hash !== e.hash);
      return changed ? all : undefined;
    }
    // Non-full-state types have no deletion: forget what vanished so it is resent if it returns.
    if (view) for (const n of this.sent.keys()) if (!view.entries.has(n)) this.sent.delete(n);
    const changed = desired.filter((e) => this.sent.get(e.name)?.hash !== e.hash);
    return changed.length > 0 ? changed : undefined;
  }

  /**
   * Whether the node holds exactly what it should under `view`, plus `keep` (as in `pending`,
   * but without mutation).
   */
  inSync(view: TypeSnapshot | undefined, keep: readonly Entry[] = []): boolean {
    const desired = keep.length > 0 ? mergeByName(this.desired(view), keep) : this.desired(view);
    if (this.fullState && desired.length !== this.sent.size) return false;
    return desired.every((e) => this.sent.get(e.name)?.hash === e.hash);
  }

  /** Entries the node holds that `view` no longer has (full-state types only). */
  removed(view: TypeSnapshot | undefined): Entry[] {
    if (!this.fullState) return [];
    const want = new Set(this.desired(view).map((e) => e.name));
    return [...this.sent.values()].filter((e) => !want.has(e.name));
  }

  /** Records a response as sent; returns the version it carries. */
  recordSent(entries: readonly Entry[], nonce: string, at: number, publishedAt: number | undefined): string {
    if (this.fullState) this.sent.clear();
    for (const e of entries) this.sent.set(e.name, e);
    const version = versionOf(this.sent.values());
    this.responded = true;
    this.claimedVersion = undefined;
    this.nonce = nonce;
    this.awaitingAck = true;
    this.lastSent = { version, nonce, names: entries.map((e) => e.name), at, publishedAt };
    return version;
  }

  /**
   * On a new stream, a node may claim a version it already holds (rule 22). If that version is
   * exactly the content of what it subscribes to now, it holds every resource: seed `sent` and
   * send nothing. Otherwise the normal path sends everything.
   */
  trySeed(view: TypeSnapshot | undefined, at: number): boolean {
    const claimed = this.claimedVersion;
    if (!claimed || this.responded || !view) return false;
    this.claimedVersion = undefined;
    const desired = this.desired(view);
    if (versionOf(desired) !== claimed) return false;
    for (const e of desired) this.sent.set(e.name, e);
    this.responded = true;
    this.lastAck = { version: claimed, nonce: '', at };
    return true;
  }
}

function mergeByName(a: readonly Entry[], b: readonly Entry[]): Entry[] {
  const names = new Set(a.map((e) => e.name));
  return [...a, ...b.filter((e) => !names.has(e.name))].sort((x, y) => (x.name < y.name ? -1 : 1));
}
