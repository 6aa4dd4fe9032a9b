// An interpreter of Envoy's protoc-gen-validate `(validate.rules)` annotations, read from the loaded
// descriptors. Each message type is compiled once, lazily, into a closure over its fields' rules;
// types from which no rule and no Any is reachable are never visited. Input is the decoded form
// (`decode()` in protos.ts): defaults filled in, unset messages null, oneof virtual fields present.
import type { Field, MapField, Type } from 'protobufjs';
import { decode, LOADER_OPTIONS, messageType } from '../../protos.ts';
import { compileAny, compileDuration, compileTimestamp } from './pgv-messages.ts';
import { ANY, DURATION, isType, nameOf, needs, OPAQUE, TIMESTAMP, WRAPPERS } from './pgv-reach.ts';
import {
  fail,
  fieldRules,
  messageDisabled,
  oneofRequired,
  type Rules,
  ruleBody,
  type Sink,
  show,
  type ValueCheck,
  type Violation,
} from './pgv-rules.ts';
import { compileScalar } from './pgv-scalars.ts';

export type { Violation } from './pgv-rules.ts';

/** A compiled validator of one message type; `prefix` is the message's own path ('' at the top). */
export type MessageCheck = (msg: Record<string, unknown>, prefix: string, out: Sink) => void;

/** What validating an Any payload of one type URL takes, looked up once per URL. */
interface Payload {
  readonly name: string;
  readonly type: Type;
  readonly check: MessageCheck;
}

const payloads = new Map<string, Payload | null>();

function payloadOf(typeUrl: string): Payload | null {
  let p = payloads.get(typeUrl);
  if (p === undefined) {
    p = null;
    try {
      const type = messageType(typeUrl.slice(typeUrl.lastIndexOf('/') + 1));
      if (needs(type)) p = { name: nameOf(type), type, check: validatorFor(type) };
    } catch {
      // not in the root: skipped, as Envoy would reject it for other reasons
    }
    payloads.set(typeUrl, p);
  }
  return p;
}

function checkAnyPayload(value: unknown, path: string, out: Sink): void {
  if (value === null || value === undefined) return;
  const any = value as { type_url?: string; value?: Uint8Array };
  const p = any.type_url ? payloadOf(any.type_url) : null;
  if (!p) return;
  let inner: Record<string, unknown>;
  try {
    inner = p.type.toObject(p.type.decode(any.value ?? new Uint8Array()), LOADER_OPTIONS);
  } catch (e) {
    fail(out, path, 'any.payload', `payload must decode as ${p.name}: ${(e as Error).message}`, show(any.value));
    return;
  }
  p.check(inner, path, out);
}

function all(checks: readonly ValueCheck[]): ValueCheck | undefined {
  if (checks.length <= 1) return checks[0];
  return (v, path, out) => {
    for (const c of checks) c(v, path, out);
  };
}

/** The check of one value of `field`'s type (a singular value, a list item or a map value). */
function compileValue(field: Pick<Field, 'resolvedType'>, rules: Rules | undefined): ValueCheck | undefined {
  const rt = field.resolvedType;
  if (!isType(rt)) return compileScalar(rules, rt ?? undefined);
  const full = nameOf(rt);
  const checks: ValueCheck[] = [];
  const m = ruleBody(rules, 'message');
  if (m?.required === true) {
    checks.push((v, path, out) => {
      if (v === null || v === undefined) fail(out, path, 'message.required', 'value is required', 'unset');
    });
  }
  const skip = m?.skip === true;
  const body = (kind: string) => ruleBody(rules, kind);
  if (WRAPPERS[full]) {
    // Rules on a wrapper field apply to its `.value`, and only when the wrapper is set.
    const inner = compileScalar(rules, undefined);
    if (inner) checks.push((v, path, out) => v != null && inner((v as { value?: unknown }).value, path, out));
  } else if (full === DURATION) {
    const d = body('duration');
    if (d) checks.push(compileDuration(d));
  } else if (full === TIMESTAMP) {
    const t = body('timestamp');
    if (t) checks.push(compileTimestamp(t));
  } else if (full === ANY) {
    const a = body('any');
    if (a) checks.push(compileAny(a));
    if (!skip) checks.push(checkAnyPayload);
  } else if (!OPAQUE.has(full) && !skip && needs(rt)) {
    let nested: MessageCheck | undefined;
    checks.push((v, path, out) => {
      if (v === null || typeof v !== 'object') return;
      nested ??= validatorFor(rt);
      nested(v as Record<string, unknown>, path, out);
    });
  }
  return all(checks);
}

function compileRepeated(field: Field, rules: Rules | undefined): ValueCheck | undefined {
  const r = ruleBody(rules, 'repeated') ?? {};
  const item = compileValue(field, ruleBody(r, 'items'));
  const min = r.min_items === undefined ? 0 : Number(r.min_items);
  const max = r.max_items === undefined ? undefined : Number(r.max_items);
  const unique = r.unique === true;
  const ignoreEmpty = r.ignore_empty === true;
  if (!item && !min && max === undefined && !unique) return undefined;
  return (value, path, out) => {
    const list = Array.isArray(value) ? value : [];
    if (ignoreEmpty && list.length === 0) return;
    if (list.length < min) {
      fail(out, path, 'repeated.min_items', `value must contain at least ${min} item(s)`, `${list.length}`);
    }
    if (max !== undefined && list.length > max) {
      fail(out, path, 'repeated.max_items', `value must contain at most ${max} item(s)`, `${list.length}`);
    }
    if (unique) {
      const seen = new Set<unknown>();
      list.forEach((v, i) => {
        const key =
          v instanceof Uint8Array ? Buffer.from(v).toString('hex') : typeof v === 'object' ? JSON.stringify(v) : v;
        if (seen.has(key)) fail(out, `${path}[${i}]`, 'repeated.unique', 'items must be unique', show(v));
        seen.add(key);
      });
    }
    if (item) for (let i = 0; i < list.length; i++) item(list[i], `${path}[${i}]`, out);
  };
}

function compileMap(field: MapField, rules: Rules | undefined): ValueCheck | undefined {
  const r = ruleBody(rules, 'map') ?? {};
  const keyCheck = compileScalar(ruleBody(r, 'keys'), undefined);
  const valueCheck = compileValue(field, ruleBody(r, 'values'));
  const min = r.min_pairs === undefined ? 0 : Number(r.min_pairs);
  const max = r.max_pairs === undefined ? undefined : Number(r.max_pairs);
  const noSparse = r.no_sparse === true;
  const ignoreEmpty = r.ignore_empty === true;
  if (!keyCheck && !valueCheck && !min && max === undefined && !noSparse) return undefined;
  // Decoded map keys are strings; give number and bool keys back their type for the key rules.
  const numericKey = /^(u?int32|s?fixed32|sint32)$/.test(field.keyType);
  const key = (k: string): unknown => (numericKey ? Number(k) : field.keyType === 'bool' ? k === 'true' : k);
  return (value, path, out) => {
    const entries = value && typeof value === 'object' ? Object.entries(value) : [];
    if (ignoreEmpty && entries.length === 0) return;
    if (entries.length < min) {
      fail(out, path, 'map.min_pairs', `value must contain at least ${min} pair(s)`, `${entries.length}`);
    }
    if (max !== undefined && entries.length > max) {
      fail(out, path, 'map.max_pairs', `value must contain at most ${max} pair(s)`, `${entries.length}`);
    }
    for (const [k, v] of entries) {
      const at = `${path}[${JSON.stringify(k)}]`;
      keyCheck?.(key(k), at, out);
      if (noSparse && (v === null || v === undefined)) {
        fail(out, at, 'map.no_sparse', 'map values must be set', 'unset');
      }
      valueCheck?.(v, at, out);
    }
  };
}

function compileField(field: Field): MessageCheck | undefined {
  field.resolve();
  const rules = fieldRules(field);
  const check = field.map
    ? compileMap(field as unknown as MapField, rules)
    : field.repeated
      ? compileRepeated(field, rules)
      : compileValue(field, rules);
  if (!check) return undefined;
  const name = field.name;
  const dotted = `.${name}`;
  const oneof = field.partOf?.name;
  if (oneof === undefined) return (msg, prefix, out) => check(msg[name], prefix === '' ? name : prefix + dotted, out);
  // A oneof member (or proto3 `optional` field) is validated only when it is the one set.
  return (msg, prefix, out) => {
    const v = msg[name];
    if (v === undefined || v === null) return;
    const which = msg[oneof];
    if (which !== undefined && which !== name) return;
    check(v, prefix === '' ? name : prefix + dotted, out);
  };
}

function compileType(type: Type): MessageCheck {
  if (messageDisabled(type)) return () => {};
  const checks: MessageCheck[] = [];
  for (const f of type.fieldsArray) {
    const c = compileField(f);
    if (c) checks.push(c);
  }
  for (const o of type.oneofsArray) {
    if (!oneofRequired(o)) continue;
    const members = o.fieldsArray.map((f) => f.name);
    const text = `exactly one of ${members.join(', ')} must be set`;
    checks.push((msg, prefix, out) => {
      if (members.some((m) => msg[m] !== undefined && msg[m] !== null)) return;
      fail(out, prefix === '' ? o.name : `${prefix}.${o.name}`, 'oneof.required', text, 'none');
    });
  }
  return (msg, prefix, out) => {
    for (let i = 0; i < checks.length; i++) (checks[i] as MessageCheck)(msg, prefix, out);
  };
}

const validators = new Map<Type, MessageCheck>();

/** The compiled validator of `type` (any protobufjs root), built on first use and cached. */
export function validatorFor(type: Type): MessageCheck {
  let v = validators.get(type);
  if (!v) {
    v = compileType(type);
    validators.set(type, v);
  }
  return v;
}

/** Every rule broken by a decoded message of the named type (full name, no leading dot). */
export function validateMessage(typeName: string, decoded: Record<string, unknown>): Violation[] {
  const out: Violation[] = [];
  validatorFor(messageType(typeName))(decoded, '', out);
  return out;
}

/** Decodes `bytes` as the named type and validates it. */
export function validateEncoded(typeName: string, bytes: Uint8Array): Violation[] {
  const type = messageType(typeName);
  if (!needs(type)) return [];
  return validateMessage(typeName, decode(typeName, bytes));
}
