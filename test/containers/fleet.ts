// The fleet the container suite runs against: one network holding Consul and the demo instances
// (run from the project image), Gatehouse in this process (catalog from Consul, policy from a file
// the tests rewrite), and a real edge Envoy bootstrapped from envoy/edge.yaml that reaches
// Gatehouse's ADS and Check ports through testcontainers' port forwarder. Every wait is for an
// event (an HTTP answer, a Consul check passing), bounded by a deadline; none is a fixed sleep.
import { randomUUID } from 'node:crypto';
import { createWriteStream, mkdirSync } from 'node:fs';
import { mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Readable } from 'node:stream';
import {
  GenericContainer,
  Network,
  RandomPortGenerator,
  type StartedTestContainer,
  StartupCheckStrategy,
  type StartupStatus,
  TestContainers,
  Wait,
} from 'testcontainers';
import { vi } from 'vitest';
import { stringify } from 'yaml';
import { loadSettings, splitHostPort } from '../../src/config/index.ts';
import { type Gatehouse, startGatehouse } from '../../src/main.ts';
import { jwks, type TestKey, testKey } from '../authz/fixtures/tokens.ts';
import {
  CONSUL_ALIAS,
  DEMO_INSTANCES,
  type DemoInstance,
  type DemoPolicyOptions,
  demoEnvironment,
  demoPolicy,
  demoScript,
  EDGE_PORTS,
  edgeBootstrap,
  gatehouseSettings,
  HOST_ALIAS,
  IMAGES,
} from './fixtures.ts';

const REPO_ROOT = path.join(import.meta.dirname, '..', '..');

/** A started demo instance. */
export interface DemoHandle {
  readonly instance: DemoInstance;
  readonly container: StartedTestContainer;
  /** Its address on the suite's network: what it registered in Consul. */
  readonly ip: string;
  /** Its own HTTP port as the test process reaches it (HTTP instances), for /fail and /recover. */
  readonly url?: string;
}

/** Everything the tests drive and observe. */
export interface Fleet {
  readonly gatehouse: Gatehouse;
  /** Gatehouse's admin (/debug/nacks, /debug/nodes). */
  readonly adminUrl: string;
  readonly consulUrl: string;
  readonly edge: {
    /** The policy's listener. */
    readonly url: string;
    /** The same listener as a gRPC target ("host:port"). */
    readonly grpcTarget: string;
    /** Envoy's admin (/config_dump, /server_info). */
    readonly adminUrl: string;
    /** The stats listener Gatehouse sends (observability.stats). */
    readonly statsUrl: string;
    /** Everything Envoy wrote so far (its logs and the access log). */
    logs(): string;
  };
  readonly demos: ReadonlyMap<string, DemoHandle>;
  /** The key behind the provider's JWKS file: tokens signed with it are the real thing. */
  readonly signingKey: TestKey;
  /** Rewrites the policy file (Gatehouse watches it); the JWKS file stays the same. */
  writePolicy(o?: Omit<DemoPolicyOptions, 'jwksFile'>): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Ready once the container runs. For the gRPC demo, whose image may have no shell for a port
 * check and which speaks no HTTP/1: its readiness is its Consul check passing, awaited after.
 */
class UntilRunning extends StartupCheckStrategy {
  override async checkStartupState(
    docker: Parameters<StartupCheckStrategy['checkStartupState']>[0],
    containerId: string,
  ): Promise<StartupStatus> {
    const { State } = await docker.getContainer(containerId).inspect();
    if (State.Running) return 'SUCCESS';
    return State.Status === 'exited' || State.Status === 'dead' ? 'FAIL' : 'PENDING';
  }
}

/** With CONTAINER_LOGS_DIR set (CI uploads it on failure), a container's output goes to a file. */
function logFile(name: string): NodeJS.WritableStream | undefined {
  const dir = process.env.CONTAINER_LOGS_DIR;
  if (!dir) return undefined;
  mkdirSync(dir, { recursive: true });
  return createWriteStream(path.join(dir, `${name}.log`));
}

/** The container, its output kept in CONTAINER_LOGS_DIR when that is set. */
function logged(container: GenericContainer, name: string): GenericContainer {
  const out = logFile(name);
  // A log stream that errors (container removed under it) must not crash the test process.
  return out ? container.withLogConsumer((s) => s.on('error', () => undefined).pipe(out)) : container;
}

/** The project image: GATEHOUSE_IMAGE when CI built it already, else built from the Dockerfile. */
async function projectImage(): Promise<string> {
  const prebuilt = process.env.GATEHOUSE_IMAGE;
  if (prebuilt) return prebuilt;
  const name = `localhost/gatehouse-containers:${randomUUID()}`;
  await GenericContainer.fromDockerfile(REPO_ROOT).build(name, { deleteOnExit: true });
  return name;
}

/** One instance as /v1/health/service lists it (the fields read here). */
interface ConsulEntry {
  readonly Service: { readonly Address: string; readonly Meta?: Readonly<Record<string, string>> };
}

/** Resolves with Consul's entries once it lists `count` passing instances of `service`. */
async function consulPassing(consulUrl: string, service: string, count: number): Promise<ConsulEntry[]> {
  return vi.waitFor(
    async () => {
      const res = await fetch(`${consulUrl}/v1/health/service/${service}?passing=true`);
      const entries = (await res.json()) as ConsulEntry[];
      if (entries.length !== count) throw new Error(`${entries.length} of ${count} ${service} instances passing`);
      return entries;
    },
    { timeout: 60_000, interval: 250, message: `Consul: ${service} registered and passing` },
  );
}

/**
 * Each demo registered the address Envoy and the tests know it by (its address on the suite's
 * network): the demos register their first non-internal IPv4, which is only that address while
 * the container has a single network.
 */
function checkRegisteredAddresses(entries: readonly ConsulEntry[], demos: ReadonlyMap<string, DemoHandle>): void {
  for (const { Service } of entries) {
    const id = Service.Meta?.instance ?? '';
    const demo = demos.get(id);
    if (!demo) throw new Error(`Consul lists an instance "${id}" the suite did not start`);
    if (Service.Address !== demo.ip) {
      throw new Error(`${id} registered address ${Service.Address}, not its suite network address ${demo.ip}`);
    }
  }
}

/** Starts the whole fleet; on any failure, stops what was started and rethrows. */
export async function startFleet(): Promise<Fleet> {
  const cleanup: (() => Promise<unknown>)[] = [];
  const stop = async () => {
    const errors: unknown[] = [];
    for (const f of cleanup.reverse()) await f().catch((err: unknown) => errors.push(err));
    cleanup.length = 0;
    if (errors.length > 0) throw new AggregateError(errors, 'stopping the container fleet failed');
  };
  try {
    const dir = await mkdtemp(path.join(tmpdir(), 'gatehouse-containers-'));
    cleanup.push(() => rm(dir, { recursive: true, force: true }));
    const signingKey = await testKey('demo-1', 'ES256');
    const jwksFile = path.join(dir, 'jwks.json');
    await writeFile(jwksFile, JSON.stringify(jwks(signingKey)));
    const policyFile = path.join(dir, 'policy.yaml');
    // Written aside and renamed over: Gatehouse watches the folder and must never read half a file.
    const writePolicy = async (o: Omit<DemoPolicyOptions, 'jwksFile'> = {}) => {
      const next = `${policyFile}.${randomUUID()}.tmp`;
      await writeFile(next, stringify(demoPolicy({ ...o, jwksFile })));
      await rename(next, policyFile);
    };
    await writePolicy();

    const network = await new Network().start();
    cleanup.push(() => network.stop());
    const consul = await logged(new GenericContainer(IMAGES.consul), 'consul')
      .withCommand(['agent', '-dev', '-client', '0.0.0.0'])
      .withNetwork(network)
      .withNetworkAliases(CONSUL_ALIAS)
      .withExposedPorts(8500)
      .withWaitStrategy(Wait.forHttp('/v1/status/leader', 8500).forResponsePredicate((b) => b.includes(':')))
      .start();
    cleanup.push(() => consul.stop());
    const consulUrl = `http://${consul.getHost()}:${consul.getMappedPort(8500)}`;

    // Each demo instance must have exactly one network, the suite's: it registers its first
    // non-internal IPv4 in Consul, and Envoy and the tests know it by its address there. Hence no
    // network alias (testcontainers creates a container with aliases on the default bridge and
    // then connects it to the network: two interfaces, testcontainers-node issue #808), and a
    // start before the port forwarder exists (it connects every later container to its own
    // network as well). Nothing dials a demo by name: Envoy gets addresses from Consul.
    const image = await projectImage();
    const demos = new Map<string, DemoHandle>();
    const started = await Promise.allSettled(
      DEMO_INSTANCES.map(async (instance) => {
        const http = instance.service === 'demo-http';
        const container = await logged(new GenericContainer(image), instance.id)
          .withEntrypoint(['node'])
          .withCommand([demoScript(instance)])
          .withEnvironment(demoEnvironment(instance))
          .withNetwork(network)
          .withExposedPorts(...(http ? [instance.port] : []))
          .withWaitStrategy(
            http ? Wait.forHttp('/healthz', instance.port, { abortOnContainerExit: true }) : new UntilRunning(),
          )
          .start();
        cleanup.push(() => container.stop());
        demos.set(instance.id, {
          instance,
          container,
          ip: container.getIpAddress(network.getName()),
          ...(http && { url: `http://${container.getHost()}:${container.getMappedPort(instance.port)}` }),
        });
      }),
    );
    // Every start has settled, so every started container is in `cleanup` before a failure throws.
    const failed = started.find((s) => s.status === 'rejected');
    if (failed) throw failed.reason;
    for (const service of new Set(DEMO_INSTANCES.map((i) => i.service))) {
      const count = DEMO_INSTANCES.filter((i) => i.service === service).length;
      checkRegisteredAddresses(await consulPassing(consulUrl, service, count), demos);
    }

    // The Check port must be known before start: Envoy is told it through authz.advertise.
    const authzPort = await new RandomPortGenerator().generatePort();
    const settingsFile = path.join(dir, 'gatehouse.yaml');
    await writeFile(settingsFile, stringify(gatehouseSettings({ consulAddress: consulUrl, authzPort, policyFile })));
    const settings = loadSettings(settingsFile);
    if (!settings.ok) throw new Error(`suite settings refused: ${JSON.stringify(settings.diagnostics)}`);
    const gatehouse = await startGatehouse(settings.value);
    cleanup.push(() => gatehouse.stop());
    const xdsPort = splitHostPort(gatehouse.xdsAddress).port;
    // Before Envoy is created: testcontainers gives a container the host.testcontainers.internal
    // entry (and a link to the forwarder's network) only if the forwarder runs when it starts.
    await TestContainers.exposeHostPorts(xdsPort, authzPort);

    let envoyLogs = '';
    const envoyLog = logFile('envoy');
    const collect = (s: Readable) =>
      s
        .on('data', (chunk: Buffer | string) => {
          envoyLogs += chunk.toString();
          envoyLog?.write(chunk);
        })
        .on('error', () => undefined);
    const shipped = await readFile(path.join(REPO_ROOT, 'envoy', 'edge.yaml'), 'utf8');
    const bootstrap = edgeBootstrap(shipped, { host: HOST_ALIAS, port: xdsPort });
    // /ready answers 200 once Envoy took its first listeners and clusters from Gatehouse.
    const envoy = await new GenericContainer(IMAGES.envoy)
      .withCopyContentToContainer([{ content: stringify(bootstrap), target: '/etc/envoy/envoy.yaml' }])
      .withCommand(['-c', '/etc/envoy/envoy.yaml', '--log-level', 'warn'])
      .withNetwork(network)
      .withExposedPorts(EDGE_PORTS.listener, EDGE_PORTS.admin, EDGE_PORTS.stats)
      .withLogConsumer(collect)
      .withWaitStrategy(Wait.forHttp('/ready', EDGE_PORTS.admin))
      .withStartupTimeout(120_000)
      .start()
      .catch((err: Error) => {
        // testcontainers removes a container that never got ready: keep what Envoy said.
        throw new Error(`the edge Envoy did not get ready: ${err.message}\n${envoyLogs.slice(-4000)}`, { cause: err });
      });
    cleanup.push(() => envoy.stop());
    const at = (port: number) => `${envoy.getHost()}:${envoy.getMappedPort(port)}`;

    return {
      gatehouse,
      adminUrl: `http://${gatehouse.adminAddress}`,
      consulUrl,
      edge: {
        url: `http://${at(EDGE_PORTS.listener)}`,
        grpcTarget: at(EDGE_PORTS.listener),
        adminUrl: `http://${at(EDGE_PORTS.admin)}`,
        statsUrl: `http://${at(EDGE_PORTS.stats)}`,
        logs: () => envoyLogs,
      },
      demos,
      signingKey,
      writePolicy,
      stop,
    };
  } catch (err) {
    await stop().catch(() => undefined);
    throw err;
  }
}
