// What the container suite runs, as plain data: pinned images, the demo instances and the Consul
// catalog they register, the Gatehouse settings and policies, and the edge Envoy bootstrap derived
// from envoy/edge.yaml. Pure (text in, data out), so fixtures.test.ts checks every piece of it on
// machines with no container engine, against Gatehouse's own schemas and Envoy's Bootstrap rules.
import { parse } from 'yaml';

/** Pinned images: a moving tag would change what "passed" means from one run to the next. */
export const IMAGES = {
  consul: 'hashicorp/consul:1.21.0',
  envoy: 'envoyproxy/envoy:v1.36.4',
} as const;

/** How containers reach the test process (testcontainers' port forwarder adds this host entry). */
export const HOST_ALIAS = 'host.testcontainers.internal';
/** The network alias of Consul, as the demo services dial it. */
export const CONSUL_ALIAS = 'consul';

/** Ports inside the edge Envoy container: the policy's listener, the admin, the stats listener. */
export const EDGE_PORTS = { listener: 10000, admin: 9901, stats: 9102 } as const;

/** One demo service instance the suite starts from the project image. */
export interface DemoInstance {
  /** The instance id the service reports in every answer (INSTANCE_ID). */
  readonly id: string;
  readonly service: 'demo-http' | 'demo-grpc';
  readonly version: 'v1' | 'v2';
  readonly port: number;
}

/** Two stable instances (failover needs a survivor) and a canary of the HTTP service; one gRPC. */
export const DEMO_INSTANCES: readonly DemoInstance[] = [
  { id: 'http-a', service: 'demo-http', version: 'v1', port: 8080 },
  { id: 'http-b', service: 'demo-http', version: 'v1', port: 8080 },
  { id: 'http-c', service: 'demo-http', version: 'v2', port: 8080 },
  { id: 'grpc-a', service: 'demo-grpc', version: 'v1', port: 50051 },
];

/** The demo program an instance runs (`node <file>` in the project image). */
export function demoScript(i: DemoInstance): string {
  return i.service === 'demo-grpc' ? 'demo/grpc-service.ts' : 'demo/http-service.ts';
}

/** The environment of a demo instance, per the demo services' contract. */
export function demoEnvironment(i: DemoInstance): Record<string, string> {
  return {
    PORT: String(i.port),
    SERVICE_NAME: i.service,
    INSTANCE_ID: i.id,
    VERSION: i.version,
    CONSUL_HTTP_ADDR: `http://${CONSUL_ALIAS}:8500`,
  };
}

/**
 * The catalog Gatehouse reads from Consul once the instances registered (the demo services
 * register their version as a tag and as Meta, with their instance id and protocol; Gatehouse
 * copies tags and Meta to each instance), given each instance's address. Lets the policies be
 * compiled where there is no Consul.
 */
export function demoCatalog(addressOf: (i: DemoInstance) => string): Record<string, unknown> {
  const services: Record<string, { instances: unknown[] }> = {};
  for (const service of new Set(DEMO_INSTANCES.map((i) => i.service))) {
    const instances = DEMO_INSTANCES.filter((i) => i.service === service).map((i) => ({
      id: i.id,
      address: addressOf(i),
      port: i.port,
      tags: [i.version],
      metadata: {
        version: i.version,
        instance: i.id,
        'gatehouse-protocol': service === 'demo-grpc' ? 'grpc' : 'http',
      },
    }));
    services[service] = { instances };
  }
  return { services };
}

/** Where the suite's JWT provider and its tokens meet. */
export const JWT = {
  issuer: 'https://issuer.gatehouse.test',
  audience: 'gatehouse-demo',
  /** The scope (a role in the policy) the protected route requires. */
  scope: 'orders:read',
} as const;

/**
 * A regex route real Envoy refuses while every rule Gatehouse checks accepts it. The pattern is
 * valid RE2, and RegexMatcher.regex only asks for min_len 1; but Envoy compiles each route regex
 * and refuses programs larger than the runtime key `re2.max_program_size.error_level`, default
 * 100 (source/common/common/regex.cc). `{200}` copies the class 200 times, so the program has at
 * least 200 instructions. An operator meets exactly this with a long alternation of paths.
 */
export const NACK_REGEX = '^/nack/[a-z0-9]{200}$';
/** Envoy's default RE2 program size error level. */
export const ENVOY_RE2_MAX_PROGRAM_SIZE = 100;
export const NACK_ROUTE = { name: 'nack-probe', match: { regex: NACK_REGEX }, service: 'demo-http', subset: 'v1' };

/** Knobs of the suite's policy; everything else stays the same from one write to the next. */
export interface DemoPolicyOptions {
  /** The JWKS file Gatehouse reads the provider's keys from (absolute). */
  readonly jwksFile: string;
  /** Weights of v1 and v2 on the canary route. */
  readonly canary?: readonly [number, number];
  /** Routes appended after the demo routes (a live swap, the NACK probe). */
  readonly extraRoutes?: readonly Record<string, unknown>[];
}

/**
 * The policy: gRPC to demo-grpc, `/stable/` to v1 (failover), `/canary/` split v1/v2, `/secure/`
 * behind a JWT with the `orders:read` scope; every other route is open (auth defaults to none).
 */
export function demoPolicy(o: DemoPolicyOptions): Record<string, unknown> {
  const [v1, v2] = o.canary ?? [80, 20];
  return {
    listener: { address: '0.0.0.0', port: EDGE_PORTS.listener },
    services: {
      'demo-http': {
        protocol: 'http',
        subsets: { v1: { metadata: { version: 'v1' } }, v2: { metadata: { version: 'v2' } } },
      },
      'demo-grpc': { protocol: 'grpc' },
    },
    routes: [
      { name: 'greeter', match: { prefix: '/demo.Greeter/' }, service: 'demo-grpc', timeout: '5s' },
      { name: 'stable', match: { prefix: '/stable/' }, service: 'demo-http', subset: 'v1' },
      {
        name: 'canary',
        match: { prefix: '/canary/' },
        service: 'demo-http',
        split: [
          { subset: 'v1', weight: v1 },
          { subset: 'v2', weight: v2 },
        ],
      },
      { name: 'secure', match: { prefix: '/secure/' }, service: 'demo-http', subset: 'v1' },
      ...(o.extraRoutes ?? []),
    ],
    auth: {
      providers: {
        demo: {
          issuer: JWT.issuer,
          audiences: [JWT.audience],
          algorithms: ['ES256'],
          keys: { file: o.jwksFile },
          rolesClaim: 'scope',
        },
      },
      roles: { [JWT.scope]: { permissions: [{ routes: ['secure'] }] } },
      routes: { secure: { auth: 'jwt', roles: [JWT.scope] } },
    },
  };
}

/** Addresses of the in-process Gatehouse the containers talk to. */
export interface SettingsOptions {
  /** Consul's HTTP API as the test process reaches it (a mapped port). */
  readonly consulAddress: string;
  /** The Check port, fixed up front because Envoy must be told it (`authz.advertise`). */
  readonly authzPort: number;
  /** The policy file (absolute), rewritten by the tests for live changes. */
  readonly policyFile: string;
}

/**
 * The settings file: catalog from Consul, policy from a watched file, ADS and Check on every
 * interface (the port forwarder connects from the host side), Check advertised under the name
 * containers resolve to this host. Admin stays on loopback: only the test reads it.
 */
export function gatehouseSettings(o: SettingsOptions): Record<string, unknown> {
  return {
    xds: { address: '0.0.0.0:0' },
    admin: { address: '127.0.0.1:0' },
    // A slow CI runner verifying the first token must not turn an allow into status_on_error.
    authz: { address: `0.0.0.0:${o.authzPort}`, advertise: `${HOST_ALIAS}:${o.authzPort}`, timeout: '2s' },
    consul: { address: o.consulAddress },
    catalog: { consul: true },
    policy: { file: o.policyFile },
    log: { level: 'warn' },
  };
}

// biome-ignore lint/suspicious/noExplicitAny: a bootstrap is edited field by field, as Envoy's YAML
type Bootstrap = Record<string, any>;

/**
 * envoy/edge.yaml as shipped, changed only where a container needs it: the ADS cluster resolves the
 * test host by name (STRICT_DNS, IPv4: the host entry is IPv4), and the admin listens on every
 * interface so the test can read /config_dump through a mapped port.
 */
export function edgeBootstrap(shipped: string, xds: { host: string; port: number }): Bootstrap {
  const bootstrap: Bootstrap = parse(shipped);
  const cluster = bootstrap.static_resources.clusters.find((c: Bootstrap) => c.name === 'gatehouse_xds');
  if (!cluster) throw new Error('envoy/edge.yaml has no gatehouse_xds cluster');
  cluster.type = 'STRICT_DNS';
  cluster.dns_lookup_family = 'V4_ONLY';
  cluster.load_assignment.endpoints[0].lb_endpoints[0].endpoint.address.socket_address = {
    address: xds.host,
    port_value: xds.port,
  };
  bootstrap.admin.address.socket_address = { address: '0.0.0.0', port_value: EDGE_PORTS.admin };
  return bootstrap;
}
