// Clusters and their endpoints: one cluster per service and per declared subset, endpoints grouped
// by priority (local datacenter 0, failover datacenters 1..) and locality.
import type { CatalogInstance, ServicePolicy } from '../config/index.ts';
import { type Diagnostic, problem, warning } from '../errors.ts';
import { clusterName } from './names.ts';
import type { ServiceDefaults } from './service-defaults.ts';
import type { Assignment, Catalog, Cluster, Endpoint, Locality, Policy } from './types.ts';

const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** What the clusters stage hands to the routes stage. */
export interface ClusterSet {
  readonly clusters: Cluster[];
  readonly assignments: Assignment[];
  /** Declared subsets per service. */
  readonly subsets: ReadonlyMap<string, ReadonlySet<string>>;
}

interface Placed {
  readonly inst: CatalogInstance;
  readonly priority: number;
}

/** One service's part of the cluster stage. */
interface ServiceClusters {
  readonly clusters: readonly Cluster[];
  readonly assignments: readonly Assignment[];
  readonly subsets: ReadonlySet<string>;
  readonly diagnostics: readonly Diagnostic[];
}

// The fast lane for endpoint churn. Catalog entries are frozen and sources keep the same object for
// a service whose data did not change (the Consul source re-reads only changed services), so a
// service's clusters and assignments are reused by identity: a rebuild after one health flip
// allocates one service's worth of model, and translate/encode/validate then reuse theirs too.
const memo = new WeakMap<
  object,
  { policy: ServicePolicy | undefined; datacenter: string | undefined; result: ServiceClusters }
>();

/** Builds every cluster and assignment, reporting duplicate instances and empty subsets. */
export function buildClusters(
  catalog: Catalog,
  policy: Policy,
  serviceNames: readonly string[],
  defaults: ReadonlyMap<string, ServiceDefaults>,
  diagnostics: Diagnostic[],
): ClusterSet {
  const clusters: Cluster[] = [];
  const assignments: Assignment[] = [];
  const subsets = new Map<string, ReadonlySet<string>>();
  for (const service of serviceNames) {
    const entry = catalog.services[service];
    const p = policy.services[service];
    const hit = entry ? memo.get(entry) : undefined;
    let r: ServiceClusters;
    if (hit && hit.policy === p && hit.datacenter === catalog.datacenter) r = hit.result;
    else {
      r = serviceClusters(service, catalog, p, defaults.get(service) ?? {});
      if (entry) memo.set(entry, { policy: p, datacenter: catalog.datacenter, result: r });
    }
    clusters.push(...r.clusters);
    assignments.push(...r.assignments);
    subsets.set(service, r.subsets);
    diagnostics.push(...r.diagnostics);
  }
  return { clusters, assignments, subsets };
}

function serviceClusters(
  service: string,
  catalog: Catalog,
  p: ServicePolicy | undefined,
  d: ServiceDefaults,
): ServiceClusters {
  const diagnostics: Diagnostic[] = [];
  const clusters: Cluster[] = [];
  const assignments: Assignment[] = [];
  const placed = place(service, catalog, p, diagnostics);
  clusters.push(cluster(service, undefined, p, d));
  assignments.push(assignment(clusterName(service), placed));
  const names = Object.keys(p?.subsets ?? {}).sort(compare);
  for (const name of names) {
    const want = p!.subsets[name]!;
    const members = placed.filter(
      ({ inst }) =>
        want.tags.every((t) => inst.tags.includes(t)) &&
        Object.entries(want.metadata).every(([k, v]) => inst.metadata[k] === v),
    );
    if (members.length === 0 && placed.length > 0) {
      diagnostics.push(
        warning(
          'MODEL_INVALID',
          `policy.services.${service}.subsets.${name}`,
          `subset "${name}" of "${service}" matches no instance`,
        ),
      );
    }
    clusters.push(cluster(service, name, p, d));
    assignments.push(assignment(clusterName(service, name), members));
  }
  return { clusters, assignments, subsets: new Set(names), diagnostics };
}

function cluster(
  service: string,
  subset: string | undefined,
  p: ServicePolicy | undefined,
  d: ServiceDefaults,
): Cluster {
  return {
    name: clusterName(service, subset),
    service,
    ...(subset !== undefined && { subset }),
    // Policy beats the service's own metadata, which beats the built-in default.
    lbPolicy: p?.lbPolicy ?? d.lbPolicy ?? 'round_robin',
    protocol: p?.protocol ?? d.protocol ?? 'http',
    connectTimeoutMs: p?.connectTimeout ?? d.connectTimeoutMs ?? 1000,
    ...(p?.circuitBreaker && { circuitBreaker: p.circuitBreaker }),
    ...(p?.outlierDetection && { outlierDetection: p.outlierDetection }),
    ...(p?.healthCheck && { healthCheck: p.healthCheck }),
    ...(p?.retryBudget && { retryBudget: p.retryBudget }),
  };
}

/** Local instances at priority 0, failover datacenters' at 1.., others dropped; duplicates reported. */
function place(service: string, catalog: Catalog, p: ServicePolicy | undefined, diagnostics: Diagnostic[]): Placed[] {
  const failover = p?.failover ?? [];
  const seen = new Map<string, number>();
  const out: Placed[] = [];
  (catalog.services[service]?.instances ?? []).forEach((inst, i) => {
    const where = `catalog.services.${service}.instances[${i}]`;
    const key = `${inst.address}:${inst.port}`;
    const first = seen.get(key);
    if (first !== undefined) {
      diagnostics.push(
        problem(
          'MODEL_INVALID',
          where,
          `duplicate instance "${key}" of service "${service}" (also instances[${first}])`,
        ),
      );
      return;
    }
    seen.set(key, i);
    const local = inst.datacenter === undefined || inst.datacenter === catalog.datacenter;
    const priority = local ? 0 : failover.indexOf(inst.datacenter!) + 1;
    if (priority > 0 || local) out.push({ inst, priority });
  });
  return out;
}

function assignment(name: string, placed: readonly Placed[]): Assignment {
  const groups = new Map<
    string,
    { priority: number; region: string; zone: string; subZone: string; endpoints: Endpoint[] }
  >();
  for (const { inst, priority } of placed) {
    const { region, zone, subZone } = inst.locality;
    const key = `${priority}\0${region}\0${zone}\0${subZone}`;
    let g = groups.get(key);
    if (!g) {
      g = { priority, region, zone, subZone, endpoints: [] };
      groups.set(key, g);
    }
    g.endpoints.push({ address: inst.address, port: inst.port, health: inst.health, weight: inst.weight });
  }
  const localities: Locality[] = [...groups.values()]
    .sort(
      (a, b) =>
        a.priority - b.priority ||
        compare(a.region, b.region) ||
        compare(a.zone, b.zone) ||
        compare(a.subZone, b.subZone),
    )
    .map((g) => ({ ...g, endpoints: g.endpoints.sort((a, b) => compare(a.address, b.address) || a.port - b.port) }));
  return { clusterName: name, localities };
}
