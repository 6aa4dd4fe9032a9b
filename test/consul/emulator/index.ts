// Public surface of the TEST-ONLY Consul HTTP API emulator.
export type { EmulatorOptions } from './context.ts';
export { parseGoDuration } from './http-util.ts';
export { ConsulEmulator, type Fault, type RequestRecord } from './server.ts';
export type { CheckRec, CheckStatus, KvRec, NodeRec, ServiceRec } from './store.ts';
