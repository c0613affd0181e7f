// Repeated warnings, rate limited: a receiver or an ARC that sends garbage must not flood the
// journal, because journald's own rate limit would then drop the lines that matter (an E350, a
// delivery error). Per code, the first `burst` lines of a window are written as usual; after that
// lines are only counted, and when the window ends one summary line per code says how many were
// left out and shows the last one's fields. A leaf module: ingest and transport both use it.
export const DEFAULT_LOG_BURST = 5;
export const DEFAULT_LOG_WINDOW_MS = 10_000;
export class RateLimitedLog {
    logger;
    clock;
    burst;
    windowMs;
    windows = new Map();
    windowStartedAt = 0;
    cancelWindow = null;
    constructor(options) {
        this.logger = options.logger;
        this.clock = options.clock;
        this.burst = options.burst ?? DEFAULT_LOG_BURST;
        this.windowMs = options.windowMs ?? DEFAULT_LOG_WINDOW_MS;
    }
    error(code, fields, message) {
        this.write('error', code, fields, message);
    }
    warn(code, fields, message) {
        this.write('warn', code, fields, message);
    }
    info(code, fields, message) {
        this.write('info', code, fields, message);
    }
    /** Lines left out so far in the current window, per code (for tests and reports). */
    suppressed() {
        const counts = {};
        for (const [code, window] of this.windows)
            if (window.suppressed > 0)
                counts[code] = window.suppressed;
        return counts;
    }
    /** Writes the summaries now and ends the window (at stop, so nothing counted is lost). */
    flush() {
        this.cancelWindow?.();
        this.cancelWindow = null;
        for (const [code, window] of this.windows) {
            if (window.suppressed === 0)
                continue;
            this.logger[window.level]({ ...window.last, code, suppressed: window.suppressed, windowSec: this.windowMs / 1000 }, `${window.message} (repeated; ${window.suppressed} more left out)`);
        }
        this.windows.clear();
    }
    write(level, code, fields, message) {
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
