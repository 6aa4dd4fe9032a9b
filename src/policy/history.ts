// The last N policy versions that reached the fleet: who applied them, when, and what they changed
// for each node profile. Rollback re-applies one of these.
import type { Policy } from '../model/index.ts';
import type { SnapshotDiff } from '../snapshot/index.ts';

/** One policy version that was published. */
export interface PolicyRecord {
  readonly version: string;
  readonly appliedAt: string;
  /** Who asked for it: the admin caller's name, or the source that delivered it (file, kv). */
  readonly author: string;
  /** What publishing it changed, per profile and type. */
  readonly changes: SnapshotDiff;
  readonly policy: Policy;
}

/** A bounded, newest-last list of published policy versions. */
export class PolicyHistory {
  readonly #limit: number;
  readonly #records: PolicyRecord[] = [];

  constructor(limit: number) {
    this.#limit = limit;
  }

  /** Records a version unless it is the one already current. */
  record(r: PolicyRecord): void {
    if (this.latest()?.version === r.version) return;
    this.#records.push(r);
    if (this.#records.length > this.#limit) this.#records.shift();
  }

  /** The current version, if any was published. */
  latest(): PolicyRecord | undefined {
    return this.#records.at(-1);
  }

  /** A held version by its id, or the one before the current when `version` is omitted. */
  find(version?: string): PolicyRecord | undefined {
    if (version === undefined) return this.#records.at(-2);
    return this.#records.find((r) => r.version === version);
  }

  /** Newest first, without the policy bodies. */
  list(): Omit<PolicyRecord, 'policy'>[] {
    return this.#records.map(({ policy: _policy, ...rest }) => rest).reverse();
  }
}
