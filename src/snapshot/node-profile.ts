// Which profile a node gets. The rule, in order:
//   1. node.metadata["gatehouse.profile"] (explicit always wins):
//      "edge" | "grpc" -> that profile;
//      "sidecar"       -> "sidecar/<X>" where X = node.metadata["gatehouse.service"], required;
//                         whether X is a served service is the stream's check, against the snapshot;
//   2. a user agent whose name starts with "gRPC" (grpc-js "gRPC Node Pure JS", grpc-go "gRPC Go",
//      C-core "gRPC C-core"…) is a proxyless gRPC client;
//   3. anything else (Envoy sends user_agent_name "envoy") is an edge proxy.
import { CLUSTER } from '../resource-types.ts';
import { type Profile, sidecarProfile, sidecarService } from '../translate/resources.ts';
import type { Snapshot } from './snapshot.ts';

/** The parts of a decoded envoy.config.core.v3.Node that decide the profile. */
export interface NodeIdentity {
  readonly id: string;
  readonly cluster: string;
  readonly user_agent_name?: string;
  readonly user_agent_version?: string;
  /** google.protobuf.Struct as decoded (protobufjs keeps camelCase for Value kinds). */
  readonly metadata?: { fields?: Record<string, { stringValue?: string } | undefined> } | null;
}

/** The metadata key a node may set to choose its profile. */
export const PROFILE_METADATA_KEY = 'gatehouse.profile';
/** The metadata key a sidecar sets to name the service it runs next to. */
export const SERVICE_METADATA_KEY = 'gatehouse.service';

/** Picks the profile for a node, or explains why its explicit choice is not served. */
export function nodeProfile(node: NodeIdentity): { profile: Profile } | { error: string } {
  const fields = node.metadata?.fields;
  const explicit = fields?.[PROFILE_METADATA_KEY]?.stringValue;
  if (explicit !== undefined) {
    if (explicit === 'edge' || explicit === 'grpc') return { profile: explicit };
    if (explicit === 'sidecar') {
      const service = fields?.[SERVICE_METADATA_KEY]?.stringValue;
      if (!service) {
        return {
          error: `node metadata ${PROFILE_METADATA_KEY} "sidecar" needs ${SERVICE_METADATA_KEY} naming the service it runs next to`,
        };
      }
      return { profile: sidecarProfile(service) };
    }
    return {
      error: `node metadata ${PROFILE_METADATA_KEY} "${explicit}" is not a served profile (edge, grpc, sidecar)`,
    };
  }
  if (/^grpc/i.test(node.user_agent_name ?? '')) return { profile: 'grpc' };
  return { profile: 'edge' };
}

/** Why `snapshot` has no view for `profile` (only sidecars can lack one), or undefined if it has. */
export function unservedReason(snapshot: Snapshot, profile: Profile): string | undefined {
  if (snapshot.view(profile)) return undefined;
  const service = sidecarService(profile) ?? profile;
  // Every known service has an edge cluster of its own name.
  if (!snapshot.profiles.edge[CLUSTER].entries.has(service)) {
    return `node metadata ${SERVICE_METADATA_KEY} "${service}" is not a known service`;
  }
  return `service "${service}" has no sidecar: it has no instances to take the app port from (set services.${service}.sidecar.appPort) or its sidecar ports clash`;
}

/** `nodeProfile`, refused also when `snapshot` (once there is one) does not serve the profile. */
export function servedProfile(
  node: NodeIdentity,
  snapshot: Snapshot | undefined,
): { profile: Profile } | { error: string } {
  const chosen = nodeProfile(node);
  const error = 'profile' in chosen && snapshot ? unservedReason(snapshot, chosen.profile) : undefined;
  return error ? { error } : chosen;
}
