// The reference graph of every sidecar view: its own resources (listeners, outbound routes, local
// app cluster) over the edge clusters and endpoints it may use. Sidecars with the same own
// resources and the same upstream set have the same graph, so each distinct one is checked once:
// a thousand sidecars on the default ports cost one check, not a thousand walks of every cluster.
import { type Diagnostic, problem } from '../../errors.ts';
import { CLUSTER, ENDPOINT, PUSH_ORDER } from '../../resource-types.ts';
import { type ResourceSet, type SidecarSet, sidecarProfile } from '../resources.ts';
import { checkReferences } from './references.ts';

/** Every broken reference in the sidecar views, each path starting with the sidecar's profile. */
export function checkSidecarReferences(
  edge: ResourceSet,
  sidecars: readonly SidecarSet[],
  edgeOnly: readonly string[] = [],
): Diagnostic[] {
  const out: Diagnostic[] = [];
  if (sidecars.length === 0) return out;
  // What every sidecar may see: the edge's clusters but those it keeps to itself.
  const hidden = new Set(edgeOnly);
  const clusters = new Set(edge[CLUSTER].map((r) => r.name).filter((n) => !hidden.has(n)));
  const assignments = new Set(edge[ENDPOINT].map((r) => r.name));
  const ids = new Map<object, number>();
  const id = (o: object) => {
    let n = ids.get(o);
    if (n === undefined) {
      n = ids.size;
      ids.set(o, n);
    }
    return n;
  };
  const found = new Map<string, Diagnostic[]>();
  for (const s of sidecars) {
    const label = sidecarProfile(s.service);
    for (const c of s.clusters ?? []) {
      if (clusters.has(c)) continue;
      out.push(
        problem('REFERENCE_DANGLING', `${label} upstreams`, `sidecar of "${s.service}" may use unknown cluster "${c}"`),
      );
    }
    for (const r of s.own[CLUSTER]) {
      if (!clusters.has(r.name)) continue;
      out.push(
        problem(
          'RESOURCE_INVALID',
          `${label} Cluster "${r.name}"`,
          `local cluster "${r.name}" shadows an upstream cluster`,
        ),
      );
    }
    // The graph depends on the own message objects and on which upstreams: key by both.
    const own = PUSH_ORDER.map((t) => s.own[t].map((r) => id(r.message)).join(',')).join(';');
    const key = `${own}|${s.clusters ? s.service : '*'}`;
    let broken = found.get(key);
    if (!broken) {
      // A view holds the edge clusters and endpoints it may use: all, or those named in its list.
      const only = (names: ReadonlySet<string>) =>
        s.clusters ? new Set(s.clusters.filter((c) => names.has(c))) : names;
      broken = checkReferences(s.own, '', { clusters: only(clusters), assignments: only(assignments) });
      found.set(key, broken);
    }
    for (const d of broken) out.push({ ...d, path: `${label} ${d.path}` });
  }
  return out;
}
