// Reading protoc-gen-validate annotations off protobufjs descriptors, and the violation shape the
// checks report. protobufjs keeps each `[(validate.rules)...]` option as one entry of
// `parsedOptions`, so a field carrying several (e.g. `.uint32` and `.message`) has several entries.
import type { Field, OneOf, ReflectionObject } from 'protobufjs';

/** One broken rule: where, which rule, and a sentence naming the field, the rule and the value. */
export interface Violation {
  /** Field path from the validated message, e.g. `filter_chains[0].filters[0].typed_config.stat_prefix`. */
  readonly path: string;
  /** The PGV rule, e.g. `string.min_len`. */
  readonly rule: string;
  readonly message: string;
}

/** Where violations are collected; checks push and never throw. */
export type Sink = Violation[];

/** A check of one value found at `path`. */
export type ValueCheck = (value: unknown, path: string, out: Sink) => void;

/** A `(validate.rules)` object (or one of its kinds, e.g. its `string` member). */
export type Rules = { readonly [key: string]: unknown };

function merge(into: Record<string, unknown>, from: Rules): Record<string, unknown> {
  for (const [k, v] of Object.entries(from)) {
    const prev = into[k];
    into[k] =
      isPlainObject(prev) && isPlainObject(v) ? merge({ ...prev }, v) : Array.isArray(v) ? [...(v as unknown[])] : v;
  }
  return into;
}

function isPlainObject(v: unknown): v is Rules {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function optionEntries(o: ReflectionObject): readonly Rules[] {
  return (o.parsedOptions as unknown as Rules[] | undefined) ?? [];
}

/** The field's `(validate.rules)`, every entry merged; undefined when it has none. */
export function fieldRules(field: Field): Rules | undefined {
  let merged: Record<string, unknown> | undefined;
  for (const entry of optionEntries(field)) {
    const r = entry['(validate.rules)'];
    if (isPlainObject(r)) merged = merge(merged ?? {}, r);
  }
  return merged;
}

/** True when `(validate.required)` is set on a oneof. */
export function oneofRequired(oneof: OneOf): boolean {
  if (oneof.options?.['(validate.required)'] === true) return true;
  return optionEntries(oneof).some((e) => e['(validate.required)'] === true);
}

/** True when the message opts out with `(validate.disabled)` or `(validate.ignored)`. */
export function messageDisabled(type: ReflectionObject): boolean {
  const o = type.options ?? {};
  if (o['(validate.disabled)'] === true || o['(validate.ignored)'] === true) return true;
  return optionEntries(type).some((e) => e['(validate.disabled)'] === true || e['(validate.ignored)'] === true);
}

/** A rule kind's body (`rules.string`, ...) as an object, or undefined. */
export function ruleBody(rules: Rules | undefined, kind: string): Rules | undefined {
  const body = rules?.[kind];
  return isPlainObject(body) ? body : undefined;
}

/**
 * A repeated rule value as a list: protobufjs' text-format parser gives a bare scalar for a single
 * `not_in: 6` and an array for `in: [1, 2]` or a key written twice.
 */
export function ruleList(value: unknown): readonly unknown[] | undefined {
  if (value === undefined || value === null) return undefined;
  return Array.isArray(value) ? value : [value];
}

/** A value for a message, quoted and shortened. */
export function show(value: unknown): string {
  if (typeof value === 'string') {
    const text = JSON.stringify(value);
    return text.length > 82 ? `${text.slice(0, 79)}..."` : text;
  }
  if (value instanceof Uint8Array) return `${value.length} bytes`;
  if (value === undefined || value === null) return 'unset';
  if (typeof value === 'object') {
    const text = JSON.stringify(value) ?? String(value);
    return text.length > 82 ? `${text.slice(0, 79)}...` : text;
  }
  return String(value);
}

/** Records a violation; the message starts with the field's own name so it reads on its own. */
export function fail(out: Sink, path: string, rule: string, text: string, got: string): void {
  out.push({ path, rule, message: `${leaf(path)}: ${text} (${rule}, got ${got})` });
}

// The last field of a path with its indexes (`domains[0]`), skipping dots inside map keys.
function leaf(path: string): string {
  let depth = 0;
  for (let i = path.length - 1; i >= 0; i--) {
    const c = path[i];
    if (c === ']') depth++;
    else if (c === '[') depth--;
    else if (c === '.' && depth === 0) return path.slice(i + 1);
  }
  return path || '(message)';
}
