// The hosted-CI wiring, checked where it cannot run: ci.yml is the machine-independent .ci/run
// under Node 24 with the container suite skipped; containers.yml builds the image and runs the
// suite against it through `npm run test:containers`, whose REQUIRE_CONTAINERS=1 turns a missing
// engine into a failure.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
// The schema GitHub publishes for workflow files, compiled to WebAssembly (action-validator).
import { validateWorkflow } from '@action-validator/core';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const ROOT = path.join(import.meta.dirname, '..', '..');
// biome-ignore lint/suspicious/noExplicitAny: workflow files are walked by key, as GitHub reads them
type Obj = Record<string, any>;
const workflow = (file: string): Obj => parse(readFileSync(path.join(ROOT, '.github', 'workflows', file), 'utf8'));
const steps = (w: Obj): Obj[] => Object.values(w.jobs as Obj).flatMap((j: Obj) => j.steps as Obj[]);
const nodeVersion = (w: Obj) =>
  steps(w).find((s) => String(s.uses).startsWith('actions/setup-node@'))?.with?.['node-version'];

describe('.github/workflows', () => {
  it('every workflow passes the GitHub workflow schema, and a broken one does not', () => {
    const files = readdirSync(path.join(ROOT, '.github', 'workflows')).filter((f) => /\.ya?ml$/.test(f));
    expect(files.sort()).toEqual(['ci.yml', 'containers.yml']);
    for (const f of files) {
      const text = readFileSync(path.join(ROOT, '.github', 'workflows', f), 'utf8');
      expect(validateWorkflow(text).errors, f).toEqual([]);
    }
    const broken = 'on: push\njobs:\n  x:\n    runs-on: ubuntu-latest\n    stepz: []\n';
    expect(validateWorkflow(broken).errors.length).toBeGreaterThan(0);
  });

  it('ci.yml runs .ci/run on ubuntu under Node 24, container suite skipped', () => {
    const ci = workflow('ci.yml');
    expect(Object.values(ci.jobs as Obj).map((j: Obj) => j['runs-on'])).toEqual(['ubuntu-latest']);
    expect(nodeVersion(ci)).toBe(24);
    const run = steps(ci).find((s) => s.run === '.ci/run');
    expect(run?.env).toEqual({ SKIP_CONTAINERS: '1' });
  });

  it('containers.yml builds the image, then runs npm run test:containers on it', () => {
    const w = workflow('containers.yml');
    expect(nodeVersion(w)).toBe(24);
    const all = steps(w);
    const build = all.findIndex((s) => /^docker build --tag \S+ \.$/.test(String(s.run)));
    const suite = all.findIndex((s) => s.run === 'npm run test:containers');
    expect(build).toBeGreaterThanOrEqual(0);
    expect(suite).toBeGreaterThan(build);
    const tag = String(all[build]!.run).split(' ')[3];
    expect(all[suite]!.env.GATEHOUSE_IMAGE).toBe(tag);
  });

  it('npm run test:containers runs only test/containers and requires an engine', () => {
    const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
    expect(pkg.scripts['test:containers']).toBe('REQUIRE_CONTAINERS=1 vitest run test/containers');
  });
});
