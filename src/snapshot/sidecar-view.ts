// A sidecar's view, composed from the edge's clusters and endpoints and its own entries when a
// stream first needs it, then memoised by the snapshot. Nothing is copied for a sidecar without an
// upstream list: its endpoints view is the edge's TypeSnapshot itself and its clusters view a
// MergedMap over the edge's map. Versions, previousVersion and `changed` are exact, so streams
// keep the O(changed) path (xds/type-state.ts).
import { CLUSTER, PUSH_ORDER, type TypeUrl } from '../resource-types.ts';
import type { Entry } from './entry.ts';
import { MergedMap } from './merged-map.ts';
import { picked, SHARED_TYPES, type SidecarSpec } from './sidecar-spec.ts';
import type { ProfileSnapshot, TypeSnapshot } from './snapshot.ts';

/** What a snapshot remembers of its predecessor to say what changed: no link to the snapshot. */
export interface Prior {
  readonly edge: ProfileSnapshot;
  readonly sidecars: ReadonlyMap<string, SidecarSpec>;
}

const NOTHING: ReadonlySet<string> = new Set();

/** The edge entries of type `t` that `spec`'s view leaves out: only clusters are ever hidden. */
const hiddenOf = (spec: SidecarSpec, t: TypeUrl) => (t === CLUSTER ? spec.hidden : undefined);

/** The entries of `spec`'s view of type `t`, given the edge's entries of that type. */
function contentOf(spec: SidecarSpec, t: TypeUrl, shared: ReadonlyMap<string, Entry> | undefined) {
  const own = spec.own[t];
  if (!shared) return own;
  const hidden = hiddenOf(spec, t);
  if (!spec.clusters) return own.size === 0 && !hidden ? shared : new MergedMap(shared, own, hidden);
  // A declared list is short: a real map, in name order like every other.
  const only = new Map<string, Entry>();
  for (const e of picked(shared, spec.clusters)) only.set(e.name, e);
  return own.size === 0 ? only : new MergedMap(only, own);
}

/** Whether two (small) name sets hold the same names; absent is empty. */
function sameNames(a: ReadonlySet<string> | undefined, b: ReadonlySet<string> | undefined): boolean {
  if ((a?.size ?? 0) !== (b?.size ?? 0)) return false;
  for (const n of a ?? []) if (!b!.has(n)) return false;
  return true;
}

/** Names whose entry differs between `a` and `b`, including names only one has. */
function differing(a: ReadonlyMap<string, Entry>, b: ReadonlyMap<string, Entry>): Set<string> {
  const out = new Set<string>();
  for (const [n, e] of b) if (a.get(n)?.hash !== e.hash) out.add(n);
  for (const n of a.keys()) if (!b.has(n)) out.add(n);
  return out;
}

/** The view of the sidecar `spec` in a snapshot whose edge view is `edge`. */
export function composeSidecarView(edge: ProfileSnapshot, spec: SidecarSpec, prior?: Prior): ProfileSnapshot {
  const before = prior?.sidecars.get(spec.service);
  const view = {} as Record<TypeUrl, TypeSnapshot>;
  for (const t of PUSH_ORDER) {
    const shared = SHARED_TYPES.has(t) ? edge[t] : undefined;
    // Same content as the edge's (all endpoints, nothing own): the edge's TypeSnapshot as is.
    if (shared && !spec.clusters && spec.own[t].size === 0 && !hiddenOf(spec, t)) {
      view[t] = shared;
      continue;
    }
    const entries = contentOf(spec, t, shared?.entries);
    if (!before || !prior) {
      view[t] = { version: spec.versions[t], entries, changed: NOTHING };
      continue;
    }
    const sharedThen = shared ? prior.edge[t] : undefined;
    let changed: ReadonlySet<string>;
    if (
      shared &&
      sharedThen &&
      !spec.clusters &&
      !before.clusters &&
      sameNames(before.hidden, spec.hidden) &&
      shared.previousVersion === sharedThen.version
    ) {
      // Both views hold every edge entry but the same hidden ones: the edge's changes (less the
      // hidden) plus the few own ones, O(changed).
      const own = differing(before.own[t], spec.own[t]);
      const hidden = hiddenOf(spec, t);
      const edgeChanged = hidden ? [...shared.changed].filter((n) => !hidden.has(n)) : shared.changed;
      changed = own.size === 0 && !hidden ? shared.changed : new Set([...edgeChanged, ...own]);
    } else {
      changed = differing(contentOf(before, t, sharedThen?.entries), entries);
    }
    view[t] = { version: spec.versions[t], entries, previousVersion: before.versions[t], changed };
  }
  return view;
}
