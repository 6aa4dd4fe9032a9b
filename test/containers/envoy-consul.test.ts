// With a container engine: a real Consul and a real Envoy (testcontainers) around an in-process
// Gatehouse. Consul holds an echo service registered with `gatehouse-route`; Envoy, bootstrapped
// from envoy/edge.yaml pointed at Gatehouse, must route a request to it and hold ACKed resources.
// Without a container engine (as on the project's build machines) the suite skips with one line.
import { readFileSync } from 'node:fs';
import { GenericContainer, getContainerRuntimeClient, Network, TestContainers, Wait } from 'testcontainers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { loadSettings } from '../../src/config/index.ts';
import { createLogger } from '../../src/log.ts';
import { type Gatehouse, startGatehouse } from '../../src/main.ts';

const engine = await getContainerRuntimeClient().then(
  () => undefined,
  (err: Error) => err.message,
);
if (engine) {
  console.log(`skipping test/containers: no container engine (${engine}); real Envoy + Consul stay unverified here`);
}

describe.skipIf(engine !== undefined)('real Envoy and Consul (testcontainers)', () => {
  const cleanup: (() => Promise<unknown>)[] = [];
  let gh: Gatehouse;
  let envoyUrl: string;
  let envoyAdmin: string;

  beforeAll(async () => {
    const network = await new Network().start();
    cleanup.push(() => network.stop());
    const consul = await new GenericContainer('hashicorp/consul:1.20')
      .withCommand(['agent', '-dev', '-client', '0.0.0.0'])
      .withExposedPorts(8500)
      .withNetwork(network)
      .withWaitStrategy(Wait.forHttp('/v1/status/leader', 8500).forResponsePredicate((b) => b.includes(':')))
      .start();
    cleanup.push(() => consul.stop());
    const echo = await new GenericContainer('hashicorp/http-echo:1.0')
      .withCommand(['-listen=:5678', '-text=hello from echo'])
      .withNetwork(network)
      .withExposedPorts(5678)
      .start();
    cleanup.push(() => echo.stop());
    const consulUrl = `http://${consul.getHost()}:${consul.getMappedPort(8500)}`;
    const register = await fetch(`${consulUrl}/v1/agent/service/register`, {
      method: 'PUT',
      body: JSON.stringify({
        Name: 'echo',
        Address: echo.getIpAddress(network.getName()),
        Port: 5678,
        Meta: { 'gatehouse-route': '/' },
      }),
    });
    expect(register.status).toBe(200);

    const settings = loadSettings(undefined, {
      xds: '0.0.0.0:0',
      admin: '127.0.0.1:0',
      authz: '127.0.0.1:0',
      consul: consulUrl,
    });
    if (!settings.ok) throw new Error(JSON.stringify(settings.diagnostics));
    gh = await startGatehouse(settings.value, { log: createLogger('silent') });
    cleanup.push(() => gh.stop());
    const xdsPort = Number(gh.xdsAddress.slice(gh.xdsAddress.lastIndexOf(':') + 1));
    await TestContainers.exposeHostPorts(xdsPort);

    // envoy/edge.yaml as shipped, with the ADS cluster pointed at this host through testcontainers.
    const bootstrap = parse(readFileSync('envoy/edge.yaml', 'utf8'));
    const xds = bootstrap.static_resources.clusters.find((c: { name: string }) => c.name === 'gatehouse_xds');
    xds.type = 'STRICT_DNS';
    xds.load_assignment.endpoints[0].lb_endpoints[0].endpoint.address.socket_address = {
      address: 'host.testcontainers.internal',
      port_value: xdsPort,
    };
    bootstrap.admin.address.socket_address.address = '0.0.0.0';
    const envoy = await new GenericContainer('envoyproxy/envoy:v1.32-latest')
      .withCopyContentToContainer([{ content: stringify(bootstrap), target: '/etc/envoy/envoy.yaml' }])
      .withCommand(['-c', '/etc/envoy/envoy.yaml', '--log-level', 'warn'])
      .withNetwork(network)
      .withExposedPorts(10000, 9901)
      .withWaitStrategy(Wait.forHttp('/ready', 9901))
      .start();
    cleanup.push(() => envoy.stop());
    envoyUrl = `http://${envoy.getHost()}:${envoy.getMappedPort(10000)}`;
    envoyAdmin = `http://${envoy.getHost()}:${envoy.getMappedPort(9901)}`;
  }, 180_000);

  afterAll(async () => {
    for (const f of cleanup.reverse()) await f();
  });

  it('routes a request through Envoy to the service registered in Consul', async () => {
    let body = '';
    for (let i = 0; i < 100 && !body.includes('hello from echo'); i++) {
      body = await fetch(`${envoyUrl}/`).then(
        (r) => r.text(),
        () => '',
      );
      if (!body.includes('hello from echo')) await new Promise((r) => setTimeout(r, 200)); // Envoy warming, not sync
    }
    expect(body).toContain('hello from echo');
  });

  it('Envoy holds what Gatehouse sent, and ACKed it', async () => {
    const dump = (await (await fetch(`${envoyAdmin}/config_dump`)).json()) as { configs: { '@type': string }[] };
    const clusters = JSON.stringify(dump.configs.find((c) => c['@type'].endsWith('ClustersConfigDump')));
    expect(clusters).toContain('"echo"');
    const node = gh.ads.nodes().find((n) => n.nodeId === 'edge-1');
    expect(node?.types.cds?.lastAck?.nonce).toBe(node?.types.cds?.lastSent?.nonce);
  });
});
