// A Clock that only moves when a test says so. advance() fires due timers in order and lets
// promise and I/O callbacks run after each, so code that awaits between timers behaves as in life.

import type { CancelTimer, Clock } from '../../src/clock.js';

/** Lets every pending promise callback and I/O callback run. */
export async function flush(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

interface PendingTimer {
  readonly at: number;
  readonly order: number;
  readonly fn: () => void;
}

export class ManualClock implements Clock {
  private elapsed = 0;
  private order = 0;
  private timers: PendingTimer[] = [];

  constructor(private readonly startWallMs = Date.UTC(2025, 5, 1, 13, 45, 0)) {}

  now(): number {
    return this.startWallMs + this.elapsed;
  }

  monotonic(): number {
    return this.elapsed;
  }

  setTimer(ms: number, fn: () => void): CancelTimer {
    const timer: PendingTimer = { at: this.elapsed + Math.max(0, ms), order: this.order++, fn };
    this.timers.push(timer);
    return () => {
      this.timers = this.timers.filter((candidate) => candidate !== timer);
    };
  }

  get pendingTimers(): number {
    return this.timers.length;
  }

  /**
   * Milliseconds until the earliest pending timer, or null when none is pending. Lets a test see
   * what the code under test waits for (a hold-off, a backoff) before it moves the clock.
   */
  nextTimerInMs(): number | null {
    if (this.timers.length === 0) return null;
    return Math.min(...this.timers.map((timer) => timer.at)) - this.elapsed;
  }

  /** Moves both clocks forward, firing due timers earliest first, settling promises after each. */
  async advance(ms: number): Promise<void> {
    const target = this.elapsed + ms;
    await flush();
    for (;;) {
      const due = this.timers.filter((timer) => timer.at <= target).sort((a, b) => a.at - b.at || a.order - b.order)[0];
      if (!due) break;
      this.timers = this.timers.filter((timer) => timer !== due);
      this.elapsed = due.at;
      due.fn();
      await flush();
    }
    this.elapsed = target;
    await flush();
  }
}
