// Background key upkeep: keys past cacheMaxAge are refreshed without traffic, so the first Check
// after a long idle spell does not wait for a fetch (which could outlast Envoy's Check timeout).
import { describe, expect, it } from 'vitest';
import { JwksSource } from '../../src/authz/jwks-source.ts';
import { createLogger } from '../../src/log.ts';
import { jwks, ManualClock, testKey } from './fixtures/tokens.ts';

describe('JWKS upkeep', () => {
  it('refreshes keys past cacheMaxAge with no traffic, once per cooldown, and leaves fresh keys alone', async () => {
    const clock = new ManualClock();
    const key = await testKey('k1');
    let loads = 0;
    let fetched: () => void = () => {};
    const source = new JwksSource({
      provider: 'corp',
      cacheMaxAgeMs: 600_000,
      cooldownMs: 30_000,
      staleWindowMs: 3_600_000,
      now: clock.now,
      log: createLogger('silent'),
      load: async () => {
        loads++;
        return jwks(key);
      },
      onFetch: () => fetched(),
    });
    // Resolves once a fetch finished and its single-flight slot was released (one event-loop turn).
    const next = () =>
      new Promise<void>((r) => {
        fetched = () => setImmediate(r);
      });

    let done = next();
    source.refreshIfDue(); // never fetched: due
    await done;
    expect(loads).toBe(1);

    clock.advance(599_000);
    source.refreshIfDue(); // still fresh: nothing
    expect(loads).toBe(1);

    // Idle for longer than cacheMaxAge + staleWindow: upkeep keeps the keys usable anyway.
    for (let i = 0; i < 8; i++) {
      clock.advance(600_000);
      done = next();
      source.refreshIfDue();
      await done;
    }
    expect(loads).toBe(9);
    expect(source.usable()).toBe(true);

    source.refreshIfDue(); // just refreshed: nothing, and the cooldown holds
    expect(loads).toBe(9);
  });
});
