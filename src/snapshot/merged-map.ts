// A read-only union of two maps, each in name order, iterated in name order without copying
// either. A sidecar's cluster view is the edge's thousand clusters plus its own local app cluster,
// minus the few the edge keeps to itself: a MergedMap costs O(hidden) to make, where a copy per
// sidecar would cost O(services) each and O(services²) for the fleet.

/** Two name-ordered maps seen as one, less `hidden` names of `a`; `a` and `b` must then be disjoint. */
export class MergedMap<V> implements ReadonlyMap<string, V> {
  readonly #a: ReadonlyMap<string, V>;
  readonly #b: ReadonlyMap<string, V>;
  readonly #hidden: ReadonlySet<string> | undefined;
  readonly #size: number;

  constructor(a: ReadonlyMap<string, V>, b: ReadonlyMap<string, V>, hidden?: ReadonlySet<string>) {
    this.#a = a;
    this.#b = b;
    this.#hidden = hidden && hidden.size > 0 ? hidden : undefined;
    let hiddenInA = 0;
    for (const n of this.#hidden ?? []) if (a.has(n)) hiddenInA++;
    this.#size = a.size - hiddenInA + b.size;
  }

  get size(): number {
    return this.#size;
  }

  get(key: string): V | undefined {
    return this.#b.get(key) ?? (this.#hidden?.has(key) ? undefined : this.#a.get(key));
  }

  has(key: string): boolean {
    return this.#b.has(key) || (!this.#hidden?.has(key) && this.#a.has(key));
  }

  *entries(): MapIterator<[string, V]> {
    const a = this.#a.entries();
    const b = this.#b.entries();
    const hidden = this.#hidden;
    const next = () => {
      let n = a.next();
      while (hidden && !n.done && hidden.has(n.value[0])) n = a.next();
      return n;
    };
    let x = next();
    let y = b.next();
    while (!x.done || !y.done) {
      if (y.done || (!x.done && x.value[0] < y.value[0])) {
        yield x.value as [string, V];
        x = next();
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
