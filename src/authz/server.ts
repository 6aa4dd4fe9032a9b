// The authz gRPC server on its own port (default 127.0.0.1:18001), apart from ADS so a slow or
// restarted xDS stream never shares a listener with the Check path Envoy waits on.
import * as grpc from '@grpc/grpc-js';
import type { AuthzService } from './check-service.ts';

/** Where the Check service listens unless settings say otherwise. */
export const DEFAULT_AUTHZ_ADDRESS = '127.0.0.1:18001';

/** A listening authz server. */
export interface AuthzServer {
  /** The bound address (port resolved when 0 was asked for). */
  readonly address: string;
  stop(): Promise<void>;
}

/** Binds a grpc server carrying only Authorization/Check. */
export async function startAuthzServer(service: AuthzService, address = DEFAULT_AUTHZ_ADDRESS): Promise<AuthzServer> {
  const server = new grpc.Server({ 'grpc.keepalive_time_ms': 30_000 });
  service.addTo(server);
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync(address, grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
  );
  const host = address.slice(0, address.lastIndexOf(':'));
  return {
    address: `${host}:${port}`,
    stop: () =>
      new Promise<void>((resolve) => {
        service.close();
        server.tryShutdown(() => resolve());
      }),
  };
}
