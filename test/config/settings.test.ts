// Settings parsing: defaults, the source choices and their exclusivity, command-line overrides
// (with and without a settings file), and problems reported with the file, the path and the value.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSettings, observabilityTarget, type Parsed, type Settings } from '../../src/config/index.ts';
import type { Diagnostic } from '../../src/errors.ts';

let dir: string;
let seq = 0;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'gatehouse-settings-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Writes a settings file into the temp folder; returns its path. */
async function file(text: string): Promise<string> {
  const p = path.join(dir, `settings-${++seq}.yaml`);
  await writeFile(p, text);
  return p;
}

function value(r: Parsed<Settings>): Settings {
  if (!r.ok) throw new Error(`expected settings, got ${JSON.stringify(r.diagnostics)}`);
  return r.value;
}

function problems(r: Parsed<Settings>): readonly Diagnostic[] {
  if (r.ok) throw new Error(`expected problems, got ${JSON.stringify(r.value)}`);
  return r.diagnostics;
}

const DEFAULTS = {
  xds: { address: '127.0.0.1:18000' },
  admin: { address: '127.0.0.1:9902' },
  authz: { address: '127.0.0.1:18001', timeout: 250 },
  catalog: { consul: true },
  policy: {},
  pipeline: { quietPeriod: 100, endpointQuietPeriod: 20, maxDelay: 1000 },
  observability: {
    accessLog: { enabled: true },
    requestId: { enabled: true },
    tracing: { enabled: false, samplingPercent: 100, edgeServiceName: 'gatehouse-edge' },
    stats: {
      enabled: true,
      edge: { address: '0.0.0.0:9102', admin: '127.0.0.1:9901' },
      sidecar: { address: '0.0.0.0:15090', admin: '127.0.0.1:15000' },
    },
  },
  log: { level: 'info' },
};

describe('settings defaults', () => {
  it('without a file: local addresses, catalog from Consul, no policy source, frozen', () => {
    const s = value(loadSettings(undefined));
    expect(s).toEqual(DEFAULTS);
    expect(s.consul).toBeUndefined();
    expect(Object.isFrozen(s) && Object.isFrozen(s.catalog) && Object.isFrozen(s.authz)).toBe(true);
  });

  it('an empty file and a comment-only file mean the same defaults', async () => {
    expect(value(loadSettings(await file('')))).toEqual(DEFAULTS);
    expect(value(loadSettings(await file('# nothing set\n')))).toEqual(DEFAULTS);
  });

  it('reads durations and resolves relative source files against the settings folder', async () => {
    const f = await file(
      [
        'catalog: { file: catalog.yaml }',
        'policy: { file: sub/policy.yaml }',
        'pipeline: { quietPeriod: 20ms, maxDelay: 2s }',
        'authz: { timeout: 1s }',
        'log: { level: silent }',
      ].join('\n'),
    );
    const s = value(loadSettings(f));
    expect(s.catalog).toEqual({ consul: false, file: path.join(dir, 'catalog.yaml') });
    expect(s.policy).toEqual({ file: path.join(dir, 'sub', 'policy.yaml') });
    expect(s.pipeline).toEqual({ quietPeriod: 20, endpointQuietPeriod: 20, maxDelay: 2000 });
    expect(s.authz).toEqual({ address: '127.0.0.1:18001', timeout: 1000 });
    expect(s.log.level).toBe('silent');
  });

  it('takes a Consul section and a KV policy prefix', async () => {
    const f = await file(
      [
        'consul: { address: "https://consul.internal:8501", token: s3cret, datacenter: dc2, caFile: ca.pem }',
        'catalog: { consul: true }',
        'policy: { consulPrefix: gatehouse/prod }',
      ].join('\n'),
    );
    const s = value(loadSettings(f));
    expect(s.consul).toEqual({
      address: 'https://consul.internal:8501',
      token: 's3cret',
      datacenter: 'dc2',
      caFile: 'ca.pem',
      failoverDatacenters: [],
    });
    expect(s.catalog).toEqual({ consul: true });
    expect(s.policy).toEqual({ consulPrefix: 'gatehouse/prod' });
  });
});

describe('source choices are exclusive', () => {
  it('catalog with both a file and consul: true is refused, naming the file and path', async () => {
    const f = await file('catalog: { consul: true, file: catalog.yaml }\n');
    const d = problems(loadSettings(f));
    expect(d).toHaveLength(1);
    expect(d[0]).toMatchObject({ code: 'CONFIG_INVALID', path: `${f}.catalog`, severity: 'error' });
    expect(d[0]?.message).toContain('set exactly one of file or consul: true');
    expect(d[0]?.message).toContain('"file":"catalog.yaml"');
  });

  it('a catalog with neither (consul: false, no file) is refused too', async () => {
    for (const text of ['catalog: {}\n', 'catalog: { consul: false }\n']) {
      const f = await file(text);
      const d = problems(loadSettings(f));
      expect(d.map((x) => x.path)).toEqual([`${f}.catalog`]);
      expect(d[0]?.message).toContain('set exactly one of file or consul: true');
    }
  });

  it('a policy with both a file and a consulPrefix is refused', async () => {
    const f = await file('policy: { file: policy.yaml, consulPrefix: gatehouse }\n');
    const d = problems(loadSettings(f));
    expect(d).toHaveLength(1);
    expect(d[0]).toMatchObject({ code: 'CONFIG_INVALID', path: `${f}.policy` });
    expect(d[0]?.message).toContain('set at most one of file or consulPrefix');
  });

  it('every problem at once, each with its path and the value found', async () => {
    const f = await file(
      [
        'xds: { address: "localhost" }',
        'catalog: { consul: yes please }',
        'pipeline: { quietPeriod: soon }',
        'consul: { token: abc }',
        'logs: { level: debug }',
      ].join('\n'),
    );
    const d = problems(loadSettings(f));
    const byPath = new Map(d.map((x) => [x.path, x.message]));
    expect([...byPath.keys()].sort()).toEqual(
      [`${f}`, `${f}.catalog.consul`, `${f}.consul.address`, `${f}.pipeline.quietPeriod`, `${f}.xds.address`].sort(),
    );
    expect(byPath.get(`${f}.xds.address`)).toContain('"localhost"');
    expect(byPath.get(`${f}.catalog.consul`)).toContain('"yes please"');
    expect(byPath.get(`${f}.pipeline.quietPeriod`)).toContain('"soon"');
    expect(byPath.get(`${f}.consul.address`)).toContain('missing');
    expect(byPath.get(f)).toContain('logs');
  });

  it('a bad address gets one clear message, not a misleading port complaint too', async () => {
    const f = await file('admin: { address: "nope" }\nxds: { address: "127.0.0.1:70000" }\n');
    const d = problems(loadSettings(f));
    expect(d.filter((x) => x.path === `${f}.admin.address`).map((x) => x.message)).toEqual([
      'must be "host:port", e.g. "127.0.0.1:18000" (got "nope")',
    ]);
    expect(d.filter((x) => x.path === `${f}.xds.address`).map((x) => x.message)).toEqual([
      'port must be at most 65535 (got "127.0.0.1:70000")',
    ]);
  });

  it('a settings file that is not a mapping is refused as a whole', async () => {
    for (const text of ['just text\n', '- a\n- b\n']) {
      const f = await file(text);
      const d = problems(loadSettings(f));
      expect(d).toHaveLength(1);
      expect(d[0]).toMatchObject({ code: 'CONFIG_INVALID', path: f });
      expect(d[0]?.message).toMatch(/mapping/);
    }
  });

  it('a missing file and bad YAML name the file', async () => {
    const missing = path.join(dir, 'absent.yaml');
    expect(problems(loadSettings(missing))[0]).toMatchObject({ code: 'CONFIG_READ', path: missing });
    const f = await file('xds: { address: [\n');
    expect(problems(loadSettings(f))[0]?.code).toBe('CONFIG_PARSE');
    expect(problems(loadSettings(f))[0]?.path).toMatch(new RegExp(`^${f}:\\d+:\\d+$`));
  });
});

describe('observability settings', () => {
  it('defaults: access log, request ids and stats on, tracing off; the target leaves tracing out', () => {
    const t = observabilityTarget(value(loadSettings(undefined)).observability);
    expect(t).toEqual({
      accessLog: true,
      requestId: true,
      stats: {
        edge: { listen: { host: '0.0.0.0', port: 9102 }, admin: { host: '127.0.0.1', port: 9901 } },
        sidecar: { listen: { host: '0.0.0.0', port: 15090 }, admin: { host: '127.0.0.1', port: 15000 } },
      },
    });
  });

  it('each part switches off on its own', async () => {
    const f = await file(
      'observability: { accessLog: { enabled: false }, requestId: { enabled: false }, stats: { enabled: false } }',
    );
    expect(observabilityTarget(value(loadSettings(f)).observability)).toEqual({ accessLog: false, requestId: false });
  });

  it('tracing needs a collector, named at its path', async () => {
    const p = problems(loadSettings(await file('observability: { tracing: { enabled: true } }')));
    expect(p).toEqual([expect.objectContaining({ path: expect.stringContaining('observability.tracing.collector') })]);
    expect(p[0]!.message).toContain('no collector');
    expect(p[0]!.message).toContain('(got missing)');
  });

  it('tracing with a collector by name: split into host and port, sampling kept', async () => {
    const f = await file('observability: { tracing: { enabled: true, collector: "otel:4317", samplingPercent: 5 } }');
    expect(observabilityTarget(value(loadSettings(f)).observability).tracing).toEqual({
      collector: { host: 'otel', port: 4317 },
      samplingPercent: 5,
      edgeServiceName: 'gatehouse-edge',
    });
  });

  it('a bad stats address or sampling share names the field and value', async () => {
    const p = problems(
      loadSettings(
        await file('observability: { stats: { edge: { address: "nope" } }, tracing: { samplingPercent: 150 } }'),
      ),
    );
    const paths = p.map((d) => d.path).join(' ');
    expect(paths).toContain('observability.stats.edge.address');
    expect(paths).toContain('observability.tracing.samplingPercent');
  });
});

describe('command-line overrides', () => {
  it('--consul without a settings file: catalog from Consul at that address', () => {
    const s = value(loadSettings(undefined, { consul: 'http://127.0.0.1:8500' }));
    expect(s.consul).toEqual({ address: 'http://127.0.0.1:8500', failoverDatacenters: [] });
    expect(s.catalog).toEqual({ consul: true });
    expect(s.policy).toEqual({});
    expect(s.xds).toEqual(DEFAULTS.xds);
  });

  it('--consul replaces only the address of the file’s consul section', async () => {
    const f = await file('consul: { address: "http://old:8500", token: abc, datacenter: dc2 }\n');
    const s = value(loadSettings(f, { consul: 'http://127.0.0.1:8500' }));
    expect(s.consul).toEqual({
      address: 'http://127.0.0.1:8500',
      token: 'abc',
      datacenter: 'dc2',
      failoverDatacenters: [],
    });
  });

  it('--consul fills in a consul section that has no address', async () => {
    const f = await file('consul: { token: abc }\npolicy: { consulPrefix: gatehouse }\n');
    expect(problems(loadSettings(f)).map((d) => d.path)).toEqual([`${f}.consul.address`]);
    const s = value(loadSettings(f, { consul: '10.0.0.1:8500' }));
    expect(s.consul).toEqual({ address: '10.0.0.1:8500', token: 'abc', failoverDatacenters: [] });
    expect(s.policy).toEqual({ consulPrefix: 'gatehouse' });
  });

  it('--consul with a file catalog keeps the file catalog', async () => {
    const f = await file('catalog: { file: catalog.yaml }\n');
    const s = value(loadSettings(f, { consul: 'http://127.0.0.1:8500' }));
    expect(s.catalog).toEqual({ consul: false, file: path.join(dir, 'catalog.yaml') });
    expect(s.consul?.address).toBe('http://127.0.0.1:8500');
  });

  it('--authz-address overrides the address and keeps the file’s advertise and timeout', async () => {
    const f = await file('authz: { address: "127.0.0.1:1", advertise: "10.0.0.5:18001", timeout: 1s }\n');
    const s = value(loadSettings(f, { authz: '0.0.0.0:9000' }));
    expect(s.authz).toEqual({ address: '0.0.0.0:9000', advertise: '10.0.0.5:18001', timeout: 1000 });
    expect(value(loadSettings(undefined, { authz: '127.0.0.1:0' })).authz).toEqual({
      address: '127.0.0.1:0',
      timeout: 250,
    });
  });

  it('--xds-address and --admin-address override the file', async () => {
    const f = await file('xds: { address: "127.0.0.1:1" }\nadmin: { address: "127.0.0.1:2" }\n');
    const s = value(loadSettings(f, { xds: '0.0.0.0:18000', admin: '[::1]:9902' }));
    expect(s.xds.address).toBe('0.0.0.0:18000');
    expect(s.admin.address).toBe('[::1]:9902');
  });

  it('a bad override is reported at its settings path', () => {
    const d = problems(loadSettings(undefined, { authz: 'bad', consul: 'http://127.0.0.1:8500' }));
    expect(d.map((x) => [x.path, x.code])).toEqual([['settings.authz.address', 'CONFIG_INVALID']]);
    expect(d[0]?.message).toContain('"bad"');
  });
});

describe('shipped settings files', () => {
  it('config/gatehouse.yaml (embedded default) and deploy/compose/gatehouse.yaml (compose) load', () => {
    const local = loadSettings('config/gatehouse.yaml');
    expect(local.ok && local.value.catalog.file?.endsWith('config/catalog.yaml')).toBe(true);
    const compose = loadSettings('deploy/compose/gatehouse.yaml');
    expect(compose.ok && compose.value.catalog.consul && compose.value.authz.advertise).toBe('gatehouse:18001');
  });
});
