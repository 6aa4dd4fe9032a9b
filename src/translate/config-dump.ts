// protobufjs messages <-> the proto3 JSON mapping with snake_case names, which is what Envoy's
// config dumps and YAML bootstrap files look like. Dumps omit defaults the way Envoy does, but keep
// a message that was set even when empty (`ads: {}`, an empty Router); the reverse direction
// refuses unknown fields and unknown `@type`s instead of letting protobufjs drop them silently.
import type { Enum, Field, MapField, Type } from 'protobufjs';
import { decode, encode, messageType } from '../protos.ts';

/** A JSON value as a config dump holds it. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Obj = Record<string, unknown>;

const NANOS = 1_000_000_000n;
const LONG = new Set(['int64', 'uint64', 'sint64', 'fixed64', 'sfixed64']);
const INT32 = new Set(['int32', 'sint32', 'sfixed32']);
const UINT32 = new Set(['uint32', 'fixed32']);
const WRAPPERS: Readonly<Record<string, string>> = {
  DoubleValue: 'double',
  FloatValue: 'float',
  Int64Value: 'int64',
  UInt64Value: 'uint64',
  Int32Value: 'int32',
  UInt32Value: 'uint32',
  BoolValue: 'bool',
  StringValue: 'string',
  BytesValue: 'bytes',
};

const nameOf = (t: Type) => t.fullName.slice(1);
const isType = (t: Type | Enum | null): t is Type => t !== null && 'fieldsArray' in t;
const isObj = (v: unknown): v is Obj =>
  typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Uint8Array);
const at = (path: string, key: string) => (path ? `${path}.${key}` : key);
const wkt = (t: Type) => (nameOf(t).startsWith('google.protobuf.') ? nameOf(t).slice(16) : undefined);
// Well-known types whose JSON is not an object of their fields: inside an Any they sit under `value`.
const SPECIAL_JSON = new Set([
  'Any',
  'Duration',
  'Timestamp',
  'Struct',
  'Value',
  'ListValue',
  'FieldMask',
  ...Object.keys(WRAPPERS),
]);
const specialJson = (t: Type) => SPECIAL_JSON.has(wkt(t) ?? '');
const camel = (s: string) => s.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
const snake = (s: string) => s.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

function payloadType(typeUrl: string, path: string): Type {
  try {
    return messageType(typeUrl.slice(typeUrl.lastIndexOf('/') + 1));
  } catch {
    throw new Error(`${path || '(root)'}: unknown @type "${typeUrl}"`);
  }
}

// ---- message -> JSON -------------------------------------------------------------------------

function durationText(seconds: unknown, nanos: unknown): string {
  const total = BigInt(String(seconds ?? 0)) * NANOS + BigInt(Number(nanos ?? 0));
  const abs = total < 0n ? -total : total;
  let frac = (abs % NANOS).toString().padStart(9, '0');
  // proto3 JSON prints 0, 3, 6 or 9 fractional digits.
  while (frac.endsWith('000')) frac = frac.slice(0, -3);
  return `${total < 0n ? '-' : ''}${abs / NANOS}${frac ? `.${frac}` : ''}s`;
}

function timestampText(seconds: unknown, nanos: unknown): string {
  const iso = new Date(Number(seconds ?? 0) * 1000).toISOString().slice(0, 19);
  let frac = String(Number(nanos ?? 0)).padStart(9, '0');
  while (frac.endsWith('000')) frac = frac.slice(0, -3);
  return `${iso}${frac ? `.${frac}` : ''}Z`;
}

function scalarToJson(kind: string, v: unknown, enumType: Enum | undefined): Json {
  if (enumType) {
    if (typeof v === 'number') return enumType.valuesById[v] ?? v;
    return String(v);
  }
  if (LONG.has(kind)) return String(v);
  if (kind === 'bytes') return Buffer.from(v as Uint8Array).toString('base64');
  if ((kind === 'double' || kind === 'float') && !Number.isFinite(v as number)) return String(v);
  return v as Json;
}

function isDefault(v: unknown, enumType: Enum | undefined): boolean {
  if (enumType) return (typeof v === 'number' ? v : enumType.values[String(v)]) === 0;
  return v === '' || v === 0 || v === '0' || v === false || (v instanceof Uint8Array && v.length === 0);
}

function valueToJson(v: Obj): Json {
  if (v.nullValue !== undefined && v.nullValue !== null) return null;
  if (v.numberValue !== undefined && v.numberValue !== null) return v.numberValue as number;
  if (v.stringValue !== undefined && v.stringValue !== null) return v.stringValue as string;
  if (v.boolValue !== undefined && v.boolValue !== null) return v.boolValue as boolean;
  if (isObj(v.structValue)) return structToJson(v.structValue);
  if (isObj(v.listValue)) return ((v.listValue.values as Obj[] | undefined) ?? []).map(valueToJson);
  return null;
}

function structToJson(s: Obj): { [key: string]: Json } {
  const out: { [key: string]: Json } = {};
  for (const [k, v] of Object.entries((s.fields as Record<string, Obj> | undefined) ?? {})) out[k] = valueToJson(v);
  return out;
}

function messageToJson(type: Type, msg: Obj, path: string): Json {
  const special = wkt(type);
  if (special === 'Any') {
    const url = String(msg.type_url ?? '');
    if (!url) return {};
    const inner = payloadType(url, path);
    const json = messageToJson(inner, decode(nameOf(inner), (msg.value as Uint8Array) ?? new Uint8Array()), path);
    return specialJson(inner) ? { '@type': url, value: json } : { '@type': url, ...(json as { [key: string]: Json }) };
  }
  if (special === 'Duration') return durationText(msg.seconds, msg.nanos);
  if (special === 'Timestamp') return timestampText(msg.seconds, msg.nanos);
  if (special === 'Struct') return structToJson(msg);
  if (special === 'Value') return valueToJson(msg);
  if (special === 'ListValue') return ((msg.values as Obj[] | undefined) ?? []).map(valueToJson);
  if (special === 'FieldMask') return ((msg.paths as string[] | undefined) ?? []).map(camel).join(',');
  const wrapped = special ? WRAPPERS[special] : undefined;
  if (wrapped) return scalarToJson(wrapped, msg.value, undefined);

  const out: { [key: string]: Json } = {};
  for (const field of type.fieldsArray) {
    const v = msg[field.name];
    if (v === undefined || v === null) continue;
    const oneof = field.partOf?.name;
    if (oneof !== undefined && msg[oneof] !== undefined && msg[oneof] !== field.name) continue;
    const rt = field.resolvedType;
    const enumType = rt && !isType(rt) ? rt : undefined;
    const one = (x: unknown, p: string): Json =>
      isType(rt) ? messageToJson(rt, x as Obj, p) : scalarToJson(field.type, x, enumType);
    const p = at(path, field.name);
    if (field.map) {
      const entries = Object.entries(v as Obj);
      if (entries.length > 0) {
        out[field.name] = Object.fromEntries(entries.map(([k, x]) => [k, one(x, `${p}["${k}"]`)]));
      }
    } else if (field.repeated) {
      if ((v as unknown[]).length > 0) out[field.name] = (v as unknown[]).map((x, i) => one(x, `${p}[${i}]`));
    } else if (isType(rt) || oneof !== undefined || !isDefault(v, enumType)) {
      // A set message (even empty) and a set oneof member (even zero) are part of the config.
      out[field.name] = one(v, p);
    }
  }
  return out;
}

/** A message (bytes, or the decoded form of `decode()`) as Envoy would print it in a config dump. */
export function toConfigDump(typeName: string, decodedOrBytes: Uint8Array | Obj): Record<string, unknown> {
  const msg = decodedOrBytes instanceof Uint8Array ? decode(typeName, decodedOrBytes) : decodedOrBytes;
  return messageToJson(messageType(typeName), msg, '') as Record<string, unknown>;
}

// ---- JSON -> message -------------------------------------------------------------------------

const fieldMaps = new WeakMap<Type, Map<string, Field>>();

function fieldByKey(type: Type, key: string): Field | undefined {
  let m = fieldMaps.get(type);
  if (!m) {
    m = new Map();
    for (const f of type.fieldsArray) m.set(camel(f.name), f);
    for (const f of type.fieldsArray) m.set(f.name, f); // snake_case wins a clash
    fieldMaps.set(type, m);
  }
  return m.get(key);
}

function bad(path: string, text: string, v: unknown): never {
  throw new Error(`${path || '(root)'}: ${text} (got ${JSON.stringify(v) ?? String(v)})`);
}

function scalarFromJson(kind: string, v: unknown, enumType: Enum | undefined, path: string): unknown {
  if (enumType) {
    if (typeof v === 'string' && enumType.values[v] !== undefined) return v;
    if (typeof v === 'number' && Number.isInteger(v)) return v;
    return bad(path, `expected one of ${Object.keys(enumType.values).join(', ')}`, v);
  }
  if (kind === 'string') return typeof v === 'string' ? v : bad(path, 'expected a string', v);
  if (kind === 'bool') return typeof v === 'boolean' ? v : bad(path, 'expected true or false', v);
  if (kind === 'bytes') {
    if (typeof v === 'string' && /^[A-Za-z0-9+/_-]*={0,2}$/.test(v)) return Buffer.from(v, 'base64');
    return bad(path, 'expected base64 bytes', v);
  }
  if (kind === 'double' || kind === 'float') {
    if (typeof v === 'number') return v;
    if (typeof v === 'string' && v.trim() !== '' && !Number.isNaN(Number(v))) return Number(v);
    if (v === 'NaN' || v === 'Infinity' || v === '-Infinity') return Number(v);
    return bad(path, 'expected a number', v);
  }
  const text = typeof v === 'number' ? (Number.isSafeInteger(v) ? String(v) : '') : typeof v === 'string' ? v : '';
  if (!/^-?\d+$/.test(text)) return bad(path, `expected an integer (${kind})`, v);
  const n = BigInt(text);
  const [lo, hi] = INT32.has(kind)
    ? [-(2n ** 31n), 2n ** 31n - 1n]
    : UINT32.has(kind)
      ? [0n, 2n ** 32n - 1n]
      : kind.startsWith('u') || kind === 'fixed64'
        ? [0n, 2n ** 64n - 1n]
        : [-(2n ** 63n), 2n ** 63n - 1n];
  if (n < lo || n > hi) return bad(path, `${kind} out of range`, v);
  return LONG.has(kind) ? text : Number(n);
}

function parseDuration(v: unknown, path: string): Obj {
  const m = typeof v === 'string' ? /^(-)?(\d+)(?:\.(\d{1,9}))?s$/.exec(v) : null;
  if (!m) return bad(path, 'expected a duration like "5s" or "0.250s"', v);
  const sign = m[1] ? -1 : 1;
  const nanos = Number((m[3] ?? '').padEnd(9, '0')) * sign;
  return { seconds: `${m[1] && m[2] !== '0' ? '-' : ''}${m[2]}`, nanos: nanos === 0 ? 0 : nanos };
}

function parseTimestamp(v: unknown, path: string): Obj {
  const m =
    typeof v === 'string' ? /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?(Z|[+-]\d\d:\d\d)$/.exec(v) : null;
  const ms = m ? Date.parse(`${m[1]}${m[3]}`) : Number.NaN;
  if (!m || Number.isNaN(ms)) return bad(path, 'expected an RFC 3339 timestamp', v);
  return { seconds: String(ms / 1000), nanos: Number((m[2] ?? '').padEnd(9, '0')) };
}

function valueFromJson(v: unknown, path: string): Obj {
  if (v === null || v === undefined) return { nullValue: 'NULL_VALUE' };
  if (typeof v === 'number') return { numberValue: v };
  if (typeof v === 'string') return { stringValue: v };
  if (typeof v === 'boolean') return { boolValue: v };
  if (Array.isArray(v)) return { listValue: { values: v.map((x, i) => valueFromJson(x, `${path}[${i}]`)) } };
  if (isObj(v)) return { structValue: structFromJson(v, path) };
  return bad(path, 'expected a JSON value', v);
}

function structFromJson(v: unknown, path: string): Obj {
  if (!isObj(v)) return bad(path, 'expected an object', v);
  return { fields: Object.fromEntries(Object.entries(v).map(([k, x]) => [k, valueFromJson(x, at(path, k))])) };
}

function messageFromJson(type: Type, json: unknown, path: string): unknown {
  const special = wkt(type);
  if (special === 'Any') {
    if (!isObj(json)) return bad(path, 'expected an object with "@type"', json);
    const { '@type': url, ...rest } = json;
    if (url === undefined && Object.keys(rest).length === 0) return {};
    if (typeof url !== 'string') return bad(at(path, '@type'), 'expected a type URL', url);
    const inner = payloadType(url, path);
    let value: unknown;
    if (specialJson(inner)) {
      const extra = Object.keys(rest).find((k) => k !== 'value');
      if (extra !== undefined) throw new Error(`${at(path, extra)}: unknown field "${extra}" beside "value" in an Any`);
      value = messageFromJson(inner, rest.value, at(path, 'value'));
    } else value = messageFromJson(inner, rest, path);
    return { type_url: url, value: encode(nameOf(inner), value as object) };
  }
  if (special === 'Duration') return parseDuration(json, path);
  if (special === 'Timestamp') return parseTimestamp(json, path);
  if (special === 'Struct') return structFromJson(json, path);
  if (special === 'Value') return valueFromJson(json, path);
  if (special === 'ListValue') {
    if (!Array.isArray(json)) return bad(path, 'expected a list', json);
    return { values: json.map((x, i) => valueFromJson(x, `${path}[${i}]`)) };
  }
  if (special === 'FieldMask') {
    if (typeof json !== 'string') return bad(path, 'expected a comma-separated field mask', json);
    return { paths: json === '' ? [] : json.split(',').map(snake) };
  }
  const wrapped = special ? WRAPPERS[special] : undefined;
  if (wrapped) return { value: scalarFromJson(wrapped, json, undefined, path) };

  if (!isObj(json)) return bad(path, `expected an object (${nameOf(type)})`, json);
  const out: Obj = {};
  const oneofs = new Map<string, string>();
  for (const [key, v] of Object.entries(json)) {
    const field = fieldByKey(type, key);
    const p = at(path, key);
    if (!field) throw new Error(`${p}: unknown field "${key}" in ${nameOf(type)}`);
    field.resolve();
    const rt = field.resolvedType;
    // proto3 JSON: null means "default", except for a google.protobuf.Value, where it is NULL_VALUE.
    if (v === null && !(isType(rt) && wkt(rt) === 'Value')) continue;
    const oneof = field.partOf;
    if (oneof) {
      const other = oneofs.get(oneof.name);
      if (other !== undefined) {
        throw new Error(`${p}: only one of ${other} and ${field.name} may be set (oneof ${oneof.name})`);
      }
      oneofs.set(oneof.name, field.name);
    }
    const one = (x: unknown, q: string) =>
      isType(rt) ? messageFromJson(rt, x, q) : scalarFromJson(field.type, x, rt ?? undefined, q);
    if (field.map) {
      if (!isObj(v)) bad(p, 'expected a map object', v);
      const keyType = (field as unknown as MapField).keyType;
      for (const k of Object.keys(v)) {
        const ok = keyType === 'string' || (keyType === 'bool' ? k === 'true' || k === 'false' : /^-?\d+$/.test(k));
        if (!ok) bad(`${p}["${k}"]`, `expected a ${keyType} map key`, k);
      }
      out[field.name] = Object.fromEntries(Object.entries(v).map(([k, x]) => [k, one(x, `${p}["${k}"]`)]));
    } else if (field.repeated) {
      if (!Array.isArray(v)) bad(p, 'expected a list', v);
      out[field.name] = v.map((x, i) => one(x, `${p}[${i}]`));
    } else out[field.name] = one(v, p);
  }
  return out;
}

/** Converts Envoy-style JSON (a parsed YAML bootstrap, a config dump) into input for `encode()`. */
export function fromEnvoyJson(typeName: string, json: unknown): Record<string, unknown> {
  return messageFromJson(messageType(typeName), json, '') as Record<string, unknown>;
}
