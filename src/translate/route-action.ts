// The action of a route: destination (one cluster or weighted clusters), hash policy, retries,
// timeout and rewrite. Proxyless gRPC gets only what it implements (gRFC A28, A31, A42, A44).

import { toDuration } from '../config/index.ts';
import type { RetryPolicy as EnvoyRetryPolicy } from '../generated/envoy/config/route/v3/RetryPolicy.ts';
import type { RouteAction } from '../generated/envoy/config/route/v3/RouteAction.ts';
import type { HashPolicy, Route } from '../model/index.ts';
import type { Flavor } from './resources.ts';

// Retry conditions proxyless gRPC understands: gRPC status names only (gRFC A44).
const GRPC_RETRY_ON = new Set(['cancelled', 'deadline-exceeded', 'internal', 'resource-exhausted', 'unavailable']);

function hashPolicies(policies: readonly HashPolicy[], profile: Flavor): RouteAction['hash_policy'] {
  const out: NonNullable<RouteAction['hash_policy']> = [];
  for (const h of policies) {
    if (h.header !== undefined) out.push({ header: { header_name: h.header.toLowerCase() } });
    // Cookies and source addresses are connection facts a proxyless client does not hash on.
    else if (profile === 'grpc') continue;
    else if (h.cookie)
      out.push({
        cookie: { name: h.cookie.name, ...(h.cookie.ttl !== undefined && { ttl: toDuration(h.cookie.ttl) }) },
      });
    else if (h.sourceIp) out.push({ connection_properties: { source_ip: true } });
  }
  return out;
}

function retryPolicy(r: Route, profile: Flavor): EnvoyRetryPolicy | undefined {
  if (!r.retries) return undefined;
  const on = profile === 'grpc' ? r.retries.on.filter((c) => GRPC_RETRY_ON.has(c)) : r.retries.on;
  if (on.length === 0) return undefined;
  return {
    retry_on: on.join(','),
    num_retries: { value: r.retries.attempts },
    ...(r.retries.perTryTimeout !== undefined && { per_try_timeout: toDuration(r.retries.perTryTimeout) }),
  };
}

/** The RouteAction of a model route for `profile`. */
export function routeAction(r: Route, profile: Flavor): RouteAction {
  const d = r.destination;
  const action: RouteAction =
    'cluster' in d
      ? { cluster: d.cluster }
      : { weighted_clusters: { clusters: d.weighted.map((w) => ({ name: w.cluster, weight: { value: w.weight } })) } };
  const hash = hashPolicies(r.hashPolicy, profile);
  if (hash && hash.length > 0) action.hash_policy = hash;
  const retry = retryPolicy(r, profile);
  if (retry) action.retry_policy = retry;
  if (r.timeoutMs !== undefined) {
    // Proxyless gRPC reads the deadline from max_stream_duration (gRFC A31), Envoy from timeout.
    if (profile === 'grpc') action.max_stream_duration = { max_stream_duration: toDuration(r.timeoutMs) };
    else action.timeout = toDuration(r.timeoutMs);
  }
  if (profile === 'edge' && r.prefixRewrite !== undefined) action.prefix_rewrite = r.prefixRewrite;
  return action;
}
