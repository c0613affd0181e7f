// Capped exponential backoff with full jitter, as a pure function: the caller owns the attempt
// counter and the random source, so tests pin every delay.
/** Re-subscription to the receiver: 1 s growing to 60 s (docs/hik-receiver.md §Stream liveness). */
export const RECONNECT_BACKOFF = { minMs: 1_000, maxMs: 60_000, factor: 2 };
/**
 * Delay before attempt `attempt` (0 = first retry): the exponential step, capped, then jittered
 * into [step/2, step] so a fleet of services does not reconnect in lockstep.
 */
export function backoffDelay(attempt, policy, random = Math.random) {
    const exponent = Math.max(0, Math.min(attempt, 30));
    const step = Math.min(policy.maxMs, policy.minMs * policy.factor ** exponent);
    const jittered = step / 2 + (step / 2) * Math.min(Math.max(random(), 0), 1);
    return Math.max(policy.minMs / 2, Math.round(jittered));
}
