// Public surface of the Consul sources.
export type { ConsulCatalogSourceOptions } from './catalog-options.ts';
export { ConsulCatalogSource } from './catalog-source.ts';
export { ConsulCallError } from './client.ts';
export { ConsulKvPolicySource, type ConsulKvPolicySourceOptions } from './kv-policy-source.ts';
export { DEFAULT_LOCALITY_KEYS, type LocalityKeys } from './mapping.ts';
export { MultiDatacenterCatalogSource, type RemoteCatalog } from './multi-dc-source.ts';
export { type ConsulConnection, consulOptionsFromEnv, normalizeAddress } from './options.ts';
export type { ConsulSourceStatus } from './status.ts';
