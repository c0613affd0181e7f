// Records the receiver's subscription stream to a file, the body bytes as received, for replay tests
// and support cases (`hik-arc capture`). A capture is taken while an installer walks the site
// triggering zones, so it must not end at the first stall: when the stream ends, breaks or goes
// quiet past the heartbeat timeout, the subscription is cancelled (the receiver allows only one)
// and taken again with the service's backoff, for the whole duration. Each gap is reported. The
// streams are joined with a CRLF, so the first boundary of the next one is a delimiter to a reader
// and a part cut off by the gap stays one (broken) part. Only a refusal that waiting cannot cure
// (a rejected login, automation output not Private, an untrusted certificate) ends it early; at
// the very first subscription any refusal does, as the installer is there to fix it.

import { backoffDelay } from '../backoff.js';
import type { Clock } from '../clock.js';
import { errorMessage, HikArcError, isHikArcError, type ErrorCode } from '../errors.js';
import type { Logger } from '../log.js';
import { MetricsRegistry } from '../metrics.js';
import { bodyChunks } from './body-chunks.js';
import { isTlsError, hikClients, type DispatcherFactory } from './hik-clients.js';
import type { ResponseBody } from './hik-http.js';
import { MultipartParser } from './multipart-parser.js';
import type { IngestSettings } from './settings.js';
import { classifyStreamEvent } from './stream-items.js';
import { cancelSubscription, openSubscription } from './subscription.js';

/** Where a capture is, for a live display. */
export interface CaptureProgress {
  readonly state: 'subscribing' | 'recording' | 'waiting';
  readonly bytes: number;
  readonly parts: number;
  /** Parts that are events (not heartbeats or statuses), and the type of the last one. */
  readonly events: number;
  readonly lastEvent: string | null;
  /** Subscriptions that delivered a stream so far. */
  readonly subscriptions: number;
  /** Why the last stream ended, while waiting to subscribe again. */
  readonly gap: string | null;
}

export interface CaptureOptions {
  readonly settings: IngestSettings;
  /** Receives the body bytes in order; awaited before the next chunk is read. */
  readonly sink: (chunk: Buffer) => Promise<void>;
  /** Stop after this long; without it, only `signal` (or a refusal) ends the capture. */
  readonly durationMs?: number | undefined;
  readonly signal?: AbortSignal | undefined;
  readonly logger: Logger;
  readonly clock: Clock;
  readonly dispatcherFactory?: DispatcherFactory;
  /** Called on every part and every change of state. */
  readonly onProgress?: (progress: CaptureProgress) => void;
  readonly random?: () => number;
}

const STOP_GRACE_MS = 2000;
const CRLF = Buffer.from('\r\n', 'latin1');

// Refusals that re-subscribing does not cure: they need the installer.
const FINAL_REFUSALS: ReadonlySet<ErrorCode> = new Set([
  'HIKARC_DIGEST_REJECTED',
  'HIKARC_DIGEST_LOCKED',
  'HIKARC_DIGEST_UNSUPPORTED',
  'HIKARC_RECEIVER_NOT_PRIVATE',
  'HIKARC_RECEIVER_TLS_FAILED',
]);

export type CaptureEnd = 'duration' | 'signal' | 'refused';

/** A time the stream was not recording: from when it ended to when the next one began (null: never). */
export interface CaptureGap {
  readonly at: number;
  readonly reason: string;
  readonly resumedAt: number | null;
}

export type CaptureResult =
  | {
      readonly ok: true;
      readonly bytes: number;
      readonly parts: number;
      readonly subscriptions: number;
      readonly gaps: readonly CaptureGap[];
      readonly endedBy: CaptureEnd;
      /** What ended it, when a refusal did. */
      readonly error?: HikArcError;
    }
  | { readonly ok: false; readonly error: HikArcError };

function subscribeError(error: unknown): HikArcError {
  if (isHikArcError(error) && error.code === 'HIKARC_RECEIVER_TLS_FAILED') {
    const presented = error.detail?.['presentedFingerprint'];
    const message = `${error.message}; set receiver.caFile or receiver.certFingerprint${typeof presented === 'string' ? ` (the receiver presented ${presented})` : ''}`;
    return new HikArcError(error.code, message, { detail: error.detail ?? {}, cause: error });
  }
  if (isHikArcError(error)) return error;
  if (isTlsError(error)) return new HikArcError('HIKARC_RECEIVER_TLS_FAILED', `TLS to the receiver failed: ${errorMessage(error)}`, { cause: error });
  return new HikArcError('HIKARC_RECEIVER_UNREACHABLE', `receiver unreachable: ${errorMessage(error)}`, { cause: error });
}

export async function captureStream(options: CaptureOptions): Promise<CaptureResult> {
  const { settings, logger, clock } = options;
  const clients = hikClients({ ...settings, clock, logger, metrics: new MetricsRegistry(), dispatcherFactory: options.dispatcherFactory });
  const { basePath, stream: streamHttp, control: controlHttp } = clients;

  let endedBy: CaptureEnd | null = null;
  let reading = new AbortController();
  let subscriptionId: string | null = null;
  let cancelling: Promise<void> | null = null;
  let wake: () => void = () => undefined;
  let cancelGrace: () => void = () => undefined;
  let bytes = 0;
  let parts = 0;
  let subscriptions = 0;
  let events = 0;
  let lastEvent: string | null = null;
  const gaps: CaptureGap[] = [];
  let boundary: string | null = null;

  const progress = (state: CaptureProgress['state']): void =>
    options.onProgress?.({ state, bytes, parts, events, lastEvent, subscriptions, gap: state === 'waiting' ? (gaps[gaps.length - 1]?.reason ?? null) : null });
  const cancel = (): Promise<void> => {
    const id = subscriptionId;
    cancelling ??= (async () => {
      if (id === null) return;
      const result = await cancelSubscription(controlHttp, id, { basePath, timeoutMs: settings.requestTimeoutMs, clock });
      if (!result.ok) logger.warn({ code: result.error.code, err: result.error.message }, 'subscription could not be cancelled');
    })();
    return cancelling;
  };
  // Cancel on the receiver first (guide §5.1 step 3): it ends the stream itself. Reading stops
  // when it has, or after a short grace.
  const stopFor = (reason: CaptureEnd) => (): void => {
    if (endedBy !== null) return;
    endedBy = reason;
    wake();
    if (subscriptionId === null) {
      reading.abort();
      return;
    }
    const current = reading;
    void cancel().finally(() => {
      cancelGrace = clock.setTimer(STOP_GRACE_MS, () => current.abort());
    });
  };
  const stopped = (): boolean => endedBy !== null;
  const onSignal = stopFor('signal');
  options.signal?.addEventListener('abort', onSignal, { once: true });
  if (options.signal?.aborted === true) onSignal();
  const cancelTimer = options.durationMs === undefined ? () => undefined : clock.setTimer(options.durationMs, stopFor('duration'));

  const pause = (ms: number): Promise<void> =>
    new Promise((resolve) => {
      const cancelPause = clock.setTimer(ms, () => resolve());
      wake = () => {
        cancelPause();
        resolve();
      };
    });

  /** One subscription, read to its end; the reason it ended, or null when the capture was stopped. */
  const record = async (opened: { readonly boundary: string; readonly body: ResponseBody }, chunks: AsyncIterable<Buffer>): Promise<string | null> => {
    const parser = new MultipartParser(opened.boundary, { maxPartBytes: settings.maxPartBytes });
    let first = true;
    try {
      for await (const data of chunks) {
        await options.sink(data);
        bytes += data.length;
        for (const event of parser.push(data)) {
          parts++;
          const item = classifyStreamEvent(event);
          if (first && item.kind === 'subscription-id') subscriptionId = item.id;
          first = false;
          if (item.kind === 'event') {
            events++;
            lastEvent = item.event.eventType;
          }
          progress('recording');
        }
      }
      return stopped() ? null : 'the receiver ended the stream';
    } catch (thrown) {
      if (stopped()) return null;
      const code = (thrown as { code?: unknown } | null)?.code;
      return code === 'UND_ERR_BODY_TIMEOUT'
        ? `no part for ${settings.heartbeatTimeoutMs / 1000} s (HIKARC_INGEST_HEARTBEAT_TIMEOUT)`
        : `the stream broke: ${errorMessage(thrown)}`;
    } finally {
      opened.body.destroy();
    }
  };

  try {
    let attempt = 0;
    while (!stopped()) {
      if (gaps.length > 0) {
        progress('waiting');
        await pause(backoffDelay(attempt, settings.reconnectBackoff, options.random));
        attempt++;
        if (stopped()) break;
      }
      progress('subscribing');
      reading = new AbortController();
      subscriptionId = null;
      cancelling = null;
      let opened;
      try {
        opened = await openSubscription(streamHttp, {
          basePath,
          signal: reading.signal,
          headersTimeoutMs: settings.requestTimeoutMs,
          bodyTimeoutMs: settings.heartbeatTimeoutMs,
        });
      } catch (error) {
        if (stopped()) break;
        opened = { kind: 'failed' as const, error: subscribeError(error) };
      }
      if (opened.kind !== 'stream') {
        const error =
          opened.kind === 'failed'
            ? opened.error
            : new HikArcError(
                opened.refusal.code,
                `${opened.refusal.message} (HTTP ${opened.refusal.httpStatus}${opened.refusal.status?.subStatusCode ? `, ${opened.refusal.status.subStatusCode}` : ''})`,
              );
        if (subscriptions === 0 && gaps.length === 0) return { ok: false, error };
        if (FINAL_REFUSALS.has(error.code)) {
          endedBy = 'refused';
          return { ok: true, bytes, parts, subscriptions, gaps, endedBy, error };
        }
        logger.warn({ code: error.code, err: error.message, attempt }, 'capture: subscribing again failed; trying again');
        const last = gaps[gaps.length - 1];
        if (last !== undefined) gaps[gaps.length - 1] = { ...last, reason: `${last.reason}; then ${error.message} (${error.code})` };
        continue;
      }
      // Through bodyChunks, taken from here on: what arrives while the separator or a part is
      // written survives a break of the stream, and is recorded.
      const chunks = bodyChunks(opened.body);
      if (boundary !== null && opened.boundary !== boundary) {
        logger.warn(
          { boundary: opened.boundary, first: boundary },
          'capture: the receiver changed the multipart boundary; readers of the file take the first one',
        );
      }
      if (subscriptions > 0) {
        await options.sink(CRLF);
        bytes += CRLF.length;
        const last = gaps[gaps.length - 1];
        if (last !== undefined) gaps[gaps.length - 1] = { ...last, resumedAt: clock.now() };
      }
      boundary ??= opened.boundary;
      subscriptions++;
      attempt = 0;
      progress('recording');
      const ended = await record(opened, chunks);
      await cancel();
      if (ended === null) break;
      logger.warn({ reason: ended, parts, subscriptions }, 'capture: the stream stopped; subscribing again');
      gaps.push({ at: clock.now(), reason: ended, resumedAt: null });
    }
    logger.info({ bytes, parts, subscriptions, gaps: gaps.length, endedBy }, 'capture written');
    return { ok: true, bytes, parts, subscriptions, gaps, endedBy: endedBy ?? 'signal' };
  } finally {
    cancelTimer();
    options.signal?.removeEventListener('abort', onSignal);
    await cancel();
    cancelGrace();
    await clients.close(settings.requestTimeoutMs);
  }
}
