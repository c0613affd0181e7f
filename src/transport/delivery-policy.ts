// What to do after each attempt and after each delivery round, as pure functions: the retry policy
// of docs/delivery.md §Attempts and rounds, with no clock, socket or store in sight.
//
// A round takes one alarm through the paths in priority order, `attempts` frames per path at most:
// a NAK is resent at once (its timestamp corrected from the NAK), a timeout or a cut connection
// after a short pause, a DUH or a down path moves on to the next path. A round that ends without an
// ACK puts the alarm's lane on hold for a backoff that grows per round; no other lane waits for it.

import { backoffDelay, type BackoffPolicy } from '../backoff.js';
import type { ErrorCode } from '../errors.js';
import type { PathAttempt } from './arc-path.js';

/** Pause before the next attempt after a connect failure or a close without answer. */
export const LINK_RETRY_PAUSE_MS = 250;

/** Rounds that end without an ACK: the lane waits 5 s, growing to a minute. */
export const DELIVERY_RETRY: BackoffPolicy = { minMs: 5_000, maxMs: 60_000, factor: 2 };

/** Answers no retry will change: an alarm refused by every path with these is a dead letter. */
export const PERMANENT_CODES: ReadonlySet<ErrorCode> = new Set<ErrorCode>(['HIKARC_TRANSPORT_DUH', 'HIKARC_DC09_INVALID_MESSAGE']);

export interface AttemptContext {
  readonly result: PathAttempt;
  /** Counted attempts on this path so far, this one included. */
  readonly attempt: number;
  readonly attemptsPerPath: number;
  /** The path is down now (the evidence may have come from other frames meanwhile). */
  readonly pathDown: boolean;
  /** The one uncounted resend after a kept-open connection closed is used up. */
  readonly freeResendUsed: boolean;
}

export type NextStep =
  | { readonly kind: 'acked' }
  | { readonly kind: 'resend'; readonly delayMs: number; readonly counted: boolean }
  | { readonly kind: 'next-path'; readonly code: ErrorCode; readonly detail: string }
  | { readonly kind: 'stop' };

export function afterAttempt(context: AttemptContext): NextStep {
  const { result, attempt, attemptsPerPath, pathDown } = context;
  const more = attempt < attemptsPerPath;
  switch (result.kind) {
    case 'ack':
      return { kind: 'acked' };
    case 'duh':
      // DC-09 2013: the receiver cannot process this message; the next one may.
      return { kind: 'next-path', code: 'HIKARC_TRANSPORT_DUH', detail: 'the receiver answered DUH' };
    case 'nak':
      if (more) return { kind: 'resend', delayMs: 0, counted: true };
      return { kind: 'next-path', code: 'HIKARC_TRANSPORT_NAK', detail: 'the receiver answered NAK' };
    case 'timeout':
      if (more && !pathDown) return { kind: 'resend', delayMs: 0, counted: true };
      return { kind: 'next-path', code: 'HIKARC_TRANSPORT_ACK_TIMEOUT', detail: 'no answer within the ACK timeout' };
    case 'link':
      // The receiver closed a kept-open connection (its idle timer) as we wrote: not this frame's
      // failure, so it goes out again on a new connection, once, uncounted.
      if (result.reused && !context.freeResendUsed) return { kind: 'resend', delayMs: 0, counted: false };
      if (more && !pathDown) return { kind: 'resend', delayMs: LINK_RETRY_PAUSE_MS, counted: true };
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

export type RoundOutcome = { readonly kind: 'dead'; readonly reason: string } | { readonly kind: 'retry'; readonly delayMs: number; readonly reason: string };

export interface RoundFailure {
  readonly path: string;
  readonly code: ErrorCode;
  readonly detail: string;
  /** Frames sent on that path in this round. */
  readonly attempts: number;
}

export interface RoundContext {
  readonly failures: readonly RoundFailure[];
  /** Rounds this alarm had before this one (its outbox attempts). */
  readonly previousRounds: number;
  /** `retry`: the service (an outage must not lose alarms); `dead-letter`: replay and send report and finish. */
  readonly whenUndelivered: 'retry' | 'dead-letter';
  readonly retry: BackoffPolicy;
  readonly random: () => number;
}

export function afterRound(context: RoundContext): RoundOutcome {
  const reason = context.failures.map((failure) => `${failure.path}: ${failure.detail}`).join('; ') || 'no path to try';
  const permanent = context.failures.length > 0 && context.failures.every((failure) => PERMANENT_CODES.has(failure.code));
  if (permanent || context.whenUndelivered === 'dead-letter') return { kind: 'dead', reason };
  return { kind: 'retry', delayMs: backoffDelay(context.previousRounds, context.retry, context.random), reason };
}

export interface FailoverSettings {
  /** The primary's ACK timeout in force (ackTimeoutFor: 10 s TCP, 5 s UDP by default). */
  readonly ackTimeoutMs: number;
  /** `arc.attempts`. */
  readonly attempts: number;
  /** `arc.supervisionSec`; NULL tests also need `receiver.account`. */
  readonly supervisionSec: number;
}

export interface FailoverFigures {
  /**
   * Longest an alarm waits on a primary that accepts and never answers before it goes to the
   * secondary (docs/delivery.md §Failover and recovery). Supervision on: the first timeout raises a
   * NULL test beside the resend, and its silence takes the path down one timeout later, so two
   * timeouts (one if attempts is 1). Off: every attempt times out first.
   */
  readonly alarmMs: number;
  /** Longest an idle path stays `up` after it went silent: one idle interval and the NULL's timeout; null without NULL tests. */
  readonly idleDetectMs: number | null;
}

/** The worst case before failover to the backup ARC, from the settings (stated in the README for the defaults). */
export function failoverFigures(settings: FailoverSettings): FailoverFigures {
  const nullTests = settings.supervisionSec > 0;
  const timeouts = nullTests ? Math.min(settings.attempts, 2) : settings.attempts;
  return {
    alarmMs: timeouts * settings.ackTimeoutMs,
    idleDetectMs: nullTests ? settings.supervisionSec * 1000 + settings.ackTimeoutMs : null,
  };
}
