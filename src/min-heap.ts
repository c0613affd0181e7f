// A binary min-heap ordered by a `less` the caller gives; equal items leave in no guaranteed order,
// so a caller that needs ties in push order puts a counter in `less` (as the simulator's timers do).
// Shared by the outbox's lanes (which lane goes next) and the simulator's clock (which timer fires next).

export class MinHeap<T> {
  private items: T[] = [];

  constructor(private readonly less: (a: T, b: T) => boolean) {}

  get size(): number {
    return this.items.length;
  }

  push(item: T): void {
    const items = this.items;
    items.push(item);
    let at = items.length - 1;
    while (at > 0) {
      const parent = (at - 1) >> 1;
      if (!this.less(item, items[parent] as T)) break;
      items[at] = items[parent] as T;
      at = parent;
    }
    items[at] = item;
  }

  peek(): T | undefined {
    return this.items[0];
  }

  pop(): T | undefined {
    const items = this.items;
    const top = items[0];
    const last = items.pop();
    if (top === undefined || last === undefined || items.length === 0) return top;
    let at = 0;
    for (;;) {
      const left = 2 * at + 1;
      if (left >= items.length) break;
      const right = left + 1;
      const child = right < items.length && this.less(items[right] as T, items[left] as T) ? right : left;
      if (!this.less(items[child] as T, last)) break;
      items[at] = items[child] as T;
      at = child;
    }
    items[at] = last;
    return top;
  }

  /** Keeps only the items `keep` accepts, rebuilt into a heap. */
  retain(keep: (item: T) => boolean): void {
    const kept = this.items.filter(keep);
    this.items = [];
    for (const item of kept) this.push(item);
  }
}
