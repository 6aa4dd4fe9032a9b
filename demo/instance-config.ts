// What a demo service instance learns from its environment: where to listen, who it is, and how to
// register in Consul. Read once at start; a bad value stops the process with the variable named.
import { hostname, networkInterfaces } from 'node:os';

/** A demo instance's identity and Consul registration settings. */
export interface InstanceConfig {
  /** Port the app listens on (0.0.0.0); 0 picks a free port. */
  readonly port: number;
  readonly serviceName: string;
  readonly instanceId: string;
  /** Canary version: registered as a tag and as Meta `version`. */
  readonly version: string;
  /** Consul's HTTP API (no registration when unset). */
  readonly consulAddress: string | undefined;
  readonly consulToken: string | undefined;
  /** The address other containers reach this instance at. */
  readonly registerAddress: string | undefined;
  /** The port registered in Consul: the sidecar's inbound port when a sidecar fronts the app (default: `port`). */
  readonly registerPort: number | undefined;
  /** Extra Consul Meta (GATEHOUSE_META), e.g. `{"gatehouse-route":"/api"}`. */
  readonly meta: Readonly<Record<string, string>>;
  readonly logLevel: string;
}

function portOf(name: string, raw: string | undefined, fallback: number | undefined): number | undefined {
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || n > 65535) throw new Error(`${name} must be a port number 0..65535 (got "${raw}")`);
  return n;
}

function metaOf(raw: string | undefined): Record<string, string> {
  if (raw === undefined || raw === '') return {};
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    throw new Error(`GATEHOUSE_META must be a JSON object (got "${raw}")`);
  }
  const ok =
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    Object.values(value).every((v) => typeof v === 'string');
  if (!ok) throw new Error(`GATEHOUSE_META must be a JSON object of strings (got "${raw}")`);
  return value as Record<string, string>;
}

/** Consul's tools accept "host:port" without a scheme; so do we. */
function consulUrl(raw: string | undefined): string | undefined {
  if (raw === undefined || raw === '') return undefined;
  return /^https?:\/\//.test(raw) ? raw.replace(/\/+$/, '') : `http://${raw}`;
}

/** The first non-internal IPv4 address: the container's address on its network. */
export function firstExternalIPv4(): string | undefined {
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  return undefined;
}

/** Reads the instance settings from `env`; throws naming the variable when a value is unusable. */
export function instanceConfig(
  env: NodeJS.ProcessEnv,
  defaults: { readonly port: number; readonly serviceName: string },
): InstanceConfig {
  const consulAddress = consulUrl(env.CONSUL_HTTP_ADDR);
  const registerAddress = env.REGISTER_ADDRESS || (consulAddress ? firstExternalIPv4() : undefined);
  if (consulAddress && !registerAddress) {
    throw new Error('REGISTER_ADDRESS is unset and no non-internal IPv4 address was found to register in Consul');
  }
  return {
    port: portOf('PORT', env.PORT, defaults.port) ?? defaults.port,
    serviceName: env.SERVICE_NAME || defaults.serviceName,
    instanceId: env.INSTANCE_ID || hostname(),
    version: env.VERSION || 'v1',
    consulAddress,
    consulToken: env.CONSUL_HTTP_TOKEN || undefined,
    registerAddress,
    registerPort: portOf('REGISTER_PORT', env.REGISTER_PORT, undefined),
    meta: metaOf(env.GATEHOUSE_META),
    logLevel: env.LOG_LEVEL || 'info',
  };
}
