// The policy watched in Consul KV at <prefix>/policy.yaml: valid -> emitted, invalid -> refused with
// every problem and its path (the old policy keeps serving), fixed -> emitted, unchanged -> silent.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Policy } from '../../src/model/index.ts';
import { ConsulKvPolicySource } from '../../src/sources/consul/index.ts';
import { ConsulEmulator } from './emulator/index.ts';
import { call, FAST, recorder, silent, until } from './helpers.ts';

let emu: ConsulEmulator;
let source: ConsulKvPolicySource;
let rec: ReturnType<typeof recorder<Policy>>;

beforeEach(async () => {
  emu = await new ConsulEmulator({ maxQueryTimeMs: 10_000 }).start();
  rec = recorder<Policy>();
  source = new ConsulKvPolicySource({ connection: { address: emu.url }, log: silent, prefix: 'gatehouse/', ...FAST });
});
afterEach(async () => {
  await source.stop();
  await emu.stop();
});

const put = async (key: string, text: string) => {
  const r = await call(emu, 'PUT', `/v1/kv/${key}`, text);
  expect(r.text).toBe('true');
};
const GOOD = 'routes:\n  - name: web\n    service: web\n    match: { prefix: / }\n';

describe('consul kv policy source', () => {
  it('emits a valid policy, refuses an invalid one with paths, and emits the fix', async () => {
    expect(source.key).toBe('gatehouse/policy.yaml');
    await put('gatehouse/policy.yaml', GOOD);
    source.start(rec.sink);
    await until(() => rec.updates.length === 1, 5_000, 'policy emitted');
    expect(rec.last?.routes[0]?.service).toBe('web');
    expect(source.status()).toMatchObject({ healthy: true });

    await put('gatehouse/policy.yaml', 'routes:\n  - name: Bad Name\n    service: web\n    match: { prefix: nope }\n');
    await until(() => rec.rejects.length === 1, 5_000, 'policy refused');
    const paths = rec.rejects[0]?.map((d) => d.path) ?? [];
    expect(paths).toContain('consul:gatehouse/policy.yaml.routes[0].name');
    expect(paths).toContain('consul:gatehouse/policy.yaml.routes[0].match.prefix');
    expect(rec.updates).toHaveLength(1);

    await put('gatehouse/policy.yaml', GOOD.replace('web\n    match', 'api\n    match'));
    await until(() => rec.updates.length === 2, 5_000, 'fix emitted');
    expect(rec.last?.routes[0]?.service).toBe('api');
  });

  it('ignores other keys and unchanged rewrites, and refuses a missing key', async () => {
    source.start(rec.sink);
    await until(() => rec.rejects.length === 1, 5_000, 'missing key refused');
    expect(rec.rejects[0]?.[0]).toMatchObject({ code: 'CONFIG_READ', path: 'consul:gatehouse/policy.yaml' });

    await put('gatehouse/policy.yaml', GOOD);
    await until(() => rec.updates.length === 1);
    const index = source.status().lastIndex;
    await put('gatehouse/other', 'x');
    await put('gatehouse/policy.yaml', GOOD);
    await until(() => source.status().lastIndex > index + 1, 5_000, 'index moved');
    expect(rec.updates).toHaveLength(1);
    expect(rec.rejects).toHaveLength(1);
  });

  it('reports YAML syntax errors with line and column', async () => {
    await put('gatehouse/policy.yaml', 'routes: [\n');
    source.start(rec.sink);
    await until(() => rec.rejects.length === 1);
    expect(rec.rejects[0]?.[0]?.code).toBe('CONFIG_PARSE');
    expect(rec.rejects[0]?.[0]?.path).toMatch(/^consul:gatehouse\/policy\.yaml:\d+:\d+$/);
  });

  it('write() stores a policy in the KV key (policy apply), and the watch delivers it', async () => {
    await put('gatehouse/policy.yaml', GOOD);
    source.start(rec.sink);
    await until(() => rec.updates.length === 1, 5_000, 'first policy');
    const applied = GOOD.replace('web\n    match', 'orders\n    match');
    await source.write(applied);
    const stored = await call(emu, 'GET', '/v1/kv/gatehouse/policy.yaml?raw');
    expect(stored.text).toBe(applied);
    await until(() => rec.updates.length === 2, 5_000, 'applied policy delivered by the watch');
    expect(rec.last?.routes[0]?.service).toBe('orders');
  });
});
