// The auth section after compilation: lookups by policy key and by key digest, role rules built,
// durations in milliseconds. Produced by compile-policy.ts, frozen, read by every Check.
import type { AuthMode, FetchPolicy, IdentityHeaders, JwsAlgorithm } from '../config/auth-schema.ts';
import type { JwksTiming } from './jwks-source.ts';
import type { KeyLocation } from './key-loaders.ts';
import type { Rule } from './rbac.ts';

/** A JWT issuer ready for verification. */
export interface ProviderSpec {
  readonly name: string;
  readonly issuer: string;
  readonly audiences: readonly string[];
  readonly algorithms: readonly JwsAlgorithm[];
  readonly location: KeyLocation;
  readonly caFile: string | undefined;
  readonly typ: string | undefined;
  readonly rolesClaim: string;
  readonly subjectClaim: string;
  readonly clockToleranceMs: number;
  readonly maxTokenAgeMs: number | undefined;
  readonly timing: JwksTiming;
  /** Limits on this provider's JWKS and discovery fetches. */
  readonly fetch: FetchPolicy;
  /** Identity of the key source; providers and policy versions with the same value share keys. */
  readonly sourceKey: string;
}

/** One route's requirements, found by its policy key. */
export interface CompiledRoute {
  /** `route/<name>`, the value of context_extensions `gatehouse.policy_key`. */
  readonly key: string;
  readonly name: string;
  readonly auth: AuthMode;
  /** Roles of which the caller needs one that grants the request; undefined = authentication only. */
  readonly roles: readonly string[] | undefined;
  /** JWT providers accepted on the route. */
  readonly providers: readonly string[];
  readonly forwardCredentials: boolean;
}

/** One API key, found by its digest. */
export interface ApiKeyRecord {
  readonly consumer: string;
  readonly id: string | undefined;
  readonly notBefore: number | undefined;
  readonly expires: number | undefined;
  readonly roles: readonly string[];
}

/** Settings every decision reads. */
export interface AuthSettings {
  readonly errorStatus: number;
  readonly realm: string;
  readonly apiKeyHeader: string;
  readonly maxTokenBytes: number;
  readonly tokenCacheSize: number;
  readonly identityHeaders: IdentityHeaders;
  readonly fetch: FetchPolicy;
}

/** The compiled auth policy of one policy version. */
export interface CompiledAuthPolicy {
  readonly routes: ReadonlyMap<string, CompiledRoute>;
  readonly providers: ReadonlyMap<string, ProviderSpec>;
  readonly apiKeys: ReadonlyMap<string, ApiKeyRecord>;
  readonly roleRules: ReadonlyMap<string, Rule>;
  readonly settings: AuthSettings;
}
