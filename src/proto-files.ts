/** The Envoy API files Gatehouse loads; shared by the runtime loader and the type generator. */
export const PROTO_FILES = [
  'envoy/service/discovery/v3/ads.proto',
  'envoy/service/auth/v3/external_auth.proto',
  'envoy/config/bootstrap/v3/bootstrap.proto',
  'envoy/config/listener/v3/listener.proto',
  'envoy/config/route/v3/route.proto',
  'envoy/config/cluster/v3/cluster.proto',
  'envoy/config/endpoint/v3/endpoint.proto',
  'envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager.proto',
  'envoy/extensions/filters/http/router/v3/router.proto',
  'envoy/extensions/filters/http/ext_authz/v3/ext_authz.proto',
  'envoy/extensions/upstreams/http/v3/http_protocol_options.proto',
  'envoy/extensions/access_loggers/stream/v3/stream.proto',
  'envoy/config/trace/v3/opentelemetry.proto',
] as const;

/** Include folders under `@grpc/grpc-js-xds/deps/`; all four are needed (see xds-protocol.md). */
export const PROTO_DEPS = ['envoy-api', 'xds', 'googleapis', 'protoc-gen-validate'] as const;
