// The media endpoint: GET (and HEAD) /v1/media/<token>[/<item>] serves one alarm's picture or clip
// to whoever holds its signed link, with Content-Type, Content-Length and single-range requests
// for scrubbing (docs/media.md §5-§7). Over TLS unless it listens on loopback only. Nothing of the
// receiver's answer is passed on but the bytes of the file: no header, no address, no error text.
// Every request is logged (client address, alarm, status, bytes); refusals through the rate-
// limited log, so a link guesser cannot flood the journal.

import { readFileSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Clock } from '../clock.js';
import { splitListen } from '../http-listen.js';
import { errorMessage, HikArcError, isHikArcError, type ErrorCode } from '../errors.js';
import type { Logger } from '../log.js';
import type { Counter, MetricsRegistry } from '../metrics.js';
import type { RateLimitedLog } from '../rate-limited-log.js';
import { contentRange, selectRange } from './byte-range.js';
import type { LocalCopy, MediaLibrary } from './media-library.js';
import { parseMediaPath } from './media-link.js';
import type { MediaReference, MediaStore } from './media-store.js';
import { mediaExtension } from './media-type.js';
import { verifyMediaToken } from './media-token.js';

export interface MediaServerOptions {
  readonly listen: string;
  readonly tls: { readonly certFile: string; readonly keyFile: string } | null;
  readonly secret: string;
  readonly linkTtlMs: number;
  readonly store: MediaStore;
  readonly library: MediaLibrary;
  readonly maxActiveResponses: number;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly warnings: RateLimitedLog;
  readonly metrics: MetricsRegistry;
}

export interface RunningMediaServer {
  readonly address: AddressInfo;
  /** `http` on loopback without TLS, else `https`. */
  readonly scheme: 'http' | 'https';
  close(): Promise<void>;
}

/** What a refused request is answered with: the status, and words for the operator. */
export const REFUSAL_STATUS: Partial<Record<ErrorCode, number>> = {
  HIKARC_MEDIA_TOKEN_MALFORMED: 400,
  HIKARC_MEDIA_TOKEN_INVALID: 403,
  HIKARC_MEDIA_UNKNOWN: 404,
  HIKARC_MEDIA_RECEIVER_NOT_FOUND: 404,
  HIKARC_MEDIA_TOKEN_EXPIRED: 410,
  HIKARC_MEDIA_STORE_FAILED: 500,
  HIKARC_MEDIA_RECEIVER_FAILED: 502,
  HIKARC_MEDIA_TOO_LARGE: 502,
  HIKARC_MEDIA_NOT_MEDIA: 502,
  HIKARC_MEDIA_BUSY: 503,
  HIKARC_DIGEST_HOLD: 503,
  HIKARC_DIGEST_REJECTED: 503,
  HIKARC_DIGEST_LOCKED: 503,
  HIKARC_DIGEST_CHALLENGE_INVALID: 503,
  HIKARC_DIGEST_UNSUPPORTED: 503,
  HIKARC_MEDIA_RECEIVER_TIMEOUT: 504,
};

const LOGIN_CODES: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  'HIKARC_DIGEST_HOLD',
  'HIKARC_DIGEST_REJECTED',
  'HIKARC_DIGEST_LOCKED',
  'HIKARC_DIGEST_CHALLENGE_INVALID',
  'HIKARC_DIGEST_UNSUPPORTED',
]);
const RETRY_AFTER_BUSY_SEC = 5;

// The words an operator reads in the browser or curl. Receiver failures say what happened, never
// where (the address stays inside hik-arc).
function refusalText(error: HikArcError): string {
  switch (error.code) {
    case 'HIKARC_MEDIA_TOKEN_EXPIRED':
      return `This link expired at ${String(error.detail?.['expiresAt'])}. hik-arc's administrator can issue a fresh one while the media is kept: hik-arc media link --alarm ${String(error.detail?.['mediaId'])}`;
    case 'HIKARC_MEDIA_TOKEN_INVALID':
      return 'This link was not issued by this hik-arc, or was altered (its signature does not match).';
    case 'HIKARC_MEDIA_TOKEN_MALFORMED':
      return 'This is not a complete hik-arc media link; copy the whole [V] link of the alarm.';
    case 'HIKARC_MEDIA_UNKNOWN':
      return 'hik-arc keeps no media for this alarm (any more): it is past media.retentionDays, or the alarm has no such item.';
    case 'HIKARC_MEDIA_RECEIVER_NOT_FOUND':
      return 'The receiver has no such file: the clip may still be coming from the camera (try again in a minute), or the receiver has rotated it out.';
    case 'HIKARC_MEDIA_RECEIVER_TIMEOUT':
      return 'The receiver sent the file too slowly; try again.';
    case 'HIKARC_MEDIA_BUSY':
      return 'Too many media downloads at once; try again in a few seconds.';
    case 'HIKARC_MEDIA_RECEIVER_FAILED':
    case 'HIKARC_MEDIA_TOO_LARGE':
    case 'HIKARC_MEDIA_NOT_MEDIA':
      // These messages are hik-arc's own (hik-download.ts): sizes and statuses, no address.
      return `The file could not be fetched from the receiver: ${error.message}.`;
    default:
      if (LOGIN_CODES.has(error.code))
        return "hik-arc cannot log in to the receiver at the moment, so the file cannot be fetched; the site's installer has to check the receiver login.";
      // Disk and database trouble stays in hik-arc's log: its text names local paths.
      return "hik-arc could not keep or read the file; its administrator finds the reason in hik-arc's log.";
  }
}

const MAX_LOGGED_HEADER_CHARS = 120;

function headerText(value: string | string[] | undefined): string | undefined {
  const text = Array.isArray(value) ? value.join(', ') : value;
  return text === undefined ? undefined : text.slice(0, MAX_LOGGED_HEADER_CHARS);
}

interface Access {
  readonly client: string;
  /** X-Forwarded-For as sent (behind a proxy on loopback it names the client), not trusted. */
  readonly forwardedFor: string | undefined;
  readonly userAgent: string | undefined;
  readonly method: string;
  readonly started: number;
  mediaId?: number;
  item?: number;
  reference?: MediaReference;
}

export async function startMediaServer(options: MediaServerOptions): Promise<RunningMediaServer> {
  const { clock, logger, warnings } = options;
  const requests: Counter = options.metrics.counter('hik_arc_media_requests_total', 'Requests to the media endpoint, by HTTP status', ['status']);
  const servedBytes: Counter = options.metrics.counter('hik_arc_media_served_bytes_total', 'Bytes of media sent to link holders');
  let active = 0;

  const logAccess = (access: Access, response: ServerResponse, fields: Record<string, unknown>): void => {
    requests.inc({ status: String(response.statusCode) });
    const line = {
      client: access.client,
      ...(access.forwardedFor === undefined ? {} : { forwardedFor: access.forwardedFor }),
      ...(access.userAgent === undefined ? {} : { userAgent: access.userAgent }),
      method: access.method,
      mediaId: access.mediaId,
      item: access.item,
      account: access.reference?.account,
      cid: access.reference?.cid,
      status: response.statusCode,
      ms: Math.round(clock.monotonic() - access.started),
      ...fields,
    };
    const code = fields['code'];
    if (typeof code !== 'string') logger.info(line, 'media request');
    else if (response.statusCode >= 500) warnings.error(code, line, 'media request failed');
    else warnings.warn(code, line, 'media request refused');
  };

  const refuse = (access: Access, request: IncomingMessage, response: ServerResponse, error: HikArcError): void => {
    const status = REFUSAL_STATUS[error.code] ?? 500;
    const headers: Record<string, string> = { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store', 'x-hik-arc-error': error.code };
    if (error.code === 'HIKARC_MEDIA_BUSY') headers['retry-after'] = String(RETRY_AFTER_BUSY_SEC);
    if (error.code === 'HIKARC_DIGEST_HOLD') headers['retry-after'] = String(Math.max(1, Math.ceil(Number(error.detail?.['remainingMs'] ?? 0) / 1000)));
    response.writeHead(status, headers).end(request.method === 'HEAD' ? undefined : `hik-arc: ${refusalText(error)}\n`);
    logAccess(access, response, { code: error.code, reason: error.message });
  };

  const handle = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const access: Access = {
      client: request.socket.remoteAddress ?? 'unknown',
      forwardedFor: headerText(request.headers['x-forwarded-for']),
      userAgent: headerText(request.headers['user-agent']),
      method: request.method ?? '',
      started: clock.monotonic(),
    };
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain; charset=utf-8' }).end('hik-arc: media links are opened with GET\n');
      logAccess(access, response, { bytes: 0 });
      return;
    }
    const target = parseMediaPath(request.url ?? '/');
    if (target === undefined) {
      refuse(access, request, response, new HikArcError('HIKARC_MEDIA_TOKEN_MALFORMED', 'not a media link path'));
      return;
    }
    access.item = target.item;
    const check = verifyMediaToken(options.secret, target.token, Math.floor(clock.now() / 1000));
    if (check.kind === 'malformed')
      return refuse(access, request, response, new HikArcError('HIKARC_MEDIA_TOKEN_MALFORMED', 'the token is not in the form hik-arc issues'));
    if (check.kind === 'invalid') return refuse(access, request, response, new HikArcError('HIKARC_MEDIA_TOKEN_INVALID', 'the token signature does not match'));
    access.mediaId = check.claims.mediaId;
    if (check.kind === 'expired') {
      const expiresAt = new Date(check.claims.expiresAtSec * 1000).toISOString();
      return refuse(
        access,
        request,
        response,
        new HikArcError('HIKARC_MEDIA_TOKEN_EXPIRED', `the link expired at ${expiresAt}`, { detail: { expiresAt, mediaId: check.claims.mediaId } }),
      );
    }
    const reference = options.store.reference(check.claims.mediaId);
    if (reference !== undefined) access.reference = reference;
    if (reference === undefined || target.item >= reference.items.length) {
      return refuse(
        access,
        request,
        response,
        new HikArcError(
          'HIKARC_MEDIA_UNKNOWN',
          reference === undefined ? 'no media reference kept for the alarm' : `the alarm has ${reference.items.length} media item(s)`,
        ),
      );
    }
    if (active >= options.maxActiveResponses)
      return refuse(access, request, response, new HikArcError('HIKARC_MEDIA_BUSY', 'too many media answers in progress'));
    active++;
    response.once('close', () => active--);
    let copy: LocalCopy;
    let file: FileHandle;
    try {
      ({ copy, file } = await openCopy(options.library, reference.id, target.item));
    } catch (error) {
      return refuse(access, request, response, isHikArcError(error) ? error : new HikArcError('HIKARC_MEDIA_STORE_FAILED', errorMessage(error)));
    }
    serveFile(access, request, response, reference, target.item, copy, file);
  };

  const serveFile = (
    access: Access,
    request: IncomingMessage,
    response: ServerResponse,
    reference: MediaReference,
    item: number,
    copy: LocalCopy,
    file: FileHandle,
  ): void => {
    const etag = `"sha256-${copy.sha256}"`;
    if (response.destroyed || request.socket.destroyed) {
      // The caller gave up while the file was fetched; it is kept for the next one.
      void file.close();
      logAccess(access, response, { source: copy.source, bytes: 0, aborted: true });
      return;
    }
    const ifRange = request.headers['if-range'];
    const selection = selectRange({ range: request.headers.range, ifRange: typeof ifRange === 'string' ? ifRange : undefined }, copy.bytes, etag);
    const headers: Record<string, string> = {
      'accept-ranges': 'bytes',
      etag,
      'cache-control': 'private, no-store',
      'x-content-type-options': 'nosniff',
      'content-security-policy': "default-src 'none'; sandbox",
      'content-disposition': `inline; filename="alarm-${reference.id}-${item}.${mediaExtension(copy.contentType)}"`,
    };
    const range = contentRange(selection, copy.bytes);
    if (range !== undefined) headers['content-range'] = range;
    if (selection.kind === 'unsatisfiable') {
      void file.close();
      response
        .writeHead(416, { ...headers, 'content-type': 'text/plain; charset=utf-8' })
        .end(request.method === 'HEAD' ? undefined : `hik-arc: the file has ${copy.bytes} bytes; that range is outside it\n`);
      logAccess(access, response, { range: request.headers.range, bytes: 0 });
      return;
    }
    const start = selection.kind === 'partial' ? selection.start : 0;
    const end = selection.kind === 'partial' ? selection.end : copy.bytes - 1;
    const length = end - start + 1;
    response.writeHead(selection.kind === 'partial' ? 206 : 200, { ...headers, 'content-type': copy.contentType, 'content-length': String(length) });
    const done = { range, source: copy.source, sha256: copy.sha256 };
    if (request.method === 'HEAD') {
      void file.close();
      response.end();
      logAccess(access, response, { ...done, bytes: 0 });
      return;
    }
    let sent = 0;
    const stream = file.createReadStream({ start, end, autoClose: true });
    stream.on('data', (chunk) => {
      sent += chunk.length;
    });
    stream.on('error', () => response.destroy());
    response.once('close', () => {
      stream.destroy();
      servedBytes.inc(undefined, sent);
      logAccess(access, response, { ...done, bytes: sent, ...(sent < length ? { aborted: true } : {}) });
    });
    stream.pipe(response);
  };

  let server: Server;
  let scheme: 'http' | 'https' = 'http';
  try {
    if (options.tls === null) server = createHttpServer();
    else {
      server = createHttpsServer({ cert: readFileSync(options.tls.certFile), key: readFileSync(options.tls.keyFile) });
      scheme = 'https';
    }
  } catch (error) {
    throw new HikArcError('HIKARC_MEDIA_LISTEN_FAILED', `the media endpoint's TLS certificate or key cannot be used: ${errorMessage(error)}`, { cause: error });
  }
  server.on('request', (request: IncomingMessage, response: ServerResponse) => {
    handle(request, response).catch((error: unknown) => {
      logger.error({ code: 'HIKARC_MEDIA_STORE_FAILED', err: errorMessage(error) }, 'media request failed unexpectedly');
      if (!response.headersSent) response.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' }).end('hik-arc: internal error\n');
      else response.destroy();
    });
  });
  // Slow-loris bounds: the request itself must arrive quickly; answers may take as long as the clip.
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;
  server.keepAliveTimeout = 5_000;
  const { host, port } = splitListen(options.listen);
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error) =>
      reject(new HikArcError('HIKARC_MEDIA_LISTEN_FAILED', `the media endpoint cannot listen on ${options.listen}: ${errorMessage(error)}`, { cause: error })),
    );
    server.listen(port, host, () => {
      server.removeAllListeners('error');
      server.on('error', (error) => logger.error({ code: 'HIKARC_MEDIA_LISTEN_FAILED', err: errorMessage(error) }, 'media endpoint error'));
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  logger.info(
    { address: `${address.address}:${address.port}`, tls: scheme === 'https', linkTtlHours: options.linkTtlMs / 3_600_000 },
    'media endpoint listening',
  );
  return {
    address,
    scheme,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

// The file handle is opened before anything is sent: a copy evicted between the lookup and the
// open is fetched again once instead of failing the request.
async function openCopy(library: MediaLibrary, mediaId: number, item: number): Promise<{ copy: LocalCopy; file: FileHandle }> {
  for (let attempt = 0; ; attempt++) {
    const copy = await library.localCopy(mediaId, item, 'request');
    try {
      return { copy, file: await open(copy.path, 'r') };
    } catch (error) {
      if ((error as { code?: unknown }).code !== 'ENOENT' || attempt > 0)
        throw new HikArcError('HIKARC_MEDIA_STORE_FAILED', 'the kept media file cannot be read', { cause: error });
    }
  }
}
