// The pure half of the container suite, run everywhere: the bootstrap real Envoy gets is a valid
// Bootstrap that differs from envoy/edge.yaml only where a container needs it; the settings and
// every policy the suite writes pass Gatehouse's schemas and compile against the catalog the demo
// instances register; the NACK probe is accepted by Gatehouse's own validation (so only real
// Envoy can refuse it); the demo environment follows the demo services' contract.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { compile } from '../../src/compile.ts';
import { catalogFile, parsePolicy, parseWith, settingsFile } from '../../src/config/index.ts';
import { names } from '../../src/model/index.ts';
import { decode, encode, unpack } from '../../src/protos.ts';
import { ROUTE } from '../../src/resource-types.ts';
import { fromEnvoyJson } from '../../src/translate/config-dump.ts';
import { EXT_AUTHZ_FILTER } from '../../src/translate/ext-authz.ts';
import { validateEncoded } from '../../src/translate/validate/index.ts';
import {
  DEMO_INSTANCES,
  type DemoPolicyOptions,
  demoCatalog,
  demoEnvironment,
  demoPolicy,
  demoScript,
  EDGE_PORTS,
  ENVOY_RE2_MAX_PROGRAM_SIZE,
  edgeBootstrap,
  gatehouseSettings,
  HOST_ALIAS,
  IMAGES,
  NACK_REGEX,
  NACK_ROUTE,
} from './fixtures.ts';

// biome-ignore lint/suspicious/noExplicitAny: decoded protobuf trees are walked by field name
type Obj = Record<string, any>;

const BOOTSTRAP = 'envoy.config.bootstrap.v3.Bootstrap';
const SHIPPED = readFileSync(path.join(import.meta.dirname, '..', '..', 'envoy', 'edge.yaml'), 'utf8');
const JWKS_FILE = '/tmp/gatehouse-containers/jwks.json';

describe('edge bootstrap for the Envoy container', () => {
  const bootstrap = edgeBootstrap(SHIPPED, { host: HOST_ALIAS, port: 43210 });
  const decoded = () => decode<Obj>(BOOTSTRAP, encode(BOOTSTRAP, fromEnvoyJson(BOOTSTRAP, bootstrap)));

  it('is a valid Bootstrap with no PGV violations', () => {
    expect(validateEncoded(BOOTSTRAP, encode(BOOTSTRAP, fromEnvoyJson(BOOTSTRAP, bootstrap)))).toEqual([]);
  });

  it('dials Gatehouse by the forwarded host name, over IPv4, on the given port', () => {
    const [xds] = decoded().static_resources.clusters;
    expect(xds).toMatchObject({ name: 'gatehouse_xds', type: 'STRICT_DNS', dns_lookup_family: 'V4_ONLY' });
    expect(xds.load_assignment.endpoints[0].lb_endpoints[0].endpoint.address.socket_address).toMatchObject({
      address: HOST_ALIAS,
      port_value: 43210,
    });
  });

  it('opens the admin to the mapped port and changes nothing else of envoy/edge.yaml', () => {
    expect(decoded().admin.address.socket_address).toMatchObject({ address: '0.0.0.0', port_value: EDGE_PORTS.admin });
    const original = parse(SHIPPED);
    const derived = structuredClone(bootstrap);
    for (const b of [original, derived]) {
      delete b.admin.address;
      const xds = b.static_resources.clusters[0];
      for (const changed of ['type', 'dns_lookup_family', 'load_assignment']) delete xds[changed];
    }
    expect(derived).toEqual(original);
    expect(bootstrap.node).toEqual({ id: 'edge-1', cluster: 'edge', metadata: { 'gatehouse.profile': 'edge' } });
  });

  it('refuses a shipped file without the ADS cluster, naming it', () => {
    expect(() => edgeBootstrap(SHIPPED.replaceAll('gatehouse_xds', 'other'), { host: HOST_ALIAS, port: 1 })).toThrow(
      'envoy/edge.yaml has no gatehouse_xds cluster',
    );
  });
});

describe('Gatehouse settings', () => {
  it('pass the settings schema: Consul catalog, watched policy, Check advertised to containers', () => {
    const parsed = parseWith(
      settingsFile,
      gatehouseSettings({ consulAddress: 'http://localhost:32768', authzPort: 40001, policyFile: '/tmp/p.yaml' }),
      'settings',
    );
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.diagnostics));
    expect(parsed.value.authz).toMatchObject({ address: '0.0.0.0:40001', advertise: `${HOST_ALIAS}:40001` });
    expect(parsed.value.catalog.consul).toBe(true);
    expect(parsed.value.policy.file).toBe('/tmp/p.yaml');
  });
});

describe('policies the suite writes', () => {
  const catalog = parseWith(
    catalogFile,
    demoCatalog((i) => `10.0.0.${DEMO_INSTANCES.indexOf(i) + 2}`),
    'catalog',
  );
  const authz = { host: HOST_ALIAS, port: 40001, timeoutMs: 2000 };

  /** Compiles a policy as Gatehouse would after reading it from the YAML file the suite writes. */
  function routesOf(o: DemoPolicyOptions): Obj[] {
    if (!catalog.ok) throw new Error(JSON.stringify(catalog.diagnostics));
    const policy = parsePolicy(stringify(demoPolicy(o)));
    if (!policy.ok) throw new Error(JSON.stringify(policy.diagnostics));
    const compiled = compile(catalog.value, policy.value, { authz });
    expect(compiled.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    const entry = compiled.snapshot!.profiles.edge![ROUTE].entries.get(names.EDGE_ROUTES)!;
    return decode<Obj>(entry.messageName, entry.value).virtual_hosts.flatMap((h: Obj) => h.routes);
  }
  const named = (routes: Obj[], name: string): Obj => {
    const found = routes.find((r) => r.name === name);
    if (!found) throw new Error(`no edge route "${name}"`);
    return found;
  };

  it('the base policy routes gRPC, stable, canary 80/20 and the JWT-protected route', () => {
    const routes = routesOf({ jwksFile: JWKS_FILE });
    expect(named(routes, 'greeter').match.prefix).toBe('/demo.Greeter/');
    expect(named(routes, 'stable').route.cluster).toBe('demo-http/v1');
    const split = named(routes, 'canary').route.weighted_clusters.clusters.map((c: Obj) => [c.name, c.weight.value]);
    expect(split).toEqual([
      ['demo-http/v1', 80],
      ['demo-http/v2', 20],
    ]);
    const check = (name: string): Obj => unpack(named(routes, name).typed_per_filter_config[EXT_AUTHZ_FILTER]);
    expect(check('secure').check_settings.context_extensions[names.POLICY_KEY_EXTENSION]).toBe('route/secure');
    expect(check('stable').disabled).toBe(true);
  });

  it('the live shift to 0/100 compiles', () => {
    const canary = named(routesOf({ jwksFile: JWKS_FILE, canary: [0, 100] }), 'canary');
    expect(canary.route.weighted_clusters.clusters.map((c: Obj) => c.weight?.value ?? 0)).toEqual([0, 100]);
  });

  it("the NACK probe passes Gatehouse's validation and reaches Envoy as a safe_regex route", () => {
    const probe = named(routesOf({ jwksFile: JWKS_FILE, extraRoutes: [NACK_ROUTE] }), NACK_ROUTE.name);
    expect(probe.match.safe_regex.regex).toBe(NACK_REGEX);
  });

  it('the NACK probe is a sound regex whose RE2 program exceeds Envoy default error level', () => {
    // Valid syntax (the same in JS for this subset), so only Envoy's size limit can refuse it.
    const re = new RegExp(NACK_REGEX);
    expect(re.test(`/nack/${'a'.repeat(200)}`)).toBe(true);
    expect(re.test(`/nack/${'a'.repeat(199)}`)).toBe(false);
    // RE2 compiles x{n} into n copies of x: at least n instructions.
    const copies = Number(/\{(\d+)\}/.exec(NACK_REGEX)?.[1]);
    expect(copies).toBeGreaterThan(ENVOY_RE2_MAX_PROGRAM_SIZE);
  });
});

describe('demo fleet', () => {
  it('has two stable instances (one survives a failure), a canary and a gRPC instance, ids unique', () => {
    const http = DEMO_INSTANCES.filter((i) => i.service === 'demo-http');
    expect(http.filter((i) => i.version === 'v1')).toHaveLength(2);
    expect(http.filter((i) => i.version === 'v2')).toHaveLength(1);
    expect(DEMO_INSTANCES.filter((i) => i.service === 'demo-grpc')).toHaveLength(1);
    expect(new Set(DEMO_INSTANCES.map((i) => i.id)).size).toBe(DEMO_INSTANCES.length);
  });

  it('passes the demo contract environment and runs the demo programs', () => {
    const grpc = DEMO_INSTANCES.find((i) => i.service === 'demo-grpc')!;
    expect(demoEnvironment(grpc)).toEqual({
      PORT: '50051',
      SERVICE_NAME: 'demo-grpc',
      INSTANCE_ID: 'grpc-a',
      VERSION: 'v1',
      CONSUL_HTTP_ADDR: 'http://consul:8500',
    });
    expect(demoScript(grpc)).toBe('demo/grpc-service.ts');
    expect(demoScript(DEMO_INSTANCES[0]!)).toBe('demo/http-service.ts');
  });

  it('pins exact image versions, Envoy at 1.32 or later', () => {
    for (const image of Object.values(IMAGES)) expect(image).toMatch(/:v?\d+\.\d+\.\d+$/);
    const [major, minor] = IMAGES.envoy.split(':v')[1]!.split('.').map(Number);
    expect(major === 1 && minor! >= 32).toBe(true);
  });
});
