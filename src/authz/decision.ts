// What a Check decides, as data: a discriminated union with a stable reason code, turned into a
// CheckResponse by check-response.ts and into metrics and log lines by check-service.ts.
import type { ApiKeyReason } from './api-keys.ts';
import type { CompiledRoute } from './compiled.ts';
import type { JwtReason } from './jwt-verify.ts';

/** The request facts a decision reads, extracted from the CheckRequest. */
export interface AuthzRequest {
  /** context_extensions `gatehouse.policy_key`. */
  readonly policyKey: string | undefined;
  /** context_extensions `gatehouse.policy_version`, when the route carries it. */
  readonly policyVersion: string | undefined;
  readonly method: string;
  /** `:path` as Envoy sends it (after HCM normalisation, query included). */
  readonly path: string;
  /** Lower-cased header names to values (duplicates comma-merged by Envoy). */
  readonly headers: ReadonlyMap<string, string>;
  /** `x-request-id`, for log correlation. */
  readonly requestId: string | undefined;
}

/** Who the caller is once authenticated. */
export interface Identity {
  readonly kind: 'jwt' | 'api-key';
  /** JWT subject. */
  readonly subject?: string;
  /** JWT provider name. */
  readonly provider?: string;
  /** API-key consumer name. */
  readonly consumer?: string;
  /** Label of the API key used. */
  readonly keyId?: string;
  /** Roles held that the policy defines, sorted. */
  readonly roles: readonly string[];
}

/** Every reason code a decision can carry. */
export type DecisionReason =
  | 'public'
  | 'authenticated'
  | 'role_granted'
  | 'credentials_missing'
  | 'credentials_ambiguous'
  | 'authorization_malformed'
  | 'role_missing'
  | 'path_ambiguous'
  | 'no_policy_key'
  | 'unknown_route'
  | 'policy_unavailable'
  | 'policy_version_unavailable'
  | 'keys_unavailable'
  | 'internal_error'
  | JwtReason
  | ApiKeyReason;

/** Credential schemes a 401 challenges for. */
export type Scheme = 'jwt' | 'api-key';

/** A decision. `why` is a human sentence for explain and debug logs; it never holds credentials. */
export type Decision =
  | {
      readonly result: 'allow';
      readonly reason: DecisionReason;
      readonly route: CompiledRoute;
      readonly identity: Identity | undefined;
      readonly why: string;
    }
  | {
      readonly result: 'unauthenticated';
      readonly reason: DecisionReason;
      readonly route: CompiledRoute;
      readonly schemes: readonly Scheme[];
      /** The credential the caller presented, when one was refused. */
      readonly presented: Scheme | undefined;
      readonly why: string;
    }
  | {
      readonly result: 'forbidden';
      readonly reason: DecisionReason;
      readonly route: CompiledRoute;
      readonly identity: Identity | undefined;
      readonly why: string;
    }
  | { readonly result: 'error'; readonly reason: DecisionReason; readonly route?: CompiledRoute; readonly why: string };
