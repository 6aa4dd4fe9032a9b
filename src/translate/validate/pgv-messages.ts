// Rules on well-known message values: `duration`, `timestamp` and `any`. Each check receives the
// decoded message or null when unset; bounds apply only to a set value, as in PGV.
import { compileOrdered } from './pgv-range.ts';
import { fail, type Rules, ruleList, show, type ValueCheck } from './pgv-rules.ts';

const NANOS = 1_000_000_000n;

function nanosOf(v: unknown): bigint {
  const d = (v ?? {}) as { seconds?: unknown; nanos?: unknown };
  return BigInt(String(d.seconds ?? 0)) * NANOS + BigInt(Number(d.nanos ?? 0));
}

/** Nanoseconds as Envoy prints a duration: "0s", "1s", "0.250s". */
export function formatDuration(nanos: bigint): string {
  const sign = nanos < 0n ? '-' : '';
  const abs = nanos < 0n ? -nanos : nanos;
  const frac = (abs % NANOS).toString().padStart(9, '0').replace(/0+$/, '');
  return `${sign}${abs / NANOS}${frac ? `.${frac}` : ''}s`;
}

function formatTimestamp(nanos: bigint): string {
  const ms = Number(nanos / 1_000_000n);
  return Number.isFinite(ms) && Math.abs(ms) < 8.64e15 ? new Date(ms).toISOString() : `${nanos}ns`;
}

function compileTime(kind: 'duration' | 'timestamp', r: Rules, format: (n: bigint) => string): ValueCheck {
  const bounds = compileOrdered(kind, r, nanosOf, format);
  const required = r.required === true;
  const now: ValueCheck[] = [];
  if (kind === 'timestamp') {
    const within = r.within === undefined ? undefined : nanosOf(r.within);
    const wallNow = () => BigInt(Date.now()) * 1_000_000n;
    if (r.lt_now === true) {
      now.push((v, path, out) => {
        if ((v as bigint) >= wallNow()) {
          fail(out, path, 'timestamp.lt_now', 'value must be in the past', format(v as bigint));
        }
      });
    }
    if (r.gt_now === true) {
      now.push((v, path, out) => {
        if ((v as bigint) <= wallNow()) {
          fail(out, path, 'timestamp.gt_now', 'value must be in the future', format(v as bigint));
        }
      });
    }
    if (within !== undefined) {
      now.push((v, path, out) => {
        const d = (v as bigint) - wallNow();
        if (d > within || -d > within) {
          fail(
            out,
            path,
            'timestamp.within',
            `value must be within ${formatDuration(within)} of now`,
            format(v as bigint),
          );
        }
      });
    }
  }
  return (value, path, out) => {
    if (value === null || value === undefined) {
      if (required) fail(out, path, `${kind}.required`, 'value is required', 'unset');
      return;
    }
    let n: bigint;
    try {
      n = nanosOf(value);
    } catch {
      return fail(out, path, `${kind}.type`, `value must be a ${kind}`, show(value));
    }
    bounds?.(n, path, out);
    for (const c of now) c(n, path, out);
  };
}

/** The check of a `duration` rule body. */
export function compileDuration(r: Rules): ValueCheck {
  return compileTime('duration', r, formatDuration);
}

/** The check of a `timestamp` rule body. */
export function compileTimestamp(r: Rules): ValueCheck {
  return compileTime('timestamp', r, formatTimestamp);
}

/** The check of an `any` rule body: required, and in/not_in on the type URL. */
export function compileAny(r: Rules): ValueCheck {
  const required = r.required === true;
  const inList = ruleList(r.in)?.map(String);
  const notIn = ruleList(r.not_in)?.map(String);
  return (value, path, out) => {
    if (value === null || value === undefined) {
      if (required) fail(out, path, 'any.required', 'value is required', 'unset');
      return;
    }
    const url = String((value as { type_url?: unknown }).type_url ?? '');
    if (inList && !inList.includes(url)) {
      fail(out, path, 'any.in', `type URL must be in [${inList.map(show).join(', ')}]`, show(url));
    }
    if (notIn?.includes(url)) {
      fail(out, path, 'any.not_in', `type URL must not be in [${notIn.map(show).join(', ')}]`, show(url));
    }
  };
}
