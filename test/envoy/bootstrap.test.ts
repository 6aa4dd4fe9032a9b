// The shipped Envoy bootstraps parse, convert to a Bootstrap without unknown fields, and pass
// Envoy's PGV rules; a broken copy is rejected with the field and rule named. Gatehouse, given the
// shipped example configuration, serves each bootstrap's node what its comments promise.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { compile } from '../../src/compile.ts';
import { parseCatalog, parsePolicy } from '../../src/config/index.ts';
import { decode, encode } from '../../src/protos.ts';
import { LISTENER } from '../../src/resource-types.ts';
import { nodeProfile } from '../../src/snapshot/index.ts';
import { fromEnvoyJson } from '../../src/translate/config-dump.ts';
import { validateEncoded } from '../../src/translate/validate/index.ts';

const BOOTSTRAP = 'envoy.config.bootstrap.v3.Bootstrap';
const DIR = path.join(import.meta.dirname, '..', '..', 'envoy');

// biome-ignore lint/suspicious/noExplicitAny: decoded Bootstrap trees are read field by field in assertions
type Obj = Record<string, any>;

const load = (file: string): Obj => parse(readFileSync(path.join(DIR, file), 'utf8'));
const violations = (json: unknown) => validateEncoded(BOOTSTRAP, encode(BOOTSTRAP, fromEnvoyJson(BOOTSTRAP, json)));

describe.each([
  ['edge.yaml', { id: 'edge-1', cluster: 'edge', metadata: { 'gatehouse.profile': 'edge' } }, 9901],
  [
    'sidecar.yaml',
    { id: 'sidecar-web', cluster: 'web', metadata: { 'gatehouse.profile': 'sidecar', 'gatehouse.service': 'web' } },
    15000,
  ],
] as const)('envoy/%s', (file, node, adminPort) => {
  const json = load(file);

  it('is a valid Bootstrap with no PGV violations', () => {
    expect(violations(json)).toEqual([]);
  });

  it('identifies the node and subscribes LDS and CDS over ADS to the gatehouse_xds cluster', () => {
    const b = decode<Obj>(BOOTSTRAP, encode(BOOTSTRAP, fromEnvoyJson(BOOTSTRAP, json)));
    expect(b.node.id).toBe(node.id);
    expect(b.node.cluster).toBe(node.cluster);
    const metadata = Object.fromEntries(
      Object.entries(b.node.metadata.fields).map(([k, v]) => [k, (v as Obj).stringValue]),
    );
    expect(metadata).toEqual(node.metadata);
    expect(b.admin.address.socket_address).toMatchObject({ address: '127.0.0.1', port_value: adminPort });
    const ads = b.dynamic_resources.ads_config;
    expect(ads).toMatchObject({ api_type: 'GRPC', transport_api_version: 'V3', set_node_on_first_message_only: true });
    expect(ads.grpc_services[0].envoy_grpc.cluster_name).toBe('gatehouse_xds');
    for (const source of [b.dynamic_resources.lds_config, b.dynamic_resources.cds_config]) {
      expect(source.config_source_specifier).toBe('ads');
      expect(source.resource_api_version).toBe('V3');
    }
    const [xds] = b.static_resources.clusters;
    expect(xds.name).toBe('gatehouse_xds');
    expect(xds.connect_timeout).toEqual({ seconds: '1', nanos: 0 });
    const options = xds.typed_extension_protocol_options['envoy.extensions.upstreams.http.v3.HttpProtocolOptions'];
    expect(options.type_url).toBe('type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions');
    const lb = xds.load_assignment.endpoints[0].lb_endpoints[0];
    expect(lb.endpoint.address.socket_address).toMatchObject({ address: '127.0.0.1', port_value: 18000 });
  });

  it('has comment lines saying what it is for and how to run it', () => {
    const text = readFileSync(path.join(DIR, file), 'utf8');
    expect(text.startsWith('# ')).toBe(true);
    expect(text).toContain(`envoy -c envoy/${file}`);
  });

  it('is rejected when the admin port is 70000', () => {
    const broken = structuredClone(json);
    broken.admin.address.socket_address.port_value = 70000;
    expect(violations(broken)).toEqual([
      {
        path: 'admin.address.socket_address.port_value',
        rule: 'uint32.lte',
        message: 'port_value: value must be less than or equal to 65535 (uint32.lte, got 70000)',
      },
    ]);
  });

  it('is rejected when the xDS cluster has no name or a zero connect timeout', () => {
    const broken = structuredClone(json);
    broken.static_resources.clusters[0].name = '';
    broken.static_resources.clusters[0].connect_timeout = '0s';
    expect(violations(broken).map((v) => [v.path, v.rule])).toEqual([
      ['static_resources.clusters[0].name', 'string.min_len'],
      ['static_resources.clusters[0].connect_timeout', 'duration.gt'],
    ]);
  });

  it('refuses a misspelt field instead of dropping it', () => {
    const broken = structuredClone(json);
    broken.dynamic_resources.ads_config.set_node_on_first_message = true;
    expect(() => violations(broken)).toThrow('dynamic_resources.ads_config.set_node_on_first_message: unknown field');
  });
});

describe('the example configuration (config/) serves the shipped bootstraps', () => {
  const text = (file: string) => readFileSync(path.join(DIR, '..', 'config', file), 'utf8');
  const catalog = parseCatalog(text('catalog.yaml'));
  const policy = parsePolicy(text('policy.yaml'));
  if (!catalog.ok || !policy.ok) throw new Error('config/ is invalid');
  const snapshot = compile(catalog.value, policy.value).snapshot!;
  const nodeOf = (file: string) => decode<Obj>(BOOTSTRAP, encode(BOOTSTRAP, fromEnvoyJson(BOOTSTRAP, load(file)))).node;
  const listeners = (file: string) => {
    const chosen = nodeProfile(nodeOf(file));
    if ('error' in chosen) throw new Error(chosen.error);
    const view = snapshot.view(chosen.profile);
    return { profile: chosen.profile, listeners: [...(view?.[LISTENER].entries.values() ?? [])] };
  };

  it('edge.yaml gets the edge listener', () => {
    expect(listeners('edge.yaml')).toMatchObject({ profile: 'edge', listeners: [{ name: 'edge-http' }] });
  });

  it("sidecar.yaml gets web's sidecar: inbound on 0.0.0.0:15006, outbound on 127.0.0.1:15001", () => {
    const got = listeners('sidecar.yaml');
    expect(got.profile).toBe('sidecar/web');
    const addresses = got.listeners.map((e) => {
      const l = decode<Obj>(e.messageName, e.value);
      return [l.name, l.address.socket_address.address, l.address.socket_address.port_value];
    });
    expect(addresses).toEqual([
      ['sidecar-inbound', '0.0.0.0', 15006],
      ['sidecar-outbound', '127.0.0.1', 15001],
    ]);
  });
});
