// Durative alarms are re-sent by devices with a growing activePostCount. A re-send (count > 1) of
// an alarm forwarded within the window is a repeat; the first of a series, whatever its count, and
// every count-1 event always go through, so a real new alarm is never suppressed.

import type { Clock } from '../clock.js';

// Keys older than the window are useless; a sweep runs whenever the map doubles past this size,
// which keeps the cost per event constant and memory flat in an event storm.
const PRUNE_AT_SIZE = 10_000;
// Past this many live keys the oldest are forgotten: the cost is a repeat forwarded twice, never a
// lost alarm.
const MAX_KEYS = 100_000;

export class RepeatFilter {
  private readonly lastForwardedAt = new Map<string, number>();
  private pruneAtSize = PRUNE_AT_SIZE;

  constructor(
    private readonly windowMs: number,
    private readonly clock: Clock,
  ) {}

  /** True when the event must not be forwarded; otherwise records it as forwarded now. */
  check(key: string, activePostCount: number | null): boolean {
    const now = this.clock.monotonic();
    const last = this.lastForwardedAt.get(key);
    if (this.windowMs > 0 && activePostCount !== null && activePostCount > 1 && last !== undefined && now - last < this.windowMs) {
      return true;
    }
    this.lastForwardedAt.set(key, now);
    if (this.lastForwardedAt.size > this.pruneAtSize) this.prune(now);
    return false;
  }

  get size(): number {
    return this.lastForwardedAt.size;
  }

  private prune(now: number): void {
    for (const [key, at] of this.lastForwardedAt) {
      if (now - at >= this.windowMs) this.lastForwardedAt.delete(key);
    }
    // Still too many live keys: forget the ones inserted first (Map keeps insertion order).
    for (const key of this.lastForwardedAt.keys()) {
      if (this.lastForwardedAt.size <= MAX_KEYS) break;
      this.lastForwardedAt.delete(key);
    }
    this.pruneAtSize = Math.max(PRUNE_AT_SIZE, this.lastForwardedAt.size * 2);
  }
}
