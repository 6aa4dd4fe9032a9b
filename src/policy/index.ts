// Public surface of policy versioning.
export { PolicyHistory, type PolicyRecord } from './history.ts';
export { policyVersion } from './version.ts';
