// Durations in settings and policy are written like Envoy's YAML ("250ms", "5s", "1m") and held
// as integer milliseconds. A codec, so a parsed policy can be written back (rollback). The text
// grammar itself is in duration-text.ts, free of zod, for the commands that must start fast.
import { z } from 'zod';
import { formatDuration, parseDuration } from './duration-text.ts';

export { formatDuration } from './duration-text.ts';

/** A duration string parsed to whole milliseconds. */
export const durationMs = z.codec(z.string(), z.number().int().min(0), {
  decode: (text, ctx) => {
    const ms = parseDuration(text);
    if (ms === undefined) {
      ctx.issues.push({
        code: 'custom',
        input: text,
        message: `invalid duration "${text}": use e.g. "250ms", "5s", "1m"`,
      });
      return z.NEVER;
    }
    return ms;
  },
  encode: formatDuration,
});

/** Milliseconds as a google.protobuf.Duration object. */
export function toDuration(ms: number): { seconds: string; nanos: number } {
  return { seconds: String(Math.floor(ms / 1000)), nanos: (ms % 1000) * 1_000_000 };
}
