// The build loop: waits for every source, debounces, keeps the last good snapshot on failure.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { parseCatalog, parsePolicy } from '../src/config/index.ts';
import { problem } from '../src/errors.ts';
import { createLogger } from '../src/log.ts';
import type { Catalog, Policy } from '../src/model/index.ts';
import { Pipeline } from '../src/pipeline.ts';
import { SnapshotHolder } from '../src/snapshot/index.ts';
import type { Source, SourceSink } from '../src/sources/index.ts';

/** A source the test drives by hand. */
function manual<T>(name: string) {
  let sink: SourceSink<T> | undefined;
  const source: Source<T> = {
    name,
    start: (s) => {
      sink = s;
    },
    stop: async () => {},
  };
  return {
    source,
    emit: (v: T) => sink!.update(v),
    refuse: (path: string) => sink!.reject([problem('CONFIG_INVALID', path, 'bad')]),
  };
}

const catalog = (port: number): Catalog => {
  const r = parseCatalog(`services:\n  web:\n    instances: [{ address: 10.0.0.1, port: ${port} }]\n`);
  if (!r.ok) throw new Error('fixture');
  return r.value;
};
const policy = (text = 'routes: [{ name: web, service: web, match: { prefix: / } }]'): Policy => {
  const r = parsePolicy(text);
  if (!r.ok) throw new Error('fixture');
  return r.value;
};

describe('pipeline', () => {
  let pipeline: Pipeline | undefined;
  afterEach(async () => {
    await pipeline?.stop();
  });

  function setup(quietPeriodMs = 5, maxDelayMs = 50, endpointQuietPeriodMs?: number) {
    const c = manual<Catalog>('catalog');
    const p = manual<Policy>('policy');
    const holder = new SnapshotHolder();
    pipeline = new Pipeline({
      catalog: c.source,
      policy: p.source,
      holder,
      log: createLogger('silent'),
      quietPeriodMs,
      maxDelayMs,
      ...(endpointQuietPeriodMs !== undefined && { endpointQuietPeriodMs }),
    });
    pipeline.start();
    return { c, p, holder, pipeline };
  }

  it('publishes nothing until every source has synced', async () => {
    const { c, p, holder, pipeline } = setup();
    c.emit(catalog(80));
    expect(pipeline.status().synced).toEqual({ catalog: true, policy: false });
    const built = pipeline.nextBuild();
    p.emit(policy());
    await built;
    expect(holder.current()).toBeDefined();
    expect(pipeline.status().ready).toBe(true);
  });

  it('folds a burst of changes into one build', async () => {
    const { c, p, holder, pipeline } = setup(20, 500);
    p.emit(policy());
    for (let port = 1; port <= 10; port++) c.emit(catalog(port));
    await pipeline.nextBuild();
    expect(pipeline.builds).toBe(1);
    const cla = [
      ...holder
        .current()!
        .snapshot.profiles.edge['type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment'].entries.values(),
    ][0]!;
    expect(cla.value.includes(Buffer.from([0x18, 10]))).toBe(true); // port_value 10 (field 3, varint)
  });

  it('bounds the wait: a steady stream of changes still builds by maxDelay', async () => {
    const { c, p, pipeline } = setup(30, 60);
    p.emit(policy());
    c.emit(catalog(1));
    let port = 2;
    const ticker = setInterval(() => c.emit(catalog(port++)), 10);
    await pipeline.nextBuild();
    clearInterval(ticker);
    // Without the max delay the quiet period would never elapse while the ticker runs.
    expect(pipeline.builds).toBe(1);
  });

  it('keeps the last good snapshot when a build fails, and says why', async () => {
    const { c, p, holder, pipeline } = setup();
    c.emit(catalog(80));
    p.emit(policy());
    await pipeline.nextBuild();
    const good = holder.current()!.snapshot.version;
    const failed = pipeline.nextBuild();
    p.emit(policy('routes: [{ name: web, service: nope, match: { prefix: / } }]'));
    await failed;
    expect(holder.current()!.snapshot.version).toBe(good);
    expect(pipeline.status().problems).toEqual([expect.objectContaining({ path: 'policy.routes[0].service' })]);
    const fixed = pipeline.nextBuild();
    p.emit(policy());
    await fixed;
    expect(pipeline.status().problems).toEqual([]);
  });

  it('a source refusing its input keeps the previous value and reports the problem', async () => {
    const { c, p, holder, pipeline } = setup();
    c.emit(catalog(80));
    p.emit(policy());
    await pipeline.nextBuild();
    const good = holder.current()!.snapshot.version;
    c.refuse('catalog.services.web');
    expect(pipeline.status().problems).toEqual([expect.objectContaining({ path: 'catalog.services.web' })]);
    expect(holder.current()!.snapshot.version).toBe(good);
  });

  it('an unchanged result publishes nothing new', async () => {
    const { c, p, holder, pipeline } = setup();
    c.emit(catalog(80));
    p.emit(policy());
    await pipeline.nextBuild();
    const first = holder.current();
    const again = pipeline.nextBuild();
    c.emit(catalog(80));
    await again;
    expect(holder.current()).toBe(first);
  });

  it('two lanes: catalog-only changes wait the short quiet period, policy changes the long one', () => {
    vi.useFakeTimers();
    try {
      const { c, p, pipeline } = setup(1000, 5000, 5);
      c.emit(catalog(80));
      p.emit(policy());
      vi.advanceTimersByTime(999);
      expect(pipeline.builds).toBe(0); // a policy arrived: the slow lane
      vi.advanceTimersByTime(1);
      expect(pipeline.builds).toBe(1);
      c.emit(catalog(81)); // endpoints only: the fast lane
      vi.advanceTimersByTime(5);
      expect(pipeline.builds).toBe(2);
      p.emit(policy('routes: [{ name: web2, service: web, match: { prefix: / } }]'));
      c.emit(catalog(82)); // a policy change is pending: the catalog change waits with it
      vi.advanceTimersByTime(5);
      expect(pipeline.builds).toBe(2);
      vi.advanceTimersByTime(995);
      expect(pipeline.builds).toBe(3);
    } finally {
      vi.useRealTimers();
    }
  });
});
