// Subscribed resource names, interned: a thousand Envoys asking for the same thousand clusters
// share one set (and one sorted list, and one cached version per snapshot) instead of holding a
// copy each. That is most of a stream's memory otherwise.

/** An immutable, shared set of resource names. */
export interface NameSet {
  readonly set: ReadonlySet<string>;
  /** The names in order, as responses list them. */
  readonly sorted: readonly string[];
}

const pool = new Map<string, WeakRef<NameSet>>();
const cleanup = new FinalizationRegistry<string>((key) => {
  if (!pool.get(key)?.deref()) pool.delete(key);
});

/** The empty set. */
export const NO_NAMES: NameSet = Object.freeze({ set: new Set<string>(), sorted: [] });

/** Whether `names` (a request's list, "*" excluded by the caller) equals `current`. */
export function sameNames(current: NameSet, names: readonly string[]): boolean {
  if (names.length < current.set.size) return false;
  let count = 0;
  for (const n of names) {
    if (!current.set.has(n)) return false;
    count++;
  }
  // Duplicates in the request make count exceed the size while naming the same set.
  return count >= current.set.size;
}

/** The shared NameSet holding exactly `names`. */
export function internNames(names: readonly string[]): NameSet {
  if (names.length === 0) return NO_NAMES;
  const sorted = [...new Set(names)].sort();
  const key = sorted.join('\n');
  const hit = pool.get(key)?.deref();
  if (hit) return hit;
  const made: NameSet = Object.freeze({ set: new Set(sorted), sorted: Object.freeze(sorted) });
  pool.set(key, new WeakRef(made));
  cleanup.register(made, key);
  return made;
}
