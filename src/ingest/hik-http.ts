// Requests to the receiver with HTTP Digest on an undici dispatcher (request(), never fetch: see
// docs/hik-receiver.md §Digest and lock-out). Each request goes out unsigned, a 401 challenge is answered once, and a
// `stale=true` answer is signed once more with the new nonce when the guard allows it (credentials
// accepted before); nothing else is retried here. Stale is looked at before lock fields: the usual
// userCheck body ("unlock", attempts left) rides along on a stale answer too. Every body that is not
// handed to the caller is read (capped) or destroyed, so connections are released.

import type { Dispatcher } from 'undici';
import type { Clock } from '../clock.js';
import { HikArcError } from '../errors.js';
import type { Logger } from '../log.js';
import type { Counter, MetricsRegistry } from '../metrics.js';
import { AuthGuard, isLockedNow, parseLockInfo, type LockInfo } from './auth-guard.js';
import { authorizationHeader, NonceCounter, planDigest, randomCnonce, type DigestPlan } from './digest.js';

export const MAX_ERROR_BODY_BYTES = 64 * 1024;

export type ResponseBody = Dispatcher.ResponseData['body'];
export type ResponseHeaders = Dispatcher.ResponseData['headers'];

export interface HikCredentials {
  readonly username: string;
  readonly password: string;
}

export interface HikRequest {
  readonly method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** Request target, query included; it is also the Digest `uri`. */
  readonly path: string;
  /** JSON text; kept as a string so the signed retry can send it again. */
  readonly body?: string;
  readonly signal?: AbortSignal;
  readonly headersTimeoutMs: number;
  readonly bodyTimeoutMs: number;
}

export type HikResponse =
  /** 2xx: the caller owns the body and must consume or destroy it. */
  | { readonly ok: true; readonly statusCode: number; readonly headers: ResponseHeaders; readonly body: ResponseBody }
  /** Anything else: the body was read (capped) and the connection released. */
  | { readonly ok: false; readonly statusCode: number; readonly headers: ResponseHeaders; readonly text: string };

export interface HikHttpOptions {
  readonly dispatcher: Dispatcher;
  readonly credentials: HikCredentials;
  /** Shared by every client of one receiver: a rejection holds all of them. */
  readonly guard: AuthGuard;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly metrics: MetricsRegistry;
  readonly cnonce?: () => string;
}

/** Reads at most `maxBytes` of a body as UTF-8; a longer body is cut and its connection closed. */
export async function readBodyText(body: ResponseBody, maxBytes = MAX_ERROR_BODY_BYTES): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    const bytes = chunk as Buffer;
    chunks.push(bytes.subarray(0, Math.max(0, maxBytes - size)));
    size += bytes.length;
    if (size >= maxBytes) break; // leaving the loop destroys the rest of the body
  }
  return Buffer.concat(chunks).toString('utf8');
}

function lockDetail(lock: LockInfo): Record<string, unknown> {
  return { lockStatus: lock.lockStatus, unlockTimeSec: lock.unlockTimeSec, attemptsLeft: lock.attemptsLeft };
}

export class HikHttp {
  private readonly dispatcher: Dispatcher;
  private readonly credentials: HikCredentials;
  private readonly guard: AuthGuard;
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly authFailures: Counter;
  private readonly nonces = new NonceCounter();
  private readonly cnonce: () => string;

  constructor(options: HikHttpOptions) {
    this.dispatcher = options.dispatcher;
    this.credentials = options.credentials;
    this.guard = options.guard;
    this.clock = options.clock;
    this.logger = options.logger;
    this.cnonce = options.cnonce ?? randomCnonce;
    this.authFailures = options.metrics.counter('hik_arc_ingest_auth_failures_total', 'Logins the receiver refused, by kind (rejected, locked, challenge)', [
      'kind',
    ]);
  }

  /**
   * Throws HikArcError HIKARC_DIGEST_* for authentication problems (and without sending anything
   * while logins are on hold or locked); undici errors for network problems.
   */
  async request(request: HikRequest): Promise<HikResponse> {
    this.checkGate();
    const response = await this.send(request, undefined);
    if (response.statusCode !== 401) return this.finish(request, response);
    const challengeText = await readBodyText(response.body);
    // This 401 answers an unsigned request, so it is no failed login; stop only if it says "locked".
    const challengeLock = parseLockInfo(challengeText);
    if (challengeLock !== null && isLockedNow(challengeLock)) throw this.lockedOut(request, 401, challengeLock);
    let plan: DigestPlan;
    try {
      plan = planDigest(response.headers['www-authenticate']);
    } catch (error) {
      this.authFailures.inc({ kind: 'challenge' });
      throw error;
    }

    // One signed request at a time across every client of this receiver, and the gate asked again
    // once it is this request's turn: the one before may have been rejected.
    await this.guard.awaitTurn();
    this.checkGate();
    const release = this.guard.claimLogin();
    try {
      return await this.signedRequest(request, plan);
    } finally {
      release();
    }
  }

  private checkGate(): void {
    const gate = this.guard.gate(this.clock.monotonic());
    if (gate.kind === 'locked') throw gate.reason;
    if (gate.kind === 'hold') {
      throw new HikArcError('HIKARC_DIGEST_HOLD', 'logins are on hold after a rejected login', {
        detail: { remainingMs: Math.round(gate.remainingMs) },
        cause: gate.reason,
      });
    }
  }

  private async signedRequest(request: HikRequest, first: DigestPlan): Promise<HikResponse> {
    let plan = first;
    let response: Dispatcher.ResponseData;
    for (let signed = 1; ; signed++) {
      response = await this.send(request, this.sign(request, plan));
      if (response.statusCode !== 401) return this.finish(request, response);
      const text = await readBodyText(response.body);
      const lock = parseLockInfo(text);
      // A real lock wins over everything: signing again would only extend it.
      if (lock !== null && isLockedNow(lock)) throw this.lockedOut(request, 401, lock);
      const next = this.tryPlan(response.headers['www-authenticate']);
      const stale = next?.challenge.stale === true;
      // RFC 7616 §3.3 stale: the credentials were right, the nonce had expired. Once only, and only
      // for credentials the receiver accepted before: some devices count even this retry as a
      // failed login (docs/hik-receiver.md §Digest and lock-out), and some answer a wrong password with stale=true.
      if (signed === 1 && stale && this.guard.mayRetryStale) {
        this.logger.info({ method: request.method, path: request.path }, 'receiver nonce stale: signing once more');
        plan = next;
        continue;
      }
      throw this.rejected(request, lock, stale);
    }
  }

  private tryPlan(values: string | string[] | undefined): DigestPlan | undefined {
    try {
      return planDigest(values);
    } catch {
      return undefined;
    }
  }

  private sign(request: HikRequest, plan: DigestPlan): string {
    return authorizationHeader({
      plan,
      username: this.credentials.username,
      password: this.credentials.password,
      method: request.method,
      uri: request.path,
      cnonce: this.cnonce(),
      nc: this.nonces.next(plan.challenge.nonce),
    });
  }

  private send(request: HikRequest, authorization: string | undefined): Promise<Dispatcher.ResponseData> {
    const headers: Record<string, string> = {};
    if (request.body !== undefined) headers['content-type'] = 'application/json';
    if (authorization !== undefined) headers['authorization'] = authorization;
    return this.dispatcher.request({
      method: request.method,
      path: request.path,
      body: request.body ?? null,
      headers,
      signal: request.signal ?? null,
      headersTimeout: request.headersTimeoutMs,
      bodyTimeout: request.bodyTimeoutMs,
    });
  }

  private async finish(request: HikRequest, response: Dispatcher.ResponseData): Promise<HikResponse> {
    if (response.statusCode >= 200 && response.statusCode < 300) {
      this.guard.accepted();
      return { ok: true, statusCode: response.statusCode, headers: response.headers, body: response.body };
    }
    const text = await readBodyText(response.body);
    if (response.statusCode === 403) {
      const lock = parseLockInfo(text);
      if (lock !== null && isLockedNow(lock)) throw this.lockedOut(request, 403, lock);
      // Lock fields without a lock (attempts left): the login failed.
      if (lock !== null && lock.attemptsLeft !== null) throw this.rejected(request, lock, false);
    }
    this.guard.accepted();
    return { ok: false, statusCode: response.statusCode, headers: response.headers, text };
  }

  private rejected(request: HikRequest, lock: LockInfo | null, stale: boolean): HikArcError {
    const attemptsLeft = lock?.attemptsLeft ?? null;
    const error = new HikArcError('HIKARC_DIGEST_REJECTED', 'the receiver rejected the username or password', {
      detail: { method: request.method, path: request.path, attemptsLeft, stale },
    });
    this.guard.rejected(this.clock.monotonic(), error);
    this.authFailures.inc({ kind: 'rejected' });
    this.logger.error(
      { code: error.code, method: request.method, path: request.path, attemptsLeft, stale },
      stale
        ? 'receiver answered stale=true to credentials it never accepted: counted as a rejected login, no new login until the hold-off has passed'
        : 'receiver rejected the login: no new login until the hold-off has passed',
    );
    return error;
  }

  private lockedOut(request: HikRequest, statusCode: number, lock: LockInfo): HikArcError {
    const error = new HikArcError('HIKARC_DIGEST_LOCKED', 'the receiver reports lock information for the login', {
      detail: { statusCode, ...lockDetail(lock) },
    });
    this.guard.locked(error);
    this.authFailures.inc({ kind: 'locked' });
    this.logger.error(
      { code: error.code, method: request.method, path: request.path, statusCode, ...lockDetail(lock) },
      'receiver reports lock information: logins stopped until the configuration changes',
    );
    return error;
  }
}
