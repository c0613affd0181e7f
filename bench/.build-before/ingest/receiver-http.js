// Requests to the receiver with HTTP Digest on an undici dispatcher (request(), never fetch: see
// docs/hik-receiver.md §Digest and lock-out). Each request goes out unsigned, a 401 challenge is answered once, and a
// `stale=true` answer is signed once more with the new nonce when the guard allows it (credentials
// accepted before); nothing else is retried here. Stale is looked at before lock fields: the usual
// userCheck body ("unlock", attempts left) rides along on a stale answer too. Every body that is not
// handed to the caller is read (capped) or destroyed, so connections are released.
import { HikArcError } from '../errors.js';
import { AuthGuard, isLockedNow, parseLockInfo } from './auth-guard.js';
import { authorizationHeader, NonceCounter, planDigest, randomCnonce } from './digest.js';
export const MAX_ERROR_BODY_BYTES = 64 * 1024;
/** Reads at most `maxBytes` of a body as UTF-8; a longer body is cut and its connection closed. */
export async function readBodyText(body, maxBytes = MAX_ERROR_BODY_BYTES) {
    const chunks = [];
    let size = 0;
    for await (const chunk of body) {
        const bytes = chunk;
        chunks.push(bytes.subarray(0, Math.max(0, maxBytes - size)));
        size += bytes.length;
        if (size >= maxBytes)
            break; // leaving the loop destroys the rest of the body
    }
    return Buffer.concat(chunks).toString('utf8');
}
function lockDetail(lock) {
    return { lockStatus: lock.lockStatus, unlockTimeSec: lock.unlockTimeSec, attemptsLeft: lock.attemptsLeft };
}
export class ReceiverHttp {
    dispatcher;
    credentials;
    guard;
    clock;
    logger;
    authFailures;
    nonces = new NonceCounter();
    cnonce;
    constructor(options) {
        this.dispatcher = options.dispatcher;
        this.credentials = options.credentials;
        this.guard = options.guard;
        this.clock = options.clock;
        this.logger = options.logger;
        this.cnonce = options.cnonce ?? randomCnonce;
        this.authFailures = options.metrics.counter('hik_arc_ingest_auth_failures_total', 'Logins the receiver refused, by kind (rejected, locked, challenge)', ['kind']);
    }
    /**
     * Throws HikArcError HIKARC_DIGEST_* for authentication problems (and without sending anything
     * while logins are on hold or locked); undici errors for network problems.
     */
    async request(request) {
        this.checkGate();
        const response = await this.send(request, undefined);
        if (response.statusCode !== 401)
            return this.finish(request, response);
        const challengeText = await readBodyText(response.body);
        // This 401 answers an unsigned request, so it is no failed login; stop only if it says "locked".
        const challengeLock = parseLockInfo(challengeText);
        if (challengeLock !== null && isLockedNow(challengeLock))
            throw this.lockedOut(request, 401, challengeLock);
        let plan;
        try {
            plan = planDigest(response.headers['www-authenticate']);
        }
        catch (error) {
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
        }
        finally {
            release();
        }
    }
    checkGate() {
        const gate = this.guard.gate(this.clock.monotonic());
        if (gate.kind === 'locked')
            throw gate.reason;
        if (gate.kind === 'hold') {
            throw new HikArcError('HIKARC_DIGEST_HOLD', 'logins are on hold after a rejected login', { detail: { remainingMs: Math.round(gate.remainingMs) }, cause: gate.reason });
        }
    }
    async signedRequest(request, first) {
        let plan = first;
        let response;
        for (let signed = 1;; signed++) {
            response = await this.send(request, this.sign(request, plan));
            if (response.statusCode !== 401)
                return this.finish(request, response);
            const text = await readBodyText(response.body);
            const lock = parseLockInfo(text);
            // A real lock wins over everything: signing again would only extend it.
            if (lock !== null && isLockedNow(lock))
                throw this.lockedOut(request, 401, lock);
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
    tryPlan(values) {
        try {
            return planDigest(values);
        }
        catch {
            return undefined;
        }
    }
    sign(request, plan) {
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
    send(request, authorization) {
        const headers = {};
        if (request.body !== undefined)
            headers['content-type'] = 'application/json';
        if (authorization !== undefined)
            headers['authorization'] = authorization;
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
    async finish(request, response) {
        if (response.statusCode >= 200 && response.statusCode < 300) {
            this.guard.accepted();
            return { ok: true, statusCode: response.statusCode, headers: response.headers, body: response.body };
        }
        const text = await readBodyText(response.body);
        if (response.statusCode === 403) {
            const lock = parseLockInfo(text);
            if (lock !== null && isLockedNow(lock))
                throw this.lockedOut(request, 403, lock);
            // Lock fields without a lock (attempts left): the login failed.
            if (lock !== null && lock.attemptsLeft !== null)
                throw this.rejected(request, lock, false);
        }
        this.guard.accepted();
        return { ok: false, statusCode: response.statusCode, headers: response.headers, text };
    }
    rejected(request, lock, stale) {
        const attemptsLeft = lock?.attemptsLeft ?? null;
        const error = new HikArcError('HIKARC_DIGEST_REJECTED', 'the receiver rejected the username or password', {
            detail: { method: request.method, path: request.path, attemptsLeft, stale },
        });
        this.guard.rejected(this.clock.monotonic(), error);
        this.authFailures.inc({ kind: 'rejected' });
        this.logger.error({ code: error.code, method: request.method, path: request.path, attemptsLeft, stale }, stale
            ? 'receiver answered stale=true to credentials it never accepted: counted as a rejected login, no new login until the hold-off has passed'
            : 'receiver rejected the login: no new login until the hold-off has passed');
        return error;
    }
    lockedOut(request, statusCode, lock) {
        const error = new HikArcError('HIKARC_DIGEST_LOCKED', 'the receiver reports lock information for the login', {
            detail: { statusCode, ...lockDetail(lock) },
        });
        this.guard.locked(error);
        this.authFailures.inc({ kind: 'locked' });
        this.logger.error({ code: error.code, method: request.method, path: request.path, statusCode, ...lockDetail(lock) }, 'receiver reports lock information: logins stopped until the configuration changes');
        return error;
    }
}
