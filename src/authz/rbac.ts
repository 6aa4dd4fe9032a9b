// The permission matrix as a table of tiny rules (the grpc-js-xds RBAC shape): each rule answers
// one question about a request and prints itself for `authz explain`.
import type { PermissionConfig } from '../config/auth-schema.ts';
import { matchPath } from './path.ts';

/** What a rule may look at: the route, the method and the canonical path. */
export interface RequestFacts {
  readonly route: string;
  readonly method: string;
  readonly path: string;
}

/** One yes/no question about a request. */
export interface Rule {
  apply(facts: RequestFacts): boolean;
  toString(): string;
}

/** The request is on one of these routes. */
export function routeIs(names: readonly string[]): Rule {
  const set = new Set(names);
  return { apply: (f) => set.has(f.route), toString: () => `route in [${names.join(', ')}]` };
}

/** The request uses one of these methods. */
export function methodIn(methods: readonly string[]): Rule {
  const set = new Set(methods);
  return { apply: (f) => set.has(f.method), toString: () => `method in [${methods.join(', ')}]` };
}

/** The canonical path matches one of these patterns. */
export function pathMatches(patterns: readonly string[]): Rule {
  return {
    apply: (f) => patterns.some((p) => matchPath(p, f.path)),
    toString: () => `path matches [${patterns.join(', ')}]`,
  };
}

/** Every rule holds (an empty list holds). */
export function all(rules: readonly Rule[]): Rule {
  return {
    apply: (f) => rules.every((r) => r.apply(f)),
    toString: () => (rules.length === 0 ? 'any request' : rules.map(String).join(' and ')),
  };
}

/** Some rule holds (an empty list never holds). */
export function any(rules: readonly Rule[]): Rule {
  return {
    apply: (f) => rules.some((r) => r.apply(f)),
    toString: () => (rules.length === 0 ? 'nothing' : rules.map((r) => `(${r})`).join(' or ')),
  };
}

/** One permission row: every field it sets must match. */
export function permissionRule(p: PermissionConfig): Rule {
  const parts: Rule[] = [];
  if (p.routes) parts.push(routeIs(p.routes));
  if (p.methods) parts.push(methodIn(p.methods));
  if (p.paths) parts.push(pathMatches(p.paths));
  return all(parts);
}

/** A role: any of its permission rows grants. */
export function roleRule(permissions: readonly PermissionConfig[]): Rule {
  return any(permissions.map(permissionRule));
}

/** The first of `required` that the caller holds and whose rule grants the request, if any. */
export function grantingRole(
  required: readonly string[],
  held: ReadonlySet<string>,
  rules: ReadonlyMap<string, Rule>,
  facts: RequestFacts,
): string | undefined {
  return required.find((r) => held.has(r) && rules.get(r)?.apply(facts) === true);
}
