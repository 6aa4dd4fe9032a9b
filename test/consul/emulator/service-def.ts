// Turning register bodies into store records with the agent's defaults and validation
// (consul-api.md §3.8): ID defaults to Name, Weights default {1,1} only when absent, meta rules,
// check IDs `service:<id>[:n]`, check names `Service '<name>' check`, initial status critical.
import { isIP } from 'node:net';
import { field, HttpError, parseGoDuration } from './http-util.ts';
import type { CheckRec, CheckStatus, ServiceRec, TaggedAddress } from './store.ts';

type NewService = Omit<ServiceRec, 'createIndex' | 'modifyIndex'>;
export type NewCheck = Omit<CheckRec, 'createIndex' | 'modifyIndex'>;

const str = (v: unknown, dflt = ''): string => (typeof v === 'string' ? v : dflt);
const num = (v: unknown, dflt = 0): number => (typeof v === 'number' ? v : dflt);

function parseMeta(raw: unknown): Record<string, string> | null {
  if (raw === undefined || raw === null) return null;
  const meta = raw as Record<string, unknown>;
  const entries = Object.entries(meta);
  if (entries.length > 64)
    throw new HttpError(400, 'Invalid Service Meta: Node metadata cannot contain more than 64 key/value pairs');
  for (const [k, v] of entries) {
    if (!/^[A-Za-z0-9_-]{1,128}$/.test(k))
      throw new HttpError(400, `Invalid Service Meta: Key contains invalid characters: "${k}"`);
    if (k.startsWith('consul-'))
      throw new HttpError(400, `Invalid Service Meta: Key prefix 'consul-' is reserved for internal use`);
    if (typeof v !== 'string' || v.length > 512)
      throw new HttpError(400, `Invalid Service Meta: Value is too long (limit: 512 characters)`);
  }
  return { ...(meta as Record<string, string>) };
}

function parseWeights(raw: unknown): { Passing: number; Warning: number } {
  if (raw === undefined || raw === null) return { Passing: 1, Warning: 1 };
  const w = { Passing: num(field(raw, 'Passing')), Warning: num(field(raw, 'Warning')) };
  if (w.Passing < 1) throw new HttpError(400, 'Invalid Weights: Passing must be greater than 0');
  if (w.Warning < 0) throw new HttpError(400, 'Invalid Weights: Warning must be greater or equal than 0');
  if (w.Passing > 65535 || w.Warning > 65535) throw new HttpError(400, 'Invalid Weights: values must be at most 65535');
  return w;
}

function taggedAddresses(raw: unknown, address: string, port: number): Record<string, TaggedAddress> {
  const out: Record<string, TaggedAddress> = {};
  if (isIP(address) === 4) {
    out.lan_ipv4 = { Address: address, Port: port };
    out.wan_ipv4 = { Address: address, Port: port };
  } else if (isIP(address) === 6) {
    out.lan_ipv6 = { Address: address, Port: port };
    out.wan_ipv6 = { Address: address, Port: port };
  }
  for (const [k, v] of Object.entries((raw as Record<string, unknown>) ?? {})) {
    out[k] = { Address: str(field(v, 'Address')), Port: num(field(v, 'Port')) };
  }
  return out;
}

/** A service definition from an agent register body (`Name`) or a catalog register body (`Service`). */
export function parseService(body: unknown, node: string, nameKey: 'Name' | 'Service'): NewService {
  const name = str(field(body, nameKey));
  if (!name) throw new HttpError(400, 'Missing service name');
  const address = str(field(body, 'Address'));
  if (address === '0.0.0.0' || address === '::' || address === '[::]')
    throw new HttpError(400, 'Invalid service address');
  const port = num(field(body, 'Port'));
  const tags = field(body, 'Tags');
  return {
    node,
    id: str(field(body, 'ID')) || name,
    service: name,
    tags: Array.isArray(tags) ? tags.map(String) : [],
    address,
    port,
    meta: parseMeta(field(body, 'Meta')),
    weights: parseWeights(field(body, 'Weights')),
    taggedAddresses: taggedAddresses(field(body, 'TaggedAddresses'), address, port),
    kind: str(field(body, 'Kind')),
    enableTagOverride: field(body, 'EnableTagOverride') === true,
  };
}

/** Validates a check status value. */
export function checkStatus(v: unknown, dflt: CheckStatus): CheckStatus {
  if (v === undefined || v === '') return dflt;
  if (v === 'passing' || v === 'warning' || v === 'critical') return v;
  throw new HttpError(400, "Status for checks must 'passing', 'warning', 'critical'");
}

/** The checks of an agent registration, with Consul's ID/name/status defaults. */
export function parseServiceChecks(body: unknown, svc: NewService): { check: NewCheck; explicitStatus: boolean }[] {
  const many = field(body, 'Checks');
  const one = field(body, 'Check');
  const defs = Array.isArray(many) && many.length > 0 ? many : one ? [one] : [];
  return defs.map((def, i) => {
    const fallbackId = defs.length > 1 ? `service:${svc.id}:${i + 1}` : `service:${svc.id}`;
    const status = field(def, 'Status');
    const check: NewCheck = {
      ...checkType(def),
      node: svc.node,
      checkId: str(field(def, 'CheckID')) || str(field(def, 'ID')) || fallbackId,
      name: str(field(def, 'Name')) || `Service '${svc.service}' check`,
      status: checkStatus(status, 'critical'),
      notes: str(field(def, 'Notes')),
      output: '',
      serviceId: svc.id,
      serviceName: svc.service,
      serviceTags: [...svc.tags],
    };
    return { check, explicitStatus: typeof status === 'string' && status !== '' };
  });
}

function checkType(def: unknown): { type: string; interval: string; timeout: string; ttlMs?: number } {
  const ttl = str(field(def, 'TTL'));
  const interval = str(field(def, 'Interval'));
  const timeout = str(field(def, 'Timeout'));
  if (ttl) {
    const ttlMs = parseGoDuration(ttl);
    if (!ttlMs || ttlMs <= 0) throw new HttpError(400, 'Invalid check: TTL must be > 0 for TTL checks');
    return { type: 'ttl', interval: '', timeout: '', ttlMs };
  }
  if (field(def, 'AliasService') || field(def, 'AliasNode')) return { type: 'alias', interval: '', timeout: '' };
  const kind = ['HTTP', 'TCP', 'GRPC', 'UDP', 'H2PING', 'Args'].find((k) => field(def, k) !== undefined);
  if (!kind)
    throw new HttpError(400, 'Invalid check: one of Args, HTTP, TCP, UDP, H2PING, GRPC, TTL or Alias is required');
  if (!interval || !parseGoDuration(interval)) {
    throw new HttpError(400, 'Invalid check: Interval must be > 0 for Script, HTTP, H2PING, TCP or UDP checks');
  }
  return { type: kind === 'Args' ? 'script' : kind.toLowerCase(), interval, timeout };
}
