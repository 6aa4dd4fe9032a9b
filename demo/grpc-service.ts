// Demo gRPC service for the docker compose walkthrough: demo.Greeter/SayHello
// (demo/protos/greeter.proto). The reply names the instance and version that answered. Consul
// checks it with a TCP connect (the demo keeps no grpc.health.v1 service).
//   node demo/grpc-service.ts     (env: see demo/instance-config.ts; PORT defaults to 50051)
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { pino } from 'pino';
import { instanceConfig } from './instance-config.ts';
import { type RunningServer, runRegistered } from './instance-lifecycle.ts';

/** The proto file of the demo Greeter. */
export const GREETER_PROTO = path.join(import.meta.dirname, 'protos', 'greeter.proto');

/** demo.HelloRequest / demo.HelloReply as proto-loader hands them over (keepCase). */
export interface HelloRequest {
  name: string;
}
export interface HelloReply {
  message: string;
  instance: string;
  version: string;
}

interface GreeterPackage {
  demo: { Greeter: grpc.ServiceClientConstructor };
}

/** The demo.Greeter service definition, loaded once. */
export function greeterService(): grpc.ServiceClientConstructor {
  const definition = loadSync(GREETER_PROTO, { keepCase: true, defaults: true });
  return (grpc.loadPackageDefinition(definition) as unknown as GreeterPackage).demo.Greeter;
}

/** Starts the Greeter on `host:port` (port 0 picks one), plaintext: the sidecar terminates the mesh. */
export function startGrpcService(opts: {
  readonly port: number;
  readonly host?: string;
  readonly identity: { readonly instance: string; readonly version: string };
  readonly onCall?: (name: string) => void;
}): Promise<RunningServer> {
  const server = new grpc.Server();
  server.addService(greeterService().service, {
    SayHello: (call: grpc.ServerUnaryCall<HelloRequest, HelloReply>, callback: grpc.sendUnaryData<HelloReply>) => {
      opts.onCall?.(call.request.name);
      const name = call.request.name || 'world';
      callback(null, { message: `Hello, ${name}!`, ...opts.identity });
    },
  });
  const host = opts.host ?? '0.0.0.0';
  return new Promise((resolve, reject) => {
    server.bindAsync(`${host}:${opts.port}`, grpc.ServerCredentials.createInsecure(), (err, port) => {
      if (err) return reject(err);
      resolve({
        port,
        // Graceful first (calls in flight finish), forced after 5 s.
        close: () =>
          new Promise<void>((done) => {
            const force = setTimeout(() => server.forceShutdown(), 5_000);
            server.tryShutdown(() => {
              clearTimeout(force);
              done();
            });
          }),
      });
    });
  });
}

if (import.meta.main) {
  const config = instanceConfig(process.env, { port: 50051, serviceName: 'demo-grpc' });
  const log = pino({ level: config.logLevel, base: { service: config.serviceName, instance: config.instanceId } });
  const server = await startGrpcService({
    port: config.port,
    identity: { instance: config.instanceId, version: config.version },
    onCall: (name) => log.debug({ name }, 'SayHello'),
  });
  log.info({ port: server.port, version: config.version }, 'listening');
  runRegistered({ config, log, server, check: 'tcp', meta: { 'gatehouse-protocol': 'grpc' } });
}
