// The two HTTP clients every user of the receiver needs: one for the never-ending event stream and
// one for everything else (an undici Client serves one request at a time, so the device list and
// the unsubscribe must not queue behind the stream). Both share one lockout guard.
//
// https: these receivers ship self-signed certificates. Verification is never off: the certificate
// must match receiver.certFingerprint (a SHA-256 pin, which then decides alone), or else chain to
// receiver.caFile (or the system CAs) and carry the address or name of receiver.url. A certificate
// that passes neither fails the connection with HIKARC_RECEIVER_TLS_FAILED, naming what it saw,
// before a single byte of HTTP is sent.
import { X509Certificate } from 'node:crypto';
import { buildConnector, Client } from 'undici';
import { settleWithin } from '../clock.js';
import { normalizeFingerprint } from './receiver-tls.js';
import { ConfigError, HikArcError } from '../errors.js';
import { AuthGuard } from './auth-guard.js';
import { ReceiverHttp } from './receiver-http.js';
export const NO_RECEIVER_TLS = { ca: null, certFingerprint: null };
export const defaultDispatcherFactory = (origin, _purpose, tls) => new Client(origin, { pipelining: 1, connect: receiverConnector(tls) });
function tlsFailure(message, reason, presentedFingerprint) {
    return new HikArcError('HIKARC_RECEIVER_TLS_FAILED', message, { detail: { reason, presentedFingerprint } });
}
/** Null when the peer of an established TLS connection is the receiver we trust, else why not. */
export function verifyReceiverCertificate(socket, tls) {
    const raw = socket.getPeerCertificate(false)?.raw;
    const presented = raw === undefined ? null : new X509Certificate(raw).fingerprint256;
    if (tls.certFingerprint !== null) {
        if (presented === tls.certFingerprint)
            return null;
        return tlsFailure('the receiver certificate does not match receiver.certFingerprint', 'FINGERPRINT_MISMATCH', presented);
    }
    if (socket.authorized)
        return null;
    const reason = String(socket.authorizationError ?? 'UNTRUSTED');
    return tlsFailure(`the receiver certificate is not trusted (${reason})`, reason, presented);
}
/**
 * undici's connector with the checks above. Node is told not to reject the handshake itself only so
 * that the presented certificate can be named in the error; nothing is sent before the check passes.
 */
export function receiverConnector(tls) {
    const connect = buildConnector({ ...(tls.ca === null ? {} : { ca: tls.ca }), rejectUnauthorized: false, maxCachedSessions: 0 });
    return (options, callback) => {
        connect(options, (error, socket) => {
            if (error !== null) {
                callback(error, null);
                return;
            }
            if (options.protocol !== 'https:') {
                callback(null, socket);
                return;
            }
            const refused = verifyReceiverCertificate(socket, tls);
            if (refused === null) {
                callback(null, socket);
                return;
            }
            socket.destroy();
            callback(refused, null);
        });
    };
}
const TLS_ERROR_CODES = /^(ERR_TLS_|ERR_SSL_|CERT_|UNABLE_TO_|DEPTH_ZERO_|SELF_SIGNED_|HOSTNAME_MISMATCH|HIKARC_RECEIVER_TLS_FAILED)/;
/** True for errors of the TLS handshake or of our certificate checks. */
export function isTlsError(error) {
    const code = error?.code;
    return typeof code === 'string' && TLS_ERROR_CODES.test(code);
}
/** receiver.url parsed; nothing can run without it. */
export function receiverUrl(text) {
    try {
        return new URL(text);
    }
    catch {
        throw new ConfigError('HIKARC_CONFIG_MISSING', ['receiver.url: the URL of the Hik IP Receiver Pro is needed']);
    }
}
export function receiverClients(options) {
    const url = receiverUrl(options.url);
    const factory = options.dispatcherFactory ?? defaultDispatcherFactory;
    const pin = options.certFingerprint ?? null;
    const tls = { ca: options.caPem ?? null, certFingerprint: pin === null ? null : (normalizeFingerprint(pin) ?? pin) };
    const dispatchers = [factory(url.origin, 'stream', tls), factory(url.origin, 'control', tls)];
    const guard = options.guard ?? new AuthGuard(options.authRetryMs);
    const common = {
        guard,
        credentials: { username: options.username, password: options.password },
        clock: options.clock,
        logger: options.logger,
        metrics: options.metrics,
    };
    return {
        basePath: url.pathname.replace(/\/+$/, ''),
        guard,
        stream: new ReceiverHttp({ ...common, dispatcher: dispatchers[0] }),
        control: new ReceiverHttp({ ...common, dispatcher: dispatchers[1] }),
        async close(withinMs) {
            const closed = Promise.all(dispatchers.map((dispatcher) => dispatcher.close().catch(() => undefined)));
            const inTime = await settleWithin(options.clock, closed, withinMs);
            if (!inTime)
                await Promise.all(dispatchers.map((dispatcher) => dispatcher.destroy().catch(() => undefined)));
        },
    };
}
