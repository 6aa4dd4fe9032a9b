// Public surface of snapshot.

export { configDump } from './config-dump.ts';
export { diffSnapshots, type SnapshotDiff, type TypeDiff } from './diff.ts';
export { type Published, SnapshotHolder, type SnapshotSource } from './holder.ts';
export {
  type NodeIdentity,
  nodeProfile,
  PROFILE_METADATA_KEY,
  SERVICE_METADATA_KEY,
  servedProfile,
  unservedReason,
} from './node-profile.ts';
export {
  createSnapshot,
  type Entry,
  formatVersion,
  type ProfileSnapshot,
  type SidecarSpec,
  type Snapshot,
  type TypeSnapshot,
  versionOf,
} from './snapshot.ts';
