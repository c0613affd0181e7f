// What the service writes into the outbox for one event: the alarm as translated (the payload
// delivery reads), and the vendor event it came from as the entry's attachment, so a dead letter
// can be translated again after a config fix (requeue). The delivery path never reads the vendor
// event - it is most of the bytes. Rows of the first schema (one JSON object holding both as the
// payload) are still read.

import type { AlarmMessage } from '../translate/index.js';
import type { VendorEvent } from '../ingest/index.js';

/** The service delivers to one ARC; the outbox allows more delivery channels later. */
export const ARC_DESTINATION = 'arc';

export interface StoredEvent {
  /** null while the event has no account (an unroutable dead letter). */
  readonly message: AlarmMessage | null;
  /** null for hik-arc's own events (the upstream link fault and its restore). */
  readonly event: VendorEvent | null;
  readonly source: 'stream' | 'replay' | 'link';
}

interface StoredAlarm {
  readonly version: 2;
  readonly message: AlarmMessage | null;
  readonly source: StoredEvent['source'];
}

/** The payload and the attachment of an outbox entry. */
export function encodeStoredEvent(stored: StoredEvent): { readonly payload: string; readonly attachment: string } {
  const alarm: StoredAlarm = { version: 2, message: stored.message, source: stored.source };
  return { payload: JSON.stringify(alarm), attachment: JSON.stringify(stored.event) };
}

function isSource(value: unknown): value is StoredEvent['source'] {
  return value === 'stream' || value === 'replay' || value === 'link';
}

/** The alarm of a stored entry, from its payload alone; undefined when unreadable. */
export function decodeStoredAlarm(payload: string): { readonly message: AlarmMessage | null; readonly source: StoredEvent['source'] } | undefined {
  try {
    const value = JSON.parse(payload) as { version?: unknown; message?: AlarmMessage | null; source?: unknown };
    if ((value.version !== 1 && value.version !== 2) || !isSource(value.source)) return undefined;
    return { message: value.message ?? null, source: value.source };
  } catch {
    return undefined;
  }
}

/** The whole stored event: the alarm from the payload, the vendor event from the attachment. */
export function decodeStoredEvent(payload: string, attachment: string | null): StoredEvent | undefined {
  const alarm = decodeStoredAlarm(payload);
  if (alarm === undefined) return undefined;
  try {
    // The first schema kept the event inside the payload object.
    const event =
      attachment === null ? ((JSON.parse(payload) as { event?: VendorEvent | null }).event ?? null) : (JSON.parse(attachment) as VendorEvent | null);
    return { message: alarm.message, event, source: alarm.source };
  } catch {
    return undefined;
  }
}
