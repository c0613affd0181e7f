// A sliding one-window rate limit: at most `limit` takes in any `windowMs`. Times come in as
// arguments (monotonic milliseconds), so tests pin every decision.
export class SlidingWindow {
    limit;
    windowMs;
    taken = [];
    constructor(limit, windowMs) {
        this.limit = limit;
        this.windowMs = windowMs;
    }
    take(nowMs) {
        while (this.taken.length > 0 && this.taken[0] <= nowMs - this.windowMs)
            this.taken.shift();
        if (this.taken.length >= this.limit)
            return { ok: false, retryAfterMs: Math.max(1, this.taken[0] + this.windowMs - nowMs) };
        this.taken.push(nowMs);
        return { ok: true };
    }
}
