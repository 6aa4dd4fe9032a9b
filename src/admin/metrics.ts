// Prometheus metrics: one registry per process (not prom-client's global, so tests can run
// several Gatehouses side by side). Implements the xDS callbacks and pipeline hooks.
import * as prom from 'prom-client';
import type { PipelineHooks } from '../pipeline.ts';
import { SHORT_NAME, type TypeUrl } from '../resource-types.ts';
import type { XdsCallbacks } from '../xds/index.ts';

/** The metrics of one Gatehouse. */
export interface Metrics {
  readonly registry: prom.Registry;
  readonly xds: XdsCallbacks;
  readonly pipeline: PipelineHooks;
}

/** Creates the registry and every metric. */
export function createMetrics(): Metrics {
  const registry = new prom.Registry();
  prom.collectDefaultMetrics({ register: registry, prefix: 'gatehouse_process_' });
  const t = (typeUrl: TypeUrl) => SHORT_NAME[typeUrl];
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

  return {
    registry,
    xds: {
      onStreamOpen: (s) => connected.inc({ profile: s.profile }),
      onStreamClosed: (s, types) => {
        connected.dec({ profile: s.profile });
        for (const type of types) streams.dec({ type: t(type), profile: s.profile });
      },
      onSubscribe: (s, type) => streams.inc({ type: t(type), profile: s.profile }),
      onResponse: (s, type, _n, size) => {
        responses.inc({ type: t(type), profile: s.profile });
        bytes.inc({ type: t(type) }, size);
      },
      onAck: (s, type, ms) => {
        acks.inc({ type: t(type), profile: s.profile });
        if (ms !== undefined) ackLatency.observe({ type: t(type) }, ms / 1000);
      },
      onNack: (s, nack) => nacks.inc({ type: t(nack.typeUrl as TypeUrl), profile: s.profile }),
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
