// toConfigDump / fromEnvoyJson: the proto3 JSON mapping with snake_case names that Envoy's config
// dumps and YAML bootstraps use. Round trips both ways, Envoy-style omission of defaults, and loud
// failures on anything protobufjs would otherwise drop silently.
import { describe, expect, it } from 'vitest';
import { decode, encode, pack } from '../../src/protos.ts';
import { HCM_TYPE, ROUTER_TYPE } from '../../src/resource-types.ts';
import { translateCluster } from '../../src/translate/clusters.ts';
import { fromEnvoyJson, toConfigDump } from '../../src/translate/config-dump.ts';
import { translateEdgeListener } from '../../src/translate/listeners.ts';

const CLUSTER = 'envoy.config.cluster.v3.Cluster';
const LISTENER = 'envoy.config.listener.v3.Listener';
const BOOTSTRAP = 'envoy.config.bootstrap.v3.Bootstrap';
const CLA = 'envoy.config.endpoint.v3.ClusterLoadAssignment';

const grpcCluster = translateCluster(
  { name: 'greeter', service: 'greeter', lbPolicy: 'ring_hash', protocol: 'grpc', connectTimeoutMs: 250 },
  'edge',
);
const edgeListener = translateEdgeListener({
  name: 'edge-http',
  address: '0.0.0.0',
  port: 10000,
  routeConfigName: 'edge-routes',
});

describe('toConfigDump', () => {
  it('prints a cluster like an Envoy config dump', () => {
    expect(toConfigDump(CLUSTER, encode(CLUSTER, grpcCluster))).toEqual({
      name: 'greeter',
      type: 'EDS',
      eds_cluster_config: { eds_config: { ads: {}, resource_api_version: 'V3' } },
      connect_timeout: '0.250s',
      lb_policy: 'RING_HASH',
      typed_extension_protocol_options: {
        'envoy.extensions.upstreams.http.v3.HttpProtocolOptions': {
          '@type': 'type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions',
          explicit_http_config: { http2_protocol_options: {} },
        },
      },
    });
  });

  it('keeps set-but-empty messages (Router) and unwraps wrappers, nested Anys included', () => {
    const dump = toConfigDump(LISTENER, encode(LISTENER, edgeListener));
    const hcm = (dump.filter_chains as { filters: { typed_config: Record<string, unknown> }[] }[])[0]?.filters[0]
      ?.typed_config;
    expect(hcm?.['@type']).toBe(`type.googleapis.com/${HCM_TYPE}`);
    expect(hcm?.http_filters).toEqual([
      { name: 'envoy.filters.http.router', typed_config: { '@type': `type.googleapis.com/${ROUTER_TYPE}` } },
    ]);
    expect(hcm?.normalize_path).toBe(true);
    expect(hcm?.use_remote_address).toBe(true);
    expect(hcm?.codec_type).toBeUndefined(); // AUTO is the zero value
    expect(Object.keys(hcm ?? {})).toEqual([
      '@type',
      'stat_prefix',
      'rds',
      'http_filters',
      'use_remote_address',
      'normalize_path',
      'merge_slashes',
      'path_with_escaped_slashes_action',
    ]);
  });

  it('accepts the decoded form as well as bytes, and keeps a zero oneof member', () => {
    const cla = {
      cluster_name: 'c',
      endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: '::', port_value: 0 } } } }] }],
    };
    const bytes = encode(CLA, cla);
    expect(toConfigDump(CLA, decode(CLA, bytes))).toEqual(toConfigDump(CLA, bytes));
    expect(toConfigDump(CLA, bytes)).toEqual(cla);
  });

  it('prints durations with 0, 3, 6 or 9 fractional digits, 64-bit ints as strings, bytes as base64', () => {
    const message = {
      name: 'c',
      connect_timeout: { seconds: 1, nanos: 500_000 },
      dns_refresh_rate: { seconds: 5 },
      ring_hash_lb_config: { minimum_ring_size: { value: '18446744073709551615' } },
      metadata: {
        filter_metadata: {
          f: {
            fields: {
              k: { listValue: { values: [{ numberValue: 1 }, { nullValue: 'NULL_VALUE' }, { boolValue: true }] } },
            },
          },
        },
      },
    };
    expect(toConfigDump(CLUSTER, encode(CLUSTER, message))).toEqual({
      name: 'c',
      connect_timeout: '1.000500s',
      dns_refresh_rate: '5s',
      metadata: { filter_metadata: { f: { k: [1, null, true] } } },
      ring_hash_lb_config: { minimum_ring_size: '18446744073709551615' },
    });
    const header = { key: 'x', raw_value: Buffer.from([0, 255]) };
    expect(
      toConfigDump('envoy.config.core.v3.HeaderValue', encode('envoy.config.core.v3.HeaderValue', header)),
    ).toEqual({
      key: 'x',
      raw_value: 'AP8=',
    });
  });
});

describe('fromEnvoyJson', () => {
  it('round-trips translated resources: bytes -> dump -> bytes, stable after one trip', () => {
    for (const [type, message] of [
      [CLUSTER, grpcCluster],
      [LISTENER, edgeListener],
      [
        LISTENER,
        {
          name: 'g',
          api_listener: {
            api_listener: pack(HCM_TYPE, {
              stat_prefix: 'g',
              rds: { route_config_name: 'r', config_source: { ads: {} } },
            }),
          },
        },
      ],
    ] as const) {
      // Translate sets some zero values explicitly (codec_type AUTO), which protobufjs encodes and a
      // dump omits; so compare the dumps, then check the canonical bytes are a fixpoint.
      const bytes = encode(type, message);
      const dump = toConfigDump(type, bytes);
      const again = encode(type, fromEnvoyJson(type, dump));
      expect(toConfigDump(type, again)).toEqual(dump);
      expect(encode(type, fromEnvoyJson(type, toConfigDump(type, again)))).toEqual(again);
      expect(decode(type, again).name).toBe((message as { name: string }).name);
    }
  });

  it('round-trips Envoy JSON: dump -> message -> dump is the identity', () => {
    const json = {
      name: 'static',
      type: 'STRICT_DNS',
      connect_timeout: '0.250s',
      lb_policy: 'LEAST_REQUEST',
      per_connection_buffer_limit_bytes: 32768,
      metadata: {
        filter_metadata: { 'gatehouse.meta': { owner: 'team-a', weights: [1, 2.5], nested: { on: true, none: null } } },
      },
      load_assignment: {
        cluster_name: 'static',
        endpoints: [
          {
            lb_endpoints: [
              {
                endpoint: { address: { socket_address: { address: 'svc.local', port_value: 80 } } },
                load_balancing_weight: 3,
              },
            ],
          },
        ],
      },
      typed_extension_protocol_options: {
        'envoy.extensions.upstreams.http.v3.HttpProtocolOptions': {
          '@type': 'type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions',
          common_http_protocol_options: { idle_timeout: '3600s', max_requests_per_connection: 0 },
          explicit_http_config: { http2_protocol_options: { max_concurrent_streams: 100 } },
        },
      },
    };
    expect(toConfigDump(CLUSTER, encode(CLUSTER, fromEnvoyJson(CLUSTER, json)))).toEqual(json);
  });

  it('accepts lowerCamelCase keys as proto3 JSON parsers do', () => {
    expect(fromEnvoyJson(CLUSTER, { name: 'c', connectTimeout: '5s', lbPolicy: 'RING_HASH' })).toEqual({
      name: 'c',
      connect_timeout: { seconds: '5', nanos: 0 },
      lb_policy: 'RING_HASH',
    });
  });

  it.each([
    [{ nmae: 'x' }, 'nmae: unknown field "nmae" in envoy.config.cluster.v3.Cluster'],
    [
      { load_assignment: { endpoints: [{ lb_endpoints: [{ endpiont: {} }] }] } },
      'load_assignment.endpoints[0].lb_endpoints[0].endpiont: unknown field "endpiont"',
    ],
    [
      { typed_extension_protocol_options: { x: { '@type': 'type.googleapis.com/example.Nope' } } },
      'typed_extension_protocol_options["x"]: unknown @type "type.googleapis.com/example.Nope"',
    ],
    [
      { typed_extension_protocol_options: { x: { explicit_http_config: {} } } },
      'typed_extension_protocol_options["x"].@type: expected a type URL',
    ],
    [{ connect_timeout: 5 }, 'connect_timeout: expected a duration like "5s"'],
    [{ connect_timeout: '5m' }, 'connect_timeout: expected a duration like "5s"'],
    [{ lb_policy: 'FASTEST' }, 'lb_policy: expected one of ROUND_ROBIN'],
    [{ per_connection_buffer_limit_bytes: -1 }, 'per_connection_buffer_limit_bytes: uint32 out of range'],
    [{ name: 7 }, 'name: expected a string'],
    [
      { type: 'EDS', cluster_type: { name: 'x' } },
      'cluster_type: only one of type and cluster_type may be set (oneof cluster_discovery_type)',
    ],
    [{ health_checks: {} }, 'health_checks: expected a list'],
  ])('refuses %j', (json, message) => {
    expect(() => fromEnvoyJson(CLUSTER, json)).toThrow(message);
  });

  it('refuses unknown fields inside an Any payload, with the full path', () => {
    const json = {
      static_resources: {
        listeners: [
          {
            name: 'l',
            api_listener: {
              api_listener: { '@type': `type.googleapis.com/${HCM_TYPE}`, stat_prefix: 's', routes: [] },
            },
          },
        ],
      },
    };
    expect(() => fromEnvoyJson(BOOTSTRAP, json)).toThrow(
      `static_resources.listeners[0].api_listener.api_listener.routes: unknown field "routes" in ${HCM_TYPE}`,
    );
  });
});
