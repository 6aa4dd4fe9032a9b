// Immutable snapshots: per profile, per type, per resource name -> { hash, encoded Any }.
// Serialization happens here, once per resource version, and every stream shares the bytes.
// Versions are content hashes, so a restart or a second replica with the same input produces the
// same versions (xds-protocol.md item 23) and a reconnecting node gets nothing it already has.
import { createHash } from 'node:crypto';
import { encode } from '../protos.ts';
import { messageName, PUSH_ORDER, type TypeUrl } from '../resource-types.ts';
import { encodeResource } from '../translate/encoded.ts';
import type { NamedResource, Profile, Translation } from '../translate/resources.ts';

/** One resource at one version. Entries with equal content are the same object across snapshots. */
export interface Entry {
  readonly name: string;
  /** Hex content hash over the name and the encoded resource. */
  readonly hash: string;
  /** The hash as two 32-bit halves, XOR-combined into versions of any subset. */
  readonly hi: number;
  readonly lo: number;
  /** The resource encoded as a google.protobuf.Any, ready to splice into a DiscoveryResponse. */
  readonly any: Buffer;
  /** The message name inside the Any (for decoding in debug views). */
  readonly messageName: string;
  /** The encoded resource (the Any's value). */
  readonly value: Buffer;
}

/** All resources of one type for one profile. */
export interface TypeSnapshot {
  /** Content version of the whole set (what a wildcard subscriber has once in sync). */
  readonly version: string;
  readonly entries: ReadonlyMap<string, Entry>;
  /** The version this set was built on, and the names added, changed or removed since: streams
   * in sync with that version look only at these names instead of the whole set. */
  readonly previousVersion?: string;
  readonly changed: ReadonlySet<string>;
}

/** All types for one profile. */
export type ProfileSnapshot = Readonly<Record<TypeUrl, TypeSnapshot>>;

/** One published state of the world. */
export interface Snapshot {
  /** Content version over every profile and type. */
  readonly version: string;
  readonly profiles: Readonly<Record<Profile, ProfileSnapshot>>;
}

/** Formats XOR-combined halves as a version string. */
export function formatVersion(hi: number, lo: number): string {
  return (hi >>> 0).toString(16).padStart(8, '0') + (lo >>> 0).toString(16).padStart(8, '0');
}

/** The version of a subset of entries: order-independent, so any replica computes the same. */
export function versionOf(entries: Iterable<Entry>): string {
  let hi = 0;
  let lo = 0;
  for (const e of entries) {
    hi ^= e.hi;
    lo ^= e.lo;
  }
  return formatVersion(hi, lo);
}

const ANY = 'google.protobuf.Any';

function makeEntry(typeUrl: TypeUrl, name: string, value: Buffer): Entry {
  const digest = createHash('sha256').update(name).update('\0').update(value).digest();
  const any = encode(ANY, { type_url: typeUrl, value });
  return {
    name,
    hash: digest.subarray(0, 8).toString('hex'),
    hi: digest.readInt32BE(0),
    lo: digest.readInt32BE(4),
    any,
    messageName: messageName(typeUrl),
    value,
  };
}

/**
 * Builds a snapshot from a translation. Resources whose bytes equal an entry of `previous` reuse
 * that entry object, so streams can tell "unchanged" by identity.
 */
export function createSnapshot(translation: Translation, previous?: Snapshot): Snapshot {
  const profiles = {} as Record<Profile, ProfileSnapshot>;
  let hi = 0;
  let lo = 0;
  for (const profile of Object.keys(translation).sort() as Profile[]) {
    const set = translation[profile];
    const types = {} as Record<TypeUrl, TypeSnapshot>;
    for (const typeUrl of PUSH_ORDER) {
      const before = previous?.profiles[profile]?.[typeUrl]?.entries;
      const entries = new Map<string, Entry>();
      const changed = new Set<string>();
      let thi = 0;
      let tlo = 0;
      for (const r of set[typeUrl] as readonly NamedResource[]) {
        const value = encodeResource(messageName(typeUrl), r.message);
        const old = before?.get(r.name);
        const entry = old?.value.equals(value) ? old : makeEntry(typeUrl, r.name, value);
        if (entry !== old) changed.add(r.name);
        entries.set(r.name, entry);
        thi ^= entry.hi;
        tlo ^= entry.lo;
      }
      if (before) for (const name of before.keys()) if (!entries.has(name)) changed.add(name);
      const previousVersion = previous?.profiles[profile]?.[typeUrl]?.version;
      types[typeUrl] = {
        version: formatVersion(thi, tlo),
        entries,
        changed,
        ...(previousVersion !== undefined && { previousVersion }),
      };
      // Mix the type into the overall version so equal sets of different types differ.
      const salt = createHash('sha256')
        .update(`${profile}\0${typeUrl}\0${formatVersion(thi, tlo)}`)
        .digest();
      hi ^= salt.readInt32BE(0);
      lo ^= salt.readInt32BE(4);
    }
    profiles[profile] = types;
  }
  return { version: formatVersion(hi, lo), profiles };
}
