// Immutable snapshots: per profile, per type, per resource name -> { hash, encoded Any }.
// Serialization happens here, once per resource version, and every stream shares the bytes.
// Versions are content hashes, so a restart or a second replica with the same input produces the
// same versions (xds-protocol.md item 23) and a reconnecting node gets nothing it already has.
//
// The edge and grpc views are built in full. Sidecar views are not: each sidecar has a small spec
// (its own entries and versions, O(1) for the common case) and its view is composed over the edge
// view the first time a stream asks for it, then memoised for the snapshot's lifetime.
import { createHash } from 'node:crypto';
import { messageName, PUSH_ORDER, type TypeUrl } from '../resource-types.ts';
import { encodeResource } from '../translate/encoded.ts';
import {
  type FixedProfile,
  type NamedResource,
  PROFILES,
  type Profile,
  sidecarService,
  type Translation,
} from '../translate/resources.ts';
import { type Entry, formatVersion, makeEntry } from './entry.ts';
import { buildSidecarSpecs, type SidecarSpec } from './sidecar-spec.ts';
import { composeSidecarView } from './sidecar-view.ts';

export { type Entry, formatVersion, versionOf } from './entry.ts';
export type { SidecarSpec } from './sidecar-spec.ts';

/** All resources of one type for one profile. */
export interface TypeSnapshot {
  /** Content version of the whole set (what a wildcard subscriber has once in sync). */
  readonly version: string;
  readonly entries: ReadonlyMap<string, Entry>;
  /** The version this set was built on, and the names added, changed or removed since: streams
   * in sync with that version look only at these names instead of the whole set. `changed` means
   * nothing without `previousVersion`. */
  readonly previousVersion?: string;
  readonly changed: ReadonlySet<string>;
}

/** All types for one profile. */
export type ProfileSnapshot = Readonly<Record<TypeUrl, TypeSnapshot>>;

/** One published state of the world. */
export interface Snapshot {
  /** Content version over every profile and type, sidecars included. */
  readonly version: string;
  /** The views built in full. */
  readonly profiles: Readonly<Record<FixedProfile, ProfileSnapshot>>;
  /** Every service whose sidecar is served, in name order. */
  readonly sidecars: ReadonlyMap<string, SidecarSpec>;
  /** The view of any profile (a sidecar's is composed on first use); undefined when not served. */
  view(profile: Profile): ProfileSnapshot | undefined;
}

function mix(acc: { hi: number; lo: number }, text: string): void {
  const salt = createHash('sha256').update(text).digest();
  acc.hi ^= salt.readInt32BE(0);
  acc.lo ^= salt.readInt32BE(4);
}

function profileSnapshot(set: Translation[FixedProfile], before: ProfileSnapshot | undefined): ProfileSnapshot {
  const types = {} as Record<TypeUrl, TypeSnapshot>;
  for (const typeUrl of PUSH_ORDER) {
    const old = before?.[typeUrl];
    const entries = new Map<string, Entry>();
    const changed = new Set<string>();
    let hi = 0;
    let lo = 0;
    for (const r of set[typeUrl] as readonly NamedResource[]) {
      const value = encodeResource(messageName(typeUrl), r.message);
      const prev = old?.entries.get(r.name);
      const entry = prev?.value.equals(value) ? prev : makeEntry(typeUrl, r.name, value);
      if (entry !== prev) changed.add(r.name);
      entries.set(r.name, entry);
      hi ^= entry.hi;
      lo ^= entry.lo;
    }
    if (old) for (const name of old.entries.keys()) if (!entries.has(name)) changed.add(name);
    types[typeUrl] = {
      version: formatVersion(hi, lo),
      entries,
      changed,
      ...(old !== undefined && { previousVersion: old.version }),
    };
  }
  return types;
}

/**
 * Builds a snapshot from a translation. Resources whose bytes equal an entry of `previous` reuse
 * that entry object, so streams can tell "unchanged" by identity.
 */
export function createSnapshot(translation: Translation, previous?: Snapshot): Snapshot {
  const profiles = {} as Record<FixedProfile, ProfileSnapshot>;
  const acc = { hi: 0, lo: 0 };
  for (const profile of PROFILES) {
    profiles[profile] = profileSnapshot(translation[profile], previous?.profiles[profile]);
    // Mix the type into the overall version so equal sets of different types differ.
    for (const t of PUSH_ORDER) mix(acc, `${profile}\0${t}\0${profiles[profile][t].version}`);
  }
  const sidecars = buildSidecarSpecs(
    translation.sidecars ?? [],
    profiles.edge,
    previous?.sidecars,
    translation.edgeOnlyClusters,
  );
  if (sidecars.size > 0) {
    // One digest over every sidecar's versions: a hash per sidecar would cost more than the rest.
    const all = createHash('sha256');
    for (const s of sidecars.values()) all.update(`${s.service}\0${PUSH_ORDER.map((t) => s.versions[t]).join('\0')}\n`);
    mix(acc, `sidecars\0${all.digest('hex')}`);
  }
  // Only what the next snapshot needs to tell sidecar changes: never the previous snapshot itself,
  // so snapshots do not chain.
  const prior =
    previous && sidecars.size > 0 ? { edge: previous.profiles.edge, sidecars: previous.sidecars } : undefined;
  const views = new Map<string, ProfileSnapshot>();
  return {
    version: formatVersion(acc.hi, acc.lo),
    profiles,
    sidecars,
    view(profile) {
      if (profile === 'edge' || profile === 'grpc') return profiles[profile];
      const service = sidecarService(profile);
      let view = service === undefined ? undefined : views.get(service);
      if (view || service === undefined) return view;
      const spec = sidecars.get(service);
      if (!spec) return undefined;
      view = composeSidecarView(profiles.edge, spec, prior);
      views.set(service, view);
      return view;
    },
  };
}
