import { describe, expect, it } from 'vitest';
import { afterAttempt, afterRound, DELIVERY_RETRY, LINK_RETRY_PAUSE_MS, type AttemptContext } from '../../../src/transport/delivery-policy.js';

function step(result: AttemptContext['result'], overrides: Partial<AttemptContext> = {}) {
  return afterAttempt({ result, attempt: 1, attemptsPerPath: 3, pathDown: false, freeResendUsed: false, ...overrides });
}

describe('after one attempt (docs/delivery.md §Attempts and rounds)', () => {
  it('an ACK ends the round', () => {
    expect(step({ kind: 'ack' })).toEqual({ kind: 'acked' });
  });

  it('a NAK is resent at once while attempts are left, then the next path is tried', () => {
    expect(step({ kind: 'nak', arcTime: null })).toEqual({ kind: 'resend', delayMs: 0, counted: true });
    expect(step({ kind: 'nak', arcTime: null }, { attempt: 3 })).toMatchObject({ kind: 'next-path', code: 'HIKARC_TRANSPORT_NAK' });
  });

  it('a DUH moves to the next path at once', () => {
    expect(step({ kind: 'duh' })).toMatchObject({ kind: 'next-path', code: 'HIKARC_TRANSPORT_DUH' });
  });

  it('a timeout is resent at once, unless the path went down meanwhile', () => {
    expect(step({ kind: 'timeout' })).toEqual({ kind: 'resend', delayMs: 0, counted: true });
    expect(step({ kind: 'timeout' }, { pathDown: true })).toMatchObject({ kind: 'next-path', code: 'HIKARC_TRANSPORT_ACK_TIMEOUT' });
    expect(step({ kind: 'timeout' }, { attempt: 3 })).toMatchObject({ kind: 'next-path' });
  });

  it('a kept-open connection closed under the write gets one uncounted resend; other link failures pause first', () => {
    const closed = { kind: 'link', code: 'HIKARC_TRANSPORT_LINK_CLOSED', detail: 'reset', reused: true } as const;
    expect(step(closed)).toEqual({ kind: 'resend', delayMs: 0, counted: false });
    expect(step(closed, { freeResendUsed: true })).toEqual({ kind: 'resend', delayMs: LINK_RETRY_PAUSE_MS, counted: true });
    expect(step({ ...closed, reused: false }, { attempt: 3 })).toMatchObject({ kind: 'next-path', code: 'HIKARC_TRANSPORT_LINK_CLOSED' });
    expect(step({ ...closed, reused: false, code: 'HIKARC_TRANSPORT_CONNECT_FAILED' }, { pathDown: true })).toMatchObject({
      kind: 'next-path',
      code: 'HIKARC_TRANSPORT_CONNECT_FAILED',
    });
  });

  it('a down path, an abandoned frame and a frame that cannot be encoded move on; a stop stops', () => {
    expect(step({ kind: 'path-down' })).toMatchObject({ kind: 'next-path', code: 'HIKARC_TRANSPORT_PATH_DOWN' });
    expect(step({ kind: 'abandoned' })).toMatchObject({ kind: 'next-path', code: 'HIKARC_TRANSPORT_PATH_DOWN' });
    expect(step({ kind: 'invalid', detail: 'bad' })).toMatchObject({ kind: 'next-path', code: 'HIKARC_DC09_INVALID_MESSAGE' });
    expect(step({ kind: 'stopped' })).toEqual({ kind: 'stop' });
  });
});

describe('after a round without an ACK', () => {
  const base = { previousRounds: 0, whenUndelivered: 'retry' as const, retry: DELIVERY_RETRY, random: () => 1 };

  it('waits 5 s, growing to a minute, for the next round of that account', () => {
    const failures = [{ path: 'primary', code: 'HIKARC_TRANSPORT_ACK_TIMEOUT' as const, detail: 'no answer', attempts: 3 }];
    expect([0, 1, 2, 3, 4, 10].map((previousRounds) => afterRound({ ...base, failures, previousRounds }))).toEqual(
      [5_000, 10_000, 20_000, 40_000, 60_000, 60_000].map((delayMs) => ({ kind: 'retry', delayMs, reason: 'primary: no answer' })),
    );
  });

  it('keeps an alarm every path answered DUH to (or that cannot be encoded) as a dead letter', () => {
    const duh = { code: 'HIKARC_TRANSPORT_DUH' as const, detail: 'the receiver answered DUH', attempts: 1 };
    expect(
      afterRound({
        ...base,
        failures: [
          { path: 'primary', ...duh },
          { path: 'secondary', ...duh },
        ],
      }),
    ).toEqual({ kind: 'dead', reason: 'primary: the receiver answered DUH; secondary: the receiver answered DUH' });
    // A DUH from one path and a down other path: the other may take it later.
    expect(
      afterRound({
        ...base,
        failures: [
          { path: 'primary', ...duh },
          { path: 'secondary', code: 'HIKARC_TRANSPORT_PATH_DOWN', detail: 'down', attempts: 0 },
        ],
      }).kind,
    ).toBe('retry');
  });

  it('reports at once when the caller will not retry (replay, send)', () => {
    expect(
      afterRound({ ...base, whenUndelivered: 'dead-letter', failures: [{ path: 'primary', code: 'HIKARC_TRANSPORT_NAK', detail: 'NAK', attempts: 3 }] }).kind,
    ).toBe('dead');
  });
});
