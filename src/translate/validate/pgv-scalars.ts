// Rules on scalar values: every numeric kind, bool, enum, and the dispatch to string/bytes. 64-bit
// kinds compare as BigInt because decoding yields them as decimal strings.
import type { Enum } from 'protobufjs';
import { compileOrdered } from './pgv-range.ts';
import { fail, type Rules, ruleBody, ruleList, show, type ValueCheck } from './pgv-rules.ts';
import { compileBytes, compileString } from './pgv-strings.ts';

const LONG_KINDS = new Set(['int64', 'uint64', 'sint64', 'fixed64', 'sfixed64']);
const INT_KINDS = new Set(['int32', 'uint32', 'sint32', 'fixed32', 'sfixed32']);

/** The rule kinds that apply to a scalar value (`validate.FieldRules` members). */
export const SCALAR_KINDS: readonly string[] = [
  ...INT_KINDS,
  ...LONG_KINDS,
  'double',
  'float',
  'bool',
  'string',
  'bytes',
  'enum',
];

function toBigInt(v: unknown): bigint | undefined {
  try {
    if (typeof v === 'bigint') return v;
    if (typeof v === 'string' || typeof v === 'number') return BigInt(v);
    if (v && typeof v === 'object') return BigInt(String(v)); // a Long from a hand-built object
  } catch {
    // not an integer: reported by the caller
  }
  return undefined;
}

function compileNumber(kind: string, r: Rules): ValueCheck | undefined {
  const ignoreEmpty = r.ignore_empty === true;
  if (LONG_KINDS.has(kind)) {
    const check = compileOrdered(kind, r, (x) => toBigInt(x) ?? 0n, String);
    if (!check) return undefined;
    return (value, path, out) => {
      const v = toBigInt(value ?? 0);
      if (v === undefined) return fail(out, path, `${kind}.type`, 'value must be an integer', show(value));
      if (ignoreEmpty && v === 0n) return;
      check(v, path, out);
    };
  }
  // float fields decode as the nearest float32, so compare against float32 bounds too.
  const convert = kind === 'float' ? (x: unknown) => Math.fround(Number(x)) : (x: unknown) => Number(x);
  const check = compileOrdered(kind, r, convert, String);
  if (!check) return undefined;
  return (value, path, out) => {
    const v = typeof value === 'number' ? value : Number(value ?? 0);
    if (ignoreEmpty && v === 0) return;
    check(v, path, out);
  };
}

function compileBool(r: Rules): ValueCheck | undefined {
  if (r.const === undefined) return undefined;
  const want = r.const === true;
  return (value, path, out) => {
    if ((value === true) !== want) fail(out, path, 'bool.const', `value must equal ${want}`, show(value ?? false));
  };
}

function compileEnum(r: Rules, type: Enum): ValueCheck | undefined {
  const number = (v: unknown): number | undefined => (typeof v === 'number' ? v : type.values[String(v)]);
  const name = (n: unknown) => type.valuesById[Number(n)] ?? String(n);
  const checks: ValueCheck[] = [];
  if (r.defined_only === true) {
    checks.push((v, path, out) => {
      const n = number(v);
      if (n === undefined || type.valuesById[n] === undefined) {
        fail(out, path, 'enum.defined_only', `value must be one of the defined ${type.name} values`, show(v));
      }
    });
  }
  if (r.const !== undefined) {
    const c = Number(r.const);
    checks.push((v, path, out) => {
      if (number(v) !== c) fail(out, path, 'enum.const', `value must equal ${name(c)}`, show(v));
    });
  }
  const inList = ruleList(r.in)?.map(Number);
  if (inList) {
    const text = `value must be in [${inList.map(name).join(', ')}]`;
    checks.push((v, path, out) => {
      const n = number(v);
      if (n === undefined || !inList.includes(n)) fail(out, path, 'enum.in', text, show(v));
    });
  }
  const notIn = ruleList(r.not_in)?.map(Number);
  if (notIn) {
    const text = `value must not be in [${notIn.map(name).join(', ')}]`;
    checks.push((v, path, out) => {
      const n = number(v);
      if (n !== undefined && notIn.includes(n)) fail(out, path, 'enum.not_in', text, show(v));
    });
  }
  if (checks.length === 0) return undefined;
  // An enum field left unset in a hand-built object holds the first value (number 0).
  return (value, path, out) => {
    const v = value ?? name(0);
    for (const c of checks) c(v, path, out);
  };
}

/** The check of the scalar rules in `rules` (whichever scalar kind is present); undefined if none. */
export function compileScalar(rules: Rules | undefined, enumType: Enum | undefined): ValueCheck | undefined {
  if (!rules) return undefined;
  const checks: ValueCheck[] = [];
  for (const kind of SCALAR_KINDS) {
    const r = ruleBody(rules, kind);
    if (!r) continue;
    const check =
      kind === 'string'
        ? compileString(r)
        : kind === 'bytes'
          ? compileBytes(r)
          : kind === 'bool'
            ? compileBool(r)
            : kind === 'enum'
              ? enumType && compileEnum(r, enumType)
              : compileNumber(kind, r);
    if (check) checks.push(check);
  }
  if (checks.length <= 1) return checks[0];
  return (value, path, out) => {
    for (const c of checks) c(value, path, out);
  };
}
