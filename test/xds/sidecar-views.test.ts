// The sidecar views streams read: composed over the edge view without copying it, memoised per
// snapshot, and with version / previousVersion / changed exact, so the per-stream diff fast path
// (type-state.ts) gives the same answer as a full comparison.
import { describe, expect, it } from 'vitest';
import { compile } from '../../src/compile.ts';
import { type ObservabilityTarget, parseCatalog, parsePolicy } from '../../src/config/index.ts';
import { build } from '../../src/model/index.ts';
import { CLUSTER, ENDPOINT, LISTENER, PUSH_ORDER, ROUTE } from '../../src/resource-types.ts';
import { createSnapshot, diffSnapshots, type Entry, type Snapshot, versionOf } from '../../src/snapshot/index.ts';
import type { Profile } from '../../src/translate/resources.ts';
import { translate } from '../../src/translate/translate.ts';
import { type ServiceSpec, type WorldSpec, world } from '../fixtures/world.ts';

const snapshotOf = (spec: WorldSpec, previous?: Snapshot) => {
  const { catalog, policy } = world(spec);
  return createSnapshot(translate(build(catalog, policy).model), previous);
};

const services = (extra: Record<string, ServiceSpec> = {}): WorldSpec => ({
  services: {
    a: { instances: ['10.0.0.1:8080'] },
    b: { instances: ['10.0.0.2:8080'] },
    c: { instances: ['10.0.0.3:9090'], sidecar: { upstreams: ['a'] } },
    ...extra,
  },
});

function differing(a: ReadonlyMap<string, Entry>, b: ReadonlyMap<string, Entry>): string[] {
  const names = new Set([...a.keys(), ...b.keys()]);
  return [...names].filter((n) => a.get(n)?.hash !== b.get(n)?.hash).sort();
}

describe('sidecar views', () => {
  it('share the edge view: endpoints are its TypeSnapshot, clusters a name-ordered union with the local app', () => {
    const s = snapshotOf(services());
    const view = s.view('sidecar/a')!;
    expect(view[ENDPOINT]).toBe(s.profiles.edge[ENDPOINT]);
    expect([...view[CLUSTER].entries.keys()]).toEqual(['a', 'b', 'c', 'local-app|8080']);
    expect(view[CLUSTER].entries.get('b')).toBe(s.profiles.edge[CLUSTER].entries.get('b'));
    for (const t of PUSH_ORDER) expect(view[t].version).toBe(versionOf(view[t].entries.values()));
    expect(s.view('sidecar/a')).toBe(view);
  });

  it('sidecars on the same ports share their own entries; a declared list sees only its clusters', () => {
    const s = snapshotOf(services());
    expect(s.sidecars.get('a')!.own[LISTENER]).toBe(s.sidecars.get('b')!.own[LISTENER]);
    expect(s.sidecars.get('a')!.own[ROUTE]).toBe(s.sidecars.get('b')!.own[ROUTE]);
    const c = s.view('sidecar/c')!;
    expect([...c[CLUSTER].entries.keys()]).toEqual(['a', 'local-app|9090']);
    expect([...c[ENDPOINT].entries.keys()]).toEqual(['a']);
  });

  it('the same input gives the same versions, built twice', () => {
    const [x, y] = [snapshotOf(services()), snapshotOf(services())];
    expect(y.version).toBe(x.version);
    for (const p of ['sidecar/a', 'sidecar/c'] as const) {
      for (const t of PUSH_ORDER) expect(y.view(p)![t].version).toBe(x.view(p)![t].version);
    }
  });

  it('previousVersion and changed match a full comparison across endpoint, port and upstream-list changes', () => {
    const steps: WorldSpec[] = [
      services(),
      services({ b: { instances: ['10.0.0.9:8080'] } }),
      services({ a: { instances: ['10.0.0.1:8080'], sidecar: { upstreams: ['b'] } } }),
      services({ a: { instances: ['10.0.0.1:8080'], sidecar: { upstreams: ['b'], appPort: 7000 } }, d: {} }),
      services({ c: { instances: ['10.0.0.3:9090'] } }),
    ];
    let before = snapshotOf(steps[0]!);
    for (const spec of steps.slice(1)) {
      const after = snapshotOf(spec, before);
      for (const p of ['sidecar/a', 'sidecar/b', 'sidecar/c'] as Profile[]) {
        for (const t of PUSH_ORDER) {
          const then = before.view(p)![t];
          const now = after.view(p)![t];
          expect(now.version).toBe(versionOf(now.entries.values()));
          // A view that is the edge's own TypeSnapshot was built on the previous edge view; a
          // stream holding another view of this sidecar then takes the full comparison.
          const builtOn = now === after.profiles.edge[t] ? before.profiles.edge[t] : then;
          expect(now.previousVersion, `${p} ${t}`).toBe(builtOn.version);
          expect([...now.changed].sort(), `${p} ${t}`).toEqual(differing(builtOn.entries, now.entries));
        }
      }
      before = after;
    }
  });

  it('a policy preview (diff) says what changes per sidecar: the edge changes it may see, plus its own', () => {
    const before = snapshotOf(services());
    const after = snapshotOf(
      services({ b: { instances: ['10.0.0.2:8080', '10.0.0.8:8080'], sidecar: { appPort: 7000 } } }),
    );
    const diff = diffSnapshots(before, after);
    expect(diff['sidecar/a']).toEqual({ eds: { added: [], removed: [], changed: ['b'] } });
    expect(diff['sidecar/b']).toEqual({
      cds: { added: ['local-app|7000'], removed: ['local-app|8080'], changed: [] },
      eds: { added: [], removed: [], changed: ['b'] },
      lds: { added: [], removed: [], changed: ['sidecar-inbound'] },
    });
    // c may call a only.
    expect(diff['sidecar/c']).toBeUndefined();
  });

  it("the edge's own clusters (Check service, edge admin) stay out of every sidecar view, versions exact", () => {
    const policy = (auth: boolean) =>
      parsePolicy(`services:
  a: { sidecar: {} }
  b: { sidecar: { upstreams: [a] } }
${auth ? 'auth: { defaults: { auth: none } }' : ''}
`);
    const observability: ObservabilityTarget = {
      accessLog: true,
      requestId: true,
      stats: {
        edge: { listen: { host: '0.0.0.0', port: 9102 }, admin: { host: '127.0.0.1', port: 9901 } },
        sidecar: { listen: { host: '0.0.0.0', port: 15090 }, admin: { host: '127.0.0.1', port: 15000 } },
      },
    };
    const snap = (authzHost: string | undefined, previous?: Snapshot, instances = '10.0.0.1') => {
      const c = parseCatalog(
        `services:\n  a: { instances: [{ address: ${instances}, port: 8080 }] }\n  b: { instances: [{ address: 10.0.0.2, port: 8080 }] }\n`,
      );
      const p = policy(authzHost !== undefined);
      if (!c.ok || !p.ok) throw new Error('fixture invalid');
      const authz = authzHost === undefined ? undefined : { host: authzHost, port: 18001, timeoutMs: 250 };
      return compile(c.value, p.value, { authz, observability, previous }).snapshot!;
    };
    const edgeOnly = ['gatehouse-authz', 'gatehouse-envoy-admin|127.0.0.1:9901'];
    const steps = [
      snap('10.9.9.9'),
      (prev: Snapshot) => snap('10.9.9.9', prev, '10.0.0.7'), // an endpoint change every sidecar of a sees
      (prev: Snapshot) => snap('10.9.9.8', prev, '10.0.0.7'), // only the hidden Check cluster changes
      (prev: Snapshot) => snap(undefined, prev, '10.0.0.7'), // auth off: the hidden cluster goes
    ] as const;
    let before = steps[0];
    expect([...before.profiles.edge[CLUSTER].entries.keys()]).toEqual(expect.arrayContaining(edgeOnly));
    for (const [i, step] of steps.slice(1).entries()) {
      const after = (step as (p: Snapshot) => Snapshot)(before);
      for (const p of ['sidecar/a', 'sidecar/b'] as Profile[]) {
        for (const t of PUSH_ORDER) {
          const then = before.view(p)![t];
          const now = after.view(p)![t];
          for (const n of edgeOnly) expect(now.entries.has(n), `${p} ${t} ${n}`).toBe(false);
          expect([...now.entries.keys()].length, `${p} ${t}`).toBe(now.entries.size);
          expect(now.version, `${p} ${t}`).toBe(versionOf(now.entries.values()));
          const builtOn = now === after.profiles.edge[t] ? before.profiles.edge[t] : then;
          expect(now.previousVersion, `${p} ${t}`).toBe(builtOn.version);
          expect([...now.changed].sort(), `${p} ${t} step ${i + 1}`).toEqual(differing(builtOn.entries, now.entries));
          // Changes to the hidden clusters alone leave every sidecar view as it was.
          if (i >= 1 && t === CLUSTER) expect(now.version, `${p} ${t} step ${i + 1}`).toBe(then.version);
        }
      }
      expect(after.view('sidecar/a')![CLUSTER].entries.has('gatehouse-envoy-admin|127.0.0.1:15000')).toBe(true);
      before = after;
    }
  });

  it('a profile nobody serves has no view', () => {
    const s = snapshotOf(services({ d: {} }));
    expect(s.view('sidecar/d')).toBeUndefined();
    expect(s.view('sidecar/zzz')).toBeUndefined();
  });
});
