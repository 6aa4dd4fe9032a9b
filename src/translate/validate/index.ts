// Validation of translated resources before they can reach a snapshot: Envoy's PGV rules on every
// resource as it will be sent (encoded, then decoded), and the references between resources.
import { type Diagnostic, problem } from '../../errors.ts';
import { messageName, PUSH_ORDER } from '../../resource-types.ts';
import { encodeResource } from '../encoded.ts';
import { PROFILES, type ResourceSet, sidecarProfile, type Translation } from '../resources.ts';
import { validateEncoded } from './pgv.ts';
import { checkReferences } from './references.ts';
import { checkSidecarReferences } from './sidecar-references.ts';

export { type Violation, validateEncoded, validateMessage } from './pgv.ts';
export { checkReferences } from './references.ts';

// The field a resource's xDS name must equal, per message type.
const NAME_FIELD: Readonly<Record<string, string>> = {
  'envoy.config.endpoint.v3.ClusterLoadAssignment': 'cluster_name',
};

type Found = readonly { path: string; message: string }[];

/**
 * Remembers validation results by encoded content between builds, so a rebuild after a
 * one-endpoint change validates one resource, not all of them. Holds only the latest build's set.
 */
export class ValidationMemo {
  // First by the bytes' identity: resources reused by the fast lane keep their encoded Buffer, so
  // most lookups cost one WeakMap hit and allocate nothing. Then by type and resource name with a
  // byte comparison, for inputs re-parsed with the same content (a file saved unchanged).
  #byBytes = new WeakMap<Buffer, Found>();
  #previous = new Map<string, { bytes: Buffer; found: Found }>();
  #next = new Map<string, { bytes: Buffer; found: Found }>();

  /** The result for this resource's bytes, computed only when they changed since the last build. */
  get(typeName: string, name: string, bytes: Buffer, compute: () => Found): Found {
    const same = this.#byBytes.get(bytes);
    if (same) return same;
    const key = `${typeName}\0${name}`;
    const hit = this.#next.get(key) ?? this.#previous.get(key);
    const found = hit?.bytes.equals(bytes) ? hit.found : compute();
    this.#next.set(key, { bytes, found });
    this.#byBytes.set(bytes, found);
    return found;
  }

  /** Ends a build: results not used by it are dropped. */
  rotate(): void {
    this.#previous = this.#next;
    this.#next = new Map();
  }
}

/** Every PGV violation and broken reference in a translation, as diagnostics. */
export function validateTranslation(t: Translation, memo: ValidationMemo = new ValidationMemo()): Diagnostic[] {
  const out: Diagnostic[] = [];
  // Keyed by message object: profiles share some objects (endpoints, sidecar resources) on
  // purpose; check them once.
  const checked = new Map<object, Found>();
  for (const profile of PROFILES) {
    checkSet(profile, t[profile], checked, memo, out);
    out.push(...checkReferences(t[profile], profile));
  }
  for (const s of t.sidecars ?? []) checkSet(sidecarProfile(s.service), s.own, checked, memo, out);
  // A loop, not push(...): one broken shared resource is reported once per sidecar holding it.
  for (const d of checkSidecarReferences(t.edge, t.sidecars ?? [], t.edgeOnlyClusters)) out.push(d);
  memo.rotate();
  return out;
}

/** PGV rules, duplicate names and name fields of every resource in `set`. */
function checkSet(
  profile: string,
  set: ResourceSet,
  checked: Map<object, Found>,
  memo: ValidationMemo,
  out: Diagnostic[],
) {
  for (const typeUrl of PUSH_ORDER) {
    const typeName = messageName(typeUrl);
    const kind = typeName.slice(typeName.lastIndexOf('.') + 1);
    const names = new Set<string>();
    for (const r of set[typeUrl] ?? []) {
      // Built only when there is something to report: this loop runs over every resource per build.
      const where = () => `${profile} ${kind} "${r.name}"`;
      // Envoy NACKs a response naming one resource twice (xds-protocol.md item 17).
      if (names.has(r.name)) out.push(problem('RESOURCE_INVALID', where(), `duplicate ${kind} name "${r.name}"`));
      names.add(r.name);
      const own = (r.message as Record<string, unknown>)[NAME_FIELD[typeName] ?? 'name'];
      if (own !== r.name) {
        out.push(
          problem(
            'RESOURCE_INVALID',
            where(),
            `resource name "${r.name}" differs from the message's own name "${String(own ?? '')}"`,
          ),
        );
      }
      let found = checked.get(r.message);
      if (!found) {
        found = check(typeName, profile, r.name, r.message, memo);
        checked.set(r.message, found);
      }
      for (const v of found) {
        out.push(problem('RESOURCE_INVALID', v.path ? `${where()} ${v.path}` : where(), v.message));
      }
    }
  }
}

function check(typeName: string, profile: string, name: string, message: object, memo: ValidationMemo): Found {
  let bytes: Buffer;
  try {
    bytes = encodeResource(typeName, message);
  } catch (e) {
    return [{ path: '', message: `does not encode as ${typeName}: ${(e as Error).message}` }];
  }
  return memo.get(typeName, `${profile}\0${name}`, bytes, () => validateEncoded(typeName, bytes));
}
