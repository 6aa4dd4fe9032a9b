// What a new snapshot would change for each node profile: resource names added, removed and
// changed per type. Used to preview a policy before applying it.
import { SHORT_NAME, type TypeUrl } from '../resource-types.ts';
import type { Profile } from '../translate/resources.ts';
import type { Snapshot } from './snapshot.ts';

/** Changes to one type of one profile. */
export interface TypeDiff {
  readonly added: readonly string[];
  readonly removed: readonly string[];
  readonly changed: readonly string[];
}

/** Per profile, per type short name (cds, eds, lds, rds): only types with changes appear. */
export type SnapshotDiff = Readonly<Record<string, Readonly<Record<string, TypeDiff>>>>;

/** Differences from `before` (possibly none yet) to `after`, sorted by name. */
export function diffSnapshots(before: Snapshot | undefined, after: Snapshot): SnapshotDiff {
  const out: Record<string, Record<string, TypeDiff>> = {};
  for (const profile of Object.keys(after.profiles).sort() as Profile[]) {
    const types: Record<string, TypeDiff> = {};
    for (const typeUrl of Object.keys(after.profiles[profile]).sort() as TypeUrl[]) {
      const a = before?.profiles[profile]?.[typeUrl]?.entries ?? new Map();
      const b = after.profiles[profile][typeUrl].entries;
      const added = [...b.keys()].filter((n) => !a.has(n)).sort();
      const removed = [...a.keys()].filter((n) => !b.has(n)).sort();
      const changed = [...b.keys()].filter((n) => a.has(n) && a.get(n)!.hash !== b.get(n)!.hash).sort();
      if (added.length + removed.length + changed.length > 0) types[SHORT_NAME[typeUrl]] = { added, removed, changed };
    }
    if (Object.keys(types).length > 0) out[profile] = types;
  }
  return out;
}
