// A sliding one-window rate limit: at most `limit` takes in any `windowMs`. Times come in as
// arguments (monotonic milliseconds), so tests pin every decision.

export type RateDecision = { readonly ok: true } | { readonly ok: false; readonly retryAfterMs: number };

export class SlidingWindow {
  private readonly taken: number[] = [];

  constructor(
    private readonly limit: number,
    private readonly windowMs: number,
  ) {}

  take(nowMs: number): RateDecision {
    while (this.taken.length > 0 && (this.taken[0] as number) <= nowMs - this.windowMs) this.taken.shift();
    if (this.taken.length >= this.limit) return { ok: false, retryAfterMs: Math.max(1, (this.taken[0] as number) + this.windowMs - nowMs) };
    this.taken.push(nowMs);
    return { ok: true };
  }
}
