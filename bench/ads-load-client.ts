// Child process of the xDS benchmarks: N simulated SotW clients on ADS, ACKing every response.
// argv: address, client count, cluster-name pattern ("svc-%04d"), how many names, shape, channels.
// Shape "edge" = wildcard CDS and LDS, EDS for every named cluster, RDS edge-routes (an edge Envoy);
// "named" = CDS and EDS for exactly the named clusters (a node that needs a few services).
// Prints JSON lines (synced, error); the parent measures from the server side.
import * as grpc from '@grpc/grpc-js';
import { packageDefinition } from '../src/protos.ts';
import { CLUSTER, ENDPOINT, LISTENER, ROUTE } from '../src/resource-types.ts';
import { readResponseHead } from './wire.ts';

const [address, countText, pattern, namesText, shape = 'edge', channelsText = '20'] = process.argv.slice(2);
const count = Number(countText);
const pad = /%0(\d)d/.exec(pattern!)?.[1];
const clusterNames = Array.from({ length: Number(namesText) }, (_, i) =>
  pattern!.replace(/%0\dd/, String(i).padStart(Number(pad ?? 0), '0')),
);
const channels = Number(channelsText);

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
  [CLUSTER]: shape === 'edge' ? [] : clusterNames,
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
      if (seen.size === 4) {
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
