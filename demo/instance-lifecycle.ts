// The life of a demo instance around its server: register in Consul once listening, and on
// SIGTERM/SIGINT leave Consul first, then close the server. Leaving first lets Gatehouse take the
// endpoint out of every Envoy while the app can still answer what is in flight.
import type { Logger } from 'pino';
import { type CheckKind, deregister, register, registrationBody } from './consul-registration.ts';
import type { InstanceConfig } from './instance-config.ts';

/** A listening server: its bound port and how to stop it. */
export interface RunningServer {
  readonly port: number;
  close(): Promise<void>;
}

/** Registers `server` (when Consul is configured) and arranges the shutdown on signals. */
export function runRegistered(opts: {
  readonly config: InstanceConfig;
  readonly log: Logger;
  readonly server: RunningServer;
  readonly check: CheckKind;
  readonly meta?: Readonly<Record<string, string>>;
}): void {
  const { config, log, server } = opts;
  const body = config.consulAddress ? registrationBody(config, server.port, opts.check, opts.meta) : undefined;
  const stopping = new AbortController();
  const registered = body
    ? register(config, body, log, stopping.signal).then(
        () => true,
        () => false,
      )
    : Promise.resolve(false);
  if (!body) log.info('CONSUL_HTTP_ADDR is unset: not registering in Consul');

  let closing = false;
  const shutdown = async (signal: string) => {
    if (closing) return;
    closing = true;
    log.info({ signal }, 'shutting down');
    stopping.abort();
    // A registration in flight finishes (or gives up) before we deregister, so none is left behind.
    if (body && (await registered)) await deregister(config, body.ID, log);
    await server.close();
    process.exit(0);
  };
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  process.once('SIGINT', () => void shutdown('SIGINT'));
}
