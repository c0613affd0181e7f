// What one multipart event of the subscription stream means to ingest: the subscription id (first
// part, guide A.43: a number or a string), a heartbeat (A.12), an event for translate, a
// ResponseStatus sent inside the stream, or bytes that are skipped or quarantined. Pure; each part
// is decoded once, by translate's decodeEventDocument.

import { isUtf8 } from 'node:buffer';
import type { HikArcError } from '../errors.js';
import { decodeEventDocument, type VendorEvent } from './vendor-event.js';
import type { MultipartEvent } from './multipart-parser.js';
import { parseResponseStatus, type ResponseStatusInfo } from './hik-status.js';

export type StreamItem =
  | { readonly kind: 'subscription-id'; readonly id: string | null }
  | { readonly kind: 'heartbeat'; readonly event: VendorEvent }
  | { readonly kind: 'event'; readonly event: VendorEvent; readonly raw: string }
  | { readonly kind: 'status'; readonly status: ResponseStatusInfo | null; readonly raw: string }
  | { readonly kind: 'skipped'; readonly contentType: string; readonly bytes: number }
  | { readonly kind: 'quarantined'; readonly error: HikArcError; readonly sample: Buffer };

const HEARTBEAT = 'heartbeat';
const INVALID_UTF8_DEFECT = 'invalid UTF-8 bytes replaced';

/** UTF-8 text of a part; bytes that are not UTF-8 become U+FFFD and are reported, not fatal. */
export function decodePartText(body: Buffer): { readonly text: string; readonly replaced: boolean } {
  const text = body.toString('utf8');
  // One decode for every part. U+FFFD comes from bytes that are not UTF-8, or from a sender that
  // wrote it: only then are the bytes checked (a search of a Latin-1 string for it is immediate).
  return { text, replaced: text.includes('\uFFFD') && !isUtf8(body) };
}

function subscriptionId(value: Record<string, unknown>): string | null {
  const response = value['SubscribeDeviceMgmtRsp'];
  const id = typeof response === 'object' && response !== null ? (response as Record<string, unknown>)['id'] : undefined;
  if (typeof id === 'number' && Number.isFinite(id)) return String(id);
  if (typeof id === 'string' && id.trim() !== '') return id.trim();
  return null;
}

export function isHeartbeat(event: VendorEvent): boolean {
  return event.eventType.length === HEARTBEAT.length && event.eventType.toLowerCase() === HEARTBEAT;
}

export function classifyStreamEvent(event: MultipartEvent): StreamItem {
  if (event.type === 'skipped') return { kind: 'skipped', contentType: event.contentType, bytes: event.bytes };
  if (event.type === 'quarantined') return { kind: 'quarantined', error: event.error, sample: event.sample };
  const { text, replaced } = decodePartText(event.part.body);
  const decoded = decodeEventDocument(text);
  // A copy: the part's body is a view that would keep the parser's whole chunk alive with it.
  if (decoded.kind === 'error') return { kind: 'quarantined', error: decoded.error, sample: Buffer.from(event.part.body) };
  if (decoded.kind === 'control') {
    if (decoded.name === 'SubscribeDeviceMgmtRsp') return { kind: 'subscription-id', id: subscriptionId(decoded.value) };
    return { kind: 'status', status: parseResponseStatus(text), raw: text };
  }
  const vendorEvent = replaced ? { ...decoded.event, defects: [...decoded.event.defects, INVALID_UTF8_DEFECT] } : decoded.event;
  if (isHeartbeat(vendorEvent)) return { kind: 'heartbeat', event: vendorEvent };
  return { kind: 'event', event: vendorEvent, raw: text };
}

/** True when an event from the stream had bytes that were not UTF-8. */
export function hadInvalidUtf8(event: VendorEvent): boolean {
  return event.defects.includes(INVALID_UTF8_DEFECT);
}
