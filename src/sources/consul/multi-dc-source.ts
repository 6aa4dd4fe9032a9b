// Failover datacenters: one catalog watch per datacenter, merged into one catalog. Instances from
// another datacenter carry `datacenter`, so the model places them at the priority the policy's
// `failover` list gives (and drops them for services that list no failover). The local catalog
// alone decides readiness of the merge: a remote datacenter that cannot be reached only costs
// failover targets, never local service.
import type { Diagnostic } from '../../errors.ts';
import type { Catalog } from '../../model/index.ts';
import type { Source, SourceHealth, SourceSink } from '../source.ts';

type ServiceEntry = Catalog['services'][string];

/** A remote datacenter's catalog source. */
export interface RemoteCatalog {
  readonly datacenter: string;
  readonly source: Source<Catalog>;
}

/** Merges the local catalog with failover datacenters' catalogs. */
export class MultiDatacenterCatalogSource implements Source<Catalog> {
  readonly name: string;
  readonly #local: Source<Catalog>;
  readonly #remotes: readonly RemoteCatalog[];
  readonly #localDatacenter: string | undefined;
  #localCatalog: Catalog | undefined;
  readonly #remoteCatalogs = new Map<string, Catalog>();
  // Merged entries reused while their inputs are the same objects (keeps the model's fast lane).
  #merged = new Map<string, { inputs: readonly (ServiceEntry | undefined)[]; entry: ServiceEntry }>();

  constructor(local: Source<Catalog>, remotes: readonly RemoteCatalog[], localDatacenter?: string) {
    this.name = local.name;
    this.#local = local;
    this.#remotes = remotes;
    this.#localDatacenter = localDatacenter;
  }

  start(sink: SourceSink<Catalog>): void {
    const emit = () => {
      if (this.#localCatalog) sink.update(this.#merge(this.#localCatalog));
    };
    const reject = (where: string) => (diagnostics: readonly Diagnostic[]) =>
      sink.reject(diagnostics.map((d) => ({ ...d, path: `${where}:${d.path}` })));
    this.#local.start({
      update: (c) => {
        this.#localCatalog = c;
        emit();
      },
      reject: reject(this.#localDatacenter ?? 'local'),
    });
    for (const r of this.#remotes) {
      r.source.start({
        update: (c) => {
          this.#remoteCatalogs.set(r.datacenter, c);
          emit();
        },
        reject: reject(r.datacenter),
      });
    }
  }

  async stop(): Promise<void> {
    await Promise.all([this.#local.stop(), ...this.#remotes.map((r) => r.source.stop())]);
  }

  /** Unhealthy when the local or any failover datacenter cannot refresh (the last data serves). */
  status(): SourceHealth {
    const all = [this.#local.status?.(), ...this.#remotes.map((r) => r.source.status?.())].filter(
      (h): h is SourceHealth => h !== undefined,
    );
    return all.find((h) => !h.healthy) ?? all[0] ?? { healthy: true };
  }

  #merge(local: Catalog): Catalog {
    const names = new Set(Object.keys(local.services));
    for (const c of this.#remoteCatalogs.values()) for (const n of Object.keys(c.services)) names.add(n);
    const next = new Map<string, { inputs: readonly (ServiceEntry | undefined)[]; entry: ServiceEntry }>();
    const services: Record<string, ServiceEntry> = {};
    for (const name of [...names].sort()) {
      const inputs = [
        local.services[name],
        ...this.#remotes.map((r) => this.#remoteCatalogs.get(r.datacenter)?.services[name]),
      ];
      const hit = this.#merged.get(name);
      const entry =
        hit && hit.inputs.length === inputs.length && hit.inputs.every((e, i) => e === inputs[i])
          ? hit.entry
          : this.#mergeService(inputs);
      next.set(name, { inputs, entry });
      services[name] = entry;
    }
    this.#merged = next;
    return Object.freeze({
      ...(this.#localDatacenter !== undefined && { datacenter: this.#localDatacenter }),
      services: Object.freeze(services),
    });
  }

  #mergeService([local, ...remote]: readonly (ServiceEntry | undefined)[]): ServiceEntry {
    const instances: ServiceEntry['instances'] = [...(local?.instances ?? [])];
    remote.forEach((entry, i) => {
      const datacenter = this.#remotes[i]!.datacenter;
      for (const inst of entry?.instances ?? []) instances.push(Object.freeze({ ...inst, datacenter }));
    });
    // Frozen like every parsed catalog value; the types say mutable only because zod's do.
    return Object.freeze({
      instances,
      tags: local?.tags ?? [],
      metadata: local?.metadata ?? remote.find((e) => e)?.metadata ?? {},
    }) as ServiceEntry;
  }
}
