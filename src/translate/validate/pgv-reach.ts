// Which message types validation must visit. Well-known types carry no rules of their own; any
// other type is visited only when some rule or some Any (whose payload may carry rules) can be
// reached from it, so large rule-free subtrees (metadata, most of a Cluster) cost nothing.
import type { Enum, Type } from 'protobufjs';
import { fieldRules, messageDisabled, oneofRequired } from './pgv-rules.ts';

/** The scalar kind each google.protobuf wrapper holds in `.value`. */
export const WRAPPERS: Readonly<Record<string, string>> = {
  'google.protobuf.DoubleValue': 'double',
  'google.protobuf.FloatValue': 'float',
  'google.protobuf.Int64Value': 'int64',
  'google.protobuf.UInt64Value': 'uint64',
  'google.protobuf.Int32Value': 'int32',
  'google.protobuf.UInt32Value': 'uint32',
  'google.protobuf.BoolValue': 'bool',
  'google.protobuf.StringValue': 'string',
  'google.protobuf.BytesValue': 'bytes',
};
/** Full names of the well-known types with rules of their own. */
export const DURATION = 'google.protobuf.Duration';
export const TIMESTAMP = 'google.protobuf.Timestamp';
export const ANY = 'google.protobuf.Any';
/** Well-known types that carry no rules of their own: never descended into. */
export const OPAQUE = new Set([
  ...Object.keys(WRAPPERS),
  DURATION,
  TIMESTAMP,
  'google.protobuf.Struct',
  'google.protobuf.Value',
  'google.protobuf.ListValue',
  'google.protobuf.Empty',
  'google.protobuf.FieldMask',
]);

/** A type's full name without the leading dot. */
export const nameOf = (t: Type) => t.fullName.slice(1);
/** True for a message type (as opposed to an enum). */
export const isType = (t: Type | Enum | null): t is Type => t !== null && 'fieldsArray' in t;

function childTypes(t: Type): Type[] {
  const out: Type[] = [];
  for (const f of t.fieldsArray) {
    const rt = f.resolve().resolvedType;
    if (isType(rt) && !OPAQUE.has(nameOf(rt))) out.push(rt);
  }
  return out;
}

function hasOwnRules(t: Type): boolean {
  if (messageDisabled(t)) return false;
  return (
    t.oneofsArray.some(oneofRequired) ||
    t.fieldsArray.some((f) => fieldRules(f) !== undefined || (isType(f.resolvedType) && nameOf(f.resolvedType) === ANY))
  );
}

const needsCache = new Map<Type, boolean>();

/** True when validating `type` can report anything: some rule or some Any is reachable from it. */
export function needs(type: Type): boolean {
  const known = needsCache.get(type);
  if (known !== undefined) return known;
  // Fixpoint over the not-yet-decided types reachable from `type`; recursion (Matcher, Struct-like
  // messages) makes a plain depth-first answer wrong for the types inside a cycle.
  const pending = new Map<Type, boolean>();
  const stack = [type];
  while (stack.length > 0) {
    const t = stack.pop() as Type;
    if (pending.has(t) || needsCache.has(t)) continue;
    pending.set(t, hasOwnRules(t));
    if (!messageDisabled(t)) stack.push(...childTypes(t));
  }
  for (let changed = true; changed; ) {
    changed = false;
    for (const [t, v] of pending) {
      if (v || messageDisabled(t)) continue;
      if (childTypes(t).some((c) => needsCache.get(c) ?? pending.get(c))) {
        pending.set(t, true);
        changed = true;
      }
    }
  }
  for (const [t, v] of pending) needsCache.set(t, v);
  return pending.get(type) as boolean;
}
