// translate(model) -> resources per profile. Pure and deterministic: the same model gives
// byte-identical resources, every list sorted by name.
import { type Model, names } from '../model/index.ts';
import { CLUSTER, ENDPOINT, LISTENER, ROUTE } from '../resource-types.ts';
import { translateCluster } from './clusters.ts';
import { translateAssignment } from './endpoints.ts';
import { authzCluster } from './ext-authz.ts';
import { translateEdgeListener, translateGrpcListener } from './listeners.ts';
import { type Flavor, type NamedResource, type ResourceSet, sortByName, type Translation } from './resources.ts';
import { translateRouteConfiguration } from './routes.ts';
import { translateSidecars } from './sidecars.ts';
import { envoyAdminCluster, statsListener } from './stats-listener.ts';
import { collectorCluster } from './tracing.ts';

// Model clusters and assignments reused by identity (the model's fast lane for endpoint churn)
// get the very same message objects back, so encoding, validation and snapshot entries are reused
// too. Translation stays a pure function: same input object, same output.
const clusterMemo = new WeakMap<object, Partial<Record<Flavor, object>>>();
const assignmentMemo = new WeakMap<object, object>();

function memoCluster(c: Model['clusters'][number], flavor: Flavor): object {
  let byFlavor = clusterMemo.get(c);
  if (!byFlavor) {
    byFlavor = {};
    clusterMemo.set(c, byFlavor);
  }
  byFlavor[flavor] ??= translateCluster(c, flavor);
  return byFlavor[flavor];
}

function memoAssignment(a: Model['assignments'][number]): object {
  let m = assignmentMemo.get(a);
  if (!m) {
    m = translateAssignment(a);
    assignmentMemo.set(a, m);
  }
  return m;
}

/**
 * Per-service proxyless resources, reused when their input is unchanged: keyed by the content they
 * depend on, keeping only what the latest translation used (so removed services are dropped).
 */
class ContentMemo {
  #previous = new Map<string, object>();
  #next = new Map<string, object>();

  get(key: string, make: () => object): object {
    const found = this.#next.get(key) ?? this.#previous.get(key) ?? make();
    this.#next.set(key, found);
    return found;
  }

  rotate(): void {
    this.#previous = this.#next;
    this.#next = new Map();
  }
}
const grpcMemo = new ContentMemo();

function shared(model: Model, profile: Flavor) {
  return {
    clusters: sortByName(model.clusters.map((c) => ({ name: c.name, message: memoCluster(c, profile) }))),
    endpoints: sortByName(model.assignments.map((a) => ({ name: a.clusterName, message: memoAssignment(a) }))),
  };
}

/** Translates the model into the resources of every profile (sidecars: what only they hold). */
export function translate(model: Model): Translation {
  const edgeShared = shared(model, 'edge');
  const auth = model.edgeAuth;
  const o = model.observability;
  // Clusters and listeners of the edge's own: the Check service (proxyless clients cannot call
  // ext_authz), the trace collector and the Envoy's admin behind the stats listener.
  const edgeClusters: NamedResource[] = [];
  // Sidecars share the edge's clusters; these two are the edge's alone.
  const edgeOnly: string[] = [];
  if (auth) {
    edgeClusters.push({ name: names.AUTHZ_CLUSTER, message: authzCluster(auth) });
    edgeOnly.push(names.AUTHZ_CLUSTER);
  }
  if (o?.tracing) edgeClusters.push({ name: names.OTEL_COLLECTOR_CLUSTER, message: collectorCluster(o.tracing) });
  const edgeListeners: NamedResource[] = [
    { name: model.edgeListener.name, message: translateEdgeListener(model.edgeListener, auth, o) },
  ];
  if (o?.stats) {
    const admin = envoyAdminCluster(o.stats.edge);
    edgeClusters.push({ name: admin.name!, message: admin });
    edgeOnly.push(admin.name!);
    edgeListeners.push({ name: names.STATS_LISTENER, message: statsListener(o.stats.edge) });
  }
  const edge: ResourceSet = {
    [CLUSTER]: edgeClusters.length ? sortByName([...edgeShared.clusters, ...edgeClusters]) : edgeShared.clusters,
    [ENDPOINT]: edgeShared.endpoints,
    [LISTENER]: sortByName(edgeListeners),
    [ROUTE]: [
      {
        name: model.edgeListener.routeConfigName,
        message: translateRouteConfiguration(model.edgeListener.routeConfigName, model.edgeVirtualHosts, 'edge', auth),
      },
    ],
  };
  const grpcShared = shared(model, 'grpc');
  const grpc: ResourceSet = {
    [CLUSTER]: grpcShared.clusters,
    // Endpoints are the same bytes for every profile: reuse the objects.
    [ENDPOINT]: edgeShared.endpoints,
    [LISTENER]: sortByName(
      model.grpcTargets.map((t) => ({
        name: t.listenerName,
        message: grpcMemo.get(`l\0${t.listenerName}\0${t.routeConfigName}\0${t.service}`, () =>
          translateGrpcListener(t),
        ),
      })),
    ),
    [ROUTE]: sortByName(
      model.grpcTargets.map((t) => ({
        name: t.routeConfigName,
        message: grpcMemo.get(`r\0${t.routeConfigName}\0${JSON.stringify(t.virtualHost)}`, () =>
          translateRouteConfiguration(t.routeConfigName, [t.virtualHost], 'grpc'),
        ),
      })),
    ),
  };
  grpcMemo.rotate();
  // Sidecars hold the edge clusters and endpoints too; the snapshot shares them, not translate.
  return {
    edge,
    grpc,
    sidecars: translateSidecars(model),
    ...(edgeOnly.length > 0 && { edgeOnlyClusters: edgeOnly.sort() }),
  };
}
