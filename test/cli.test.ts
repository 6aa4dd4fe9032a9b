// The `gatehouse` command as a user runs it: render prints a config dump or exits 1 with every
// problem; keys create prints a key once with its policy entry.
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const run = promisify(execFile);
const CLI = path.resolve('src/cli.ts');

async function gatehouse(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [CLI, ...args]);
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('gatehouse CLI', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'gatehouse-cli-'));
    await writeFile(
      path.join(dir, 'gatehouse.yaml'),
      'catalog: { file: catalog.yaml }\npolicy: { file: policy.yaml }\n',
    );
    await writeFile(
      path.join(dir, 'catalog.yaml'),
      'services:\n  web:\n    instances: [{ address: 10.0.0.1, port: 80 }]\n',
    );
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('render --node edge prints what an edge node would receive, as a config dump', async () => {
    await writeFile(path.join(dir, 'policy.yaml'), 'routes: [{ name: web, service: web, match: { prefix: / } }]\n');
    const r = await gatehouse('render', '--config', path.join(dir, 'gatehouse.yaml'), '--node', 'edge');
    expect(r.code).toBe(0);
    const dump = parse(r.stdout) as { profile: string; configs: Record<string, unknown>[] };
    expect(dump.profile).toBe('edge');
    expect(dump.configs.map((c) => c['@type'])).toEqual([
      'type.googleapis.com/envoy.admin.v3.ClustersConfigDump',
      'type.googleapis.com/envoy.admin.v3.EndpointsConfigDump',
      'type.googleapis.com/envoy.admin.v3.ListenersConfigDump',
      'type.googleapis.com/envoy.admin.v3.RoutesConfigDump',
    ]);
  });

  it('render exits 1 listing every problem with its path and value', async () => {
    await writeFile(
      path.join(dir, 'policy.yaml'),
      'routes:\n  - { name: a, service: nope, match: { prefix: / } }\n  - { name: b, service: web, timeout: soon, match: { prefix: / } }\n',
    );
    const r = await gatehouse('render', '--config', path.join(dir, 'gatehouse.yaml'), '--node', 'grpc');
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('policy.yaml.routes[1].timeout');
    expect(r.stderr).toContain('"soon"');
  });

  it('keys create prints a new key once and its digest entry', async () => {
    const r = await gatehouse('keys', 'create', '--consumer', 'billing-batch');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/gatehouse_[0-9A-Za-z]{38}/);
    expect(r.stdout).toMatch(/sha256:[0-9a-f]{64}/);
  });
});

describe('gatehouse authz explain', () => {
  it('explains a decision against the policy the settings file names', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'gatehouse-explain-'));
    try {
      await writeFile(
        path.join(dir, 'gatehouse.yaml'),
        'catalog: { file: catalog.yaml }\npolicy: { file: policy.yaml }\n',
      );
      await writeFile(
        path.join(dir, 'policy.yaml'),
        'routes: [{ name: web, service: web, match: { prefix: / } }]\nauth:\n  routes:\n    web: { auth: api-key }\n',
      );
      const r = await gatehouse(
        'authz',
        'explain',
        '--config',
        path.join(dir, 'gatehouse.yaml'),
        '--route',
        'web',
        '--api-key',
        'gatehouse_nope',
      );
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/deny/i);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
