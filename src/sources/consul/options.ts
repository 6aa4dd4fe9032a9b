// How to reach Consul, and the environment variables Consul's own CLI and Go client honour
// (CONSUL_HTTP_ADDR, CONSUL_HTTP_TOKEN, CONSUL_HTTP_TOKEN_FILE, CONSUL_HTTP_SSL, CONSUL_HTTP_SSL_VERIFY,
// CONSUL_CACERT, CONSUL_CLIENT_CERT, CONSUL_CLIENT_KEY, CONSUL_TLS_SERVER_NAME), so an operator's
// existing Consul setup works unchanged.
import { GatehouseError } from '../../errors.ts';

/** Connection settings shared by the catalog and KV sources. */
export interface ConsulConnection {
  /** `http://host:port` or `https://host:port` (a bare `host:port` means http). */
  readonly address: string;
  /** ACL token, sent as `X-Consul-Token`; never logged. */
  readonly token?: string;
  /** File holding the ACL token (read at start; wins over `token`, as in Consul's Go client). */
  readonly tokenFile?: string;
  /** Datacenter to query; empty means the agent's own. */
  readonly datacenter?: string;
  /** PEM file of the CA that signed Consul's HTTPS certificate. */
  readonly caFile?: string;
  /** Client certificate and key (PEM files) for Consul's `verify_incoming`. */
  readonly certFile?: string;
  readonly keyFile?: string;
  /** SNI / certificate name to expect when it differs from the address host. */
  readonly tlsServerName?: string;
  /** Skip certificate verification (CONSUL_HTTP_SSL_VERIFY=false); for development only. */
  readonly insecureSkipVerify?: boolean;
}

function bool(name: string, value: string): boolean {
  if (/^(1|t|true)$/i.test(value)) return true;
  if (/^(0|f|false)$/i.test(value)) return false;
  throw new GatehouseError('CONFIG_INVALID', `${name} must be true or false (got "${value}")`);
}

/** Normalises an address to `scheme://host:port`; throws for forms Gatehouse cannot use. */
export function normalizeAddress(address: string, https = false): string {
  const text = address.trim();
  if (text.startsWith('unix://')) {
    throw new GatehouseError(
      'CONFIG_INVALID',
      `consul address "${text}": unix sockets are not supported; use http(s)://host:port`,
    );
  }
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(text) ? text : `${https ? 'https' : 'http'}://${text}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    throw new GatehouseError('CONFIG_INVALID', `consul address "${text}" is not a valid URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new GatehouseError('CONFIG_INVALID', `consul address "${text}" must use http or https`);
  }
  if (url.pathname !== '/' || url.search || url.username) {
    throw new GatehouseError('CONFIG_INVALID', `consul address "${text}" must be scheme://host:port without a path`);
  }
  const port = url.port || (url.protocol === 'https:' ? '8501' : '8500');
  return `${url.protocol}//${url.hostname}:${port}`;
}

/** The connection settings found in the environment (only the variables that are set). */
export function consulOptionsFromEnv(env: Readonly<Record<string, string | undefined>>): Partial<ConsulConnection> {
  const get = (name: string) => {
    const v = env[name]?.trim();
    return v ? v : undefined;
  };
  const ssl = get('CONSUL_HTTP_SSL');
  const https = ssl ? bool('CONSUL_HTTP_SSL', ssl) : false;
  const addr = get('CONSUL_HTTP_ADDR');
  const verify = get('CONSUL_HTTP_SSL_VERIFY');
  const out: Record<string, string | boolean> = {};
  if (addr) out.address = normalizeAddress(addr, https);
  else if (https) out.address = 'https://127.0.0.1:8501';
  const token = get('CONSUL_HTTP_TOKEN');
  if (token) out.token = token;
  const pairs = [
    ['CONSUL_HTTP_TOKEN_FILE', 'tokenFile'],
    ['CONSUL_CACERT', 'caFile'],
    ['CONSUL_CLIENT_CERT', 'certFile'],
    ['CONSUL_CLIENT_KEY', 'keyFile'],
    ['CONSUL_TLS_SERVER_NAME', 'tlsServerName'],
  ] as const;
  for (const [name, key] of pairs) {
    const v = get(name);
    if (v) out[key] = v;
  }
  if (verify) out.insecureSkipVerify = !bool('CONSUL_HTTP_SSL_VERIFY', verify);
  return out as Partial<ConsulConnection>;
}
