// Public surface of the xDS server.
export { type AdsOptions, AdsService } from './ads-server.ts';
export type { XdsCallbacks } from './callbacks.ts';
export type { NackRecord, NodeStatus, StreamInfo, TypeStatus } from './node-status.ts';
export type { DiscoveryRequest } from './sotw-stream.ts';
