// What translation produces: per node profile, the named Envoy resources of each type.
import type { TypeUrl } from '../resource-types.ts';

/**
 * A node profile key: `edge`, `grpc`, or `sidecar/<service>` for the sidecar next to an instance
 * of that service. The rule that picks one for a node lives in snapshot/node-profile.ts.
 */
export type Profile = 'edge' | 'grpc' | `sidecar/${string}`;

/** The profiles built in full with every snapshot; sidecar views are composed from them on use. */
export type FixedProfile = 'edge' | 'grpc';
export const PROFILES: readonly FixedProfile[] = ['edge', 'grpc'];

/**
 * The client a resource is shaped for: an Envoy (edge and sidecars share resources) or a
 * proxyless gRPC client, which implements less and rejects what it does not know.
 */
export type Flavor = FixedProfile;

const SIDECAR_PREFIX = 'sidecar/';

/** The profile key of the sidecar of `service`. */
export function sidecarProfile(service: string): `sidecar/${string}` {
  return `${SIDECAR_PREFIX}${service}`;
}

/** The service of a sidecar profile key, or undefined for any other profile. */
export function sidecarService(profile: string): string | undefined {
  return profile.startsWith(SIDECAR_PREFIX) ? profile.slice(SIDECAR_PREFIX.length) : undefined;
}

/** `text` as a profile key, or undefined when it is none (`sidecar/` needs a service). */
export function parseProfile(text: string): Profile | undefined {
  if (text === 'edge' || text === 'grpc') return text;
  const service = sidecarService(text);
  return service ? sidecarProfile(service) : undefined;
}

/** How to spell a profile key, for usage and error messages. */
export const PROFILE_SYNTAX = 'edge, grpc or sidecar/<service>';

/** `edge`, `grpc` or `sidecar`: bounded, for metric labels. */
export function profileKind(profile: Profile): 'edge' | 'grpc' | 'sidecar' {
  return sidecarService(profile) === undefined ? (profile as FixedProfile) : 'sidecar';
}

/** One Envoy resource as a plain object of its message type (snake_case, nested Any packed). */
export interface NamedResource {
  readonly name: string;
  readonly message: object;
}

/** Sorts `items` in place by name (the order every resource list keeps) and returns them. */
export function sortByName<T extends NamedResource>(items: T[]): T[] {
  return items.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** The resources of one profile, by type URL, each list sorted by name. */
export type ResourceSet = Readonly<Record<TypeUrl, readonly NamedResource[]>>;

/**
 * What a sidecar holds beyond the edge profile's clusters and endpoints, which it shares instead
 * of copying. Sidecars with equal content share the message objects of `own`, so each distinct
 * resource is encoded and validated once however many services use it.
 */
export interface SidecarSet {
  readonly service: string;
  /** The edge clusters (and their endpoints) it may use, sorted; absent: all of them. */
  readonly clusters?: readonly string[];
  /** Its local app cluster, its inbound and outbound listeners, its outbound routes. */
  readonly own: ResourceSet;
}

/** Everything translation produced. */
export interface Translation {
  readonly edge: ResourceSet;
  readonly grpc: ResourceSet;
  /** One per service that can run a sidecar, sorted by service. */
  readonly sidecars?: readonly SidecarSet[];
  /**
   * Edge clusters no sidecar may see although sidecars share the edge's clusters: the Check
   * service's and the edge admin's (sorted). A sidecar's view leaves them out.
   */
  readonly edgeOnlyClusters?: readonly string[];
}
