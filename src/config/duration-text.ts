// The text form of a duration ("250ms", "5s", "1m", "1h") and its whole milliseconds. No zod
// here: `gatehouse check`, run every few seconds as a container health check, parses one too.

const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 } as const;
const PATTERN = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/;

/** Whole milliseconds of a duration string; undefined when it is not one. */
export function parseDuration(text: string): number | undefined {
  const m = PATTERN.exec(text);
  return m ? Math.round(Number(m[1]) * UNIT_MS[m[2] as keyof typeof UNIT_MS]) : undefined;
}

/** Milliseconds written back in the largest unit that keeps them whole. */
export function formatDuration(ms: number): string {
  for (const [unit, size] of [
    ['h', 3_600_000],
    ['m', 60_000],
    ['s', 1000],
  ] as const) {
    if (ms !== 0 && ms % size === 0) return `${ms / size}${unit}`;
  }
  return `${ms}ms`;
}
