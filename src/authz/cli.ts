// The authz subcommands, as functions returning text (src/cli.ts wires them):
//   gatehouse keys create --consumer NAME
//   gatehouse authz explain --policy FILE --route KEY [--token T | --api-key K] [--method M] [--path P]
// Explain runs the real decision (real JWKS fetches) and never prints the credential it was given.

import { authSection } from '../config/auth-schema.ts';
import { parseWith, parseYaml, readText } from '../config/load.ts';
import { policyFile } from '../config/policy-schema.ts';
import { formatDiagnostics, GatehouseError, hasErrors } from '../errors.ts';
import { createLogger } from '../log.ts';
import { routePolicyKey } from '../model/names.ts';
import { createApiKey } from './api-keys.ts';
import { Authorizer } from './authorizer.ts';
import { checkResponse } from './check-response.ts';
import { compileAuthPolicy, type PolicyRouteRef } from './compile-policy.ts';
import { NO_METRICS } from './metrics.ts';

/** Creates a key for `consumer` and returns the text to show once. */
export function keysCreate(consumer: string, now: Date = new Date()): string {
  if (!/^[a-z0-9][a-z0-9._-]*$/.test(consumer))
    throw new GatehouseError('USAGE', `consumer "${consumer}" must be lower-case letters, digits, ".", "_" or "-"`);
  const { key, digest } = createApiKey();
  return [
    `New API key for consumer "${consumer}". It is shown only this once: store it in a secret manager now.`,
    '',
    `  ${key}`,
    '',
    'Add this entry to the policy (only the digest; the key itself never goes in the policy):',
    '',
    'auth:',
    '  consumers:',
    `    ${consumer}:`,
    '      keys:',
    `        - digest: ${digest}`,
    `          id: ${consumer}-${now.toISOString().slice(0, 10)}-${digest.slice(7, 13)}`,
    `          # notBefore: ${now.toISOString()}   # optional validity window; overlap keys to rotate`,
    '          # expires: 2099-01-01T00:00:00Z     # remove the entry to revoke the key',
    '',
  ].join('\n');
}

/** What to explain. */
export interface ExplainOptions {
  readonly policyFile: string;
  /** A route name or its policy key (`route/<name>`). */
  readonly route: string;
  readonly token?: string;
  readonly apiKey?: string;
  readonly method?: string;
  readonly path?: string;
  readonly now?: () => number;
}

function loadAuth(file: string) {
  const text = readText(file);
  if (!text.ok) throw new GatehouseError('CONFIG_READ', `cannot read ${file}`, text.diagnostics);
  const yaml = parseYaml(text.value, file);
  if (!yaml.ok) throw new GatehouseError('CONFIG_PARSE', `invalid YAML in ${file}`, yaml.diagnostics);
  // Works whether or not policy-schema mounts `auth`: the section is validated here on its own.
  const { auth, ...rest } = (yaml.value ?? {}) as Record<string, unknown>;
  const policy = parseWith(policyFile, rest, file);
  const section = parseWith(authSection, auth ?? {}, `${file}.auth`);
  const problems = [...(policy.ok ? [] : policy.diagnostics), ...(section.ok ? [] : section.diagnostics)];
  if (!policy.ok || !section.ok) throw new GatehouseError('CONFIG_INVALID', `invalid policy ${file}`, problems);
  const routes = (policy.value.routes as readonly PolicyRouteRef[]).map((r) => ({ name: r.name, auth: r.auth }));
  const result = compileAuthPolicy(section.value, routes, `${file}.auth`);
  if (!result.compiled || hasErrors(result.diagnostics))
    throw new GatehouseError('AUTH_INVALID', `invalid auth section in ${file}`, result.diagnostics);
  return { compiled: result.compiled, diagnostics: result.diagnostics };
}

/** Decides one synthetic request on a policy file and explains the result. */
export async function explain(o: ExplainOptions): Promise<string> {
  const { compiled, diagnostics } = loadAuth(o.policyFile);
  const policyKey = o.route.startsWith('route/') ? o.route : routePolicyKey(o.route);
  const headers = new Map<string, string>();
  if (o.token !== undefined) headers.set('authorization', `Bearer ${o.token}`);
  if (o.apiKey !== undefined) headers.set(compiled.settings.apiKeyHeader, o.apiKey);
  const method = (o.method ?? 'GET').toUpperCase();
  const path = o.path ?? '/';
  const req = { policyKey, policyVersion: undefined, method, path, headers, requestId: undefined };
  const authorizer = new Authorizer({ log: createLogger('silent'), metrics: NO_METRICS, now: o.now ?? Date.now });
  authorizer.onPolicy(compiled, [compiled]);
  const decision = await authorizer.decide(req, { version: 'explain', compiled });
  const res = checkResponse(decision, {
    settings: compiled.settings,
    version: undefined,
    policyKey,
    requestHeaders: headers,
  });
  const route = decision.route;
  const status =
    decision.result === 'allow'
      ? 'allow: forwarded upstream'
      : `deny: HTTP ${res.denied_response?.status?.code ?? '?'}`;
  const lines = [
    `route:     ${policyKey}${route ? ` (auth: ${route.auth}${route.roles ? `, roles: ${route.roles.join(', ')}` : ''})` : ''}`,
    `request:   ${method} ${path} with ${o.token !== undefined ? 'a bearer token' : o.apiKey !== undefined ? 'an API key' : 'no credentials'}`,
    `decision:  ${status} (${decision.reason})`,
    `why:       ${decision.why}`,
  ];
  const identity = 'identity' in decision ? decision.identity : undefined;
  if (identity) {
    const who =
      identity.kind === 'jwt'
        ? `subject "${identity.subject}" via provider "${identity.provider}"`
        : `consumer "${identity.consumer}"${identity.keyId ? ` (key ${identity.keyId})` : ''}`;
    lines.push(`identity:  ${who}, roles [${identity.roles.join(', ')}]`);
  }
  for (const h of res.ok_response?.headers ?? []) lines.push(`set:       ${h.header?.key}: ${h.header?.value}`);
  if (res.ok_response?.headers_to_remove?.length)
    lines.push(`remove:    ${res.ok_response.headers_to_remove.join(', ')}`);
  for (const h of res.denied_response?.headers ?? [])
    if (h.header?.key === 'www-authenticate') lines.push(`challenge: ${h.header.value}`);
  if (diagnostics.length) lines.push('', formatDiagnostics(diagnostics));
  return `${lines.join('\n')}\n`;
}
