// What the service writes into the outbox for one event: the alarm as translated, and the vendor
// event it came from, so a dead letter can be translated again after a config fix (requeue).

import type { AlarmMessage, VendorEvent } from '../translate/index.js';

/** The service delivers to one ARC; the outbox allows more delivery channels later. */
export const ARC_DESTINATION = 'arc';

export interface StoredEvent {
  readonly version: 1;
  /** null while the event has no account (an unroutable dead letter). */
  readonly message: AlarmMessage | null;
  /** null for hik-arc's own events (the upstream link fault and its restore). */
  readonly event: VendorEvent | null;
  readonly source: 'stream' | 'replay' | 'link';
}

export function encodeStoredEvent(stored: Omit<StoredEvent, 'version'>): string {
  return JSON.stringify({ version: 1, ...stored });
}

export function decodeStoredEvent(payload: string): StoredEvent | undefined {
  try {
    const value = JSON.parse(payload) as Partial<StoredEvent>;
    if (value.version !== 1 || value.source === undefined) return undefined;
    return { version: 1, message: value.message ?? null, event: value.event ?? null, source: value.source };
  } catch {
    return undefined;
  }
}
