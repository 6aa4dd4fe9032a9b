// Durations in settings and policy are written like Envoy's YAML ("250ms", "5s", "1m") and held
// as integer milliseconds. A codec, so a parsed policy can be written back (rollback).
import { z } from 'zod';

const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 } as const;
const PATTERN = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/;

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

/** A duration string parsed to whole milliseconds. */
export const durationMs = z.codec(z.string(), z.number().int().min(0), {
  decode: (text, ctx) => {
    const m = PATTERN.exec(text);
    if (!m) {
      ctx.issues.push({
        code: 'custom',
        input: text,
        message: `invalid duration "${text}": use e.g. "250ms", "5s", "1m"`,
      });
      return z.NEVER;
    }
    return Math.round(Number(m[1]) * UNIT_MS[m[2] as keyof typeof UNIT_MS]);
  },
  encode: formatDuration,
});

/** Milliseconds as a google.protobuf.Duration object. */
export function toDuration(ms: number): { seconds: string; nanos: number } {
  return { seconds: String(Math.floor(ms / 1000)), nanos: (ms % 1000) * 1_000_000 };
}
