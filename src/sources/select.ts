// Which catalog and policy sources settings ask for: files, Consul (catalog watch, KV policy), or
// an empty policy. Consul connection settings come from the settings file first, then from the
// environment variables Consul's own tools read (CONSUL_HTTP_ADDR, CONSUL_HTTP_TOKEN, ...).
import { parseCatalog, parsePolicy, type Settings } from '../config/index.ts';
import { GatehouseError } from '../errors.ts';
import type { Logger } from '../log.ts';
import type { Catalog, Policy } from '../model/index.ts';
import {
  ConsulCatalogSource,
  type ConsulConnection,
  ConsulKvPolicySource,
  consulOptionsFromEnv,
  MultiDatacenterCatalogSource,
  normalizeAddress,
} from './consul/index.ts';
import { fileSource } from './file-source.ts';
import type { Source } from './source.ts';

/** The sources a Gatehouse reads. */
export interface SelectedSources {
  readonly catalog: Source<Catalog>;
  readonly policy: Source<Policy>;
}

/** The Consul connection settings ask for: the settings file first, then the CONSUL_* environment. */
export function consulConnection(
  settings: Settings,
  env: Readonly<Record<string, string | undefined>>,
): ConsulConnection {
  const fromEnv = consulOptionsFromEnv(env);
  const fromFile: Partial<ConsulConnection> = settings.consul ?? {};
  const address = fromFile.address ?? fromEnv.address;
  if (!address) {
    throw new GatehouseError(
      'CONFIG_INVALID',
      'consul: no address; pass --consul http://HOST:8500, set consul.address, or set CONSUL_HTTP_ADDR',
    );
  }
  // A scheme-less address follows CONSUL_HTTP_SSL, as Consul's own tools do.
  const https = /^(1|t|true)$/i.test(env.CONSUL_HTTP_SSL?.trim() ?? '');
  return { ...fromEnv, ...fromFile, address: normalizeAddress(address, https) };
}

/** An empty policy: every service reachable through its own metadata routes, nothing else. */
function emptyPolicy(): Source<Policy> {
  const parsed = parsePolicy('{}');
  if (!parsed.ok) throw new GatehouseError('CONFIG_INVALID', 'the empty policy does not parse');
  return { name: 'policy', start: (sink) => sink.update(parsed.value), stop: async () => {} };
}

/** Builds the sources the settings name. */
export function selectSources(settings: Settings, log: Logger, env = process.env): SelectedSources {
  const slog = log.child({ module: 'sources' });
  const needsConsul = settings.catalog.consul || settings.policy.consulPrefix !== undefined;
  const connection = needsConsul ? consulConnection(settings, env) : undefined;
  const remotes = (settings.consul?.failoverDatacenters ?? []).map((datacenter) => ({
    datacenter,
    source: new ConsulCatalogSource({
      connection: { ...connection!, datacenter },
      log: slog,
      name: `catalog-${datacenter}`,
    }),
  }));
  const local = () => new ConsulCatalogSource({ connection: connection!, log: slog, name: 'catalog' });
  const catalog = settings.catalog.file
    ? fileSource({ name: 'catalog', file: settings.catalog.file, parse: parseCatalog, log: slog })
    : remotes.length > 0
      ? new MultiDatacenterCatalogSource(local(), remotes, connection!.datacenter)
      : local();
  const policy = settings.policy.file
    ? fileSource({ name: 'policy', file: settings.policy.file, parse: parsePolicy, log: slog })
    : settings.policy.consulPrefix !== undefined
      ? new ConsulKvPolicySource({
          connection: connection!,
          log: slog,
          prefix: settings.policy.consulPrefix,
          name: 'policy',
        })
      : emptyPolicy();
  return { catalog, policy };
}
