// The lockout guard. Hikvision receivers lock an account (or the client address) after a few failed
// logins and some count a retried stale nonce as one (guide chapter 2; docs/hik-receiver.md §Digest and lock-out), so a
// client that retries on every 401 locks itself out. After a rejected login nothing is sent for the
// hold-off; once the receiver reports a lock nothing is sent until the configuration changes, which
// means a new guard. A `stale=true` answer earns one re-signed request only for credentials the
// receiver has accepted before (and not rejected since): a receiver that answers a wrong password
// with stale=true still gets at most one failed signed login per hold-off. Signed requests go one
// at a time (until their answer's headers), so the stream and the device list never fail two
// logins at once. Times come in as arguments.

import { HikArcError } from '../errors.js';

/**
 * Lock fields of a 401/403 body. Hikvision sends them as XML (`<userCheck>…<lockStatus>`) or JSON,
 * under several names: `lockStatus` lock/unlock, `subStatusCode` userLocked, `unlockTime` or
 * `remainingLockTime` seconds until the lock ends, `retryLoginTime` or `retryLoginTimes` the login
 * attempts left, or "remaining attempts N" inside `errorMsg`.
 */
export interface LockInfo {
  readonly lockStatus: string | null;
  readonly unlockTimeSec: number | null;
  readonly attemptsLeft: number | null;
}

function field(body: string, name: string): string | null {
  const json = new RegExp(`"${name}"\\s*:\\s*"?\\s*([^",}\\s]*)`, 'i').exec(body);
  if (json?.[1] !== undefined && json[1] !== '') return json[1];
  const xml = new RegExp(`<${name}>\\s*([^<]*?)\\s*</${name}>`, 'i').exec(body);
  if (xml?.[1] !== undefined && xml[1] !== '') return xml[1];
  return null;
}

function firstField(body: string, names: readonly string[]): string | null {
  for (const name of names) {
    const value = field(body, name);
    if (value !== null) return value;
  }
  return null;
}

function integer(value: string | null): number | null {
  return value !== null && /^-?\d{1,10}$/.test(value) ? Number(value) : null;
}

// "remaining attempts 3", "remaining attempts: 3", "3 attempts remaining", "retry times left 2".
const ATTEMPTS_IN_TEXT = [
  /remaining\s+(?:login\s+)?(?:attempts?|times?|tries)\s*[:=]?\s*(\d{1,4})/i,
  /(\d{1,4})\s+(?:login\s+)?(?:attempts?|tries)\s+(?:remaining|left)/i,
  /(?:attempts?|tries|times)\s+left\s*[:=]?\s*(\d{1,4})/i,
];

// Messages are whole strings with spaces: "password error, remaining attempts 3". The body as a
// whole is searched, so the message is found in JSON, XML or plain text alike.
function attemptsInMessage(body: string): number | null {
  for (const pattern of ATTEMPTS_IN_TEXT) {
    const match = pattern.exec(body);
    if (match?.[1] !== undefined) return Number(match[1]);
  }
  return null;
}

/** Lock information in a response body, or null when the body carries none. */
export function parseLockInfo(body: string): LockInfo | null {
  const subStatus = firstField(body, ['subStatusCode'])?.toLowerCase() ?? null;
  const statedLock = firstField(body, ['lockStatus'])?.toLowerCase() ?? null;
  const lockStatus = statedLock ?? (subStatus === 'userlocked' || subStatus === 'locked' ? 'lock' : null);
  const unlockTimeSec = integer(firstField(body, ['unlockTime', 'remainingLockTime', 'lockRemainingTime']));
  const attemptsLeft = integer(firstField(body, ['retryLoginTime', 'retryLoginTimes', 'remainingAttempts', 'remainAttempts'])) ?? attemptsInMessage(body);
  if (lockStatus === null && unlockTimeSec === null && attemptsLeft === null) return null;
  return { lockStatus, unlockTimeSec, attemptsLeft };
}

/**
 * True when the body says the login is locked right now: a lock status, an unlock countdown, or no
 * attempts left. "unlock" with attempts left is a failed login, not a lock.
 */
export function isLockedNow(lock: LockInfo): boolean {
  return lock.lockStatus === 'lock' || lock.lockStatus === 'locked' || (lock.unlockTimeSec !== null && lock.unlockTimeSec > 0) || lock.attemptsLeft === 0;
}

export type AuthGate =
  | { readonly kind: 'open' }
  | { readonly kind: 'hold'; readonly remainingMs: number; readonly reason: HikArcError }
  | { readonly kind: 'locked'; readonly reason: HikArcError };

export class AuthGuard {
  private holdUntilMs: number | null = null;
  private holdReason: HikArcError | null = null;
  private lockReason: HikArcError | null = null;
  private proven = false;
  private signing: Promise<void> | null = null;

  constructor(private readonly holdMs: number) {}

  /** Resolves once no signed request is in flight. */
  async awaitTurn(): Promise<void> {
    while (this.signing !== null) await this.signing;
  }

  /**
   * Marks a signed request as in flight; call the returned function once its outcome (accepted,
   * rejected, failed) is known. Call right after awaitTurn(), with no await in between.
   */
  claimLogin(): () => void {
    let release: () => void = () => undefined;
    const signing = new Promise<void>((resolve) => {
      release = resolve;
    });
    this.signing = signing;
    return () => {
      if (this.signing === signing) this.signing = null;
      release();
    };
  }

  /**
   * Whether a `stale=true` answer may be signed once more: only for credentials the receiver has
   * accepted since the start and not rejected since. Otherwise stale counts as a rejection.
   */
  get mayRetryStale(): boolean {
    return this.proven;
  }

  gate(nowMs: number): AuthGate {
    if (this.lockReason !== null) return { kind: 'locked', reason: this.lockReason };
    if (this.holdUntilMs !== null && this.holdReason !== null && nowMs < this.holdUntilMs) {
      return { kind: 'hold', remainingMs: this.holdUntilMs - nowMs, reason: this.holdReason };
    }
    return { kind: 'open' };
  }

  rejected(nowMs: number, reason: HikArcError): void {
    this.holdUntilMs = nowMs + this.holdMs;
    this.holdReason = reason;
    this.proven = false;
  }

  locked(reason: HikArcError): void {
    this.lockReason = reason;
  }

  accepted(): void {
    this.holdUntilMs = null;
    this.holdReason = null;
    this.proven = true;
  }
}
