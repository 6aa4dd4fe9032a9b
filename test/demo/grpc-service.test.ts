// demo/grpc-service.ts for real: run as the container runs it against the Consul emulator, it
// registers as a gRPC service (Meta gatehouse-protocol: grpc, a TCP check), answers
// demo.Greeter/SayHello with the instance and version, and leaves Consul on SIGINT.
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { greeterService, type HelloReply } from '../../demo/grpc-service.ts';
import { ConsulEmulator } from '../consul/emulator/index.ts';
import { call } from '../consul/helpers.ts';
import { type DemoProcess, startDemo } from './demo-process.ts';

interface HealthEntry {
  Service: { ID: string; Port: number; Tags: string[]; Meta: Record<string, string> };
  Checks: { Type: string; Interval: string; ServiceID: string }[];
}

describe('demo/grpc-service.ts as a process', () => {
  let emu: ConsulEmulator;
  let demo: DemoProcess;
  let client: grpc.Client & {
    SayHello(req: { name: string }, cb: (err: grpc.ServiceError | null, reply: HelloReply) => void): void;
  };

  beforeAll(async () => {
    emu = await new ConsulEmulator().start();
    demo = startDemo('grpc-service.ts', {
      PORT: '0',
      INSTANCE_ID: 'g-1',
      VERSION: 'v1',
      CONSUL_HTTP_ADDR: emu.url,
      REGISTER_ADDRESS: '127.0.0.1',
    });
    const listening = await demo.waitFor('listening');
    await demo.waitFor('registered');
    const Greeter = greeterService();
    client = new Greeter(`127.0.0.1:${listening.port}`, grpc.credentials.createInsecure()) as unknown as typeof client;
  });

  afterAll(async () => {
    client?.close();
    demo.child.kill('SIGKILL');
    await emu.stop();
  });

  it('registers as demo-grpc with gatehouse-protocol grpc and a TCP check on its port', async () => {
    const entries = (await call(emu, 'GET', '/v1/health/service/demo-grpc')).json<HealthEntry[]>();
    expect(entries).toHaveLength(1);
    const listening = demo.lines.find((l) => l.msg === 'listening')!;
    expect(entries[0]!.Service).toMatchObject({
      ID: 'demo-grpc-g-1',
      Port: listening.port,
      Tags: ['v1'],
      Meta: { version: 'v1', instance: 'g-1', 'gatehouse-protocol': 'grpc' },
    });
    expect(entries[0]!.Checks.filter((c) => c.ServiceID === 'demo-grpc-g-1')).toEqual([
      expect.objectContaining({ Type: 'tcp', Interval: '1s' }),
    ]);
  });

  it('answers SayHello with the instance and version that served it', async () => {
    const reply = await new Promise<HelloReply>((resolve, reject) =>
      client.SayHello({ name: 'Ada' }, (err, r) => (err ? reject(err) : resolve(r))),
    );
    expect(reply).toEqual({ message: 'Hello, Ada!', instance: 'g-1', version: 'v1' });
  });

  it('deregisters and exits 0 on SIGINT', async () => {
    demo.child.kill('SIGINT');
    expect(await demo.exited).toBe(0);
    expect(demo.lines.map((l) => l.msg)).toContain('deregistered');
    expect((await call(emu, 'GET', '/v1/health/service/demo-grpc')).json()).toEqual([]);
  });
});
