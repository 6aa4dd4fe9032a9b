// translate(model) -> resources per profile. Pure and deterministic: the same model gives
// byte-identical resources, every list sorted by name.
import { type Model, names } from '../model/index.ts';
import { CLUSTER, ENDPOINT, LISTENER, ROUTE } from '../resource-types.ts';
import { translateCluster } from './clusters.ts';
import { translateAssignment } from './endpoints.ts';
import { authzCluster } from './ext-authz.ts';
import { translateEdgeListener, translateGrpcListener } from './listeners.ts';
import type { Flavor, NamedResource, ResourceSet, Translation } from './resources.ts';
import { translateRouteConfiguration } from './routes.ts';
import { translateSidecars } from './sidecars.ts';

const sorted = (items: NamedResource[]) => items.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));

function shared(model: Model, profile: Flavor) {
  return {
    clusters: sorted(model.clusters.map((c) => ({ name: c.name, message: translateCluster(c, profile) }))),
    endpoints: sorted(model.assignments.map((a) => ({ name: a.clusterName, message: translateAssignment(a) }))),
  };
}

/** Translates the model into the resources of every profile (sidecars: what only they hold). */
export function translate(model: Model): Translation {
  const edgeShared = shared(model, 'edge');
  const auth = model.edgeAuth;
  const edge: ResourceSet = {
    // The ext_authz cluster is the edge's own (proxyless clients cannot call ext_authz).
    [CLUSTER]: auth
      ? sorted([...edgeShared.clusters, { name: names.AUTHZ_CLUSTER, message: authzCluster(auth) }])
      : edgeShared.clusters,
    [ENDPOINT]: edgeShared.endpoints,
    [LISTENER]: [{ name: model.edgeListener.name, message: translateEdgeListener(model.edgeListener, auth) }],
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
    [LISTENER]: sorted(model.grpcTargets.map((t) => ({ name: t.listenerName, message: translateGrpcListener(t) }))),
    [ROUTE]: sorted(
      model.grpcTargets.map((t) => ({
        name: t.routeConfigName,
        message: translateRouteConfiguration(t.routeConfigName, [t.virtualHost], 'grpc'),
      })),
    ),
  };
  // Sidecars hold the edge clusters and endpoints too; the snapshot shares them, not translate.
  return { edge, grpc, sidecars: translateSidecars(model) };
}
