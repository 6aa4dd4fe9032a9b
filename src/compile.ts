// compile(catalog, policy): build -> translate -> validate -> snapshot, plus the auth section
// compiled for the Check service from the same policy version. Pure: the pipeline, the CLI's
// render and the policy preview all go through here.
import type { CompiledAuthPolicy } from './authz/index.ts';
import { compileAuthPolicy } from './authz/index.ts';
import { type Diagnostic, hasErrors } from './errors.ts';
import { build, type Catalog, type Model, names, type Observability, type Policy } from './model/index.ts';
import { policyVersion } from './policy/index.ts';
import { createSnapshot, type Snapshot } from './snapshot/index.ts';
import type { Translation } from './translate/resources.ts';
import { translate } from './translate/translate.ts';
import { type ValidationMemo, validateTranslation } from './translate/validate/index.ts';

/** The outcome of compiling one (catalog, policy) pair. */
export interface Compiled {
  readonly diagnostics: readonly Diagnostic[];
  /** Content version of the policy: in every checked route and in every Check decision. */
  readonly policyVersion: string;
  /** Present when there were no error-level diagnostics. */
  readonly translation?: Translation;
  readonly snapshot?: Snapshot;
  readonly auth?: CompiledAuthPolicy;
}

/** Knobs of one compile. */
export interface CompileOptions {
  /** The snapshot being replaced: unchanged resources keep their entries. */
  readonly previous?: Snapshot | undefined;
  /** Validation results of the last build, reused for unchanged resources. */
  readonly memo?: ValidationMemo | undefined;
  /** Where Envoys reach the Check service (host, port, timeout); turns ext_authz on with an auth section. */
  readonly authz?: { readonly host: string; readonly port: number; readonly timeoutMs: number } | undefined;
  /** What the Envoys report: access logs, request ids, traces, stats (settings `observability`). */
  readonly observability?: Observability | undefined;
}

/** Every edge route name, for the auth section's cross-references and per-route decisions. */
function edgeRouteNames(model: Model): string[] {
  return model.edgeVirtualHosts.flatMap((h) => h.routes.map((r) => r.name));
}

/** Compiles one (catalog, policy) pair, stopping at the first stage with errors. */
export function compile(catalog: Catalog, policy: Policy, opts: CompileOptions = {}): Compiled {
  const version = policyVersion(policy);
  const built = build(catalog, policy, {
    authz: opts.authz && { ...opts.authz, policyVersion: version },
    observability: opts.observability,
  });
  // The catch-all route closing every edge host is decided like any route (auth defaults apply).
  const auth = compileAuthPolicy(policy.auth, [...edgeRouteNames(built.model), names.CATCH_ALL_ROUTE]);
  const early = [...built.diagnostics, ...auth.diagnostics];
  if (hasErrors(early) || !auth.compiled) return { diagnostics: early, policyVersion: version };
  const translation = translate(built.model);
  const invalid = validateTranslation(translation, opts.memo);
  const diagnostics = [...early, ...invalid];
  if (hasErrors(invalid)) return { diagnostics, policyVersion: version };
  return {
    diagnostics,
    policyVersion: version,
    translation,
    snapshot: createSnapshot(translation, opts.previous),
    auth: auth.compiled,
  };
}
