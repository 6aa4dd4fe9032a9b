// Registering a demo instance with its local Consul agent, and leaving on shutdown. The health
// check probes the app itself (not its sidecar), so a failing app turns critical in Consul and
// Gatehouse takes its endpoint out even while the sidecar still runs.
import { setTimeout as sleep } from 'node:timers/promises';
import Consul from 'consul';
import type { Logger } from 'pino';
import type { InstanceConfig } from './instance-config.ts';

/** How Consul checks an instance: HTTP GET /healthz, or a TCP connect (gRPC). */
export type CheckKind = 'http' | 'tcp';

/** The body of PUT /v1/agent/service/register. */
export interface ServiceRegistration {
  readonly ID: string;
  readonly Name: string;
  readonly Address: string;
  readonly Port: number;
  readonly Tags: readonly string[];
  readonly Meta: Readonly<Record<string, string>>;
  readonly Check: Readonly<Record<string, string>>;
}

/** Consul's floor for reaping a critical service; a crashed instance disappears after this. */
const DEREGISTER_AFTER = '1m';

/** The registration of one instance listening on `appPort`; `meta` is the service's own Meta. */
export function registrationBody(
  config: InstanceConfig,
  appPort: number,
  check: CheckKind,
  meta: Readonly<Record<string, string>> = {},
): ServiceRegistration {
  const address = config.registerAddress;
  if (!address) throw new Error('REGISTER_ADDRESS is needed to register in Consul');
  const id = `${config.serviceName}-${config.instanceId}`;
  const probe: Record<string, string> =
    check === 'http' ? { HTTP: `http://${address}:${appPort}/healthz` } : { TCP: `${address}:${appPort}` };
  return {
    ID: id,
    Name: config.serviceName,
    Address: address,
    Port: config.registerPort ?? appPort,
    Tags: [config.version],
    Meta: { version: config.version, instance: config.instanceId, ...meta, ...config.meta },
    Check: {
      CheckID: `${id}-health`,
      Name: `${config.serviceName} ${check === 'http' ? 'GET /healthz' : 'TCP connect'}`,
      ...probe,
      Interval: '1s',
      Timeout: '1s',
      DeregisterCriticalServiceAfter: DEREGISTER_AFTER,
    },
  };
}

/** The local agent, through the `consul` client Gatehouse itself uses (it takes Consul's own key spelling). */
function agent(config: InstanceConfig): Consul {
  return new Consul({
    baseUrl: `${config.consulAddress}/v1`,
    defaults: { timeout: 5_000, ...(config.consulToken && { token: config.consulToken }) },
  } as ConstructorParameters<typeof Consul>[0]);
}

/**
 * Registers, retrying every second until Consul answers or `signal` aborts: in compose the agent
 * may still be electing itself leader when the app starts.
 */
export async function register(
  config: InstanceConfig,
  body: ServiceRegistration,
  log: Logger,
  signal?: AbortSignal,
): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      // The client lower-cases every key before sending (utils.normalizeKeys), so Consul's own
      // spelling goes through as is; its typings only list the lower-case form, hence the cast.
      await agent(config).agent.service.register(body as unknown as { name: string });
      log.info({ id: body.ID, address: body.Address, port: body.Port, tags: body.Tags, meta: body.Meta }, 'registered');
      return;
    } catch (err) {
      if (signal?.aborted) throw err;
      log.warn({ attempt, err: (err as Error).message }, 'consul registration failed; retrying in 1s');
      await sleep(1_000, undefined, { signal });
    }
  }
}

/** Deregisters the instance; failures are logged, not thrown (the check reaps it anyway). */
export async function deregister(config: InstanceConfig, id: string, log: Logger): Promise<void> {
  try {
    await agent(config).agent.service.deregister(id);
    log.info({ id }, 'deregistered');
  } catch (err) {
    log.warn({ id, err: (err as Error).message }, 'consul deregistration failed');
  }
}
