// How far a weighted split may stray by chance. Envoy picks a weighted cluster per request at
// random, so over n requests the count of one arm is binomial(n, share); a count outside
// expected ± z·σ is a wrong split, not bad luck (z = 4.5: about 7 in a million runs fail by chance).

/** The inclusive range the count of an arm with `share` (0..1) must fall in over `n` requests. */
export function splitBounds(n: number, share: number, z = 4.5): { expected: number; low: number; high: number } {
  if (!(share >= 0 && share <= 1)) throw new RangeError(`share must be within 0..1 (got ${share})`);
  const expected = n * share;
  const spread = z * Math.sqrt(n * share * (1 - share));
  return { expected, low: Math.max(0, Math.ceil(expected - spread)), high: Math.min(n, Math.floor(expected + spread)) };
}
