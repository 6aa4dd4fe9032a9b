// Consul health/service entries -> catalog instances (consul-api.md §4). Health per instance:
// any maintenance check (`_node_maintenance`, `_service_maintenance:<id>`) -> draining; else any
// critical -> unhealthy; else any warning -> healthy with Weights.Warning (a weight below 1 -> unhealthy,
// as Consul's own Envoy integration does); else healthy with Weights.Passing. Weights are clamped to
// 1..128. Address: Service.Address, falling back to Node.Address; a non-IP result or a missing port
// drops that instance with a diagnostic naming service, node and value. Locality: Service.Locality
// (Consul 1.17+) when set, else the node meta keys `region`, `zone`, `sub_zone` (configurable).
// Instance tags and meta are copied from the service registration. Instances sharing address:port
// would make the model refuse the whole service, so only the healthiest one is kept (with a warning).
import { isIP } from 'node:net';
import type { CatalogInstance } from '../../config/index.ts';
import { type Diagnostic, warning } from '../../errors.ts';

/** The parts of a /v1/health/service entry we read. */
export interface HealthEntry {
  readonly Node: { readonly Node: string; readonly Address: string; readonly Meta?: Record<string, string> | null };
  readonly Service: {
    readonly ID: string;
    readonly Service: string;
    readonly Tags?: readonly string[] | null;
    readonly Address?: string;
    readonly Port?: number;
    readonly Meta?: Record<string, string> | null;
    readonly Weights?: { readonly Passing?: number; readonly Warning?: number } | null;
    readonly Locality?: { readonly Region?: string; readonly Zone?: string } | null;
  };
  readonly Checks?: readonly { readonly CheckID: string; readonly Status: string }[] | null;
}

/** Node meta keys that give an instance its locality. */
export interface LocalityKeys {
  readonly region: string;
  readonly zone: string;
  readonly subZone: string;
}

export const DEFAULT_LOCALITY_KEYS: LocalityKeys = { region: 'region', zone: 'zone', subZone: 'sub_zone' };

/** A mapped service, not yet schema-validated. */
export interface MappedService {
  readonly service: { instances: CatalogInstance[]; tags: string[]; metadata: Record<string, string> };
  readonly diagnostics: Diagnostic[];
  /** Nodes hosting the service (node-level check and node changes mark it dirty). */
  readonly nodes: string[];
}

const isMaintenance = (id: string) => id === '_node_maintenance' || id.startsWith('_service_maintenance:');
const clamp = (w: number) => Math.min(128, Math.max(1, Math.trunc(w)));
const RANK = { healthy: 0, draining: 1, unknown: 2, unhealthy: 3 } as const;

/** Consul check states -> Envoy-level health and weight. */
export function healthOf(e: HealthEntry): Pick<CatalogInstance, 'health' | 'weight'> {
  const checks = e.Checks ?? [];
  const weights = e.Service.Weights ?? { Passing: 1, Warning: 1 };
  const passing = weights.Passing ?? 1;
  if (checks.some((c) => isMaintenance(c.CheckID))) return { health: 'draining', weight: clamp(passing) };
  if (checks.some((c) => c.Status === 'critical')) return { health: 'unhealthy', weight: clamp(passing) };
  const w = checks.some((c) => c.Status === 'warning') ? (weights.Warning ?? 0) : passing;
  return w < 1 ? { health: 'unhealthy', weight: 1 } : { health: 'healthy', weight: clamp(w) };
}

/** Maps every entry of one service. */
export function mapService(name: string, entries: readonly HealthEntry[], keys: LocalityKeys): MappedService {
  const diagnostics: Diagnostic[] = [];
  const byEndpoint = new Map<string, CatalogInstance>();
  const nodes = new Set<string>();
  for (const e of entries) {
    nodes.add(e.Node.Node);
    const id = `${e.Node.Node}/${e.Service.ID}`;
    const address = e.Service.Address || e.Node.Address;
    const where = `consul.services.${name}.instances["${id}"]`;
    const subject = `service "${name}" instance "${e.Service.ID}" on node "${e.Node.Node}"`;
    if (isIP(address) === 0) {
      diagnostics.push(
        warning(
          'CONSUL_INVALID_DATA',
          `${where}.address`,
          `${subject} has address "${address}", not an IP literal (EDS needs IPs); instance left out`,
        ),
      );
      continue;
    }
    const port = e.Service.Port ?? 0;
    if (!Number.isInteger(port) || port < 1 || port > 65535) {
      diagnostics.push(
        warning('CONSUL_INVALID_DATA', `${where}.port`, `${subject} has port ${port}; instance left out`),
      );
      continue;
    }
    const meta = e.Node.Meta ?? {};
    const instance: CatalogInstance = {
      id,
      address,
      port,
      ...healthOf(e),
      tags: [...new Set(e.Service.Tags ?? [])].sort(),
      metadata: { ...(e.Service.Meta ?? {}) },
      locality: {
        region: e.Service.Locality?.Region || meta[keys.region] || '',
        zone: e.Service.Locality?.Zone || meta[keys.zone] || '',
        subZone: meta[keys.subZone] || '',
      },
    };
    const endpoint = `${address}:${port}`;
    const other = byEndpoint.get(endpoint);
    if (other) {
      const [keep, drop] =
        RANK[instance.health] < RANK[other.health] ||
        (RANK[instance.health] === RANK[other.health] && instance.id! < other.id!)
          ? [instance, other]
          : [other, instance];
      byEndpoint.set(endpoint, keep);
      diagnostics.push(
        warning(
          'CONSUL_INVALID_DATA',
          where,
          `service "${name}" instances "${keep.id}" and "${drop.id}" share ${endpoint}; keeping "${keep.id}"`,
        ),
      );
      continue;
    }
    byEndpoint.set(endpoint, instance);
  }
  const instances = [...byEndpoint.values()].sort((a, b) => (a.id! < b.id! ? -1 : a.id! > b.id! ? 1 : 0));
  const tags = [...new Set(instances.flatMap((i) => i.tags))].sort();
  return { service: { instances, tags, metadata: {} }, diagnostics, nodes: [...nodes].sort() };
}
