// The canary assertion's tolerance: binomial expected ± 4.5σ, clamped to 0..n, exact at 0 and 1.
import { describe, expect, it } from 'vitest';
import { splitBounds } from './split-bound.ts';

describe('splitBounds', () => {
  it('gives expected ± 4.5σ for an 80/20 split over 400 requests (σ = 8)', () => {
    expect(splitBounds(400, 0.2)).toEqual({ expected: 80, low: 44, high: 116 });
  });

  it('allows no stray request when an arm has all or none of the weight', () => {
    expect(splitBounds(100, 0)).toEqual({ expected: 0, low: 0, high: 0 });
    expect(splitBounds(100, 1)).toEqual({ expected: 100, low: 100, high: 100 });
  });

  it('clamps to 0..n for a small sample', () => {
    const b = splitBounds(10, 0.1);
    expect([b.low, b.high]).toEqual([0, 5]);
  });

  it('refuses a share outside 0..1, naming it', () => {
    expect(() => splitBounds(10, 1.5)).toThrow('share must be within 0..1 (got 1.5)');
    expect(() => splitBounds(10, Number.NaN)).toThrow('got NaN');
  });
});
