// A sidecar's part of a snapshot, built eagerly and cheaply: its own few entries (local app
// cluster, listeners, outbound routes) and the version of each type of its view. What it shares
// with the edge (clusters and endpoints) is not copied; sidecar-view.ts composes the view from
// both when a stream first needs it.
import { CLUSTER, ENDPOINT, messageName, PUSH_ORDER, type TypeUrl } from '../resource-types.ts';
import { encodeResource } from '../translate/encoded.ts';
import type { SidecarSet } from '../translate/resources.ts';
import { type Entry, extendVersion, makeEntry, versionOf } from './entry.ts';
import type { ProfileSnapshot } from './snapshot.ts';

/** The types whose edge entries sidecars share. */
export const SHARED_TYPES: ReadonlySet<TypeUrl> = new Set([CLUSTER, ENDPOINT]);

/** One sidecar's part of a snapshot. */
export interface SidecarSpec {
  readonly service: string;
  /** The edge clusters (and endpoints of the same names) it may use, sorted; absent: all. */
  readonly clusters?: ReadonlySet<string>;
  /** Without a list: edge clusters its view leaves out (the edge's own: Check service, admin). */
  readonly hidden?: ReadonlySet<string>;
  /** Its own entries per type, in name order. Sidecars with equal ones share the maps. */
  readonly own: Readonly<Record<TypeUrl, ReadonlyMap<string, Entry>>>;
  /** The content version of its view, per type. */
  readonly versions: Readonly<Record<TypeUrl, string>>;
}

/** The entries of `names` that `entries` holds, in the order of `names`. */
export function* picked(entries: ReadonlyMap<string, Entry>, names: ReadonlySet<string>): Generator<Entry> {
  for (const n of names) {
    const e = entries.get(n);
    if (e) yield e;
  }
}

/**
 * The specs of every sidecar, by service. Each distinct own resource is encoded and hashed once
 * per snapshot (by message object), and reuses its entry from `previous` when the bytes are equal.
 */
export function buildSidecarSpecs(
  sets: readonly SidecarSet[],
  edge: ProfileSnapshot,
  previous: ReadonlyMap<string, SidecarSpec> | undefined,
  edgeOnly: readonly string[] = [],
): Map<string, SidecarSpec> {
  const hiddenAll = edgeOnly.length > 0 ? new Set(edgeOnly) : undefined;
  const entryOf = new Map<object, Entry>();
  const ownMaps = new Map<string, ReadonlyMap<string, Entry>>();
  const ids = new Map<Entry, number>();
  const out = new Map<string, SidecarSpec>();
  for (const s of sets) {
    const before = previous?.get(s.service);
    const clusters = s.clusters ? new Set(s.clusters) : undefined;
    const hidden = clusters ? undefined : hiddenAll;
    const own = {} as Record<TypeUrl, ReadonlyMap<string, Entry>>;
    const versions = {} as Record<TypeUrl, string>;
    for (const t of PUSH_ORDER) {
      const entries = s.own[t].map((r) => {
        let e = entryOf.get(r.message);
        if (!e) {
          const value = encodeResource(messageName(t), r.message);
          const old = before?.own[t].get(r.name);
          e = old?.value.equals(value) ? old : makeEntry(t, r.name, value);
          entryOf.set(r.message, e);
          ids.set(e, ids.size);
        }
        return e;
      });
      const key = `${t}\0${entries.map((e) => ids.get(e)).join(',')}`;
      let map = ownMaps.get(key);
      if (!map) {
        map = new Map(entries.map((e) => [e.name, e]));
        ownMaps.set(key, map);
      }
      own[t] = map;
      const shared = SHARED_TYPES.has(t) ? edge[t] : undefined;
      // Versions XOR entry hashes: XORing a hidden entry again takes it out of the edge's version.
      const unseen = hidden && t === CLUSTER ? [...picked(shared!.entries, hidden)] : [];
      versions[t] = !shared
        ? versionOf(map.values())
        : clusters
          ? versionOf([...picked(shared.entries, clusters), ...map.values()])
          : extendVersion(shared.version, [...unseen, ...map.values()]);
    }
    out.set(s.service, { service: s.service, ...(clusters && { clusters }), ...(hidden && { hidden }), own, versions });
  }
  return out;
}
