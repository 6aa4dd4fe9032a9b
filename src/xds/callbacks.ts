// Optional hooks the ADS server calls (go-control-plane's CallbackFuncs shape): metrics and logs
// plug in here so the server never imports them.
import type { TypeUrl } from '../resource-types.ts';
import type { NackRecord, StreamInfo } from './node-status.ts';

/** Every hook is optional; each receives the stream it concerns. */
export interface XdsCallbacks {
  onStreamOpen?(stream: StreamInfo): void;
  onStreamClosed?(stream: StreamInfo, subscribedTypes: readonly TypeUrl[]): void;
  /** The first request for a type on a stream. */
  onSubscribe?(stream: StreamInfo, typeUrl: TypeUrl): void;
  onResponse?(stream: StreamInfo, typeUrl: TypeUrl, resources: number, bytes: number): void;
  /** `latencyMs` is publish-to-ACK when the ACKed response carried a published change. */
  onAck?(stream: StreamInfo, typeUrl: TypeUrl, latencyMs: number | undefined): void;
  onNack?(stream: StreamInfo, nack: NackRecord): void;
  onStaleRequest?(stream: StreamInfo, typeUrl: TypeUrl): void;
  onBadRequest?(stream: StreamInfo | undefined, message: string): void;
}
