// Records the receiver's subscription stream to a file, the body bytes exactly as received, for
// replay tests and support cases (`hik-arc capture`). One subscription, no reconnect: a capture
// shows what the receiver sent, gaps included. The subscription is cancelled at the end, since the
// receiver allows only one.

import type { Clock } from '../clock.js';
import { errorMessage, HikArcError, isHikArcError } from '../errors.js';
import type { Logger } from '../log.js';
import { MetricsRegistry } from '../metrics.js';
import { isTlsError, hikClients, type DispatcherFactory } from './hik-clients.js';
import { MultipartParser } from './multipart-parser.js';
import type { IngestSettings } from './settings.js';
import { classifyStreamEvent } from './stream-items.js';
import { cancelSubscription, openSubscription } from './subscription.js';

export interface CaptureOptions {
  readonly settings: IngestSettings;
  /** Receives the body bytes in order; awaited before the next chunk is read. */
  readonly sink: (chunk: Buffer) => Promise<void>;
  /** Stop after this long; without it, only `signal` or the receiver ends the capture. */
  readonly durationMs?: number | undefined;
  readonly signal?: AbortSignal | undefined;
  readonly logger: Logger;
  readonly clock: Clock;
  readonly dispatcherFactory?: DispatcherFactory;
}

const STOP_GRACE_MS = 2000;

export type CaptureEnd = 'duration' | 'signal' | 'receiver' | 'broken';

export type CaptureResult =
  | { readonly ok: true; readonly bytes: number; readonly parts: number; readonly subscriptionId: string | null; readonly endedBy: CaptureEnd; readonly error?: string }
  | { readonly ok: false; readonly error: HikArcError };

export async function captureStream(options: CaptureOptions): Promise<CaptureResult> {
  const { settings, logger, clock } = options;
  const clients = hikClients({ ...settings, clock, logger, metrics: new MetricsRegistry(), dispatcherFactory: options.dispatcherFactory });
  const { basePath, stream: streamHttp, control: controlHttp } = clients;

  const controller = new AbortController();
  let endedBy: CaptureEnd = 'receiver';
  let subscriptionId: string | null = null;
  let cancelling: Promise<void> | null = null;
  let stopping = false;
  let cancelGrace: () => void = () => undefined;
  const cancel = (): Promise<void> => {
    cancelling ??= (async () => {
      if (subscriptionId === null) return;
      const result = await cancelSubscription(controlHttp, subscriptionId, { basePath, timeoutMs: settings.requestTimeoutMs, clock });
      if (!result.ok) logger.warn({ code: result.error.code, err: result.error.message }, 'subscription could not be cancelled');
    })();
    return cancelling;
  };
  // Cancel on the receiver first (guide §5.1 step 3): it ends the stream itself. Reading stops
  // when it has, or after a short grace.
  const stopFor = (reason: CaptureEnd) => (): void => {
    if (stopping) return;
    stopping = true;
    endedBy = reason;
    if (subscriptionId === null) {
      controller.abort();
      return;
    }
    void cancel().finally(() => {
      cancelGrace = clock.setTimer(STOP_GRACE_MS, () => controller.abort());
    });
  };
  const onSignal = stopFor('signal');
  options.signal?.addEventListener('abort', onSignal, { once: true });
  if (options.signal?.aborted === true) onSignal();
  const cancelTimer = options.durationMs === undefined ? () => undefined : clock.setTimer(options.durationMs, stopFor('duration'));

  try {
    let opened;
    try {
      opened = await openSubscription(streamHttp, {
        basePath,
        signal: controller.signal,
        headersTimeoutMs: settings.requestTimeoutMs,
        bodyTimeoutMs: settings.heartbeatTimeoutMs,
      });
    } catch (error) {
      if (isHikArcError(error) && error.code === 'HIKARC_RECEIVER_TLS_FAILED') {
        const presented = error.detail?.['presentedFingerprint'];
        const message = `${error.message}; set receiver.caFile or receiver.certFingerprint${typeof presented === 'string' ? ` (the receiver presented ${presented})` : ''}`;
        return { ok: false, error: new HikArcError(error.code, message, { detail: error.detail ?? {}, cause: error }) };
      }
      if (isHikArcError(error)) return { ok: false, error };
      if (isTlsError(error)) return { ok: false, error: new HikArcError('HIKARC_RECEIVER_TLS_FAILED', `TLS to the receiver failed: ${errorMessage(error)}`, { cause: error }) };
      return { ok: false, error: new HikArcError('HIKARC_RECEIVER_UNREACHABLE', `receiver unreachable: ${errorMessage(error)}`, { cause: error }) };
    }
    if (opened.kind === 'refused') {
      const { refusal } = opened;
      const status = refusal.status?.subStatusCode ? `, ${refusal.status.subStatusCode}` : '';
      return { ok: false, error: new HikArcError(refusal.code, `${refusal.message} (HTTP ${refusal.httpStatus}${status})`) };
    }

    const parser = new MultipartParser(opened.boundary, { maxPartBytes: settings.maxPartBytes });
    let bytes = 0;
    let parts = 0;
    let error: string | undefined;
    try {
      for await (const chunk of opened.body) {
        const data = chunk as Buffer;
        await options.sink(data);
        bytes += data.length;
        for (const event of parser.push(data)) {
          parts++;
          if (subscriptionId === null && parts === 1) {
            const item = classifyStreamEvent(event);
            if (item.kind === 'subscription-id') subscriptionId = item.id;
          }
        }
      }
    } catch (thrown) {
      if (!stopping) {
        endedBy = 'broken';
        error = errorMessage(thrown);
      }
    } finally {
      opened.body.destroy();
    }
    logger.info({ bytes, parts, endedBy, subscriptionId }, 'capture written');
    return error === undefined ? { ok: true, bytes, parts, subscriptionId, endedBy } : { ok: true, bytes, parts, subscriptionId, endedBy, error };
  } finally {
    cancelTimer();
    options.signal?.removeEventListener('abort', onSignal);
    await cancel();
    cancelGrace();
    await clients.close(settings.requestTimeoutMs);
  }
}
