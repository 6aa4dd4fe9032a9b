// Envoy's own (validate.rules) on real Envoy messages: each row breaks one field of a valid
// resource and asserts the path and rule reported, through encode -> decode -> validate, and
// through Any payloads (HttpConnectionManager in a Listener, ext_authz inside that).
import { describe, expect, it } from 'vitest';
import { encode, pack } from '../../../src/protos.ts';
import { HCM_TYPE, HTTP_PROTOCOL_OPTIONS_TYPE, ROUTER_TYPE } from '../../../src/resource-types.ts';
import { validateEncoded, validateMessage } from '../../../src/translate/validate/index.ts';

const CLUSTER = 'envoy.config.cluster.v3.Cluster';
const CLA = 'envoy.config.endpoint.v3.ClusterLoadAssignment';
const LISTENER = 'envoy.config.listener.v3.Listener';
const ROUTES = 'envoy.config.route.v3.RouteConfiguration';
const BOOTSTRAP = 'envoy.config.bootstrap.v3.Bootstrap';
const EXT_AUTHZ = 'envoy.extensions.filters.http.ext_authz.v3.ExtAuthz';

type Obj = Record<string, unknown>;

const check = (type: string, message: object) => validateEncoded(type, encode(type, message));
const at = (violations: { path: string; rule: string }[], path: string) =>
  violations.filter((v) => v.path === path).map((v) => v.rule);

const cluster = (extra: Obj = {}) => ({
  name: 'billing',
  type: 'EDS',
  eds_cluster_config: { eds_config: { ads: {}, resource_api_version: 'V3' } },
  connect_timeout: { seconds: 1 },
  ...extra,
});

const healthCheck = (extra: Obj = {}) => ({
  timeout: { seconds: 1 },
  interval: { seconds: 5 },
  unhealthy_threshold: { value: 2 },
  healthy_threshold: { value: 2 },
  http_health_check: { path: '/healthz' },
  ...extra,
});

const endpoint = (extra: Obj = {}, address: Obj = {}) => ({
  endpoint: { address: { socket_address: { address: '10.0.0.1', port_value: 8080, ...address } } },
  load_balancing_weight: { value: 1 },
  ...extra,
});

const cla = (lb: Obj = endpoint(), extra: Obj = {}) => ({
  cluster_name: 'billing',
  endpoints: [{ locality: { region: 'r' }, load_balancing_weight: { value: 1 }, lb_endpoints: [lb] }],
  ...extra,
});

const hcm = (extra: Obj = {}) =>
  pack(HCM_TYPE, {
    stat_prefix: 'edge',
    rds: { config_source: { ads: {}, resource_api_version: 'V3' }, route_config_name: 'edge-routes' },
    http_filters: [{ name: 'envoy.filters.http.router', typed_config: pack(ROUTER_TYPE, {}) }],
    ...extra,
  });

const listener = (typedConfig = hcm(), chain: Obj = {}) => ({
  name: 'edge',
  address: { socket_address: { address: '0.0.0.0', port_value: 10000 } },
  filter_chains: [
    { filters: [{ name: 'envoy.filters.network.http_connection_manager', typed_config: typedConfig }], ...chain },
  ],
});

const route = (extra: Obj = {}) => ({ name: 'api', match: { prefix: '/' }, route: { cluster: 'billing' }, ...extra });

const routes = (r: Obj = route(), host: Obj = {}) => ({
  name: 'edge-routes',
  virtual_hosts: [{ name: 'all', domains: ['*'], routes: [r], ...host }],
});

const HC = 'health_checks[0]';
const VH = 'virtual_hosts[0]';
const R = `${VH}.routes[0]`;
const LB = 'endpoints[0].lb_endpoints[0]';
const TC = 'filter_chains[0].filters[0].typed_config';

type Row = [what: string, type: string, message: object, path: string, rules: string[]];

const rows: Row[] = [
  // message.required, oneof required
  [
    'Route without match',
    ROUTES,
    routes({ name: 'api', route: { cluster: 'billing' } }),
    `${R}.match`,
    ['message.required'],
  ],
  ['Route without action', ROUTES, routes({ name: 'api', match: { prefix: '/' } }), `${R}.action`, ['oneof.required']],
  [
    'RouteAction without cluster',
    ROUTES,
    routes(route({ route: {} })),
    `${R}.route.cluster_specifier`,
    ['oneof.required'],
  ],
  [
    'HealthCheck without threshold',
    CLUSTER,
    cluster({ health_checks: [healthCheck({ healthy_threshold: null })] }),
    `${HC}.healthy_threshold`,
    ['message.required'],
  ],
  // string
  ['Cluster name empty', CLUSTER, cluster({ name: '' }), 'name', ['string.min_len']],
  ['CLA cluster_name empty', CLA, cla(endpoint(), { cluster_name: '' }), 'cluster_name', ['string.min_len']],
  [
    'empty socket address',
    CLA,
    cla(endpoint({}, { address: '' })),
    `${LB}.endpoint.address.socket_address.address`,
    ['string.min_len'],
  ],
  [
    'header value over 16 KiB',
    ROUTES,
    routes(route(), { request_headers_to_add: [{ header: { key: 'x-a', value: 'v'.repeat(16385) } }] }),
    `${VH}.request_headers_to_add[0].header.value`,
    ['string.max_bytes'],
  ],
  [
    'path_separated_prefix ending in /',
    ROUTES,
    routes(route({ match: { path_separated_prefix: '/api/' } })),
    `${R}.match.path_separated_prefix`,
    ['string.pattern'],
  ],
  [
    'path_separated_prefix valid',
    ROUTES,
    routes(route({ match: { path_separated_prefix: '/api' } })),
    `${R}.match.path_separated_prefix`,
    [],
  ],
  [
    'header matcher name with LF',
    ROUTES,
    routes(route({ match: { prefix: '/', headers: [{ name: 'x-a\nb', present_match: true }] } })),
    `${R}.match.headers[0].name`,
    ['string.well_known_regex'],
  ],
  [
    'header matcher name with space (strict: false)',
    ROUTES,
    routes(route({ match: { prefix: '/', headers: [{ name: 'x a', present_match: true }] } })),
    `${R}.match.headers[0].name`,
    [],
  ],
  [
    'health check host with control char (strict)',
    CLUSTER,
    cluster({ health_checks: [healthCheck({ http_health_check: { host: 'a\u0001b', path: '/h' } })] }),
    `${HC}.http_health_check.host`,
    ['string.well_known_regex'],
  ],
  [
    'scheme not http(s)',
    LISTENER,
    listener(hcm({ scheme_header_transformation: { scheme_to_overwrite: 'ftp' } })),
    `${TC}.scheme_header_transformation.scheme_to_overwrite`,
    ['string.in'],
  ],
  [
    'strict_check_headers item not allowed',
    LISTENER,
    listener(
      hcm({
        http_filters: [
          {
            name: 'router',
            typed_config: pack(ROUTER_TYPE, { strict_check_headers: ['x-envoy-retry-on', 'x-bogus'] }),
          },
        ],
      }),
    ),
    `${TC}.http_filters[0].typed_config.strict_check_headers[1]`,
    ['string.in'],
  ],
  // ignore_empty: override_auto_sni_header is an HTTP_HEADER_NAME only when set
  [
    'empty auto SNI header (ignore_empty)',
    CLUSTER,
    cluster({
      typed_extension_protocol_options: {
        p: pack(HTTP_PROTOCOL_OPTIONS_TYPE, {
          upstream_http_protocol_options: { override_auto_sni_header: '' },
          explicit_http_config: { http2_protocol_options: {} },
        }),
      },
    }),
    'typed_extension_protocol_options["p"].upstream_http_protocol_options.override_auto_sni_header',
    [],
  ],
  [
    'bad auto SNI header',
    CLUSTER,
    cluster({
      typed_extension_protocol_options: {
        p: pack(HTTP_PROTOCOL_OPTIONS_TYPE, {
          upstream_http_protocol_options: { override_auto_sni_header: 'x a' },
          explicit_http_config: { http2_protocol_options: {} },
        }),
      },
    }),
    'typed_extension_protocol_options["p"].upstream_http_protocol_options.override_auto_sni_header',
    ['string.well_known_regex'],
  ],
  // bytes
  [
    'raw header value over 16 KiB',
    ROUTES,
    routes(route(), { request_headers_to_add: [{ header: { key: 'x-a', raw_value: Buffer.alloc(16385) } }] }),
    `${VH}.request_headers_to_add[0].header.raw_value`,
    ['bytes.max_len'],
  ],
  // numbers
  [
    'port 70000',
    CLA,
    cla(endpoint({}, { port_value: 70000 })),
    `${LB}.endpoint.address.socket_address.port_value`,
    ['uint32.lte'],
  ],
  [
    'endpoint weight 0 (wrapper)',
    CLA,
    cla(endpoint({ load_balancing_weight: { value: 0 } })),
    `${LB}.load_balancing_weight`,
    ['uint32.gte'],
  ],
  [
    'direct response 99',
    ROUTES,
    routes({ name: 'x', match: { prefix: '/' }, direct_response: { status: 99 } }),
    `${R}.direct_response.status`,
    ['uint32.gte'],
  ],
  [
    'direct response 600',
    ROUTES,
    routes({ name: 'x', match: { prefix: '/' }, direct_response: { status: 600 } }),
    `${R}.direct_response.status`,
    ['uint32.lt'],
  ],
  [
    'ring size over max (uint64)',
    CLUSTER,
    cluster({ lb_policy: 'RING_HASH', ring_hash_lb_config: { minimum_ring_size: { value: '8388609' } } }),
    'ring_hash_lb_config.minimum_ring_size',
    ['uint64.lte'],
  ],
  [
    'ring size past 2^53 (uint64)',
    CLUSTER,
    cluster({ lb_policy: 'RING_HASH', ring_hash_lb_config: { minimum_ring_size: { value: '18446744073709551615' } } }),
    'ring_hash_lb_config.minimum_ring_size',
    ['uint64.lte'],
  ],
  [
    'preconnect ratio 3.5 (double)',
    CLUSTER,
    cluster({ preconnect_policy: { per_upstream_preconnect_ratio: { value: 3.5 } } }),
    'preconnect_policy.per_upstream_preconnect_ratio',
    ['double.lte'],
  ],
  [
    'bool const (stats_flush_on_admin false)',
    BOOTSTRAP,
    { node: { id: 'n' }, stats_flush_on_admin: false },
    'stats_flush_on_admin',
    ['bool.const'],
  ],
  // enum
  ['undefined cluster type', CLUSTER, cluster({ type: 99 }), 'type', ['enum.defined_only']],
  [
    'health check method CONNECT',
    CLUSTER,
    cluster({ health_checks: [healthCheck({ http_health_check: { path: '/h', method: 'CONNECT' } })] }),
    `${HC}.http_health_check.method`,
    ['enum.not_in'],
  ],
  // duration
  ['connect_timeout 0s', CLUSTER, cluster({ connect_timeout: { seconds: 0 } }), 'connect_timeout', ['duration.gt']],
  [
    'dns_refresh_rate 1ms',
    CLUSTER,
    cluster({ dns_refresh_rate: { nanos: 1_000_000 } }),
    'dns_refresh_rate',
    ['duration.gt'],
  ],
  [
    'health check without timeout',
    CLUSTER,
    cluster({ health_checks: [healthCheck({ timeout: null })] }),
    `${HC}.timeout`,
    ['duration.required'],
  ],
  // repeated
  ['virtual host without domains', ROUTES, routes(route(), { domains: [] }), `${VH}.domains`, ['repeated.min_items']],
  [
    'domain with LF (items)',
    ROUTES,
    routes(route(), { domains: ['ok', 'bad\nhost'] }),
    `${VH}.domains[1]`,
    ['string.well_known_regex'],
  ],
  [
    'six redirect codes',
    ROUTES,
    routes(
      route({
        route: { cluster: 'b', internal_redirect_policy: { redirect_response_codes: [301, 302, 303, 307, 308, 301] } },
      }),
    ),
    `${R}.route.internal_redirect_policy.redirect_response_codes`,
    ['repeated.max_items'],
  ],
  [
    'headers to copy twice',
    ROUTES,
    routes(route({ route: { cluster: 'b', internal_redirect_policy: { response_headers_to_copy: ['x-a', 'x-a'] } } })),
    `${R}.route.internal_redirect_policy.response_headers_to_copy[1]`,
    ['repeated.unique'],
  ],
  [
    'empty weighted clusters',
    ROUTES,
    routes(route({ route: { weighted_clusters: { clusters: [] } } })),
    `${R}.route.weighted_clusters.clusters`,
    ['repeated.min_items'],
  ],
  [
    'source port 0 (items uint32)',
    LISTENER,
    listener(hcm(), { filter_chain_match: { source_ports: [0] } }),
    'filter_chains[0].filter_chain_match.source_ports[0]',
    ['uint32.gte'],
  ],
  // map
  [
    'metadata with empty filter name',
    CLUSTER,
    cluster({ metadata: { filter_metadata: { '': {} } } }),
    'metadata.filter_metadata[""]',
    ['string.min_len'],
  ],
  // any
  [
    'typed_dns_resolver_config without typed_config',
    CLUSTER,
    cluster({ typed_dns_resolver_config: { name: 'dns' } }),
    'typed_dns_resolver_config.typed_config',
    ['any.required'],
  ],
  // recursion into Any payloads, two levels deep
  [
    'empty http filter name inside HCM',
    LISTENER,
    listener(hcm({ http_filters: [{ name: '', typed_config: pack(ROUTER_TYPE, {}) }] })),
    `${TC}.http_filters[0].name`,
    ['string.min_len'],
  ],
  ['HCM without route specifier', LISTENER, listener(hcm({ rds: null })), `${TC}.route_specifier`, ['oneof.required']],
  [
    'ext_authz server_uri timeout of 2^32 s',
    LISTENER,
    listener(
      hcm({
        http_filters: [
          {
            name: 'authz',
            typed_config: pack(EXT_AUTHZ, {
              http_service: { server_uri: { uri: 'http://authz', cluster: 'authz', timeout: { seconds: 4294967296 } } },
            }),
          },
          { name: 'router', typed_config: pack(ROUTER_TYPE, {}) },
        ],
      }),
    ),
    `${TC}.http_filters[0].typed_config.http_service.server_uri.timeout`,
    ['duration.lt'],
  ],
];

describe('PGV rules of Envoy messages', () => {
  it.each(rows)('%s', (_what, type, message, path, rules) => {
    expect(at(check(type, message), path)).toEqual(rules);
  });

  it.each([
    ['Cluster', CLUSTER, cluster()],
    ['ClusterLoadAssignment', CLA, cla()],
    ['edge Listener with HCM', LISTENER, listener()],
    ['api_listener', LISTENER, { name: 'greeter', api_listener: { api_listener: hcm() } }],
    ['RouteConfiguration', ROUTES, routes()],
    ['Cluster with health check', CLUSTER, cluster({ health_checks: [healthCheck()] })],
  ])('accepts a valid %s', (_what, type, message) => {
    expect(check(type, message)).toEqual([]);
  });

  it('applies scalar rules to defaults: an empty Cluster has no name', () => {
    expect(check(CLUSTER, {})).toEqual([
      {
        path: 'name',
        rule: 'string.min_len',
        message: 'name: value length must be at least 1 (string.min_len, got "")',
      },
    ]);
  });

  it('names the field path, rule and value of a violation inside an Any', () => {
    const [v] = check(LISTENER, listener(hcm({ http_filters: [{ name: '' }] })));
    expect(v).toEqual({
      path: `${TC}.http_filters[0].name`,
      rule: 'string.min_len',
      message: 'name: value length must be at least 1 (string.min_len, got "")',
    });
  });

  it('prints durations as Envoy does', () => {
    const [v] = check(CLUSTER, cluster({ dns_refresh_rate: { nanos: 500_000 } }));
    expect(v?.message).toBe('dns_refresh_rate: value must be greater than 0.001s (duration.gt, got 0.0005s)');
  });

  it('skips Any payloads of types outside the root, and reports payloads that do not decode', () => {
    const unknown = { type_url: 'type.googleapis.com/example.Unknown', value: Buffer.from([1, 2, 3]) };
    expect(check(LISTENER, listener(unknown))).toEqual([]);
    const garbage = { type_url: `type.googleapis.com/${HCM_TYPE}`, value: Buffer.from([0x0a, 0xff]) };
    expect(at(check(LISTENER, listener(garbage)), TC)).toEqual(['any.payload']);
  });

  it('validates the decoded form directly (validateMessage)', () => {
    const decoded = { name: 'x', connect_timeout: { seconds: '0', nanos: 0 } };
    expect(validateMessage(CLUSTER, decoded).map((v) => v.rule)).toEqual(['duration.gt']);
  });
});
