// What the server knows about each connected node, for /debug/nodes and NACK history.
import type { Profile } from '../translate/resources.ts';

/** Identity of one ADS stream. */
export interface StreamInfo {
  readonly streamId: number;
  readonly nodeId: string;
  readonly nodeCluster: string;
  readonly profile: Profile;
  readonly userAgent: string;
  readonly peer: string;
  readonly connectedAt: string;
}

/** A rejected response, as the node reported it. */
export interface NackRecord {
  readonly nodeId: string;
  readonly streamId: number;
  readonly profile: Profile;
  readonly typeUrl: string;
  /** The names carried by the rejected response. */
  readonly resourceNames: readonly string[];
  /** The version the rejected response carried. */
  readonly rejectedVersion: string;
  /** The version the node says it still uses (its request's version_info). */
  readonly keptVersion: string;
  readonly nonce: string;
  readonly errorCode: number;
  readonly errorMessage: string;
  readonly at: string;
}

/** Per type: what the node asked for, what it was sent, what it accepted. */
export interface TypeStatus {
  readonly subscribed: '*' | readonly string[];
  readonly lastSent?: {
    readonly version: string;
    readonly nonce: string;
    readonly resources: number;
    readonly at: string;
  };
  readonly lastAck?: { readonly version: string; readonly nonce: string; readonly at: string };
  readonly lastNack?: NackRecord;
  /** Present while the node has NACKed the latest response and not ACKed one since (it runs on an older state). */
  readonly unresolvedNack?: true;
}

/** One node's status. */
export interface NodeStatus extends StreamInfo {
  readonly types: Readonly<Record<string, TypeStatus>>;
}
