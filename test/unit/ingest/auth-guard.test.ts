import { describe, expect, it } from 'vitest';
import { AuthGuard, isLockedNow, parseLockInfo } from '../../../src/ingest/auth-guard.js';
import { HikArcError } from '../../../src/errors.js';

describe('parseLockInfo', () => {
  it('reads the XML userCheck body of a failed login', () => {
    const body =
      '<?xml version="1.0" encoding="UTF-8"?>\n<userCheck>\n<statusValue>401</statusValue>\n<statusString>Unauthorized</statusString>\n<lockStatus>unlock</lockStatus>\n<unlockTime>0</unlockTime>\n<retryLoginTime>4</retryLoginTime>\n</userCheck>';
    const lock = parseLockInfo(body);
    expect(lock).toEqual({ lockStatus: 'unlock', unlockTimeSec: 0, attemptsLeft: 4 });
    expect(lock && isLockedNow(lock)).toBe(false);
  });

  it('reads JSON bodies, numbers as strings or numbers', () => {
    expect(
      parseLockInfo('{"ResponseStatus":{"statusCode":4,"subStatusCode":"badAuthorization"},"lockStatus":"lock","unlockTime":"1800","retryLoginTime":0}'),
    ).toEqual({
      lockStatus: 'lock',
      unlockTimeSec: 1800,
      attemptsLeft: 0,
    });
    expect(parseLockInfo('{"retryLoginTime": 2}')).toEqual({ lockStatus: null, unlockTimeSec: null, attemptsLeft: 2 });
  });

  it('reads the lock signals receivers send under other names', () => {
    expect(parseLockInfo('{"statusCode":4,"subStatusCode":"userLocked","errorMsg":"user locked"}')).toEqual({
      lockStatus: 'lock',
      unlockTimeSec: null,
      attemptsLeft: null,
    });
    expect(parseLockInfo('{"retryLoginTimes":3}')).toEqual({ lockStatus: null, unlockTimeSec: null, attemptsLeft: 3 });
    expect(parseLockInfo('<ResponseStatus><remainingLockTime>600</remainingLockTime></ResponseStatus>')).toEqual({
      lockStatus: null,
      unlockTimeSec: 600,
      attemptsLeft: null,
    });
    expect(parseLockInfo('{"subStatusCode":"badAuthorization","errorMsg":"password error, remaining attempts 2"}')).toEqual({
      lockStatus: null,
      unlockTimeSec: null,
      attemptsLeft: 2,
    });
    expect(parseLockInfo('<html>Login failed: 4 attempts left</html>')).toEqual({ lockStatus: null, unlockTimeSec: null, attemptsLeft: 4 });
  });

  it('returns null for a body without lock fields', () => {
    expect(parseLockInfo('{"statusCode":4,"statusString":"Invalid Operation","subStatusCode":"invalidOperation"}')).toBeNull();
    expect(parseLockInfo('')).toBeNull();
    expect(parseLockInfo('<html>401 Unauthorized</html>')).toBeNull();
  });

  it('isLockedNow: lockStatus lock, an unlock countdown or no attempts left; attempts left is no lock', () => {
    expect(isLockedNow({ lockStatus: 'lock', unlockTimeSec: null, attemptsLeft: null })).toBe(true);
    expect(isLockedNow({ lockStatus: null, unlockTimeSec: 30, attemptsLeft: null })).toBe(true);
    expect(isLockedNow({ lockStatus: null, unlockTimeSec: null, attemptsLeft: 0 })).toBe(true);
    expect(isLockedNow({ lockStatus: 'unlock', unlockTimeSec: 0, attemptsLeft: 3 })).toBe(false);
    expect(isLockedNow({ lockStatus: 'unlock', unlockTimeSec: 0, attemptsLeft: 1 })).toBe(false);
  });
});

describe('AuthGuard', () => {
  const rejected = new HikArcError('HIKARC_DIGEST_REJECTED', 'rejected');
  const locked = new HikArcError('HIKARC_DIGEST_LOCKED', 'locked');

  it('is open until a rejection, then holds for exactly the hold-off', () => {
    const guard = new AuthGuard(600_000);
    expect(guard.gate(0).kind).toBe('open');
    guard.rejected(1_000, rejected);
    expect(guard.gate(1_000)).toEqual({ kind: 'hold', remainingMs: 600_000, reason: rejected });
    expect(guard.gate(600_999)).toMatchObject({ kind: 'hold', remainingMs: 1 });
    expect(guard.gate(601_000).kind).toBe('open');
  });

  it('allows a stale re-sign only for credentials accepted before, and not after a rejection', () => {
    const guard = new AuthGuard(10_000);
    expect(guard.mayRetryStale).toBe(false);
    guard.accepted();
    expect(guard.mayRetryStale).toBe(true);
    guard.rejected(0, rejected);
    expect(guard.mayRetryStale).toBe(false);
  });

  it('hands out one signed request at a time', async () => {
    const guard = new AuthGuard(10_000);
    await guard.awaitTurn();
    const release = guard.claimLogin();
    let second = false;
    const waiting = guard.awaitTurn().then(() => {
      second = true;
    });
    await Promise.resolve();
    expect(second).toBe(false);
    release();
    await waiting;
    expect(second).toBe(true);
  });

  it('an accepted login clears a hold', () => {
    const guard = new AuthGuard(10_000);
    guard.rejected(0, rejected);
    guard.accepted();
    expect(guard.gate(1).kind).toBe('open');
  });

  it('stays locked whatever happens next: only a new guard (new configuration) opens it', () => {
    const guard = new AuthGuard(10);
    guard.locked(locked);
    guard.accepted();
    expect(guard.gate(Number.MAX_SAFE_INTEGER)).toEqual({ kind: 'locked', reason: locked });
    expect(new AuthGuard(10).gate(0).kind).toBe('open');
  });
});
