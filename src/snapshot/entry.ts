// One resource at one version, and versions of sets of them. A version is the XOR of its entries'
// content hashes: order-independent, so any replica computes the same, and cheap to extend (a
// sidecar view's version is the edge set's version XOR its own few entries).
import { createHash } from 'node:crypto';
import { encode } from '../protos.ts';
import { messageName, type TypeUrl } from '../resource-types.ts';

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

/** Formats XOR-combined halves as a version string. */
export function formatVersion(hi: number, lo: number): string {
  return (hi >>> 0).toString(16).padStart(8, '0') + (lo >>> 0).toString(16).padStart(8, '0');
}

/** `version` (of some set) with `entries` added: the version of the union of disjoint sets. */
export function extendVersion(version: string, entries: Iterable<Entry>): string {
  let hi = Number.parseInt(version.slice(0, 8), 16) | 0;
  let lo = Number.parseInt(version.slice(8, 16), 16) | 0;
  for (const e of entries) {
    hi ^= e.hi;
    lo ^= e.lo;
  }
  return formatVersion(hi, lo);
}

/** The version of a subset of entries: order-independent, so any replica computes the same. */
export function versionOf(entries: Iterable<Entry>): string {
  return extendVersion('0000000000000000', entries);
}

const ANY = 'google.protobuf.Any';

/** A new entry for the encoded resource `value` named `name`. */
export function makeEntry(typeUrl: TypeUrl, name: string, value: Buffer): Entry {
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
