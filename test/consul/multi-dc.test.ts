// Failover datacenters from Consul: one watch per datacenter, merged; remote instances carry their
// datacenter, so the policy's `failover` list places them at priority 1.. in the endpoints.
import { afterEach, describe, expect, it } from 'vitest';
import { compile } from '../../src/compile.ts';
import { parsePolicy } from '../../src/config/index.ts';
import type { Catalog } from '../../src/model/index.ts';
import { decode } from '../../src/protos.ts';
import { ENDPOINT } from '../../src/resource-types.ts';
import { ConsulCatalogSource, MultiDatacenterCatalogSource } from '../../src/sources/consul/index.ts';
import { ConsulEmulator } from './emulator/index.ts';
import { FAST, recorder, registerOnNode, silent, until } from './helpers.ts';

const cleanup: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});

async function emulator(datacenter: string, address: string): Promise<ConsulEmulator> {
  const emu = await new ConsulEmulator({ datacenter, maxQueryTimeMs: 10_000 }).start();
  cleanup.push(() => emu.stop());
  await registerOnNode(emu, {
    node: `node-${datacenter}`,
    address,
    service: { ID: 'web-1', Service: 'web', Port: 8080 },
    checks: [{ CheckID: 'web-alive', Name: 'alive', Status: 'passing', ServiceID: 'web-1' }],
  });
  return emu;
}

describe('consul failover datacenters', () => {
  it('merges the failover datacenter; the policy puts its instances at priority 1', async () => {
    const dc1 = await emulator('dc1', '10.1.0.1');
    const dc2 = await emulator('dc2', '10.2.0.1');
    const source = new MultiDatacenterCatalogSource(
      new ConsulCatalogSource({ connection: { address: dc1.url, datacenter: 'dc1' }, log: silent, ...FAST }),
      [
        {
          datacenter: 'dc2',
          source: new ConsulCatalogSource({
            connection: { address: dc2.url, datacenter: 'dc2' },
            log: silent,
            ...FAST,
          }),
        },
      ],
      'dc1',
    );
    cleanup.push(() => source.stop());
    const rec = recorder<Catalog>();
    source.start(rec.sink);
    await until(() => rec.last?.services.web?.instances.length === 2, 5_000, 'both datacenters merged');
    const catalog = rec.last!;
    expect(catalog.datacenter).toBe('dc1');
    expect(catalog.services.web!.instances.map((i) => [i.address, i.datacenter])).toEqual([
      ['10.1.0.1', undefined],
      ['10.2.0.1', 'dc2'],
    ]);

    const policy = parsePolicy('services:\n  web: { failover: [dc2] }\n');
    if (!policy.ok) throw new Error('policy');
    const cla = compile(catalog, policy.value).snapshot!.profiles.edge![ENDPOINT].entries.get('web')!;
    const decoded = decode<{
      endpoints: {
        priority: number;
        lb_endpoints: { endpoint: { address: { socket_address: { address: string } } } }[];
      }[];
    }>(cla.messageName, cla.value);
    expect(
      decoded.endpoints.map((l) => [l.priority, l.lb_endpoints[0]!.endpoint.address.socket_address.address]),
    ).toEqual([
      [0, '10.1.0.1'],
      [1, '10.2.0.1'],
    ]);

    // A failover datacenter going away degrades the source but keeps the local catalog serving.
    await dc2.stop();
    await until(() => source.status().healthy === false, 5_000, 'degraded after dc2 stops');
    expect(rec.last!.services.web!.instances).toHaveLength(2);
  });
});
