// What a new snapshot would change for each node profile: resource names added, removed and
// changed per type. Used to preview a policy before applying it. A sidecar that sees every edge
// cluster before and after changes exactly as the edge does plus its own few resources, so its
// diff is assembled from the edge's instead of walking its whole view (no O(services²) preview).
import { PUSH_ORDER, SHORT_NAME, type TypeUrl } from '../resource-types.ts';
import { sidecarProfile } from '../translate/resources.ts';
import type { Entry } from './entry.ts';
import { SHARED_TYPES } from './sidecar-spec.ts';
import type { ProfileSnapshot, Snapshot } from './snapshot.ts';

/** Changes to one type of one profile. */
export interface TypeDiff {
  readonly added: readonly string[];
  readonly removed: readonly string[];
  readonly changed: readonly string[];
}

/** Per profile, per type short name (cds, eds, lds, rds): only types with changes appear. */
export type SnapshotDiff = Readonly<Record<string, Readonly<Record<string, TypeDiff>>>>;

type Entries = ReadonlyMap<string, Entry>;
const NONE: Entries = new Map();
const TYPES = [...PUSH_ORDER].sort();

function typeDiff(a: Entries, b: Entries): TypeDiff {
  return {
    added: [...b.keys()].filter((n) => !a.has(n)).sort(),
    removed: [...a.keys()].filter((n) => !b.has(n)).sort(),
    changed: [...b.keys()].filter((n) => a.has(n) && a.get(n)!.hash !== b.get(n)!.hash).sort(),
  };
}

const merge = (x: TypeDiff, y: TypeDiff): TypeDiff => ({
  added: [...x.added, ...y.added].sort(),
  removed: [...x.removed, ...y.removed].sort(),
  changed: [...x.changed, ...y.changed].sort(),
});

function viewDiff(a: ProfileSnapshot | undefined, b: ProfileSnapshot | undefined): Map<TypeUrl, TypeDiff> {
  return new Map(TYPES.map((t) => [t, typeDiff(a?.[t].entries ?? NONE, b?.[t].entries ?? NONE)]));
}

/** Differences from `before` (possibly none yet) to `after`, sorted by name. */
export function diffSnapshots(before: Snapshot | undefined, after: Snapshot): SnapshotDiff {
  const out: Record<string, Record<string, TypeDiff>> = {};
  const put = (profile: string, diffs: Map<TypeUrl, TypeDiff>) => {
    const types: Record<string, TypeDiff> = {};
    for (const [t, d] of diffs) {
      if (d.added.length + d.removed.length + d.changed.length > 0) types[SHORT_NAME[t]] = d;
    }
    if (Object.keys(types).length > 0) out[profile] = types;
  };
  const edge = viewDiff(before?.profiles.edge, after.profiles.edge);
  put('edge', edge);
  put('grpc', viewDiff(before?.profiles.grpc, after.profiles.grpc));
  const services = [...new Set([...(before?.sidecars.keys() ?? []), ...after.sidecars.keys()])].sort();
  for (const service of services) {
    const profile = sidecarProfile(service);
    const a = before?.sidecars.get(service);
    const b = after.sidecars.get(service);
    if (!a || !b || a.clusters || b.clusters) {
      put(profile, viewDiff(before?.view(profile), after.view(profile)));
      continue;
    }
    const own = (t: TypeUrl) => typeDiff(a.own[t], b.own[t]);
    put(profile, new Map(TYPES.map((t) => [t, SHARED_TYPES.has(t) ? merge(edge.get(t)!, own(t)) : own(t)])));
  }
  return out;
}
