// A Clock that only moves when a test says so; timers fire in due order during advance().

import type { CancelTimer, Clock } from '../../src/clock.js';

interface PendingTimer {
  readonly id: number;
  readonly due: number;
  readonly fn: () => void;
}

export class ManualClock implements Clock {
  private wall: number;
  private mono = 0;
  private nextId = 0;
  private timers: PendingTimer[] = [];

  constructor(startWallMs = Date.UTC(2026, 0, 6, 13, 45, 10)) {
    this.wall = startWallMs;
  }

  now(): number {
    return this.wall;
  }

  monotonic(): number {
    return this.mono;
  }

  setTimer(ms: number, fn: () => void): CancelTimer {
    const timer = { id: this.nextId++, due: this.mono + Math.max(0, ms), fn };
    this.timers.push(timer);
    return () => {
      this.timers = this.timers.filter((candidate) => candidate.id !== timer.id);
    };
  }

  /** Moves both clocks forward, firing every timer that falls due, earliest first. */
  advance(ms: number): void {
    const target = this.mono + ms;
    for (;;) {
      const due = this.timers.filter((timer) => timer.due <= target).sort((a, b) => a.due - b.due || a.id - b.id)[0];
      if (!due) break;
      this.timers = this.timers.filter((timer) => timer.id !== due.id);
      this.wall += due.due - this.mono;
      this.mono = due.due;
      due.fn();
    }
    this.wall += target - this.mono;
    this.mono = target;
  }

  get pendingTimers(): number {
    return this.timers.length;
  }
}
