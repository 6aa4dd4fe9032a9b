// Composition root: settings in, running Gatehouse out. Builds the logger, sources, pipeline and
// servers, and tears them down in reverse. No business logic.
import type { AddressInfo } from 'node:net';
import * as grpc from '@grpc/grpc-js';
import { createAdminServer, createMetrics, type Metrics } from './admin/index.ts';
import { AuthzService, startAuthzServer } from './authz/index.ts';
import { observabilityTarget, type Settings, splitHostPort } from './config/index.ts';
import { createLogger, type Logger } from './log.ts';
import type { Catalog, Policy } from './model/index.ts';
import { Pipeline } from './pipeline.ts';
import { SnapshotHolder } from './snapshot/index.ts';
import type { Source } from './sources/index.ts';
import { selectSources } from './sources/select.ts';
import { AdsService } from './xds/index.ts';

/** A running Gatehouse. */
export interface Gatehouse {
  /** The bound ADS address (port resolved when 0 was asked for). */
  readonly xdsAddress: string;
  readonly adminAddress: string;
  /** The bound ext_authz Check address. */
  readonly authzAddress: string;
  readonly pipeline: Pipeline;
  readonly ads: AdsService;
  readonly holder: SnapshotHolder;
  readonly metrics: Metrics;
  stop(): Promise<void>;
}

/** Options beyond the settings file (tests inject sources and loggers). */
export interface StartOptions {
  readonly log?: Logger;
  readonly catalog?: Source<Catalog>;
  readonly policy?: Source<Policy>;
}

/** Starts every part of Gatehouse and resolves once both servers listen. */
export async function startGatehouse(settings: Settings, opts: StartOptions = {}): Promise<Gatehouse> {
  const log = opts.log ?? createLogger(settings.log.level);
  const metrics = createMetrics();
  const holder = new SnapshotHolder();
  const sources = opts.catalog && opts.policy ? undefined : selectSources(settings, log);
  let authzTarget: { host: string; port: number; timeoutMs: number } | undefined;
  const pipeline = new Pipeline({
    catalog: opts.catalog ?? sources!.catalog,
    policy: opts.policy ?? sources!.policy,
    holder,
    log: log.child({ module: 'pipeline' }),
    quietPeriodMs: settings.pipeline.quietPeriod,
    endpointQuietPeriodMs: settings.pipeline.endpointQuietPeriod,
    maxDelayMs: settings.pipeline.maxDelay,
    hooks: metrics.pipeline,
    authz: () => authzTarget,
    observability: observabilityTarget(settings.observability),
  });
  const ads = new AdsService({ source: holder, log: log.child({ module: 'xds' }), callbacks: metrics.xds });

  const authz = new AuthzService({ source: pipeline, log: log.child({ module: 'authz' }), registry: metrics.registry });
  const authzServer = await startAuthzServer(authz, settings.authz.address);
  // Envoys dial the advertised address when set, else the one bound (its port resolved if 0).
  const dial = splitHostPort(settings.authz.advertise ?? authzServer.address);
  authzTarget = { host: dial.host, port: dial.port, timeoutMs: settings.authz.timeout };

  const grpcServer = new grpc.Server({
    'grpc.max_send_message_length': 64 * 1024 * 1024,
    'grpc.keepalive_time_ms': 30_000,
  });
  ads.addTo(grpcServer);
  const admin = createAdminServer({ pipeline, snapshots: holder, ads, metrics, log: log.child({ module: 'admin' }) });
  const adminTarget = splitHostPort(settings.admin.address);
  let xdsPort: number;
  try {
    xdsPort = await new Promise<number>((resolve, reject) =>
      grpcServer.bindAsync(settings.xds.address, grpc.ServerCredentials.createInsecure(), (err, port) =>
        err ? reject(err) : resolve(port),
      ),
    );
    await new Promise<void>((resolve, reject) => {
      admin.once('error', reject);
      admin.listen(adminTarget.port, adminTarget.host, () => resolve());
    });
  } catch (err) {
    // A port already taken must not leave the other servers bound behind a failed start.
    grpcServer.forceShutdown();
    admin.close();
    await authzServer.stop();
    throw err;
  }
  const xdsHost = splitHostPort(settings.xds.address).host;
  const adminPort = (admin.address() as AddressInfo).port;

  pipeline.start();
  const xdsAddress = `${xdsHost}:${xdsPort}`;
  const adminAddress = `${adminTarget.host}:${adminPort}`;
  log.info({ xds: xdsAddress, admin: adminAddress, authz: authzServer.address }, 'gatehouse started');

  return {
    xdsAddress,
    adminAddress,
    authzAddress: authzServer.address,
    pipeline,
    ads,
    holder,
    metrics,
    async stop() {
      await pipeline.stop();
      await new Promise<void>((resolve) => admin.close(() => resolve()));
      admin.closeAllConnections();
      grpcServer.forceShutdown();
      await authzServer.stop();
      log.info('gatehouse stopped');
    },
  };
}
