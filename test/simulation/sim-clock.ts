// Simulated time for a whole run: one timer queue for every clock the run hands out, each tagged
// with the "process" (incarnation) that set it, so a crash can drop a dead process's timers at
// once. Wall time (now) can be stepped without moving monotonic time, like an NTP step or an
// operator setting the date. Between timers the run lets every promise and setImmediate callback
// settle (quiescence), so the code under test sees what it would see on a real event loop - only
// without waiting for it.

import type { CancelTimer, Clock } from '../../src/clock.js';
import { MinHeap } from '../../src/min-heap.js';

interface Timer {
  readonly at: number;
  readonly order: number;
  readonly owner: number;
  readonly fn: () => void;
  cancelled: boolean;
}

/** Timers by (at, order): ties fire in the order they were set. */
function timerHeap(): MinHeap<Timer> {
  return new MinHeap<Timer>((a, b) => a.at < b.at || (a.at === b.at && a.order < b.order));
}

// setImmediate callbacks queued by the code under test and not yet run: the run is quiescent when
// none is left after a turn of the event loop.
let pendingImmediates = 0;
const realSetImmediate = globalThis.setImmediate;
let installed = 0;

function countingSetImmediate<TArgs extends unknown[]>(callback: (...args: TArgs) => void, ...args: TArgs): NodeJS.Immediate {
  pendingImmediates += 1;
  return realSetImmediate(() => {
    pendingImmediates -= 1;
    callback(...args);
  });
}

/** Counts the code's setImmediate calls while a run is on (restored by the returned function). */
export function installImmediateCounter(): () => void {
  if (installed++ === 0) globalThis.setImmediate = countingSetImmediate as typeof globalThis.setImmediate;
  return () => {
    if (--installed === 0) globalThis.setImmediate = realSetImmediate;
  };
}

/** Lets every pending promise and setImmediate callback run, until none is left. */
export async function settle(): Promise<void> {
  let turns = 0;
  do {
    await new Promise<void>((resolve) => realSetImmediate(resolve));
    if (++turns > 10_000) throw new Error('the run does not settle: something reschedules itself forever with setImmediate');
  } while (pendingImmediates > 0);
}

/** Timers due at one instant, beyond which the code is spinning: time would never move on. */
const SPIN_LIMIT = 50_000;

/** Thrown by runUntil when timers keep firing without time moving (a busy loop in real life). */
export class SpinError extends Error {
  constructor(readonly at: number) {
    super(`more than ${SPIN_LIMIT} timers fired at one instant: the code spins (a busy loop on a real clock)`);
  }
}

export class SimClock {
  private elapsed = 0;
  private wallOffset = 0;
  private order = 0;
  private readonly timers = timerHeap();
  private readonly deadOwners = new Set<number>();
  /** Timers fired, for the run's statistics. */
  fired = 0;
  private sameInstant = 0;

  constructor(private readonly startWallMs: number) {}

  /** Monotonic ms since the start of the run. */
  get time(): number {
    return this.elapsed;
  }

  now(): number {
    return this.startWallMs + this.elapsed + this.wallOffset;
  }

  /** Steps the wall clock (not monotonic time) by `ms`, forward or back. */
  stepWall(ms: number): void {
    this.wallOffset += ms;
  }

  /** A Clock for one process: its timers die with it (kill). */
  view(owner: number): Clock {
    return {
      now: () => this.now(),
      monotonic: () => this.elapsed,
      setTimer: (ms, fn) => this.setTimer(owner, ms, fn),
    };
  }

  setTimer(owner: number, ms: number, fn: () => void): CancelTimer {
    if (this.deadOwners.has(owner)) return () => undefined;
    const delay = Number.isFinite(ms) ? Math.max(0, ms) : 2 ** 40;
    const timer: Timer = { at: this.elapsed + delay, order: this.order++, owner, fn, cancelled: false };
    this.timers.push(timer);
    return () => {
      timer.cancelled = true;
    };
  }

  /** The process died: none of its timers fires again, and it sets no new ones. */
  kill(owner: number): void {
    this.deadOwners.add(owner);
  }

  /** Time of the next live timer, or null when none is set. */
  nextAt(): number | null {
    for (let top = this.timers.peek(); top !== undefined; top = this.timers.peek()) {
      if (!top.cancelled && !this.deadOwners.has(top.owner)) return top.at;
      this.timers.pop();
    }
    return null;
  }

  /** Fires timers due up to `target` in order, settling after each; then time is `target`. */
  async runUntil(target: number): Promise<void> {
    await settle();
    for (;;) {
      const at = this.nextAt();
      if (at === null || at > target) break;
      const timer = this.timers.pop() as Timer;
      if (timer.at > this.elapsed) this.sameInstant = 0;
      else if (++this.sameInstant > SPIN_LIMIT) throw new SpinError(this.elapsed);
      this.elapsed = Math.max(this.elapsed, timer.at);
      this.fired += 1;
      timer.fn();
      await settle();
    }
    this.elapsed = Math.max(this.elapsed, target);
  }
}
