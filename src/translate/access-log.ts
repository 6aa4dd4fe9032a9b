// The access log of every connection manager Gatehouse sends to an Envoy: one JSON object per
// request on Envoy's stdout, so container log collectors parse it without a grammar. It carries
// what an operator asks first: which route and cluster served the request, how long it took, the
// request and trace ids to find it elsewhere, and, at the edge, the ext_authz decision and the
// policy version it was made on (the Check service returns both as dynamic metadata).
import type { AccessLog } from '../generated/envoy/config/accesslog/v3/AccessLog.ts';
import type { StdoutAccessLog } from '../generated/envoy/extensions/access_loggers/stream/v3/StdoutAccessLog.ts';
import type { Struct } from '../generated/google/protobuf/Struct.ts';
import { pack } from '../protos.ts';
import { EXT_AUTHZ_FILTER } from './ext-authz.ts';

const STDOUT_ACCESS_LOG_TYPE = 'envoy.extensions.access_loggers.stream.v3.StdoutAccessLog';

/** Envoy command operators, by JSON key. Sorted by key so the bytes are stable. */
const FIELDS: Readonly<Record<string, string>> = {
  authority: '%REQ(:AUTHORITY)%',
  bytes_received: '%BYTES_RECEIVED%',
  bytes_sent: '%BYTES_SENT%',
  downstream_remote_address: '%DOWNSTREAM_REMOTE_ADDRESS%',
  duration_ms: '%DURATION%',
  method: '%REQ(:METHOD)%',
  // The path as the client sent it, before any rewrite.
  path: '%REQ(X-ENVOY-ORIGINAL-PATH?:PATH)%',
  protocol: '%PROTOCOL%',
  request_id: '%REQ(X-REQUEST-ID)%',
  response_code: '%RESPONSE_CODE%',
  response_flags: '%RESPONSE_FLAGS%',
  route_name: '%ROUTE_NAME%',
  start_time: '%START_TIME%',
  trace_id: '%TRACE_ID%',
  upstream_cluster: '%UPSTREAM_CLUSTER%',
  upstream_host: '%UPSTREAM_HOST%',
  upstream_service_time_ms: '%RESP(X-ENVOY-UPSTREAM-SERVICE-TIME)%',
  upstream_transport_failure_reason: '%UPSTREAM_TRANSPORT_FAILURE_REASON%',
  user_agent: '%REQ(USER-AGENT)%',
};

/** What the Check service put in the dynamic metadata (src/authz/check-response.ts). */
const AUTHZ_FIELDS: Readonly<Record<string, string>> = {
  authz_consumer: 'consumer',
  authz_policy_key: 'policy_key',
  authz_reason: 'reason',
  authz_result: 'result',
  policy_version: 'policy_version',
};

function struct(fields: Readonly<Record<string, string>>): Struct {
  return { fields: Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, { stringValue: v }])) };
}

/** The JSON access log; `authz` adds the ext_authz decision fields (the edge, when auth is on). */
export function accessLogs(authz: boolean): AccessLog[] {
  const fields: Record<string, string> = { ...FIELDS };
  if (authz) {
    for (const [key, meta] of Object.entries(AUTHZ_FIELDS))
      fields[key] = `%DYNAMIC_METADATA(${EXT_AUTHZ_FILTER}:${meta})%`;
  }
  const sorted = Object.fromEntries(Object.entries(fields).sort(([a], [b]) => (a < b ? -1 : 1)));
  const config: StdoutAccessLog = { log_format: { json_format: struct(sorted), omit_empty_values: false } };
  return [{ name: 'envoy.access_loggers.stdout', typed_config: pack(STDOUT_ACCESS_LOG_TYPE, config) }];
}
