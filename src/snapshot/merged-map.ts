// A read-only union of two maps with disjoint keys, each in name order, iterated in name order
// without copying either. A sidecar's cluster view is the edge's thousand clusters plus its own
// local app cluster: a MergedMap costs O(1) to make, where a copy per sidecar would cost
// O(services) each and O(services²) for the fleet.

/** Two disjoint, name-ordered maps seen as one name-ordered map. */
export class MergedMap<V> implements ReadonlyMap<string, V> {
  readonly #a: ReadonlyMap<string, V>;
  readonly #b: ReadonlyMap<string, V>;

  constructor(a: ReadonlyMap<string, V>, b: ReadonlyMap<string, V>) {
    this.#a = a;
    this.#b = b;
  }

  get size(): number {
    return this.#a.size + this.#b.size;
  }

  get(key: string): V | undefined {
    return this.#b.get(key) ?? this.#a.get(key);
  }

  has(key: string): boolean {
    return this.#b.has(key) || this.#a.has(key);
  }

  *entries(): MapIterator<[string, V]> {
    const a = this.#a.entries();
    const b = this.#b.entries();
    let x = a.next();
    let y = b.next();
    while (!x.done || !y.done) {
      if (y.done || (!x.done && x.value[0] < y.value[0])) {
        yield x.value as [string, V];
        x = a.next();
      } else {
        yield y.value;
        y = b.next();
      }
    }
  }

  *keys(): MapIterator<string> {
    for (const [k] of this.entries()) yield k;
  }

  *values(): MapIterator<V> {
    for (const [, v] of this.entries()) yield v;
  }

  [Symbol.iterator](): MapIterator<[string, V]> {
    return this.entries();
  }

  forEach(fn: (value: V, key: string, map: ReadonlyMap<string, V>) => void): void {
    for (const [k, v] of this.entries()) fn(v, k, this);
  }
}
