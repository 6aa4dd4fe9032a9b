// The sidecar views streams read: composed over the edge view without copying it, memoised per
// snapshot, and with version / previousVersion / changed exact, so the per-stream diff fast path
// (type-state.ts) gives the same answer as a full comparison.
import { describe, expect, it } from 'vitest';
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

  it('a profile nobody serves has no view', () => {
    const s = snapshotOf(services({ d: {} }));
    expect(s.view('sidecar/d')).toBeUndefined();
    expect(s.view('sidecar/zzz')).toBeUndefined();
  });
});
