// The one error vocabulary. Callers and tests match on `code`, never on the message.

/** Every stable error code Gatehouse emits. */
export type ErrorCode =
  | 'CONFIG_PARSE' // a file is not valid YAML
  | 'CONFIG_INVALID' // schema problems in settings, catalog or policy
  | 'CONFIG_READ' // a file could not be read
  | 'MODEL_INVALID' // cross-reference problems found while building the model
  | 'RESOURCE_INVALID' // a translated resource breaks Envoy's (validate.rules)
  | 'REFERENCE_DANGLING' // the reference graph between resources is broken
  | 'XDS_BAD_REQUEST' // a DiscoveryRequest the server refuses
  | 'CONSUL_UNAVAILABLE' // Consul unreachable, erroring or too slow; the last catalog/policy keeps serving
  | 'CONSUL_ACL' // Consul refused the ACL token (403)
  | 'CONSUL_INVALID_DATA' // Consul returned data Gatehouse cannot use (e.g. a non-IP address)
  | 'USAGE' // bad command-line usage
  | 'AUTH_INVALID' // the policy's auth section names an unknown route, role or provider, or contradicts itself
  | 'JWKS_FETCH' // a JWKS or discovery fetch was refused by the fetch policy or failed
  | 'JWKS_UNAVAILABLE'; // no usable signing keys: nothing fetched yet, or the stale window has passed

/** One problem, with where it is and what was found. */
export interface Diagnostic {
  readonly code: ErrorCode;
  /** Dotted path to the offending field, e.g. `routes[2].service` or `Cluster "a".connect_timeout`. */
  readonly path: string;
  readonly message: string;
  /** `error` blocks publishing; `warning` is reported but publishes. */
  readonly severity: 'error' | 'warning';
}

/** An error carrying a stable code and, when it summarises several problems, all of them. */
export class GatehouseError extends Error {
  readonly code: ErrorCode;
  readonly diagnostics: readonly Diagnostic[];

  constructor(code: ErrorCode, message: string, diagnostics: readonly Diagnostic[] = []) {
    super(message);
    this.name = 'GatehouseError';
    this.code = code;
    this.diagnostics = diagnostics;
  }
}

/** Builds an error-level diagnostic. */
export function problem(code: ErrorCode, path: string, message: string): Diagnostic {
  return { code, path, message, severity: 'error' };
}

/** Builds a warning-level diagnostic. */
export function warning(code: ErrorCode, path: string, message: string): Diagnostic {
  return { code, path, message, severity: 'warning' };
}

/** True when any diagnostic blocks publishing. */
export function hasErrors(diagnostics: readonly Diagnostic[]): boolean {
  return diagnostics.some((d) => d.severity === 'error');
}

/** One line per diagnostic, for logs and the CLI. */
export function formatDiagnostics(diagnostics: readonly Diagnostic[]): string {
  return diagnostics.map((d) => `${d.severity} ${d.code} ${d.path ? `${d.path}: ` : ''}${d.message}`).join('\n');
}
