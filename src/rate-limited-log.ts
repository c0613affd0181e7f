// Repeated warnings, rate limited: a receiver or an ARC that sends garbage must not flood the
// journal, because journald's own rate limit would then drop the lines that matter (an E350, a
// delivery error). Per code, the first `burst` lines of a window are written as usual; after that
// lines are only counted, and when the window ends one summary line per code says how many were
// left out and shows the last one's fields. A leaf module: ingest and transport both use it.

import type { CancelTimer, Clock } from './clock.js';
import type { Logger } from './log.js';

export type LimitedLevel = 'error' | 'warn' | 'info';

export interface RateLimitedLogOptions {
  readonly logger: Logger;
  readonly clock: Clock;
  /** Lines written per code and window before the rest are only counted. */
  readonly burst?: number;
  /** Window length; the summary of what was left out is written when it ends. */
  readonly windowMs?: number;
}

export const DEFAULT_LOG_BURST = 5;
export const DEFAULT_LOG_WINDOW_MS = 10_000;

interface CodeWindow {
  written: number;
  suppressed: number;
  level: LimitedLevel;
  message: string;
  last: Readonly<Record<string, unknown>>;
}

export class RateLimitedLog {
  private readonly logger: Logger;
  private readonly clock: Clock;
  private readonly burst: number;
  private readonly windowMs: number;
  private readonly windows = new Map<string, CodeWindow>();
  private windowStartedAt = 0;
  private cancelWindow: CancelTimer | null = null;

  constructor(options: RateLimitedLogOptions) {
    this.logger = options.logger;
    this.clock = options.clock;
    this.burst = options.burst ?? DEFAULT_LOG_BURST;
    this.windowMs = options.windowMs ?? DEFAULT_LOG_WINDOW_MS;
  }

  error(code: string, fields: Readonly<Record<string, unknown>>, message: string): void {
    this.write('error', code, fields, message);
  }

  warn(code: string, fields: Readonly<Record<string, unknown>>, message: string): void {
    this.write('warn', code, fields, message);
  }

  info(code: string, fields: Readonly<Record<string, unknown>>, message: string): void {
    this.write('info', code, fields, message);
  }

  /** Lines left out so far in the current window, per code (for tests and reports). */
  suppressed(): Record<string, number> {
    const counts: Record<string, number> = {};
    for (const [code, window] of this.windows) if (window.suppressed > 0) counts[code] = window.suppressed;
    return counts;
  }

  /** Writes the summaries now and ends the window (at stop, so nothing counted is lost). */
  flush(): void {
    this.cancelWindow?.();
    this.cancelWindow = null;
    for (const [code, window] of this.windows) {
      if (window.suppressed === 0) continue;
      this.logger[window.level](
        { ...window.last, code, suppressed: window.suppressed, windowSec: this.windowMs / 1000 },
        `${window.message} (repeated; ${window.suppressed} more left out)`,
      );
    }
    this.windows.clear();
  }

  private write(level: LimitedLevel, code: string, fields: Readonly<Record<string, unknown>>, message: string): void {
    const now = this.clock.monotonic();
    if (now - this.windowStartedAt >= this.windowMs) {
      this.flush();
      this.windowStartedAt = now;
    }
    let window = this.windows.get(code);
    if (window === undefined) {
      window = { written: 0, suppressed: 0, level, message, last: fields };
      this.windows.set(code, window);
    }
    if (window.written < this.burst) {
      window.written += 1;
      this.logger[level]({ ...fields, code }, message);
      return;
    }
    window.suppressed += 1;
    // A timer only once something is left out, so a quiet command never waits for one to exit.
    this.cancelWindow ??= this.clock.setTimer(Math.max(0, this.windowStartedAt + this.windowMs - now), () => {
      this.cancelWindow = null;
      this.flush();
    });
    window.level = level;
    window.message = message;
    window.last = fields;
  }
}
