// The intermediate representation: plain, readonly, sorted data with no Envoy or Consul types.
// Every later stage (translate, authz, admin views) reads only this.
import type { CatalogFile, LbPolicy, ObservabilityTarget, PolicyFile, Protocol } from '../config/index.ts';
import type {
  CircuitBreaker,
  HashPolicy,
  HealthCheck,
  OutlierDetection,
  RetryBudget,
  RetryPolicy,
} from '../config/resilience-schema.ts';

export type {
  CircuitBreaker,
  HashPolicy,
  HealthCheck,
  ObservabilityTarget as Observability,
  OutlierDetection,
  RetryBudget,
  RetryPolicy,
};

/** Where services run, as every source emits it (static file or Consul). */
export type Catalog = CatalogFile;
/** How traffic is routed and treated. */
export type Policy = PolicyFile;

export type Health = 'healthy' | 'unhealthy' | 'draining' | 'unknown';

export interface Endpoint {
  readonly address: string;
  readonly port: number;
  readonly health: Health;
  readonly weight: number;
}

export interface Locality {
  /** 0 for the local datacenter; 1.. for failover datacenters in policy order. */
  readonly priority: number;
  readonly region: string;
  readonly zone: string;
  readonly subZone: string;
  readonly endpoints: readonly Endpoint[];
}

/** The endpoints of one cluster, grouped by locality. */
export interface Assignment {
  readonly clusterName: string;
  readonly localities: readonly Locality[];
}

/** An upstream cluster: one per service, plus one per declared subset of it. */
export interface Cluster {
  readonly name: string;
  readonly service: string;
  readonly subset?: string;
  readonly lbPolicy: LbPolicy;
  readonly protocol: Protocol;
  readonly connectTimeoutMs: number;
  readonly circuitBreaker?: CircuitBreaker;
  readonly outlierDetection?: OutlierDetection;
  readonly healthCheck?: HealthCheck;
  readonly retryBudget?: RetryBudget;
}

export interface HeaderMatch {
  readonly name: string;
  readonly kind: 'exact' | 'prefix' | 'regex' | 'present';
  readonly value: string;
  readonly invert: boolean;
}

export interface PathMatch {
  readonly kind: 'prefix' | 'path' | 'regex';
  readonly value: string;
}

export interface Route {
  readonly name: string;
  /** Shared by translate (context_extensions) and authz: the policy entry this route answers to. */
  readonly policyKey: string;
  readonly path: PathMatch;
  readonly headers: readonly HeaderMatch[];
  readonly methods: readonly string[];
  /** Where matching requests go: one cluster, or clusters with relative weights. */
  readonly destination: { readonly cluster: string } | { readonly weighted: readonly WeightedCluster[] };
  /** From the destination service's policy (ring_hash / maglev). */
  readonly hashPolicy: readonly HashPolicy[];
  readonly retries?: RetryPolicy;
  /** With an auth section: true unless the route's auth mode is `none` (then the check is off). */
  readonly authChecked?: boolean;
  readonly timeoutMs?: number;
  readonly prefixRewrite?: string;
}

export interface WeightedCluster {
  readonly cluster: string;
  readonly weight: number;
}

export interface VirtualHost {
  readonly name: string;
  readonly domains: readonly string[];
  /** In policy order: the first match wins, so this order is meaning, not presentation. */
  readonly routes: readonly Route[];
}

export interface HttpListener {
  readonly name: string;
  readonly address: string;
  readonly port: number;
  readonly routeConfigName: string;
}

/** One proxyless-gRPC target, reached as `xds:///<service>`. */
export interface GrpcTarget {
  readonly service: string;
  readonly listenerName: string;
  readonly routeConfigName: string;
  readonly virtualHost: VirtualHost;
}

/** The sidecar Envoy next to each instance of one service. */
export interface Sidecar {
  readonly service: string;
  /** Listens on 0.0.0.0 and forwards to the local app. */
  readonly inboundPort: number;
  /** Listens on 127.0.0.1 for the app's outgoing calls. */
  readonly outboundPort: number;
  /** The local app on 127.0.0.1, and the protocol it speaks (the service's own). */
  readonly appPort: number;
  readonly appProtocol: Protocol;
  /**
   * The services it may call (sorted) and the clusters their routes use; absent: every service,
   * which all such sidecars share as one outbound RouteConfiguration and one set of clusters.
   */
  readonly upstreams?: { readonly services: readonly string[]; readonly clusters: readonly string[] };
}

/** Everything the translators need, sorted by name. */
export interface Model {
  readonly edgeListener: HttpListener;
  readonly edgeVirtualHosts: readonly VirtualHost[];
  readonly clusters: readonly Cluster[];
  readonly assignments: readonly Assignment[];
  readonly grpcTargets: readonly GrpcTarget[];
  /** One per service whose sidecar can exist (it has an app port), sorted by service. */
  readonly sidecars: readonly Sidecar[];
  /** The outbound virtual host of every service (`<service>`, `<service>:*`), sorted by service. */
  readonly sidecarHosts: readonly VirtualHost[];
  /** Present when the policy has an auth section: the edge calls Gatehouse's Check service. */
  readonly edgeAuth?: EdgeAuth;
  /** What Envoys report (access logs, request ids, traces, stats); absent: none of it. */
  readonly observability?: ObservabilityTarget;
}

/** How the edge reaches the ext_authz Check service, and which policy version routes carry. */
export interface EdgeAuth {
  readonly host: string;
  readonly port: number;
  readonly timeoutMs: number;
  /** The policy version every checked route names, so Check decides on exactly that version. */
  readonly policyVersion: string;
}
