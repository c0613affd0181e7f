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
import type { TLSSocket } from 'node:tls';
import { buildConnector, Client, type Dispatcher } from 'undici';
import { settleWithin, type Clock } from '../clock.js';
import { normalizeFingerprint } from './hik-tls.js';
import { ConfigError, HikArcError } from '../errors.js';
import type { Logger } from '../log.js';
import type { MetricsRegistry } from '../metrics.js';
import { AuthGuard } from './auth-guard.js';
import { HikHttp } from './hik-http.js';

/** What to trust for an https receiver; both null means the system CAs and the URL's name. */
export interface HikTls {
  /** PEM text of the certificate(s) to trust instead of the system CAs (receiver.caFile). */
  readonly ca: string | null;
  /** SHA-256 fingerprint as `AB:CD:…` (receiver.certFingerprint). */
  readonly certFingerprint: string | null;
}

export const NO_RECEIVER_TLS: HikTls = { ca: null, certFingerprint: null };

export type DispatcherFactory = (origin: string, purpose: 'stream' | 'control', tls: HikTls) => Dispatcher;

export const defaultDispatcherFactory: DispatcherFactory = (origin, _purpose, tls) => new Client(origin, { pipelining: 1, connect: hikConnector(tls) });

function tlsFailure(message: string, reason: string, presentedFingerprint: string | null): HikArcError {
  return new HikArcError('HIKARC_RECEIVER_TLS_FAILED', message, { detail: { reason, presentedFingerprint } });
}

/** Null when the peer of an established TLS connection is the receiver we trust, else why not. */
export function verifyHikCertificate(socket: TLSSocket, tls: HikTls): HikArcError | null {
  const raw = socket.getPeerCertificate(false)?.raw;
  const presented = raw === undefined ? null : new X509Certificate(raw).fingerprint256;
  if (tls.certFingerprint !== null) {
    if (presented === tls.certFingerprint) return null;
    return tlsFailure('the receiver certificate does not match receiver.certFingerprint', 'FINGERPRINT_MISMATCH', presented);
  }
  if (socket.authorized) return null;
  const reason = String(socket.authorizationError ?? 'UNTRUSTED');
  return tlsFailure(`the receiver certificate is not trusted (${reason})`, reason, presented);
}

/**
 * undici's connector with the checks above. Node is told not to reject the handshake itself only so
 * that the presented certificate can be named in the error; nothing is sent before the check passes.
 */
export function hikConnector(tls: HikTls): buildConnector.connector {
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
      const refused = verifyHikCertificate(socket as TLSSocket, tls);
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
export function isTlsError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && TLS_ERROR_CODES.test(code);
}

/** receiver.url parsed; nothing can run without it. */
export function hikUrl(text: string): URL {
  try {
    return new URL(text);
  } catch {
    throw new ConfigError('HIKARC_CONFIG_MISSING', ['receiver.url: the URL of the Hik IP Receiver Pro is needed']);
  }
}

export interface HikClientsOptions {
  readonly url: string;
  readonly username: string;
  readonly password: string;
  readonly authRetryMs: number;
  /** PEM of receiver.caFile, or null. */
  readonly caPem?: string | null;
  /** receiver.certFingerprint as `AB:CD:…`, or null. */
  readonly certFingerprint?: string | null;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly metrics: MetricsRegistry;
  readonly dispatcherFactory?: DispatcherFactory | undefined;
  /** A guard shared with other clients of the same receiver (media downloads); else a new one. */
  readonly guard?: AuthGuard | undefined;
}

export interface HikClients {
  /** Path prefix of receiver.url, usually empty. */
  readonly basePath: string;
  readonly guard: AuthGuard;
  readonly stream: HikHttp;
  readonly control: HikHttp;
  /** Closes both connections gracefully, destroying them if that takes longer than `withinMs`. */
  close(withinMs: number): Promise<void>;
}

export function hikClients(options: HikClientsOptions): HikClients {
  const url = hikUrl(options.url);
  const factory = options.dispatcherFactory ?? defaultDispatcherFactory;
  const pin = options.certFingerprint ?? null;
  const tls: HikTls = { ca: options.caPem ?? null, certFingerprint: pin === null ? null : (normalizeFingerprint(pin) ?? pin) };
  const dispatchers = [factory(url.origin, 'stream', tls), factory(url.origin, 'control', tls)] as const;
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
    stream: new HikHttp({ ...common, dispatcher: dispatchers[0] }),
    control: new HikHttp({ ...common, dispatcher: dispatchers[1] }),
    async close(withinMs) {
      const closed = Promise.all(dispatchers.map((dispatcher) => dispatcher.close().catch(() => undefined)));
      const inTime = await settleWithin(options.clock, closed, withinMs);
      if (!inTime) await Promise.all(dispatchers.map((dispatcher) => dispatcher.destroy().catch(() => undefined)));
    },
  };
}
