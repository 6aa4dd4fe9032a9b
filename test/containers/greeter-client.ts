// A plain gRPC client of the demo Greeter (demo/protos/greeter.proto), dialing the edge Envoy the
// way any gRPC application would: HTTP/2 without TLS to the listener, the route picked by path.
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';

const PROTO = fileURLToPath(new URL('../../demo/protos/greeter.proto', import.meta.url));

/** demo.HelloReply. */
export interface HelloReply {
  readonly message: string;
  readonly instance: string;
  readonly version: string;
}

type SayHello = (
  request: { name: string },
  options: grpc.CallOptions,
  callback: (err: grpc.ServiceError | null, reply?: HelloReply) => void,
) => grpc.ClientUnaryCall;

/** A Greeter client: one unary call with a deadline, and close. */
export interface GreeterClient {
  sayHello(name: string): Promise<HelloReply>;
  close(): void;
}

/** Connects to `target` ("host:port"); the proto is loaded on each call of this, not at import. */
export function greeterClient(target: string, deadlineMs = 5_000): GreeterClient {
  const def = protoLoader.loadSync(PROTO, { keepCase: true, defaults: true });
  const demo = grpc.loadPackageDefinition(def).demo as grpc.GrpcObject | undefined;
  const Client = demo?.Greeter as grpc.ServiceClientConstructor | undefined;
  if (!Client) throw new Error(`${PROTO} defines no demo.Greeter service`);
  const client = new Client(target, grpc.credentials.createInsecure());
  const call = client.SayHello as unknown as SayHello;
  return {
    sayHello: (name) =>
      new Promise((resolve, reject) =>
        call.call(client, { name }, { deadline: Date.now() + deadlineMs }, (err, reply) =>
          err || !reply ? reject(err ?? new Error('SayHello returned no reply')) : resolve(reply),
        ),
      ),
    close: () => client.close(),
  };
}
