// One State-of-the-World ADS stream: identity, per-type state, ordering and ACK/NACK handling.
// Rule numbers refer to ../shared/docs/xds-protocol.md.
import type { Logger } from '../log.ts';
import { CLUSTER, ENDPOINT, LISTENER, PUSH_ORDER, ROUTE, SHORT_NAME, type TypeUrl } from '../resource-types.ts';
import {
  type Entry,
  type NodeIdentity,
  type ProfileSnapshot,
  type Published,
  servedProfile,
  type TypeSnapshot,
  unservedReason,
} from '../snapshot/index.ts';
import type { XdsCallbacks } from './callbacks.ts';
import { encodeDiscoveryResponse } from './discovery-response.ts';
import type { NodeStatus, StreamInfo, TypeStatus } from './node-status.ts';
import { TypeState } from './type-state.ts';

/** A decoded envoy.service.discovery.v3.DiscoveryRequest (proto-loader flags, keepCase). */
export interface DiscoveryRequest {
  version_info: string;
  node: NodeIdentity | null;
  resource_names: string[];
  type_url: string;
  response_nonce: string;
  error_detail: { code: number; message: string } | null;
}

/** What a stream needs from its server. */
export interface StreamDeps {
  readonly current: () => Published | undefined;
  readonly callbacks: XdsCallbacks;
  readonly log: Logger;
  readonly controlPlaneId: string;
  readonly now: () => number;
  readonly send: (bytes: Buffer) => void;
  readonly fail: (code: number, details: string) => void;
  readonly peer: string;
  readonly streamId: number;
}

const SERVED: ReadonlySet<string> = new Set(PUSH_ORDER);
const INVALID_ARGUMENT = 3;

/** Protocol logic of one ADS stream; the server feeds it requests and snapshots. */
export class SotwStream {
  readonly #deps: StreamDeps;
  readonly #types = new Map<TypeUrl, TypeState>();
  #info: StreamInfo | undefined;
  #nonce = 0;
  #closed = false;

  constructor(deps: StreamDeps) {
    this.#deps = deps;
  }

  /** The stream's identity once its first request arrived. */
  get info(): StreamInfo | undefined {
    return this.#info;
  }

  /** Handles one DiscoveryRequest. */
  handleRequest(req: DiscoveryRequest): void {
    if (this.#closed) return;
    if (!this.#identify(req)) return;
    const info = this.#info!;
    if (!req.type_url) {
      this.#reject('type_url is required on an aggregated (ADS) stream');
      return;
    }
    if (!SERVED.has(req.type_url)) {
      this.#deps.log.debug({ nodeId: info.nodeId, typeUrl: req.type_url }, 'ignoring request for a type not served');
      return;
    }
    const typeUrl = req.type_url as TypeUrl;
    let state = this.#types.get(typeUrl);
    if (!state) {
      state = new TypeState(typeUrl);
      this.#types.set(typeUrl, state);
      this.#deps.callbacks.onSubscribe?.(info, typeUrl);
      if (req.version_info) state.claimedVersion = req.version_info;
    } else if (state.nonce !== undefined && req.response_nonce !== state.nonce) {
      // Rule 9: a request answering an older response is superseded by one we already sent.
      this.#deps.callbacks.onStaleRequest?.(info, typeUrl);
      return;
    }
    if (state.nonce !== undefined && req.response_nonce === state.nonce && state.awaitingAck) {
      state.awaitingAck = false;
      if (req.error_detail) this.#recordNack(state, req);
      else {
        state.rejected = false;
        const sent = state.lastSent;
        state.lastAck = { version: req.version_info, nonce: req.response_nonce, at: this.#deps.now() };
        const latency = sent?.publishedAt !== undefined ? this.#deps.now() - sent.publishedAt : undefined;
        this.#deps.callbacks.onAck?.(info, typeUrl, latency);
      }
    }
    state.updateSubscription(req.resource_names);
    // Not only this type: an ACK may release what waited for it (rule 19): listeners and routes
    // wait for clusters and endpoints in flight, cluster removals wait for listeners and routes.
    this.#push();
  }

  /** Pushes a new snapshot in make-before-break order: CDS, EDS, LDS, RDS, removals last. */
  onSnapshot(): void {
    if (this.#closed || !this.#info) return;
    this.#push();
  }

  /** Stops all sending. */
  close(): readonly TypeUrl[] {
    this.#closed = true;
    return [...this.#types.keys()];
  }

  /** A snapshot of what this node asked for, was sent and accepted. */
  status(): NodeStatus | undefined {
    if (!this.#info) return undefined;
    const types: Record<string, TypeStatus> = {};
    for (const [t, s] of this.#types) {
      types[SHORT_NAME[t]] = {
        subscribed: s.wildcard ? '*' : s.names.sorted,
        ...(s.lastSent && {
          lastSent: {
            version: s.lastSent.version,
            nonce: s.lastSent.nonce,
            resources: s.lastSent.names.length,
            at: new Date(s.lastSent.at).toISOString(),
          },
        }),
        ...(s.lastAck && { lastAck: { ...s.lastAck, at: new Date(s.lastAck.at).toISOString() } }),
        ...(s.lastNack && { lastNack: s.lastNack }),
        ...(s.rejected && { unresolvedNack: true as const }),
      };
    }
    return { ...this.#info, types };
  }

  #identify(req: DiscoveryRequest): boolean {
    const node = req.node;
    if (!this.#info) {
      // Rule 1: the node is only guaranteed on the first request; remember it for the stream.
      if (!node?.id) {
        this.#reject('the first request on a stream must carry node.id');
        return false;
      }
      // A sidecar of a service the snapshot does not serve is refused now; before the first
      // snapshot that is not known yet, and #views refuses it once it is.
      const chosen = servedProfile(node, this.#deps.current()?.snapshot);
      if ('error' in chosen) {
        this.#reject(chosen.error);
        return false;
      }
      this.#info = {
        streamId: this.#deps.streamId,
        nodeId: node.id,
        nodeCluster: node.cluster,
        profile: chosen.profile,
        userAgent: `${node.user_agent_name ?? ''}/${node.user_agent_version ?? ''}`,
        peer: this.#deps.peer,
        connectedAt: new Date(this.#deps.now()).toISOString(),
      };
      this.#deps.callbacks.onStreamOpen?.(this.#info);
      return true;
    }
    if (node?.id && (node.id !== this.#info.nodeId || node.cluster !== this.#info.nodeCluster)) {
      this.#reject(`node changed mid-stream from "${this.#info.nodeId}" to "${node.id}"`);
      return false;
    }
    return true;
  }

  #reject(message: string): void {
    this.#deps.callbacks.onBadRequest?.(this.#info, message);
    this.#deps.log.warn({ nodeId: this.#info?.nodeId, peer: this.#deps.peer }, `rejecting stream: ${message}`);
    this.#closed = true;
    this.#deps.fail(INVALID_ARGUMENT, message);
  }

  #recordNack(state: TypeState, req: DiscoveryRequest): void {
    const info = this.#info!;
    const nack = {
      nodeId: info.nodeId,
      streamId: info.streamId,
      profile: info.profile,
      typeUrl: state.typeUrl,
      resourceNames: state.lastSent?.names ?? [],
      rejectedVersion: state.lastSent?.version ?? '',
      keptVersion: req.version_info,
      nonce: req.response_nonce,
      errorCode: req.error_detail?.code ?? 0,
      errorMessage: req.error_detail?.message ?? '',
      at: new Date(this.#deps.now()).toISOString(),
    };
    // Rule 6: the state keeps the rejected content as held, so the same bytes are never offered again.
    state.lastNack = nack;
    state.rejected = true;
    this.#deps.log.warn({ nack }, 'node rejected a response (NACK)');
    this.#deps.callbacks.onNack?.(info, nack);
  }

  #push(): void {
    for (const t of PUSH_ORDER) this.#respond(t);
  }

  /**
   * This node's views in `published`. A sidecar's service may be missing (never known, or gone
   * from the catalog): a node that got nothing yet is refused; one that holds config keeps it,
   * unchanged, until its service is back (a catalog hiccup must not empty a sidecar).
   */
  #views(published: Published): ProfileSnapshot | undefined {
    const views = published.snapshot.view(this.#info!.profile);
    if (!views && ![...this.#types.values()].some((s) => s.responded)) {
      this.#reject(unservedReason(published.snapshot, this.#info!.profile) ?? 'no view for this node');
    }
    return views;
  }

  #respond(typeUrl: TypeUrl): void {
    const state = this.#types.get(typeUrl);
    const published = this.#deps.current();
    if (!state || state.awaitingAck || !published || this.#closed) return;
    const views = this.#views(published);
    if (!views) return;
    const view = views[typeUrl];
    if (state.trySeed(view, this.#deps.now())) return;
    if ((typeUrl === LISTENER || typeUrl === ROUTE) && this.#clustersInFlight(views)) return;
    const keep = this.#kept(state, view);
    const entries = state.pending(view, keep);
    if (!entries) return;
    if (typeUrl === CLUSTER) this.#forceEndpointResend(state, entries);
    const nonce = String(++this.#nonce);
    const version = state.recordSent(view, entries, keep, nonce, this.#deps.now(), published.publishedAt);
    const bytes = encodeDiscoveryResponse({
      versionInfo: version,
      typeUrl,
      nonce,
      resources: entries,
      controlPlane: this.#deps.controlPlaneId,
    });
    this.#deps.send(bytes);
    this.#deps.callbacks.onResponse?.(this.#info!, typeUrl, entries.length, bytes.length);
    if (typeUrl === CLUSTER) this.#respond(ENDPOINT);
  }

  /** Rule 20: a changed cluster only finishes warming once its endpoints arrive, even unchanged. */
  #forceEndpointResend(clusters: TypeState, entries: readonly { name: string; hash: string }[]): void {
    const eds = this.#types.get(ENDPOINT);
    if (!eds) return;
    for (const e of entries) if (clusters.held(e.name)?.hash !== e.hash) eds.forget(e.name);
  }

  /** Clusters the node holds that are gone from `view`, kept until routes stop using them (rule 19). */
  #kept(state: TypeState, view: TypeSnapshot): Entry[] {
    return state.typeUrl === CLUSTER && !this.#routesSettled() ? state.removed(view) : [];
  }

  /**
   * Whether a CDS or EDS response is unacknowledged while newer clusters or endpoints wait behind
   * it. Listeners and routes then wait too, so they never reach the node before the clusters they
   * use (rule 19); the ACK releases them.
   */
  #clustersInFlight(views: ProfileSnapshot): boolean {
    for (const t of [CLUSTER, ENDPOINT] as const) {
      const s = this.#types.get(t);
      if (s?.awaitingAck && !s.inSync(views[t], this.#kept(s, views[t]))) return true;
    }
    return false;
  }

  /**
   * Whether listeners and routes are delivered and ACKed, so clusters may be removed. A node that
   * NACKed its latest routes still uses older ones, which may name the clusters (rule 19).
   */
  #routesSettled(): boolean {
    const views = this.#deps.current()?.snapshot.view(this.#info!.profile);
    if (!views) return true;
    for (const t of [LISTENER, ROUTE] as const) {
      const s = this.#types.get(t);
      if (!s) continue;
      if (s.awaitingAck || s.rejected || !s.inSync(views[t])) return false;
    }
    return true;
  }
}
