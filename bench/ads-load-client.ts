// Child process of the xDS benchmark: N simulated SotW clients on ADS, shaped like edge Envoys
// (wildcard CDS and LDS, EDS for every cluster, RDS for the edge routes), ACKing every response.
// Prints one JSON line per event on stdout; the parent measures from the server side.
import * as grpc from '@grpc/grpc-js';
import { packageDefinition } from '../src/protos.ts';
import { CLUSTER, ENDPOINT, LISTENER, ROUTE } from '../src/resource-types.ts';
import { readResponseHead } from './wire.ts';

const [address, countText, clusterCountText, channelsText] = process.argv.slice(2);
const count = Number(countText);
const clusterNames = Array.from({ length: Number(clusterCountText) }, (_, i) => `svc-${String(i).padStart(4, '0')}`);
const channels = Number(channelsText ?? 20);

const def = packageDefinition['envoy.service.discovery.v3.AggregatedDiscoveryService'] as grpc.ServiceDefinition;
const method = def.StreamAggregatedResources!;
const Client = grpc.makeGenericClientConstructor(
  { StreamAggregatedResources: { ...method, responseDeserialize: (b: Buffer) => b } },
  'ADS',
);
const clients = Array.from(
  { length: channels },
  (_, i) => new Client(address!, grpc.credentials.createInsecure(), { 'bench.channel': i }),
);

const emit = (event: object) => process.stdout.write(`${JSON.stringify(event)}\n`);
const initial: Record<string, string[]> = {
  [CLUSTER]: [],
  [ENDPOINT]: clusterNames,
  [LISTENER]: [],
  [ROUTE]: ['edge-routes'],
};
let synced = 0;

for (let i = 0; i < count; i++) {
  const call = (
    clients[i % channels] as unknown as { StreamAggregatedResources(): grpc.ClientDuplexStream<object, Buffer> }
  ).StreamAggregatedResources();
  const seen = new Set<string>();
  let first = true;
  const node = { id: `bench-${i}`, cluster: 'bench', user_agent_name: 'envoy' };
  for (const [typeUrl, names] of Object.entries(initial)) {
    call.write({
      ...(first ? { node } : {}),
      type_url: typeUrl,
      resource_names: names,
      version_info: '',
      response_nonce: '',
    });
    first = false;
  }
  call.on('data', (buf: Buffer) => {
    const head = readResponseHead(buf);
    call.write({
      type_url: head.typeUrl,
      version_info: head.versionInfo,
      response_nonce: head.nonce,
      resource_names: initial[head.typeUrl] ?? [],
    });
    if (!seen.has(head.typeUrl)) {
      seen.add(head.typeUrl);
      if (seen.size === Number(process.env.BENCH_TYPES ?? 4)) {
        synced++;
        if (synced === count) emit({ event: 'synced', clients: count });
      }
    }
  });
  call.on('error', (err: Error) => emit({ event: 'error', client: i, message: err.message }));
}

process.stdin.on('data', () => {
  // Any input means stop.
  for (const c of clients) c.close();
  process.exit(0);
});
