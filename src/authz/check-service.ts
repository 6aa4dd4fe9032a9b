// The envoy.service.auth.v3.Authorization/Check gRPC service. Picks the policy version (the one the
// route names, else the current one), decides, answers; anything unexpected becomes the configured
// error status, never an allow. One log line per decision with codes and names only: headers,
// tokens and keys never reach the logger (architecture invariant 8).
import * as grpc from '@grpc/grpc-js';
import type * as prom from 'prom-client';
import { authSection } from '../config/auth-schema.ts';
import type { CheckRequest__Output } from '../generated/envoy/service/auth/v3/CheckRequest.ts';
import type { CheckResponse } from '../generated/envoy/service/auth/v3/CheckResponse.ts';
import type { Logger } from '../log.ts';
import { packageDefinition } from '../protos.ts';
import { Authorizer } from './authorizer.ts';
import { authzRequest } from './check-request.ts';
import { checkResponse } from './check-response.ts';
import type { AuthSettings } from './compiled.ts';
import type { AuthzRequest, Decision } from './decision.ts';
import { type AuthzMetrics, createAuthzMetrics, NO_METRICS } from './metrics.ts';
import { type AuthzPolicySource, PolicyHistory } from './policy-history.ts';

const SERVICE = 'envoy.service.auth.v3.Authorization';
const EMPTY_HEADERS: ReadonlyMap<string, string> = new Map();

/** Options of the Check service. */
export interface AuthzServiceOptions {
  readonly source: AuthzPolicySource;
  readonly log: Logger;
  /** Metrics are registered here when given. */
  readonly registry?: prom.Registry;
  /** How many policy versions stay decidable (default 4). */
  readonly history?: number;
  /** Clock in ms (tests inject one). */
  readonly now?: () => number;
}

/** Settings used when no policy is available yet: defaults of the auth schema (error status 503). */
const FALLBACK: AuthSettings = (() => {
  const a = authSection.parse({});
  const { errorStatus, realm, apiKeyHeader, maxTokenBytes, tokenCacheSize, identityHeaders, fetch } = a;
  return { errorStatus, realm, apiKeyHeader, maxTokenBytes, tokenCacheSize, identityHeaders, fetch };
})();

/** The ext_authz service: register with `addTo(server)`. */
export class AuthzService {
  readonly #log: Logger;
  readonly #metrics: AuthzMetrics;
  readonly #history: PolicyHistory;
  readonly authorizer: Authorizer;

  constructor(opts: AuthzServiceOptions) {
    this.#log = opts.log;
    this.#metrics = opts.registry ? createAuthzMetrics(opts.registry) : NO_METRICS;
    this.authorizer = new Authorizer({ log: opts.log, metrics: this.#metrics, now: opts.now ?? Date.now });
    // Real clocks only: tests with an injected clock drive upkeep themselves.
    if (!opts.now) this.authorizer.startUpkeep();
    this.#history = new PolicyHistory(opts.source, opts.history ?? 4, (v) => {
      this.#log.info({ version: v.version }, 'authz policy version active');
      this.authorizer.onPolicy(v.compiled, this.#history?.policies() ?? [v.compiled]);
    });
  }

  /** Registers Authorization/Check on a grpc server. */
  addTo(server: grpc.Server): void {
    const def = packageDefinition[SERVICE] as grpc.ServiceDefinition;
    server.addService(def, {
      Check: (
        call: grpc.ServerUnaryCall<CheckRequest__Output, CheckResponse>,
        done: grpc.sendUnaryData<CheckResponse>,
      ) => {
        this.check(call.request).then(
          (res) => done(null, res),
          // Envoy treats a gRPC error as a failure: status_on_error, never an allow (failure_mode_allow false).
          () => done({ code: grpc.status.INTERNAL, details: 'authorization failed' }),
        );
      },
    });
  }

  /** Decides one CheckRequest. Never throws for bad input; internal faults give the error status. */
  async check(raw: CheckRequest__Output): Promise<CheckResponse> {
    const started = performance.now();
    let req: AuthzRequest | undefined;
    let settings = FALLBACK;
    let version: string | undefined;
    let decision: Decision;
    try {
      req = authzRequest(raw);
      const picked = this.#history.pick(req.policyVersion);
      if (!picked.ok) {
        decision = { result: 'error', reason: picked.reason, why: `no policy to decide on (${picked.reason})` };
      } else {
        settings = picked.policy.compiled.settings;
        version = picked.policy.version;
        decision = await this.authorizer.decide(req, picked.policy);
      }
    } catch (err) {
      this.#log.error({ error: (err as Error)?.name ?? 'Error', version }, 'authz internal error; failing closed');
      decision = { result: 'error', reason: 'internal_error', why: 'internal error' };
    }
    const response = checkResponse(decision, {
      settings,
      version,
      policyKey: req?.policyKey,
      requestHeaders: req?.headers ?? EMPTY_HEADERS,
    });
    const seconds = (performance.now() - started) / 1000;
    const route = decision.route?.key ?? (decision.reason === 'unknown_route' ? 'unknown' : 'none');
    this.#metrics.decision(decision.result, decision.reason, route, seconds);
    const identity = 'identity' in decision ? decision.identity : undefined;
    const line = {
      route,
      version,
      result: decision.result,
      reason: decision.reason,
      subject: identity?.subject,
      consumer: identity?.consumer,
      requestId: req?.requestId,
      ms: Math.round(seconds * 1e4) / 10,
    };
    if (decision.result === 'allow') this.#log.debug(line, 'authz decision');
    else this.#log.info(line, 'authz decision');
    return response;
  }

  /** Versions currently decidable, oldest first. */
  versions(): string[] {
    return this.#history.versions();
  }

  /** Stops listening to the policy source. */
  close(): void {
    this.#history.close();
    this.authorizer.close();
  }
}
