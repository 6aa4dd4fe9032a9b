// selectSources: settings (and the environment Consul's own tools read) choose the catalog and policy
// sources: files, the Consul catalog, Consul KV, or an empty policy. The Consul choices are checked
// by what they do against the Consul emulator (address and token really used), not only by class.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadSettings, type Settings } from '../../src/config/index.ts';
import { GatehouseError } from '../../src/errors.ts';
import type { Catalog, Policy } from '../../src/model/index.ts';
import { ConsulCatalogSource, ConsulKvPolicySource } from '../../src/sources/consul/index.ts';
import type { Source } from '../../src/sources/index.ts';
import { consulConnection, type SelectedSources, selectSources } from '../../src/sources/select.ts';
import { ConsulEmulator } from '../consul/emulator/index.ts';
import { call, recorder, silent, until } from '../consul/helpers.ts';

let dir: string;
let seq = 0;
const started: Source<unknown>[] = [];

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'gatehouse-select-'));
  await writeFile(
    path.join(dir, 'catalog.yaml'),
    'services:\n  files:\n    instances: [{ address: 10.0.0.1, port: 80 }]\n',
  );
  await writeFile(
    path.join(dir, 'policy.yaml'),
    'routes:\n  - { name: from-file, service: files, match: { prefix: / } }\n',
  );
});
afterEach(async () => {
  await Promise.all(started.splice(0).map((s) => s.stop()));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Settings from YAML text written into the temp folder (file paths resolve against it). */
async function settings(text: string, overrides: Parameters<typeof loadSettings>[1] = {}): Promise<Settings> {
  const f = path.join(dir, `settings-${++seq}.yaml`);
  await writeFile(f, text);
  const r = loadSettings(f, overrides);
  if (!r.ok) throw new Error(JSON.stringify(r.diagnostics));
  return r.value;
}

/** Starts both sources with recording sinks (stopped after the test). */
function start(sel: SelectedSources) {
  const catalog = recorder<Catalog>();
  const policy = recorder<Policy>();
  started.push(sel.catalog as Source<unknown>, sel.policy as Source<unknown>);
  sel.catalog.start(catalog.sink);
  sel.policy.start(policy.sink);
  return { catalog, policy };
}

/** The error selectSources throws, or a failure if it does not throw. */
function thrown(fn: () => unknown): GatehouseError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(GatehouseError);
    return err as GatehouseError;
  }
  throw new Error('expected selectSources to throw');
}

describe('file and empty sources', () => {
  it('catalog and policy files: file sources, no Consul needed', async () => {
    const s = await settings('catalog: { file: catalog.yaml }\npolicy: { file: policy.yaml }\n');
    const sel = selectSources(s, silent, {});
    expect(sel.catalog).not.toBeInstanceOf(ConsulCatalogSource);
    expect(sel.policy).not.toBeInstanceOf(ConsulKvPolicySource);
    expect([sel.catalog.name, sel.policy.name]).toEqual(['catalog', 'policy']);
    const rec = start(sel);
    await until(() => rec.catalog.updates.length === 1 && rec.policy.updates.length === 1, 5_000, 'both files read');
    expect(Object.keys(rec.catalog.last!.services)).toEqual(['files']);
    expect(rec.policy.last!.routes.map((r) => r.name)).toEqual(['from-file']);
  });

  it('no policy source named: an empty policy, delivered at once', async () => {
    const s = await settings('catalog: { file: catalog.yaml }\n');
    const sel = selectSources(s, silent, { CONSUL_HTTP_ADDR: 'http://127.0.0.1:1' });
    expect(sel.policy.name).toBe('policy');
    expect(sel.policy).not.toBeInstanceOf(ConsulKvPolicySource);
    const rec = start(sel);
    expect(rec.policy.updates).toHaveLength(1);
    expect(rec.policy.last).toMatchObject({ services: {}, routes: [] });
    expect(rec.policy.rejects).toEqual([]);
  });
});

describe('Consul sources', () => {
  let emu: ConsulEmulator;

  afterEach(async () => {
    await emu?.stop();
  });

  async function consulWith(opts: ConstructorParameters<typeof ConsulEmulator>[0] = {}, token?: string) {
    emu = await new ConsulEmulator({ jitter: false, maxQueryTimeMs: 10_000, ...opts }).start();
    const headers: Record<string, string> = token ? { 'X-Consul-Token': token } : {};
    const reg = await call(
      emu,
      'PUT',
      '/v1/catalog/register',
      {
        Node: 'n1',
        Address: '10.0.0.9',
        Service: { ID: 'web-1', Service: 'web', Port: 8080 },
        Checks: [{ CheckID: 'web-1', ServiceID: 'web-1', Status: 'passing' }],
      },
      headers,
    );
    expect(reg.status).toBe(200);
    const put = await call(
      emu,
      'PUT',
      '/v1/kv/gh/prod/policy.yaml',
      'routes:\n  - { name: from-kv, service: web, match: { prefix: / } }\n',
      headers,
    );
    expect(put.text).toBe('true');
  }

  it('catalog: {consul: true} + policy: {consulPrefix}: the Consul catalog and the KV policy at the settings address', async () => {
    await consulWith();
    const s = await settings(
      `consul: { address: "${emu.url}" }\ncatalog: { consul: true }\npolicy: { consulPrefix: gh/prod }\n`,
    );
    const sel = selectSources(s, silent, {});
    expect(sel.catalog).toBeInstanceOf(ConsulCatalogSource);
    expect(sel.policy).toBeInstanceOf(ConsulKvPolicySource);
    expect((sel.policy as ConsulKvPolicySource).key).toBe('gh/prod/policy.yaml');
    expect([sel.catalog.name, sel.policy.name]).toEqual(['catalog', 'policy']);
    const rec = start(sel);
    await until(() => rec.catalog.updates.length > 0 && rec.policy.updates.length > 0, 5_000, 'consul read');
    expect(rec.catalog.last!.services.web?.instances.map((i) => `${i.address}:${i.port}`)).toEqual(['10.0.0.9:8080']);
    expect(rec.policy.last!.routes.map((r) => r.name)).toEqual(['from-kv']);
    expect(sel.catalog.status?.()).toMatchObject({ healthy: true });
  });

  it('a settings address without a scheme means http', async () => {
    await consulWith();
    const s = await settings(`consul: { address: "127.0.0.1:${emu.port}" }\n`);
    const rec = start(selectSources(s, silent, {}));
    await until(() => rec.catalog.updates.length > 0, 5_000, 'catalog read');
    expect(Object.keys(rec.catalog.last!.services)).toEqual(['web']);
  });

  it('a KV policy beside a file catalog needs Consul only for the policy', async () => {
    await consulWith();
    const s = await settings('catalog: { file: catalog.yaml }\npolicy: { consulPrefix: gh/prod }\n');
    const sel = selectSources(s, silent, { CONSUL_HTTP_ADDR: emu.url });
    expect(sel.catalog).not.toBeInstanceOf(ConsulCatalogSource);
    expect(sel.policy).toBeInstanceOf(ConsulKvPolicySource);
    const rec = start(sel);
    await until(() => rec.policy.updates.length > 0 && rec.catalog.updates.length > 0, 5_000, 'policy read');
    expect(rec.policy.last!.routes.map((r) => r.name)).toEqual(['from-kv']);
    expect(Object.keys(rec.catalog.last!.services)).toEqual(['files']);
  });

  describe('with ACLs on (anonymous: deny)', () => {
    const acl = {
      acl: { tokens: { 'reader-secret': 'read', 'writer-secret': 'write' }, defaultPolicy: 'deny' },
    } as const;

    it('CONSUL_HTTP_ADDR and CONSUL_HTTP_TOKEN from the environment are used', async () => {
      await consulWith(acl, 'writer-secret');
      const s = value(loadSettings(undefined));
      const withPolicy = { ...s, policy: { consulPrefix: 'gh/prod' } };
      const rec = start(
        selectSources(withPolicy, silent, { CONSUL_HTTP_ADDR: emu.url, CONSUL_HTTP_TOKEN: 'reader-secret' }),
      );
      await until(() => rec.catalog.updates.length > 0 && rec.policy.updates.length > 0, 5_000, 'consul read');
      expect(Object.keys(rec.catalog.last!.services)).toEqual(['web']);
      expect(rec.policy.last!.routes.map((r) => r.name)).toEqual(['from-kv']);
    });

    it('without the token the same setup sees nothing (so the token above was really sent)', async () => {
      await consulWith(acl, 'writer-secret');
      const sel = selectSources({ ...value(loadSettings(undefined)), policy: { consulPrefix: 'gh/prod' } }, silent, {
        CONSUL_HTTP_ADDR: emu.url,
      });
      const rec = start(sel);
      await until(() => rec.policy.rejects.length > 0, 5_000, 'policy refused');
      await until(() => /ACL/.test(sel.catalog.status?.().lastError ?? ''), 5_000, 'catalog ACL error');
      expect(rec.catalog.updates).toEqual([]);
      expect(rec.policy.updates).toEqual([]);
      expect(sel.catalog.status?.().healthy).toBe(false);
    });

    it('the settings file wins over the environment for the address; the env token fills the gap', async () => {
      await consulWith(acl, 'writer-secret');
      const s = await settings(`consul: { address: "${emu.url}" }\n`);
      const rec = start(
        selectSources(s, silent, { CONSUL_HTTP_ADDR: 'http://127.0.0.1:1', CONSUL_HTTP_TOKEN: 'reader-secret' }),
      );
      await until(() => rec.catalog.updates.length > 0, 5_000, 'catalog read');
      expect(Object.keys(rec.catalog.last!.services)).toEqual(['web']);
    });

    it('a token in the settings file wins over CONSUL_HTTP_TOKEN', async () => {
      await consulWith(acl, 'writer-secret');
      const s = await settings(`consul: { address: "${emu.url}", token: reader-secret }\n`);
      const rec = start(selectSources(s, silent, { CONSUL_HTTP_TOKEN: 'wrong-secret' }));
      await until(() => rec.catalog.updates.length > 0, 5_000, 'catalog read');
      expect(Object.keys(rec.catalog.last!.services)).toEqual(['web']);
    });
  });
});

describe('consul connection', () => {
  it('a scheme-less address follows CONSUL_HTTP_SSL, as Consul tools do', async () => {
    const s = await settings('consul: { address: "consul.internal:8501" }\n');
    expect(consulConnection(s, { CONSUL_HTTP_SSL: 'true' }).address).toBe('https://consul.internal:8501');
    expect(consulConnection(s, {}).address).toBe('http://consul.internal:8501');
  });
});

describe('configuration errors', () => {
  it('Consul catalog with no address anywhere: CONFIG_INVALID saying how to fix it', () => {
    const s = value(loadSettings(undefined));
    const err = thrown(() => selectSources(s, silent, {}));
    expect(err.code).toBe('CONFIG_INVALID');
    expect(err.message).toContain('--consul');
    expect(err.message).toContain('consul.address');
    expect(err.message).toContain('CONSUL_HTTP_ADDR');
  });

  it('a KV policy with no address is the same error, even with a file catalog', async () => {
    const s = await settings('catalog: { file: catalog.yaml }\npolicy: { consulPrefix: gatehouse }\n');
    const err = thrown(() => selectSources(s, silent, { CONSUL_HTTP_TOKEN: 'only-a-token' }));
    expect(err.code).toBe('CONFIG_INVALID');
    expect(err.message).toContain('CONSUL_HTTP_ADDR');
  });

  it('bad Consul environment values are CONFIG_INVALID naming the variable or address', () => {
    const s = value(loadSettings(undefined));
    const unix = thrown(() => selectSources(s, silent, { CONSUL_HTTP_ADDR: 'unix:///var/run/consul.sock' }));
    expect(unix.code).toBe('CONFIG_INVALID');
    expect(unix.message).toContain('unix sockets are not supported');
    const ssl = thrown(() =>
      selectSources(s, silent, { CONSUL_HTTP_ADDR: '127.0.0.1:8500', CONSUL_HTTP_SSL: 'maybe' }),
    );
    expect(ssl.code).toBe('CONFIG_INVALID');
    expect(ssl.message).toContain('CONSUL_HTTP_SSL');
    const withPath = thrown(() => selectSources(s, silent, { CONSUL_HTTP_ADDR: 'http://127.0.0.1:8500/v1' }));
    expect(withPath.message).toContain('without a path');
  });
});

function value(r: ReturnType<typeof loadSettings>): Settings {
  if (!r.ok) throw new Error(JSON.stringify(r.diagnostics));
  return r.value;
}
