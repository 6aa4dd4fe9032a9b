// JSON shapes exactly as Consul writes them (consul-api.md §3.0–3.2 and errata 7): capitalised
// tagged-address fields, Tags/ServiceTags never null, health's Service.Meta may be null while catalog
// rows always carry ServiceMeta {}, checks listed node-level first.
import type { CheckRec, KvRec, NodeRec, ServiceRec, Store } from './store.ts';

export function nodeJson(n: NodeRec): Record<string, unknown> {
  return {
    ID: n.id,
    Node: n.node,
    Address: n.address,
    Datacenter: n.datacenter,
    TaggedAddresses: n.taggedAddresses,
    Meta: n.meta,
    CreateIndex: n.createIndex,
    ModifyIndex: n.modifyIndex,
  };
}

export function serviceJson(s: ServiceRec): Record<string, unknown> {
  return {
    ...(s.kind && { Kind: s.kind }),
    ID: s.id,
    Service: s.service,
    Tags: [...s.tags],
    Address: s.address,
    ...(Object.keys(s.taggedAddresses).length > 0 && { TaggedAddresses: s.taggedAddresses }),
    Meta: s.meta,
    Port: s.port,
    Weights: s.weights,
    EnableTagOverride: s.enableTagOverride,
    Proxy: { Mode: '', MeshGateway: {}, Expose: {} },
    Connect: {},
    PeerName: '',
    CreateIndex: s.createIndex,
    ModifyIndex: s.modifyIndex,
  };
}

export function checkJson(c: CheckRec): Record<string, unknown> {
  return {
    Node: c.node,
    CheckID: c.checkId,
    Name: c.name,
    Status: c.status,
    Notes: c.notes,
    Output: c.output,
    ServiceID: c.serviceId,
    ServiceName: c.serviceName,
    ServiceTags: [...c.serviceTags],
    Type: c.type,
    Interval: c.interval,
    Timeout: c.timeout,
    ExposedPort: 0,
    Definition: {},
    CreateIndex: c.createIndex,
    ModifyIndex: c.modifyIndex,
  };
}

/** One row of /v1/catalog/service/:name. */
export function catalogRow(n: NodeRec, s: ServiceRec): Record<string, unknown> {
  return {
    ID: n.id,
    Node: n.node,
    Address: n.address,
    Datacenter: n.datacenter,
    TaggedAddresses: n.taggedAddresses,
    NodeMeta: n.meta,
    ServiceKind: s.kind,
    ServiceID: s.id,
    ServiceName: s.service,
    ServiceTags: [...s.tags],
    ServiceAddress: s.address,
    ServiceTaggedAddresses: s.taggedAddresses,
    ServiceWeights: s.weights,
    ServiceMeta: s.meta ?? {},
    ServicePort: s.port,
    ServiceSocketPath: '',
    ServiceEnableTagOverride: s.enableTagOverride,
    ServiceProxy: { Mode: '', MeshGateway: {}, Expose: {} },
    ServiceConnect: {},
    ServiceLocality: null,
    CreateIndex: s.createIndex,
    ModifyIndex: s.modifyIndex,
  };
}

/** One entry of /v1/health/service/:name. */
export function healthEntry(store: Store, s: ServiceRec): { Node: unknown; Service: unknown; Checks: unknown[] } {
  const n = store.nodes.get(s.node);
  return {
    Node: n ? nodeJson(n) : { Node: s.node },
    Service: serviceJson(s),
    Checks: store.checksFor(s.node, s.id).map(checkJson),
  };
}

/** One KV entry: Value base64 or null when empty. */
export function kvJson(r: KvRec): Record<string, unknown> {
  return {
    LockIndex: r.lockIndex,
    Key: r.key,
    Flags: r.flags,
    Value: r.value && r.value.length > 0 ? r.value.toString('base64') : null,
    CreateIndex: r.createIndex,
    ModifyIndex: r.modifyIndex,
  };
}
