// Public surface of config: schemas, parsed types and loaders.
export { type CatalogFile, type CatalogInstance, catalogFile } from './catalog-schema.ts';
export { durationMs, formatDuration, toDuration } from './duration.ts';
export { listenAddress, splitHostPort } from './listen-address.ts';
export {
  deepFreeze,
  loadSettings,
  type Parsed,
  parseCatalog,
  parsePolicy,
  parseWith,
  parseYaml,
  readText,
} from './load.ts';
export {
  type HostPort,
  type ObservabilitySettings,
  type ObservabilityTarget,
  observabilityTarget,
} from './observability-schema.ts';
export {
  type LbPolicy,
  lbPolicy,
  type PolicyFile,
  type Protocol,
  policyFile,
  protocol,
  type RoutePolicy,
  type ServicePolicy,
  type SidecarPolicy,
} from './policy-schema.ts';
export { type Settings, settingsFile } from './settings-schema.ts';
