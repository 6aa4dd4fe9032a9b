// Child process of bench:consul: the emulated Consul runs in its own process, as a real Consul
// would, so its JSON encoding and store scans do not count against Gatehouse's latency.
// argv: services, instances. Prints {"url"} once seeded; stdin lines: "count" -> {"count"}.
import { createInterface } from 'node:readline';
import { ConsulEmulator } from '../test/consul/emulator/index.ts';

const [servicesText, instancesText] = process.argv.slice(2);
const INSTANCES = Number(instancesText);
const name = (i: number) => `svc-${String(i).padStart(4, '0')}`;

/** Registers services x instances over nodes of 100 instances each, in the emulator's own store. */
function seed(emu: ConsulEmulator, services: number): void {
  const s = emu.store;
  s.txn((tx) => {
    const nodes = Math.ceil((services * INSTANCES) / 100);
    for (let j = 0; j < nodes; j++) {
      s.upsertNode(tx, {
        id: `node-${j}`,
        node: `node-${j}`,
        address: `10.${(j >> 8) & 255}.${j & 255}.1`,
        datacenter: 'dc1',
        taggedAddresses: {},
        meta: { region: 'r1', zone: `z${j % 3}` },
      });
    }
    let k = 0;
    for (let i = 0; i < services; i++) {
      for (let n = 0; n < INSTANCES; n++, k++) {
        const node = `node-${Math.floor(k / 100)}`;
        const id = `${name(i)}-${n}`;
        s.upsertService(tx, {
          node,
          id,
          service: name(i),
          tags: [],
          address: '',
          port: 10_000 + n,
          meta: null,
          weights: { Passing: 1, Warning: 1 },
          taggedAddresses: {},
          kind: '',
          enableTagOverride: false,
        });
        s.upsertCheck(tx, {
          node,
          checkId: `service:${id}`,
          name: 'ttl',
          status: 'passing',
          notes: '',
          output: '',
          serviceId: id,
          serviceName: name(i),
          serviceTags: [],
          type: 'ttl',
          interval: '',
          timeout: '',
        });
      }
    }
  });
}

const emu = await new ConsulEmulator({ maxQueryTimeMs: 600_000, jitter: false }).start();
seed(emu, Number(servicesText));
process.stdout.write(`${JSON.stringify({ url: emu.url })}\n`);
for await (const line of createInterface({ input: process.stdin })) {
  if (line === 'count') process.stdout.write(`${JSON.stringify({ count: emu.count() })}\n`);
}
await emu.stop();
process.exit(0);
