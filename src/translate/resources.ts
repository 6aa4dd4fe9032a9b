// What translation produces: per node profile, the named Envoy resources of each type.
import type { TypeUrl } from '../resource-types.ts';

/** The node profiles Gatehouse serves. The rule that picks one for a node lives in snapshot. */
export type Profile = 'edge' | 'grpc';
export const PROFILES: readonly Profile[] = ['edge', 'grpc'];

/** One Envoy resource as a plain object of its message type (snake_case, nested Any packed). */
export interface NamedResource {
  readonly name: string;
  readonly message: object;
}

/** The resources of one profile, by type URL, each list sorted by name. */
export type ResourceSet = Readonly<Record<TypeUrl, readonly NamedResource[]>>;

/** Everything translation produced. */
export type Translation = Readonly<Record<Profile, ResourceSet>>;
