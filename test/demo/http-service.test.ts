// demo/http-service.ts for real: run as the container runs it (env only) against the Consul
// emulator, it registers with its version tag, Meta and health check, answers with who served the
// request, flips /healthz on POST /fail and /recover, and leaves Consul on SIGTERM.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registrationBody } from '../../demo/consul-registration.ts';
import { startHttpService } from '../../demo/http-service.ts';
import { instanceConfig } from '../../demo/instance-config.ts';
import { ConsulEmulator } from '../consul/emulator/index.ts';
import { call } from '../consul/helpers.ts';
import { type DemoProcess, startDemo } from './demo-process.ts';

interface HealthEntry {
  Service: { ID: string; Service: string; Address: string; Port: number; Tags: string[]; Meta: Record<string, string> };
  Checks: { CheckID: string; Type: string; Interval: string; ServiceID: string }[];
}

describe('demo/http-service.ts as a process', () => {
  let emu: ConsulEmulator;
  let demo: DemoProcess;
  let url: string;

  beforeAll(async () => {
    emu = await new ConsulEmulator().start();
    // The first registration attempt fails: the instance retries instead of giving up.
    emu.inject(
      { kind: 'error', status: 500, body: 'No cluster leader' },
      { times: 1, path: '/v1/agent/service/register' },
    );
    demo = startDemo('http-service.ts', {
      PORT: '0',
      SERVICE_NAME: 'demo-http',
      INSTANCE_ID: 'i-1',
      VERSION: 'v2',
      CONSUL_HTTP_ADDR: emu.url,
      REGISTER_ADDRESS: '127.0.0.1',
      REGISTER_PORT: '15006',
      GATEHOUSE_META: '{"gatehouse-route":"/api"}',
    });
    const listening = await demo.waitFor('listening');
    url = `http://127.0.0.1:${listening.port}`;
    await demo.waitFor('registered');
  });

  afterAll(async () => {
    demo.child.kill('SIGKILL');
    await emu.stop();
  });

  it('retried the registration Consul refused', () => {
    expect(demo.lines.filter((l) => l.msg === 'consul registration failed; retrying in 1s')).toHaveLength(1);
  });

  it('registers its sidecar port, version tag, Meta and an HTTP check every second', async () => {
    const entries = (await call(emu, 'GET', '/v1/health/service/demo-http')).json<HealthEntry[]>();
    expect(entries).toHaveLength(1);
    expect(entries[0]!.Service).toMatchObject({
      ID: 'demo-http-i-1',
      Service: 'demo-http',
      Address: '127.0.0.1',
      Port: 15006,
      Tags: ['v2'],
      Meta: { version: 'v2', instance: 'i-1', 'gatehouse-protocol': 'http', 'gatehouse-route': '/api' },
    });
    expect(entries[0]!.Checks.filter((c) => c.ServiceID === 'demo-http-i-1')).toEqual([
      expect.objectContaining({ CheckID: 'demo-http-i-1-health', Type: 'http', Interval: '1s' }),
    ]);
  });

  it('answers any path with who served it and the request headers', async () => {
    const res = await fetch(`${url}/orders/7?x=1`, { headers: { 'x-request-id': 'req-42' } });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({
      service: 'demo-http',
      instance: 'i-1',
      version: 'v2',
      path: '/orders/7?x=1',
      headers: { 'x-request-id': 'req-42' },
    });
  });

  it('fails /healthz after POST /fail and recovers after POST /recover', async () => {
    const health = async () => (await fetch(`${url}/healthz`)).status;
    expect(await health()).toBe(200);
    expect((await fetch(`${url}/fail`, { method: 'POST' })).status).toBe(200);
    expect(await health()).toBe(503);
    expect((await fetch(`${url}/recover`)).status).toBe(405);
    expect(await health()).toBe(503);
    expect((await fetch(`${url}/recover`, { method: 'POST' })).status).toBe(200);
    expect(await health()).toBe(200);
  });

  it('deregisters and exits 0 on SIGTERM', async () => {
    demo.child.kill('SIGTERM');
    expect(await demo.exited).toBe(0);
    expect(demo.lines.map((l) => l.msg)).toEqual(expect.arrayContaining(['shutting down', 'deregistered']));
    expect((await call(emu, 'GET', '/v1/health/service/demo-http')).json()).toEqual([]);
  });
});

describe('the registration body', () => {
  it("checks the app itself: the check URL is the app's /healthz, and critical instances are reaped", async () => {
    const server = await startHttpService({
      port: 0,
      host: '127.0.0.1',
      identity: { service: 'demo-http', instance: 'i-2', version: 'v1' },
    });
    try {
      const config = instanceConfig(
        { INSTANCE_ID: 'i-2', REGISTER_ADDRESS: '127.0.0.1', REGISTER_PORT: '15006', CONSUL_HTTP_ADDR: 'consul:8500' },
        { port: 8080, serviceName: 'demo-http' },
      );
      const body = registrationBody(config, server.port, 'http');
      expect(body.Port).toBe(15006);
      expect(body.Check).toMatchObject({ Interval: '1s', DeregisterCriticalServiceAfter: '1m' });
      expect((await fetch(body.Check.HTTP!)).status).toBe(200);
    } finally {
      await server.close();
    }
  });
});

describe('instance configuration from the environment', () => {
  const defaults = { port: 8080, serviceName: 'demo-http' };

  it('defaults: port, name, version v1, no Consul', () => {
    expect(instanceConfig({ INSTANCE_ID: 'a' }, defaults)).toMatchObject({
      port: 8080,
      serviceName: 'demo-http',
      instanceId: 'a',
      version: 'v1',
      consulAddress: undefined,
      registerPort: undefined,
      meta: {},
    });
  });

  it('accepts a scheme-less CONSUL_HTTP_ADDR, as Consul’s tools do, and finds an address to register', () => {
    const c = instanceConfig({ CONSUL_HTTP_ADDR: 'consul:8500', REGISTER_ADDRESS: '10.1.2.3' }, defaults);
    expect(c.consulAddress).toBe('http://consul:8500');
    expect(c.registerAddress).toBe('10.1.2.3');
  });

  it.each([
    [{ PORT: 'http' }, 'PORT must be a port number 0..65535 (got "http")'],
    [{ REGISTER_PORT: '70000' }, 'REGISTER_PORT must be a port number 0..65535 (got "70000")'],
    [{ GATEHOUSE_META: '{"a":' }, 'GATEHOUSE_META must be a JSON object (got "{"a":")'],
    [{ GATEHOUSE_META: '{"a":1}' }, 'GATEHOUSE_META must be a JSON object of strings (got "{"a":1}")'],
  ])('refuses %j naming the variable and value', (env, message) => {
    expect(() => instanceConfig(env, defaults)).toThrow(message);
  });
});
