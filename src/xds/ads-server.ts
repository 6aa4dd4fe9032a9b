// The ADS gRPC service: accepts streams, feeds them requests and snapshots, and keeps what the
// debug views show (per-node status, NACK history). Sees snapshots only through SnapshotSource.
import * as grpc from '@grpc/grpc-js';
import type { Logger } from '../log.ts';
import { packageDefinition } from '../protos.ts';
import type { SnapshotSource } from '../snapshot/index.ts';
import type { XdsCallbacks } from './callbacks.ts';
import type { NackRecord, NodeStatus } from './node-status.ts';
import { type DiscoveryRequest, SotwStream } from './sotw-stream.ts';

const ADS = 'envoy.service.discovery.v3.AggregatedDiscoveryService';

/** Options of the ADS service. */
export interface AdsOptions {
  readonly source: SnapshotSource;
  readonly log: Logger;
  readonly callbacks?: XdsCallbacks;
  /** Sent as DiscoveryResponse.control_plane.identifier. */
  readonly controlPlaneId?: string;
  /** How many NACKs the history keeps. */
  readonly nackHistory?: number;
  readonly now?: () => number;
}

/** The aggregated discovery service, ready to add to a grpc.Server. */
export class AdsService {
  readonly #opts: AdsOptions;
  readonly #streams = new Set<SotwStream>();
  readonly #nacks: NackRecord[] = [];
  readonly #callbacks: XdsCallbacks;
  #nextId = 0;

  constructor(opts: AdsOptions) {
    this.#opts = opts;
    const user = opts.callbacks ?? {};
    const limit = opts.nackHistory ?? 100;
    this.#callbacks = {
      ...user,
      onNack: (s, nack) => {
        this.#nacks.push(nack);
        if (this.#nacks.length > limit) this.#nacks.shift();
        user.onNack?.(s, nack);
      },
    };
    opts.source.subscribe(() => {
      for (const s of this.#streams) s.onSnapshot();
    });
  }

  /** Registers the service on a grpc server. Responses are pre-encoded bytes (see discovery-response.ts). */
  addTo(server: grpc.Server): void {
    const def = packageDefinition[ADS] as grpc.ServiceDefinition;
    const sotw = def.StreamAggregatedResources!;
    const delta = def.DeltaAggregatedResources!;
    const service: grpc.ServiceDefinition = {
      StreamAggregatedResources: { ...sotw, responseSerialize: (b: Buffer) => b },
      DeltaAggregatedResources: delta,
    };
    server.addService(service, {
      StreamAggregatedResources: (call: grpc.ServerDuplexStream<DiscoveryRequest, Buffer>) => this.#stream(call),
      DeltaAggregatedResources: (call: grpc.ServerDuplexStream<unknown, unknown>) => {
        call.emit('error', {
          code: grpc.status.UNIMPLEMENTED,
          details: 'incremental (delta) xDS is not served yet; use SotW ADS',
        });
      },
    });
  }

  /** Status of every connected node, sorted by node id then stream. */
  nodes(): NodeStatus[] {
    return [...this.#streams]
      .map((s) => s.status())
      .filter((s): s is NodeStatus => s !== undefined)
      .sort((a, b) => (a.nodeId < b.nodeId ? -1 : a.nodeId > b.nodeId ? 1 : a.streamId - b.streamId));
  }

  /** The most recent NACKs, oldest first. */
  nacks(): readonly NackRecord[] {
    return [...this.#nacks];
  }

  /** Number of open streams. */
  get streamCount(): number {
    return this.#streams.size;
  }

  #stream(call: grpc.ServerDuplexStream<DiscoveryRequest, Buffer>): void {
    const log = this.#opts.log;
    let ended = false;
    const stream: SotwStream = new SotwStream({
      current: () => this.#opts.source.current(),
      callbacks: this.#callbacks,
      log,
      controlPlaneId: this.#opts.controlPlaneId ?? 'gatehouse',
      now: this.#opts.now ?? Date.now,
      send: (bytes) => {
        if (!ended) call.write(bytes);
      },
      fail: (code, details) => {
        if (ended) return;
        ended = true;
        call.emit('error', { code, details });
      },
      peer: call.getPeer(),
      streamId: ++this.#nextId,
    });
    this.#streams.add(stream);
    const close = () => {
      if (!this.#streams.delete(stream)) return;
      const types = stream.close();
      if (stream.info) this.#callbacks.onStreamClosed?.(stream.info, types);
    };
    call.on('data', (req: DiscoveryRequest) => {
      try {
        stream.handleRequest(req);
      } catch (err) {
        log.error({ err, nodeId: stream.info?.nodeId }, 'internal error handling a discovery request');
        if (!ended) {
          ended = true;
          call.emit('error', { code: grpc.status.INTERNAL, details: 'internal error' });
        }
      }
    });
    call.on('end', () => {
      close();
      if (!ended) {
        ended = true;
        call.end();
      }
    });
    call.on('cancelled', close);
    call.on('close', close);
    call.on('error', close);
  }
}
