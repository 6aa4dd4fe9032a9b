// Prometheus metrics: one registry per process (not prom-client's global, so tests can run
// several Gatehouses side by side). Implements the xDS callbacks and pipeline hooks.
import * as prom from 'prom-client';
import type { PipelineHooks } from '../pipeline.ts';
import { SHORT_NAME, type TypeUrl } from '../resource-types.ts';
import type { SourceHealth } from '../sources/index.ts';
import { type Profile, profileKind } from '../translate/resources.ts';
import type { XdsCallbacks } from '../xds/index.ts';

/** The metrics of one Gatehouse. */
export interface Metrics {
  readonly registry: prom.Registry;
  readonly xds: XdsCallbacks;
  readonly pipeline: PipelineHooks;
  /** Records source health (called at scrape time). */
  readonly observeSources: (sources: Readonly<Record<string, SourceHealth>>) => void;
}

/** Creates the registry and every metric. */
export function createMetrics(): Metrics {
  const registry = new prom.Registry();
  prom.collectDefaultMetrics({ register: registry, prefix: 'gatehouse_process_' });
  const t = (typeUrl: TypeUrl) => SHORT_NAME[typeUrl];
  // edge, grpc or sidecar: a label per sidecar service would be one series per service.
  const p = (s: { profile: Profile }) => profileKind(s.profile);
  const streams = new prom.Gauge({
    name: 'gatehouse_xds_streams',
    help: 'Connected ADS streams subscribed to a type, by type and node profile',
    labelNames: ['type', 'profile'],
    registers: [registry],
  });
  const connected = new prom.Gauge({
    name: 'gatehouse_xds_connected_nodes',
    help: 'Open ADS streams by node profile',
    labelNames: ['profile'],
    registers: [registry],
  });
  const responses = new prom.Counter({
    name: 'gatehouse_xds_responses_total',
    help: 'DiscoveryResponses sent',
    labelNames: ['type', 'profile'],
    registers: [registry],
  });
  const bytes = new prom.Counter({
    name: 'gatehouse_xds_response_bytes_total',
    help: 'Bytes of DiscoveryResponses sent',
    labelNames: ['type'],
    registers: [registry],
  });
  const acks = new prom.Counter({
    name: 'gatehouse_xds_acks_total',
    help: 'Responses accepted by nodes',
    labelNames: ['type', 'profile'],
    registers: [registry],
  });
  const nacks = new prom.Counter({
    name: 'gatehouse_xds_nacks_total',
    help: 'Responses rejected by nodes (error_detail set)',
    labelNames: ['type', 'profile'],
    registers: [registry],
  });
  const stale = new prom.Counter({
    name: 'gatehouse_xds_stale_requests_total',
    help: 'Requests ignored because their nonce was superseded',
    labelNames: ['type'],
    registers: [registry],
  });
  const bad = new prom.Counter({
    name: 'gatehouse_xds_bad_requests_total',
    help: 'Streams closed for an invalid request',
    registers: [registry],
  });
  const ackLatency = new prom.Histogram({
    name: 'gatehouse_xds_publish_to_ack_seconds',
    help: 'Time from publishing a snapshot to a node ACKing the response that carried it',
    labelNames: ['type'],
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  const builds = new prom.Counter({
    name: 'gatehouse_builds_total',
    help: 'Snapshot builds by result (published, unchanged, failed)',
    labelNames: ['result'],
    registers: [registry],
  });
  const buildFailures = new prom.Counter({
    name: 'gatehouse_build_failures_total',
    help: 'Builds refused because of invalid input; the last good snapshot kept serving',
    registers: [registry],
  });
  const buildSeconds = new prom.Histogram({
    name: 'gatehouse_build_duration_seconds',
    help: 'Time to build, translate, validate and snapshot',
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });
  const rejected = new prom.Counter({
    name: 'gatehouse_source_rejections_total',
    help: 'Inputs a source refused (unreadable or invalid files)',
    labelNames: ['source'],
    registers: [registry],
  });

  const sourceHealthy = new prom.Gauge({
    name: 'gatehouse_source_healthy',
    help: 'Whether a remote source (Consul catalog, Consul KV policy) refreshes (1) or serves its last data (0)',
    labelNames: ['source'],
    registers: [registry],
  });
  const sourceSince = new prom.Gauge({
    name: 'gatehouse_source_state_since_seconds',
    help: 'Unix time when a remote source entered its current state (healthy or degraded)',
    labelNames: ['source'],
    registers: [registry],
  });
  return {
    registry,
    observeSources: (sources) => {
      for (const [name, h] of Object.entries(sources)) {
        sourceHealthy.set({ source: name }, h.healthy ? 1 : 0);
        if (h.since) sourceSince.set({ source: name }, Date.parse(h.since) / 1000);
      }
    },
    xds: {
      onStreamOpen: (s) => connected.inc({ profile: p(s) }),
      onStreamClosed: (s, types) => {
        connected.dec({ profile: p(s) });
        for (const type of types) streams.dec({ type: t(type), profile: p(s) });
      },
      onSubscribe: (s, type) => streams.inc({ type: t(type), profile: p(s) }),
      onResponse: (s, type, _n, size) => {
        responses.inc({ type: t(type), profile: p(s) });
        bytes.inc({ type: t(type) }, size);
      },
      onAck: (s, type, ms) => {
        acks.inc({ type: t(type), profile: p(s) });
        if (ms !== undefined) ackLatency.observe({ type: t(type) }, ms / 1000);
      },
      onNack: (s, nack) => nacks.inc({ type: t(nack.typeUrl as TypeUrl), profile: p(s) }),
      onStaleRequest: (_s, type) => stale.inc({ type: t(type) }),
      onBadRequest: () => bad.inc(),
    },
    pipeline: {
      onBuild: (result, ms) => {
        builds.inc({ result });
        if (result === 'failed') buildFailures.inc();
        buildSeconds.observe(ms / 1000);
      },
      onSourceRejected: (source) => rejected.inc({ source }),
    },
  };
}
