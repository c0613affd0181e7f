// The lanes: an in-memory index of pending outbox entries. Per destination and account, the ids in
// append order, the head's retry time and whether the head is claimed. Ids only (a few bytes each),
// so even a long ARC outage with 100,000 queued alarms stays small; the entries live in the store.
//
// Claims are O(log lanes): lanes whose head may go now sit in a heap keyed by the head's id (the
// oldest alarm first, across accounts), lanes waiting out a retry delay in a heap keyed by the time
// they may go. A claim after every ACK would otherwise walk every lane: with 300 accounts in a
// storm, 300 steps per alarm.

import { MinHeap } from '../min-heap.js';

interface Lane {
  readonly destination: string;
  /** The account, upper case: hex accounts are one lane whatever their spelling. */
  readonly account: string;
  /** Ascending ids; items before `start` are already removed. */
  ids: number[];
  start: number;
  /** The head may not be sent before this wall time (ms); 0 = now. */
  headRetryAt: number;
  /** The head is handed out and awaits ack, fail or release. */
  leased: boolean;
  /** Bumped whenever the lane is queued again: heap entries with an older stamp are stale. */
  stamp: number;
}

interface HeapEntry {
  readonly key: number;
  readonly lane: Lane;
  readonly stamp: number;
}

/** Lanes by `key`; stale entries are skipped by the caller and dropped once they are most of the heap. */
class LaneHeap extends MinHeap<HeapEntry> {
  constructor() {
    super((a, b) => a.key < b.key);
  }

  /** Drops stale entries (rebuilding the heap) once they are most of it. */
  compact(isLive: (entry: HeapEntry) => boolean, live: number): void {
    if (this.size < 64 || this.size < 4 * live) return;
    this.retain(isLive);
  }
}

interface DestinationLanes {
  readonly lanes: Map<string, Lane>;
  /** Lanes whose head may go now, by head id. */
  readonly ready: LaneHeap;
  /** Lanes whose head waits out a retry delay, by the time it may go. */
  readonly waiting: LaneHeap;
  count: number;
}

// Removed ids are compacted away once they are this many and half the array.
const COMPACT_AFTER = 1024;

function headOf(lane: Lane): number | undefined {
  return lane.ids[lane.start];
}

function isCurrent(entry: HeapEntry): boolean {
  const lane = entry.lane;
  return entry.stamp === lane.stamp && !lane.leased && lane.start < lane.ids.length;
}

export class LaneIndex {
  private readonly destinations = new Map<string, DestinationLanes>();
  // id → its account's lane: a reference, not an object per id, so a 100,000-alarm backlog costs
  // a map entry each and nothing more.
  private readonly locations = new Map<number, Lane>();

  has(id: number): boolean {
    return this.locations.has(id);
  }

  /** Adds a pending id; `retryAt` applies when the id becomes (or is) its account's head. */
  add(destination: string, spelledAccount: string, id: number, retryAt = 0): void {
    if (this.locations.has(id)) return;
    const account = spelledAccount.toUpperCase();
    const group = this.group(destination);
    let lane = group.lanes.get(account);
    if (!lane) {
      lane = { destination, account, ids: [], start: 0, headRetryAt: retryAt, leased: false, stamp: 0 };
      group.lanes.set(account, lane);
    }
    group.count += 1;
    this.locations.set(id, lane);
    const last = lane.ids[lane.ids.length - 1];
    if (lane.ids.length === lane.start || last === undefined) {
      lane.ids.push(id);
      lane.headRetryAt = retryAt;
      this.enqueue(group, lane);
      return;
    }
    if (last < id) {
      lane.ids.push(id);
      return;
    }
    // An id older than the tail (a requeued dead letter): keep the lane in id order.
    let at = lane.ids.length;
    while (at > lane.start && (lane.ids[at - 1] as number) > id) at--;
    lane.ids.splice(at, 0, id);
    if (at === lane.start && !lane.leased) {
      lane.headRetryAt = retryAt;
      this.enqueue(group, lane);
    }
  }

  /** Leases and returns up to `limit` ready heads, oldest first. */
  lease(destination: string, limit: number, now: number): number[] {
    const group = this.destinations.get(destination);
    if (!group || limit <= 0) return [];
    // Lanes whose delay has run out may go again.
    for (let top = group.waiting.peek(); top !== undefined && top.key <= now; top = group.waiting.peek()) {
      group.waiting.pop();
      if (!isCurrent(top)) continue;
      top.lane.headRetryAt = 0;
      this.enqueue(group, top.lane);
    }
    const chosen: number[] = [];
    while (chosen.length < limit) {
      const entry = group.ready.pop();
      if (entry === undefined) break;
      if (!isCurrent(entry)) continue;
      const lane = entry.lane;
      lane.leased = true;
      lane.stamp += 1;
      chosen.push(headOf(lane) as number);
    }
    group.ready.compact(isCurrent, group.lanes.size);
    group.waiting.compact(isCurrent, group.lanes.size);
    return chosen;
  }

  /** The entry left the pending set (delivered or dead). */
  remove(id: number): void {
    const lane = this.locations.get(id);
    if (!lane) return;
    this.locations.delete(id);
    const group = this.destinations.get(lane.destination);
    if (!group) return;
    group.count -= 1;
    if (headOf(lane) === id) {
      lane.start++;
      lane.leased = false;
      lane.headRetryAt = 0;
      if (lane.start === lane.ids.length) {
        group.lanes.delete(lane.account);
        lane.stamp += 1;
        return;
      }
      if (lane.start >= COMPACT_AFTER && lane.start * 2 >= lane.ids.length) {
        lane.ids = lane.ids.slice(lane.start);
        lane.start = 0;
      }
      this.enqueue(group, lane);
      return;
    }
    const at = lane.ids.indexOf(id, lane.start);
    if (at >= 0) lane.ids.splice(at, 1);
  }

  /** The head failed and waits until `retryAt`. */
  reschedule(id: number, retryAt: number): void {
    const lane = this.locations.get(id);
    if (!lane || headOf(lane) !== id) return;
    lane.leased = false;
    lane.headRetryAt = retryAt;
    this.enqueue(this.group(lane.destination), lane);
  }

  retryNow(destination: string): void {
    const group = this.destinations.get(destination);
    if (!group) return;
    for (const lane of group.lanes.values()) {
      if (lane.leased || lane.headRetryAt === 0) continue;
      lane.headRetryAt = 0;
      this.enqueue(group, lane);
    }
  }

  release(id: number): void {
    const lane = this.locations.get(id);
    if (!lane || headOf(lane) !== id || !lane.leased) return;
    lane.leased = false;
    this.enqueue(this.group(lane.destination), lane);
  }

  count(destination: string): number {
    return this.destinations.get(destination)?.count ?? 0;
  }

  /** Lanes with something pending, and those whose head waits out a retry delay at `now`. */
  laneCounts(destination: string, now: number): { lanes: number; blocked: number } {
    let lanes = 0;
    let blocked = 0;
    for (const lane of this.destinations.get(destination)?.lanes.values() ?? []) {
      lanes++;
      if (!lane.leased && lane.headRetryAt > now) blocked++;
    }
    return { lanes, blocked };
  }

  /** Smallest id still pending for the destination (its oldest entry). */
  oldestId(destination: string): number | null {
    let oldest: number | null = null;
    for (const lane of this.destinations.get(destination)?.lanes.values() ?? []) {
      const head = headOf(lane);
      if (head !== undefined && (oldest === null || head < oldest)) oldest = head;
    }
    return oldest;
  }

  /** Earliest retry time among lane heads that wait out a delay; null when none does. */
  nextRetryAt(destination: string): number | null {
    const group = this.destinations.get(destination);
    if (!group) return null;
    for (let top = group.waiting.peek(); top !== undefined; top = group.waiting.peek()) {
      if (isCurrent(top) && top.lane.headRetryAt > 0) return top.key;
      group.waiting.pop();
    }
    return null;
  }

  private group(destination: string): DestinationLanes {
    let group = this.destinations.get(destination);
    if (!group) {
      group = { lanes: new Map(), ready: new LaneHeap(), waiting: new LaneHeap(), count: 0 };
      this.destinations.set(destination, group);
    }
    return group;
  }

  /** Puts a lane that is not claimed into the heap it belongs in now. */
  private enqueue(group: DestinationLanes, lane: Lane): void {
    const head = headOf(lane);
    if (head === undefined || lane.leased) return;
    lane.stamp += 1;
    if (lane.headRetryAt > 0) group.waiting.push({ key: lane.headRetryAt, lane, stamp: lane.stamp });
    else group.ready.push({ key: head, lane, stamp: lane.stamp });
  }
}
