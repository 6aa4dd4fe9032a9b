// The latest published snapshot and who wants to hear about the next one. The seam between the
// pipeline (writes) and the xDS server and admin (read).
import type { Snapshot } from './snapshot.ts';

/** A published snapshot with the moment it was published (for publish-to-ACK latency). */
export interface Published {
  readonly snapshot: Snapshot;
  readonly publishedAt: number;
}

/** Read side, as the xDS server sees it. */
export interface SnapshotSource {
  current(): Published | undefined;
  /** Calls `listener` on every publish; returns the unsubscribe function. */
  subscribe(listener: (p: Published) => void): () => void;
}

/** Holds the latest snapshot; publishing a snapshot with an unchanged version is a no-op. */
export class SnapshotHolder implements SnapshotSource {
  #current: Published | undefined;
  readonly #listeners = new Set<(p: Published) => void>();
  readonly #now: () => number;

  constructor(now: () => number = Date.now) {
    this.#now = now;
  }

  current(): Published | undefined {
    return this.#current;
  }

  subscribe(listener: (p: Published) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Publishes `snapshot`; returns false when it equals the current version (nothing to push). */
  publish(snapshot: Snapshot): boolean {
    if (this.#current?.snapshot.version === snapshot.version) return false;
    const p = { snapshot, publishedAt: this.#now() };
    this.#current = p;
    for (const l of this.#listeners) l(p);
    return true;
  }
}
