// The lanes: an in-memory index of pending outbox entries. Per destination and account, the ids in
// append order, the head's retry time and whether the head is claimed. Ids only (a few bytes each),
// so even a long ARC outage with 100,000 queued alarms stays small; the entries live in the store.

interface Lane {
  readonly destination: string;
  /** The account, upper case: hex accounts are one lane whatever their spelling. */
  readonly account: string;
  /** Ascending ids; items before `start` are already removed. */
  ids: number[];
  start: number;
  /** The head may not be sent before this wall time (ms). */
  headRetryAt: number;
  /** The head is handed out and awaits ack, fail or release. */
  leased: boolean;
}

// Removed ids are compacted away once they are this many and half the array.
const COMPACT_AFTER = 1024;

export class LaneIndex {
  private readonly destinations = new Map<string, Map<string, Lane>>();
  // id → its account's queue: a reference, not an object per id, so a 100,000-alarm backlog costs
  // a map entry each and nothing more.
  private readonly locations = new Map<number, Lane>();

  has(id: number): boolean {
    return this.locations.has(id);
  }

  /** Adds a pending id; `retryAt` applies when the id becomes (or is) its account's head. */
  add(destination: string, spelledAccount: string, id: number, retryAt = 0): void {
    if (this.locations.has(id)) return;
    const account = spelledAccount.toUpperCase();
    let accounts = this.destinations.get(destination);
    if (!accounts) {
      accounts = new Map();
      this.destinations.set(destination, accounts);
    }
    let queue = accounts.get(account);
    if (!queue) {
      queue = { destination, account, ids: [], start: 0, headRetryAt: retryAt, leased: false };
      accounts.set(account, queue);
    }
    const last = queue.ids[queue.ids.length - 1];
    if (queue.ids.length === queue.start || last === undefined || last < id) queue.ids.push(id);
    else {
      // An id older than the tail (a requeued dead letter): keep the queue in id order.
      let at = queue.ids.length;
      while (at > queue.start && (queue.ids[at - 1] as number) > id) at--;
      queue.ids.splice(at, 0, id);
      if (at === queue.start && !queue.leased) queue.headRetryAt = retryAt;
    }
    this.locations.set(id, queue);
  }

  /** Leases and returns up to `limit` ready heads, oldest first. */
  lease(destination: string, limit: number, now: number): number[] {
    const accounts = this.destinations.get(destination);
    if (!accounts || limit <= 0) return [];
    const ready: Array<{ id: number; queue: Lane }> = [];
    for (const queue of accounts.values()) {
      if (queue.leased || queue.headRetryAt > now) continue;
      const head = queue.ids[queue.start];
      if (head !== undefined) ready.push({ id: head, queue });
    }
    ready.sort((a, b) => a.id - b.id);
    const chosen = ready.slice(0, limit);
    for (const entry of chosen) entry.queue.leased = true;
    return chosen.map((entry) => entry.id);
  }

  /** The entry left the pending set (delivered or dead). */
  remove(id: number): void {
    const queue = this.locations.get(id);
    if (!queue) return;
    this.locations.delete(id);
    const accounts = this.destinations.get(queue.destination);
    if (!accounts) return;
    if (queue.ids[queue.start] === id) {
      queue.start++;
      queue.leased = false;
      queue.headRetryAt = 0;
    } else {
      const at = queue.ids.indexOf(id, queue.start);
      if (at >= 0) queue.ids.splice(at, 1);
    }
    if (queue.start === queue.ids.length) accounts.delete(queue.account);
    else if (queue.start >= COMPACT_AFTER && queue.start * 2 >= queue.ids.length) {
      queue.ids = queue.ids.slice(queue.start);
      queue.start = 0;
    }
  }

  /** The head failed and waits until `retryAt`. */
  reschedule(id: number, retryAt: number): void {
    const queue = this.locations.get(id);
    if (!queue || queue.ids[queue.start] !== id) return;
    queue.leased = false;
    queue.headRetryAt = retryAt;
  }

  retryNow(destination: string): void {
    for (const queue of this.destinations.get(destination)?.values() ?? []) queue.headRetryAt = 0;
  }

  release(id: number): void {
    const queue = this.locations.get(id);
    if (queue && queue.ids[queue.start] === id) queue.leased = false;
  }

  /** Lanes with something pending, and those whose head waits out a retry delay at `now`. */
  laneCounts(destination: string, now: number): { lanes: number; blocked: number } {
    let lanes = 0;
    let blocked = 0;
    for (const queue of this.destinations.get(destination)?.values() ?? []) {
      lanes++;
      if (!queue.leased && queue.headRetryAt > now) blocked++;
    }
    return { lanes, blocked };
  }

  count(destination: string): number {
    let total = 0;
    for (const queue of this.destinations.get(destination)?.values() ?? []) total += queue.ids.length - queue.start;
    return total;
  }

  /** Smallest id still pending for the destination (its oldest entry). */
  oldestId(destination: string): number | null {
    let oldest: number | null = null;
    for (const queue of this.destinations.get(destination)?.values() ?? []) {
      const head = queue.ids[queue.start];
      if (head !== undefined && (oldest === null || head < oldest)) oldest = head;
    }
    return oldest;
  }

  nextRetryAt(destination: string): number | null {
    let earliest: number | null = null;
    for (const queue of this.destinations.get(destination)?.values() ?? []) {
      if (queue.leased || queue.headRetryAt === 0) continue;
      if (earliest === null || queue.headRetryAt < earliest) earliest = queue.headRetryAt;
    }
    return earliest;
  }
}
