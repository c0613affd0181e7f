// What to do after each attempt and after each delivery round, as pure functions: the retry policy
// of docs/delivery.md §Attempts and rounds, with no clock, socket or store in sight.
//
// A round takes one alarm through the paths in priority order, `attempts` frames per path at most:
// a NAK is resent at once (its timestamp corrected from the NAK), a timeout or a cut connection
// after a short pause, a DUH or a down path moves on to the next path. A round that ends without an
// ACK puts the alarm's lane on hold for a backoff that grows per round; no other lane waits for it.
import { backoffDelay } from '../backoff.js';
/** Pause before the next attempt after a connect failure or a close without answer. */
export const LINK_RETRY_PAUSE_MS = 250;
/** Rounds that end without an ACK: the lane waits 5 s, growing to a minute. */
export const DELIVERY_RETRY = { minMs: 5_000, maxMs: 60_000, factor: 2 };
/** Answers no retry will change: an alarm refused by every path with these is a dead letter. */
export const PERMANENT_CODES = new Set(['HIKARC_TRANSPORT_DUH', 'HIKARC_DC09_INVALID_MESSAGE']);
export function afterAttempt(context) {
    const { result, attempt, attemptsPerPath, pathDown } = context;
    const more = attempt < attemptsPerPath;
    switch (result.kind) {
        case 'ack':
            return { kind: 'acked' };
        case 'duh':
            // DC-09 2013: the receiver cannot process this message; the next one may.
            return { kind: 'next-path', code: 'HIKARC_TRANSPORT_DUH', detail: 'the receiver answered DUH' };
        case 'nak':
            if (more)
                return { kind: 'resend', delayMs: 0, counted: true };
            return { kind: 'next-path', code: 'HIKARC_TRANSPORT_NAK', detail: 'the receiver answered NAK' };
        case 'timeout':
            if (more && !pathDown)
                return { kind: 'resend', delayMs: 0, counted: true };
            return { kind: 'next-path', code: 'HIKARC_TRANSPORT_ACK_TIMEOUT', detail: 'no answer within the ACK timeout' };
        case 'link':
            // The receiver closed a kept-open connection (its idle timer) as we wrote: not this frame's
            // failure, so it goes out again on a new connection, once, uncounted.
            if (result.reused && !context.freeResendUsed)
                return { kind: 'resend', delayMs: 0, counted: false };
            if (more && !pathDown)
                return { kind: 'resend', delayMs: LINK_RETRY_PAUSE_MS, counted: true };
            return { kind: 'next-path', code: result.code, detail: result.detail };
        case 'path-down':
        case 'abandoned':
            return { kind: 'next-path', code: 'HIKARC_TRANSPORT_PATH_DOWN', detail: 'the path is down' };
        case 'invalid':
            return { kind: 'next-path', code: 'HIKARC_DC09_INVALID_MESSAGE', detail: result.detail };
        case 'stopped':
            return { kind: 'stop' };
    }
}
export function afterRound(context) {
    const reason = context.failures.map((failure) => `${failure.path}: ${failure.detail}`).join('; ') || 'no path to try';
    const permanent = context.failures.length > 0 && context.failures.every((failure) => PERMANENT_CODES.has(failure.code));
    if (permanent || context.whenUndelivered === 'dead-letter')
        return { kind: 'dead', reason };
    return { kind: 'retry', delayMs: backoffDelay(context.previousRounds, context.retry, context.random), reason };
}
