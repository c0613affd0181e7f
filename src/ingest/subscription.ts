// The subscription requests of guide §5.1 / §7.3 / §7.4: open the arming-mode subscription to every
// event of every device, and cancel it by id. Used by the ingest stage and by `hik-arc capture`.

import { settleWithin, systemClock, type Clock } from '../clock.js';
import { errorMessage, HikArcError } from '../errors.js';
import { readBodyText, type HikHttp, type ResponseBody } from './hik-http.js';
import { boundaryFromContentType } from './multipart-parser.js';
import { classifyRefusal, isStatusOk, parseResponseStatus, REFUSAL_MESSAGES, type Refusal } from './hik-status.js';

export const SUBSCRIBE_PATH = '/ISAPI/Event/notification/subscribeDeviceMgmt?format=json';

// A.42: eventMode "all" also arms devices added later (§7.3 remarks).
export const SUBSCRIBE_BODY = JSON.stringify({ SubscribeDeviceMgmt: { eventMode: 'all', defenceMode: 'all' } });

export function unsubscribePath(id: string): string {
  return `/ISAPI/Event/notification/unSubscribeDeviceMgmt/${encodeURIComponent(id)}?format=json`;
}

export type OpenedSubscription =
  | { readonly kind: 'stream'; readonly boundary: string; readonly contentType: string | null; readonly body: ResponseBody }
  | { readonly kind: 'refused'; readonly refusal: Refusal; readonly contentType?: string | null };

// What is read of a 2xx answer that is no multipart stream, to tell a ResponseStatus from anything
// else: a few kilobytes, for a second at most. Such an answer may never end.
const SAMPLE_BYTES = 4096;
const SAMPLE_MS = 1000;

export interface SubscribeOptions {
  /** Path prefix of receiver.url, usually empty. */
  readonly basePath: string;
  readonly signal: AbortSignal;
  readonly headersTimeoutMs: number;
  /** undici's own idle limit on the body: a backstop behind the heartbeat watchdog. */
  readonly bodyTimeoutMs: number;
  readonly clock?: Clock;
}

function header(value: string | string[] | undefined): string | null {
  if (value === undefined) return null;
  return Array.isArray(value) ? (value[0] ?? null) : value;
}

/** Throws HIKARC_DIGEST_* errors and undici network errors; refusals are returned. */
export async function openSubscription(http: HikHttp, options: SubscribeOptions): Promise<OpenedSubscription> {
  const response = await http.request({
    method: 'POST',
    path: `${options.basePath}${SUBSCRIBE_PATH}`,
    body: SUBSCRIBE_BODY,
    signal: options.signal,
    headersTimeoutMs: options.headersTimeoutMs,
    bodyTimeoutMs: options.bodyTimeoutMs,
  });
  if (!response.ok) return { kind: 'refused', refusal: classifyRefusal(response.statusCode, response.text) };
  const contentType = header(response.headers['content-type']);
  // No Content-Type at all is read as multipart with the vendor's default boundary.
  if (contentType === null || /multipart/i.test(contentType)) {
    return { kind: 'stream', boundary: boundaryFromContentType(contentType), contentType, body: response.body };
  }
  // Judged on its headers: whatever follows is not read as a stream, and not waited for.
  const text = await readSample(response.body, SAMPLE_BYTES, Math.min(SAMPLE_MS, options.headersTimeoutMs), options.clock);
  const classified = classifyRefusal(response.statusCode, text);
  // A ResponseStatus saying "taken" or "busy" keeps its meaning; anything else is a wrong answer.
  const refusal: Refusal =
    classified.kind === 'subscription-taken' || classified.kind === 'busy'
      ? classified
      : { ...classified, kind: 'not-multipart', code: REFUSAL_NOT_MULTIPART.code, message: REFUSAL_NOT_MULTIPART.message };
  return { kind: 'refused', refusal, contentType };
}

const REFUSAL_NOT_MULTIPART = { code: 'HIKARC_RECEIVER_BAD_RESPONSE', message: REFUSAL_MESSAGES['not-multipart'] } as const;

/** Up to `maxBytes` of a body, for at most `withinMs`; the body is destroyed either way. Never throws. */
async function readSample(body: ResponseBody, maxBytes: number, withinMs: number, clock: Clock | undefined): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  const reading = (async () => {
    for await (const chunk of body) {
      chunks.push(chunk as Buffer);
      size += (chunk as Buffer).length;
      if (size >= maxBytes) break;
    }
  })().catch(() => undefined);
  await settleWithin(clock ?? systemClock, reading, withinMs);
  body.destroy();
  return Buffer.concat(chunks).subarray(0, maxBytes).toString('utf8');
}

export type CancelResult = { readonly ok: true } | { readonly ok: false; readonly error: HikArcError };

/** DELETE unSubscribeDeviceMgmt/<id>, bounded by `timeoutMs`; never throws. */
export async function cancelSubscription(http: HikHttp, id: string, options: { basePath: string; timeoutMs: number; clock: Clock }): Promise<CancelResult> {
  const controller = new AbortController();
  const cancelTimer = options.clock.setTimer(options.timeoutMs, () => controller.abort());
  try {
    const response = await http.request({
      method: 'DELETE',
      path: `${options.basePath}${unsubscribePath(id)}`,
      signal: controller.signal,
      headersTimeoutMs: options.timeoutMs,
      bodyTimeoutMs: options.timeoutMs,
    });
    const text = response.ok ? await readBodyText(response.body) : response.text;
    const status = parseResponseStatus(text);
    // A.39: a 2xx answer still carries a ResponseStatus; only statusCode 1 is success.
    if (response.ok && (status === null || isStatusOk(status))) return { ok: true };
    return {
      ok: false,
      error: new HikArcError('HIKARC_RECEIVER_UNSUBSCRIBE_FAILED', 'the receiver did not cancel the subscription', {
        detail: { id, statusCode: response.statusCode, subStatusCode: status?.subStatusCode ?? null },
      }),
    };
  } catch (error) {
    return {
      ok: false,
      error: new HikArcError('HIKARC_RECEIVER_UNSUBSCRIBE_FAILED', `cancelling the subscription failed: ${errorMessage(error)}`, {
        detail: { id, cause: error instanceof HikArcError ? error.code : errorMessage(error) },
        cause: error,
      }),
    };
  } finally {
    cancelTimer();
  }
}
