// Public surface of authz: the Check service, the policy compiler and the seam the pipeline
// implements, the CLI functions, and the API-key helpers. Everything else is private.
export { API_KEY_PREFIX, apiKeyDigest, createApiKey, isWellFormedApiKey } from './api-keys.ts';
export { POLICY_KEY_EXTENSION, POLICY_VERSION_EXTENSION } from './check-request.ts';
export { AuthzService, type AuthzServiceOptions } from './check-service.ts';
export { type ExplainOptions, explain, keysCreate } from './cli.ts';
export { type CompileResult, compileAuthPolicy, type PolicyRouteRef } from './compile-policy.ts';
export type { CompiledAuthPolicy } from './compiled.ts';
export type { Decision, DecisionReason } from './decision.ts';
export type { AuthzPolicySource, AuthzPolicyVersion } from './policy-history.ts';
export { type AuthzServer, DEFAULT_AUTHZ_ADDRESS, startAuthzServer } from './server.ts';
