// The observability fields of a connection manager that carries traffic (the edge listener and a
// sidecar's inbound and outbound listeners): access log, request ids and tracing, as the settings
// switch them. Proxyless gRPC clients get none: they have no access log or tracer to configure.
import type { HttpConnectionManager } from '../generated/envoy/extensions/filters/network/http_connection_manager/v3/HttpConnectionManager.ts';
import type { Observability } from '../model/index.ts';
import { accessLogs } from './access-log.ts';
import { hcmTracing } from './tracing.ts';

type ObservabilityFields = Pick<
  HttpConnectionManager,
  'access_log' | 'generate_request_id' | 'always_set_request_id_in_response' | 'tracing'
>;

/** `authz`: the HCM runs ext_authz (its decision goes in the log); `serviceName` names its spans. */
export function hcmObservability(
  o: Observability | undefined,
  opts: { readonly authz: boolean; readonly serviceName: string },
): ObservabilityFields {
  if (!o) return {};
  return {
    ...(o.accessLog && { access_log: accessLogs(opts.authz) }),
    // Envoy makes request ids by default; saying so either way makes the setting visible in a
    // config dump. At the edge (use_remote_address) a client's x-request-id is replaced, as
    // preserve_external_request_id stays false: ids are not taken from outside.
    generate_request_id: { value: o.requestId },
    ...(o.requestId && { always_set_request_id_in_response: true }),
    ...(o.tracing && { tracing: hcmTracing(o.tracing, opts.serviceName) }),
  };
}
