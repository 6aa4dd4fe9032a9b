// Which edge routes the ext_authz filter checks, and how the edge reaches the Check service. Only
// with an auth section in the policy: without one, no filter is emitted and every route is open.
import type { PlacedRoute } from './build-routes.ts';
import type { EdgeAuth, Policy } from './types.ts';

/** Where Envoys reach Gatehouse's Check service (settings), and the policy version to name. */
export interface AuthTarget {
  readonly host: string;
  readonly port: number;
  readonly timeoutMs: number;
  readonly policyVersion: string;
}

/** The edge's auth settings, or undefined when the policy has no auth section or no target is known. */
export function edgeAuth(policy: Policy, target: AuthTarget | undefined): EdgeAuth | undefined {
  return policy.auth && target ? { ...target } : undefined;
}

/** Marks each route checked unless its auth mode (own entry, else the defaults) is `none`. */
export function markChecked(routes: readonly PlacedRoute[], policy: Policy): PlacedRoute[] {
  const auth = policy.auth;
  if (!auth) return [...routes];
  return routes.map((r) => {
    const mode = auth.routes[r.route.name]?.auth ?? auth.defaults.auth;
    return { ...r, route: { ...r.route, authChecked: mode !== 'none' } };
  });
}
