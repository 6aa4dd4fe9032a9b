// Which profile a node gets. The rule, in order:
//   1. node.metadata["gatehouse.profile"] = "edge" | "grpc" (explicit always wins);
//   2. a user agent whose name starts with "gRPC" (grpc-js "gRPC Node Pure JS", grpc-go "gRPC Go",
//      C-core "gRPC C-core"…) is a proxyless gRPC client;
//   3. anything else (Envoy sends user_agent_name "envoy") is an edge proxy.
import type { Profile } from '../translate/resources.ts';

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

/** Picks the profile for a node, or explains why its explicit choice is not served. */
export function nodeProfile(node: NodeIdentity): { profile: Profile } | { error: string } {
  const explicit = node.metadata?.fields?.[PROFILE_METADATA_KEY]?.stringValue;
  if (explicit !== undefined) {
    if (explicit === 'edge' || explicit === 'grpc') return { profile: explicit };
    return { error: `node metadata ${PROFILE_METADATA_KEY} "${explicit}" is not a served profile (edge, grpc)` };
  }
  if (/^grpc/i.test(node.user_agent_name ?? '')) return { profile: 'grpc' };
  return { profile: 'edge' };
}
