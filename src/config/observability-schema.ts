// Schema of the settings' `observability` section: what the Envoys Gatehouse feeds report about
// the traffic they carry (access logs, request ids, traces, Prometheus stats). These are settings,
// not policy: they describe the fleet's plumbing (where the collector is), not a service's routing.
import { z } from 'zod';
import { listenAddress, splitHostPort } from './listen-address.ts';

// `.prefault({})`: an absent section is parsed as `{}`, so the fields' own defaults fill it.
const enabled = (on: boolean) => z.strictObject({ enabled: z.boolean().default(on) }).prefault({});

/** Where one kind of Envoy exposes its stats for Prometheus, and where its own admin listens. */
const statsEndpoint = (address: string, admin: string) =>
  z
    .strictObject({
      /** The listener Gatehouse sends: it serves only /stats/prometheus. */
      address: listenAddress.default(address),
      /** The Envoy's admin address from its bootstrap; the admin itself stays on loopback. */
      admin: listenAddress.default(admin),
    })
    .prefault({});

export const observabilitySettings = z
  .strictObject({
    /** JSON access log lines on each Envoy's stdout, with the authz decision and policy version. */
    accessLog: enabled(true),
    /** Envoy makes an x-request-id for every request (edge: replacing the client's) and returns it. */
    requestId: enabled(true),
    /** OpenTelemetry tracing on every connection manager, exported over OTLP/gRPC. */
    tracing: z
      .strictObject({
        enabled: z.boolean().default(false),
        /** The OTLP/gRPC collector, "host:port"; a name is resolved by Envoy (STRICT_DNS). */
        collector: listenAddress.optional(),
        /** Share of requests Envoy starts a trace for (a client's sampled trace is always kept). */
        samplingPercent: z.number().min(0).max(100).default(100),
        /** The service name of the edge's spans; a sidecar's spans carry its service's name. */
        edgeServiceName: z.string().min(1).default('gatehouse-edge'),
      })
      .superRefine((t, ctx) => {
        if (t.enabled && t.collector === undefined) {
          ctx.addIssue({
            code: 'custom',
            path: ['collector'],
            input: t.collector,
            message: 'tracing is enabled but no collector is set (e.g. "otel-collector:4317")',
          });
        }
      })
      .prefault({}),
    /** A listener on every Envoy exposing only its admin's /stats/prometheus. */
    stats: z
      .strictObject({
        enabled: z.boolean().default(true),
        edge: statsEndpoint('0.0.0.0:9102', '127.0.0.1:9901'),
        sidecar: statsEndpoint('0.0.0.0:15090', '127.0.0.1:15000'),
      })
      .prefault({}),
  })
  .prefault({});

export type ObservabilitySettings = z.output<typeof observabilitySettings>;

/** A host and port an Envoy listens on or dials. */
export interface HostPort {
  readonly host: string;
  readonly port: number;
}

/** The observability section as the model carries it: switched-off parts absent, addresses split. */
export interface ObservabilityTarget {
  readonly accessLog: boolean;
  readonly requestId: boolean;
  readonly tracing?: {
    readonly collector: HostPort;
    readonly samplingPercent: number;
    readonly edgeServiceName: string;
  };
  readonly stats?: {
    readonly edge: { readonly listen: HostPort; readonly admin: HostPort };
    readonly sidecar: { readonly listen: HostPort; readonly admin: HostPort };
  };
}

/** What translate needs of the observability settings. */
export function observabilityTarget(o: ObservabilitySettings): ObservabilityTarget {
  const { tracing: t, stats: s } = o;
  return {
    accessLog: o.accessLog.enabled,
    requestId: o.requestId.enabled,
    ...(t.enabled &&
      t.collector && {
        tracing: {
          collector: splitHostPort(t.collector),
          samplingPercent: t.samplingPercent,
          edgeServiceName: t.edgeServiceName,
        },
      }),
    ...(s.enabled && {
      stats: {
        edge: { listen: splitHostPort(s.edge.address), admin: splitHostPort(s.edge.admin) },
        sidecar: { listen: splitHostPort(s.sidecar.address), admin: splitHostPort(s.sidecar.admin) },
      },
    }),
  };
}
