// One media file from the receiver to a file on disk, through the receiver's Digest client and its
// lockout guard (src/ingest/hik-http.ts): guide 7.1, docs/media.md §1. Bounded in size and in
// time, hashed as it arrives, and checked to be a picture or a video. Whatever goes wrong, the
// partial file is removed and the error carries a code and a message without the receiver's address
// (a network error's own message names it, so only its code is kept).

import { createHash } from 'node:crypto';
import { open, rm } from 'node:fs/promises';
import type { Clock } from '../clock.js';
import { HikArcError, isHikArcError } from '../errors.js';
import type { HikHttp } from '../ingest/hik-http.js';
import { servedMediaType, SNIFF_BYTES } from './media-type.js';

export interface DownloadRequest {
  /** Request target on the receiver. */
  readonly path: string;
  /** File to create; must not exist. */
  readonly dest: string;
  readonly maxBytes: number;
  /** The whole download, first byte to last. */
  readonly timeoutMs: number;
  readonly headersTimeoutMs: number;
  /** Aborts the download (the service stopping). */
  readonly signal?: AbortSignal;
}

export interface Downloaded {
  readonly bytes: number;
  readonly contentType: string;
  /** Hex SHA-256 of the file: the evidence's fingerprint, and the strong ETag it is served with. */
  readonly sha256: string;
}

function networkCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

function contentLength(value: string | string[] | undefined): number | undefined {
  const text = Array.isArray(value) ? value[0] : value;
  return text !== undefined && /^\d{1,15}$/.test(text.trim()) ? Number(text) : undefined;
}

function tooLarge(bytes: number, maxBytes: number): HikArcError {
  return new HikArcError('HIKARC_MEDIA_TOO_LARGE', `the file is larger than media.maxFileMB (${bytes} bytes, at most ${maxBytes})`, {
    detail: { bytes, maxBytes },
  });
}

export async function downloadToFile(http: HikHttp, clock: Clock, request: DownloadRequest): Promise<Downloaded> {
  const controller = new AbortController();
  let timedOut = false;
  const cancelTimer = clock.setTimer(request.timeoutMs, () => {
    timedOut = true;
    controller.abort();
  });
  const stop = (): void => controller.abort();
  if (request.signal?.aborted === true) controller.abort();
  request.signal?.addEventListener('abort', stop, { once: true });
  let received = 0;
  let expected: number | undefined;
  let file: Awaited<ReturnType<typeof open>> | undefined;
  try {
    const response = await http.request({
      method: 'GET',
      path: request.path,
      signal: controller.signal,
      headersTimeoutMs: Math.min(request.headersTimeoutMs, request.timeoutMs),
      bodyTimeoutMs: request.timeoutMs,
    });
    if (!response.ok) {
      if (response.statusCode === 404)
        throw new HikArcError('HIKARC_MEDIA_RECEIVER_NOT_FOUND', 'the receiver has no such file (not yet pulled from the camera, or rotated out)', {
          detail: { statusCode: 404 },
        });
      throw new HikArcError('HIKARC_MEDIA_RECEIVER_FAILED', `the receiver answered HTTP ${response.statusCode}`, {
        detail: { statusCode: response.statusCode },
      });
    }
    expected = contentLength(response.headers['content-length']);
    if (expected !== undefined && expected > request.maxBytes) {
      response.body.destroy();
      throw tooLarge(expected, request.maxBytes);
    }
    file = await open(request.dest, 'wx');
    const hash = createHash('sha256');
    let head = Buffer.alloc(0);
    for await (const chunk of response.body) {
      const bytes = chunk as Buffer;
      received += bytes.length;
      if (received > request.maxBytes) throw tooLarge(received, request.maxBytes);
      if (head.length < SNIFF_BYTES) head = Buffer.concat([head, bytes.subarray(0, SNIFF_BYTES - head.length)]);
      hash.update(bytes);
      await file.write(bytes);
    }
    if (expected !== undefined && received !== expected) {
      throw new HikArcError('HIKARC_MEDIA_RECEIVER_FAILED', `the receiver ended the file after ${received} of ${expected} bytes`, {
        detail: { received, expected },
      });
    }
    const declared = response.headers['content-type'];
    const contentType = received === 0 ? undefined : servedMediaType(Array.isArray(declared) ? declared[0] : declared, head);
    if (contentType === undefined) {
      throw new HikArcError(
        'HIKARC_MEDIA_NOT_MEDIA',
        received === 0 ? 'the receiver answered with an empty file' : 'the receiver answered with something that is not a picture or a video',
        {
          detail: { bytes: received },
        },
      );
    }
    // Evidence: on disk before anyone is told it is kept.
    await file.sync();
    return { bytes: received, contentType, sha256: hash.digest('hex') };
  } catch (error) {
    await file?.close().catch(() => undefined);
    file = undefined;
    await rm(request.dest, { force: true }).catch(() => undefined);
    if (timedOut) {
      throw new HikArcError(
        'HIKARC_MEDIA_RECEIVER_TIMEOUT',
        `the receiver sent ${received} bytes${expected === undefined ? '' : ` of ${expected}`} within ${request.timeoutMs} ms`,
        {
          detail: { received, expected, timeoutMs: request.timeoutMs },
        },
      );
    }
    if (isHikArcError(error)) throw error;
    if (request.signal?.aborted === true)
      throw new HikArcError('HIKARC_MEDIA_RECEIVER_FAILED', 'the download was stopped with the service', { detail: { received, expected } });
    const code = networkCode(error);
    throw new HikArcError(
      'HIKARC_MEDIA_RECEIVER_FAILED',
      received > 0
        ? `the connection to the receiver broke off after ${received}${expected === undefined ? '' : ` of ${expected}`} bytes`
        : 'the receiver could not be reached',
      { detail: { received, expected, errorCode: code } },
    );
  } finally {
    cancelTimer();
    request.signal?.removeEventListener('abort', stop);
    await file?.close().catch(() => undefined);
  }
}
