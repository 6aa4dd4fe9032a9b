// Shared parts of the benchmarks: the load-client child process and the no-logic baseline.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import * as grpc from '@grpc/grpc-js';
import { packageDefinition } from '../src/protos.ts';
import type { Entry } from '../src/snapshot/index.ts';
import { encodeDiscoveryResponse } from '../src/xds/discovery-response.ts';

/** How the simulated clients subscribe. */
export interface LoadShape {
  readonly clients: number;
  /** Cluster names as a pattern, e.g. "svc-%04d", and how many. */
  readonly pattern: string;
  readonly names: number;
  readonly shape: 'edge' | 'named';
}

/** Starts the load-client child process; `synced` resolves once every client holds all four types. */
export function startClients(address: string, load: LoadShape) {
  const args = [
    'bench/ads-load-client.ts',
    address,
    String(load.clients),
    load.pattern,
    String(load.names),
    load.shape,
    '20',
  ];
  const child = spawn(process.execPath, args, { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout! });
  const synced = new Promise<void>((resolve, reject) => {
    lines.on('line', (l) => {
      const e = JSON.parse(l) as { event: string; message?: string };
      if (e.event === 'synced') resolve();
      if (e.event === 'error') reject(new Error(e.message));
    });
  });
  return {
    synced,
    async stop() {
      child.stdin!.end('stop\n');
      await once(child, 'exit');
    },
  };
}

/** Binds a grpc server on a free loopback port. */
export async function bind(server: grpc.Server): Promise<string> {
  const port = await new Promise<number>((res, rej) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, p) => (e ? rej(e) : res(p))),
  );
  return `127.0.0.1:${port}`;
}

/**
 * The baseline: the same client streams fed pre-serialized responses by a server with no logic at
 * all (one canned answer per type, then one canned change written to every stream). Returns the
 * time from writing the change to each client's ACK.
 */
export async function baselineFanout(
  load: LoadShape,
  initial: ReadonlyMap<string, readonly Entry[]>,
  change: { typeUrl: string; entries: readonly Entry[] },
): Promise<{ acks: number[]; bytesPerClient: number }> {
  const canned = new Map(
    [...initial].map(([t, entries]) => [
      t,
      encodeDiscoveryResponse({
        versionInfo: 'v1',
        typeUrl: t,
        nonce: 'initial',
        resources: entries,
        controlPlane: 'baseline',
      }),
    ]),
  );
  const changeBytes = encodeDiscoveryResponse({
    versionInfo: 'v2',
    typeUrl: change.typeUrl,
    nonce: 'change',
    resources: change.entries,
    controlPlane: 'baseline',
  });
  type Call = grpc.ServerDuplexStream<{ type_url: string; response_nonce: string }, Buffer>;
  const streams: Call[] = [];
  const acks: number[] = [];
  let t0 = 0;
  let done: () => void = () => {};
  const allAcked = new Promise<void>((r) => {
    done = r;
  });
  const server = new grpc.Server();
  const def = packageDefinition['envoy.service.discovery.v3.AggregatedDiscoveryService'] as grpc.ServiceDefinition;
  server.addService(
    { StreamAggregatedResources: { ...def.StreamAggregatedResources!, responseSerialize: (b: Buffer) => b } },
    {
      StreamAggregatedResources: (call: Call) => {
        streams.push(call);
        call.on('data', (req) => {
          if (req.response_nonce === '') call.write(canned.get(req.type_url)!);
          else if (req.response_nonce === 'change') {
            acks.push(performance.now() - t0);
            if (acks.length === load.clients) done();
          }
        });
        call.on('error', () => {});
      },
    },
  );
  const clients = startClients(await bind(server), load);
  await clients.synced;
  t0 = performance.now();
  for (const s of streams) s.write(changeBytes);
  await allAcked;
  await clients.stop();
  server.forceShutdown();
  return { acks, bytesPerClient: changeBytes.length };
}

/** The p-th percentile of `xs`. */
export const pct = (xs: readonly number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? Number.NaN;
};

/** Milliseconds, formatted. */
export const ms = (x: number): string => `${x.toFixed(1)} ms`;
