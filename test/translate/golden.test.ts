// Golden tests of translate, per case, profile and resource type. Each case folder holds a
// catalog.yaml and a policy.yaml; the expected output sits beside them as
// <profile>/<type>.yaml, shaped like an Envoy config dump. Profiles: edge, grpc, and
// sidecar/<service> for every service whose policy declares `sidecar` (every service with
// instances has a sidecar view; rendering all of them would bury the interesting ones).
// UPDATE_GOLDEN=1 rewrites them (npm run test:update-golden) and prunes outputs no longer produced.
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { compile } from '../../src/compile.ts';
import {
  type ObservabilityTarget,
  observabilityTarget,
  parseCatalog,
  parsePolicy,
  settingsFile as settingsSchema,
} from '../../src/config/index.ts';
import { configDump } from '../../src/snapshot/index.ts';
import { PROFILES, type Profile, sidecarProfile } from '../../src/translate/resources.ts';

const ROOT = path.join(import.meta.dirname, 'golden');
const UPDATE = process.env.UPDATE_GOLDEN === '1';
const TYPES = ['clusters', 'endpoints', 'listeners', 'routes'] as const;

function load(dir: string) {
  const catalog = parseCatalog(readFileSync(path.join(dir, 'catalog.yaml'), 'utf8'), 'catalog.yaml');
  const policy = parsePolicy(readFileSync(path.join(dir, 'policy.yaml'), 'utf8'), 'policy.yaml');
  if (!catalog.ok || !policy.ok) throw new Error(`golden input invalid in ${dir}`);
  const declared = Object.entries(policy.value.services).filter(([, p]) => p.sidecar !== undefined);
  const profiles: Profile[] = [...PROFILES, ...declared.map(([s]) => sidecarProfile(s)).sort()];
  // A fixed Check-service address, so cases with an auth section render ext_authz deterministically.
  const authz = { host: '127.0.0.1', port: 18001, timeoutMs: 250 };
  // A case's settings.yaml (only its observability section matters) turns access logs, request
  // ids, tracing and stats on; without one, none of them, so each case shows only its subject.
  const settingsFile = path.join(dir, 'settings.yaml');
  let observability: ObservabilityTarget | undefined;
  if (existsSync(settingsFile)) {
    const settings = settingsSchema.parse(parse(readFileSync(settingsFile, 'utf8')));
    observability = observabilityTarget(settings.observability);
  }
  return { ...compile(catalog.value, policy.value, { authz, observability }), profiles };
}

const cases = readdirSync(ROOT, { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .map((d) => d.name)
  .sort();

describe('translate golden files', () => {
  it('has cases', () => {
    expect(cases.length).toBeGreaterThanOrEqual(4);
  });

  for (const name of cases) {
    describe(name, () => {
      const dir = path.join(ROOT, name);
      const compiled = load(dir);

      it('builds without errors', () => {
        expect(compiled.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
      });

      it('is deterministic: a second build gives byte-identical resources and versions', () => {
        const again = load(dir);
        expect(again.snapshot!.version).toBe(compiled.snapshot!.version);
      });

      for (const profile of compiled.profiles) {
        const configs = (configDump(compiled.snapshot!, profile)?.configs ?? []) as Record<string, unknown>[];
        const wanted = new Set<string>();
        TYPES.forEach((type, i) => {
          const file = path.join(dir, profile, `${type}.yaml`);
          wanted.add(file);
          it(`${profile} ${type}`, () => {
            const actual = stringify(configs[i], { lineWidth: 0 });
            if (UPDATE) {
              mkdirSync(path.dirname(file), { recursive: true });
              writeFileSync(file, actual);
            }
            expect(existsSync(file), `${file} missing; run npm run test:update-golden`).toBe(true);
            expect(actual).toBe(readFileSync(file, 'utf8'));
          });
        });
        if (UPDATE) {
          const out = path.join(dir, profile);
          if (existsSync(out)) {
            for (const f of readdirSync(out)) if (!wanted.has(path.join(out, f))) rmSync(path.join(out, f));
          }
        }
      }
      const sidecars = path.join(dir, 'sidecar');
      if (UPDATE && existsSync(sidecars)) {
        for (const d of readdirSync(sidecars)) {
          if (!compiled.profiles.includes(sidecarProfile(d))) rmSync(path.join(sidecars, d), { recursive: true });
        }
      }
    });
  }
});
