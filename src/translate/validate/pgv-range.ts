// Bounds and membership rules shared by every ordered kind (numbers, 64-bit ints as BigInt,
// durations and timestamps as BigInt nanoseconds), with PGV's range semantics: when both a lower
// and an upper bound are set and upper > lower the value must lie inside; otherwise (an
// "exclusive" range such as `{lt: 0, gt: 10}`) it must lie outside.
import { fail, type Rules, ruleList, type Sink } from './pgv-rules.ts';

/** A value comparable with `<`. */
export type Ordered = number | bigint;

/** A compiled check of an already converted value; `got` is how to print it. */
export type OrderedCheck<T> = (value: T, path: string, out: Sink) => void;

type Bound<T> = { key: string; value: T };

/** Compiles const, lt, lte, gt, gte, in and not_in; undefined when none is set. */
export function compileOrdered<T extends Ordered>(
  kind: string,
  rules: Rules,
  convert: (ruleValue: unknown) => T,
  format: (value: T) => string,
): OrderedCheck<T> | undefined {
  const checks: OrderedCheck<T>[] = [];
  const range = compileRange(kind, rules, convert, format);
  if (range) checks.push(range);
  if (rules.const !== undefined) {
    const c = convert(rules.const);
    checks.push((v, path, out) => {
      if (v !== c) fail(out, path, `${kind}.const`, `value must equal ${format(c)}`, format(v));
    });
  }
  const inList = ruleList(rules.in)?.map(convert);
  if (inList) {
    const allowed = new Set<Ordered>(inList);
    const text = `value must be in [${inList.map(format).join(', ')}]`;
    checks.push((v, path, out) => {
      if (!allowed.has(v)) fail(out, path, `${kind}.in`, text, format(v));
    });
  }
  const notInList = ruleList(rules.not_in)?.map(convert);
  if (notInList) {
    const banned = new Set<Ordered>(notInList);
    const text = `value must not be in [${notInList.map(format).join(', ')}]`;
    checks.push((v, path, out) => {
      if (banned.has(v)) fail(out, path, `${kind}.not_in`, text, format(v));
    });
  }
  if (checks.length === 0) return undefined;
  if (checks.length === 1) return checks[0];
  return (v, path, out) => {
    for (const c of checks) c(v, path, out);
  };
}

function compileRange<T extends Ordered>(
  kind: string,
  rules: Rules,
  convert: (ruleValue: unknown) => T,
  format: (value: T) => string,
): OrderedCheck<T> | undefined {
  const bound = (key: string): Bound<T> | undefined =>
    rules[key] === undefined ? undefined : { key, value: convert(rules[key]) };
  const upper = bound('lt') ?? bound('lte');
  const lower = bound('gt') ?? bound('gte');
  if (!upper && !lower) return undefined;
  const below = (v: T, b: Bound<T>) => (b.key === 'gt' ? v <= b.value : v < b.value);
  const above = (v: T, b: Bound<T>) => (b.key === 'lt' ? v >= b.value : v > b.value);
  const words: Record<string, string> = {
    lt: 'less than',
    lte: 'less than or equal to',
    gt: 'greater than',
    gte: 'greater than or equal to',
  };
  if (upper && lower) {
    const lo = `${lower.key === 'gt' ? '(' : '['}${format(lower.value)}`;
    const hi = `${format(upper.value)}${upper.key === 'lt' ? ')' : ']'}`;
    if (upper.value > lower.value) {
      const text = `value must be inside range ${lo}, ${hi}`;
      return (v, path, out) => {
        if (below(v, lower)) fail(out, path, `${kind}.${lower.key}`, text, format(v));
        else if (above(v, upper)) fail(out, path, `${kind}.${upper.key}`, text, format(v));
      };
    }
    // Exclusive range: the forbidden band is between the upper and the lower bound.
    const text = `value must be outside range ${upper.key === 'lt' ? '[' : '('}${format(upper.value)}, ${format(lower.value)}${lower.key === 'gt' ? ']' : ')'}`;
    const rule = `${kind}.${lower.key}_${upper.key}`;
    return (v, path, out) => {
      if (above(v, upper) && below(v, lower)) fail(out, path, rule, text, format(v));
    };
  }
  const only = (upper ?? lower) as Bound<T>;
  const text = `value must be ${words[only.key]} ${format(only.value)}`;
  const rule = `${kind}.${only.key}`;
  const broken = upper ? (v: T) => above(v, only) : (v: T) => below(v, only);
  return (v, path, out) => {
    if (broken(v)) fail(out, path, rule, text, format(v));
  };
}
