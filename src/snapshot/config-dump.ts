// A profile's view of a snapshot shaped like Envoy's /config_dump, so `gatehouse render`,
// /debug/snapshot and the golden files read like what an Envoy would show.
import { CLUSTER, ENDPOINT, LISTENER, ROUTE } from '../resource-types.ts';
import { toConfigDump } from '../translate/config-dump.ts';
import type { Profile } from '../translate/resources.ts';
import type { Entry, Snapshot } from './snapshot.ts';

const ADMIN = 'type.googleapis.com/envoy.admin.v3.';

function dump(e: Entry): Record<string, unknown> {
  return toConfigDump(e.messageName, e.value);
}

/** The config dump a node of `profile` would hold once in sync with `snapshot` (undefined: not served). */
export function configDump(snapshot: Snapshot, profile: Profile): Record<string, unknown> | undefined {
  const view = snapshot.view(profile);
  if (!view) return undefined;
  const list = (t: keyof typeof view) => [...view[t].entries.values()];
  return {
    version: snapshot.version,
    profile,
    configs: [
      {
        '@type': `${ADMIN}ClustersConfigDump`,
        version_info: view[CLUSTER].version,
        dynamic_active_clusters: list(CLUSTER).map((e) => ({ version_info: e.hash, cluster: dump(e) })),
      },
      {
        '@type': `${ADMIN}EndpointsConfigDump`,
        dynamic_endpoint_configs: list(ENDPOINT).map((e) => ({ version_info: e.hash, endpoint_config: dump(e) })),
      },
      {
        '@type': `${ADMIN}ListenersConfigDump`,
        version_info: view[LISTENER].version,
        dynamic_listeners: list(LISTENER).map((e) => ({
          name: e.name,
          active_state: { version_info: e.hash, listener: dump(e) },
        })),
      },
      {
        '@type': `${ADMIN}RoutesConfigDump`,
        dynamic_route_configs: list(ROUTE).map((e) => ({ version_info: e.hash, route_config: dump(e) })),
      },
    ],
  };
}
