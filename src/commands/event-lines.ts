// One line per thing that happened to a stored event, for `hik-arc events`: received, retrying,
// delivered, dead, requeued (a dead letter sent again by hik-arc requeue). Pure: the follow loop decides when a row moved on, this says it in words (or as
// one JSON object with the same facts).

import type { OutboxRow } from '../outbox/index.js';
import { decodeStoredEvent } from '../service/stored-event.js';

export const EVENT_KINDS = ['received', 'retrying', 'delivered', 'dead', 'requeued'] as const;
export type EventKind = (typeof EVENT_KINDS)[number];

export interface EventLine {
  readonly at: string;
  readonly id: number;
  readonly event: EventKind;
  readonly account: string | null;
  readonly cid: string | null;
  readonly sia: string | null;
  readonly partition: number | null;
  readonly zone: number | null;
  readonly user: number | null;
  readonly eventType: string | null;
  readonly devIndex: string | null;
  readonly description: string | null;
  readonly source: string | null;
  readonly receivedAt: string;
  readonly attempts: number;
  readonly via: string | null;
  readonly sequence: string | null;
  readonly reason: string | null;
}

/** The line of `row` for `kind`; `now` dates a retry or dead letter, which the store does not date. */
export function eventLine(row: OutboxRow, kind: EventKind, now: number): EventLine {
  const stored = decodeStoredEvent(row.payload, row.attachment);
  const message = stored?.message ?? null;
  const event = stored?.event ?? null;
  const at = kind === 'received' ? row.receivedAt : kind === 'delivered' ? (row.deliveredAt ?? now) : now;
  return {
    at: new Date(at).toISOString(),
    id: row.id,
    event: kind,
    account: row.account === '' ? null : row.account,
    cid: message?.cid ?? null,
    sia: message?.sia ?? null,
    partition: message?.partition ?? null,
    zone: message?.zone ?? null,
    user: message?.user ?? null,
    eventType: message?.eventType ?? event?.eventType ?? null,
    devIndex: event?.devIndex ?? null,
    description: message?.description ?? null,
    source: stored?.source ?? null,
    receivedAt: new Date(row.receivedAt).toISOString(),
    attempts: row.attempts,
    via: kind === 'delivered' ? row.deliveredVia : null,
    sequence: row.sequence === null ? null : String(row.sequence).padStart(4, '0'),
    reason: kind === 'dead' || kind === 'retrying' ? row.lastError : null,
  };
}

function what(line: EventLine): string {
  if (line.cid === null) return `${line.eventType ?? 'event'}${line.devIndex === null ? '' : ` from ${line.devIndex}`}`;
  const where = [
    line.partition === null ? '' : `partition ${line.partition}`,
    line.user !== null ? `user ${line.user}` : line.zone === null ? '' : `zone ${line.zone}`,
  ]
    .filter((part) => part !== '')
    .join(' ');
  return `${line.cid} ${line.sia ?? ''} ${where}${line.description === null ? '' : `  ${line.description}`}`.replace(/ {3,}/g, '  ');
}

/** `2026-05-01T10:00:00.123Z  #42  delivered  1234  E130 BA partition 1 zone 3  via primary seq 0007 ...` */
export function eventText(line: EventLine): string {
  const head = `${line.at}  #${line.id}  ${line.event.padEnd(9)}  ${(line.account ?? '-').padEnd(6)}  ${what(line)}`;
  switch (line.event) {
    case 'received':
      return `${head}${line.source === null || line.source === 'stream' ? '' : `  (${line.source})`}`;
    case 'delivered': {
      const after = Date.parse(line.at) - Date.parse(line.receivedAt);
      return `${head}  via ${line.via ?? '?'}${line.sequence === null ? '' : ` seq ${line.sequence}`}, ${line.attempts} attempt(s), ${after} ms after it was received`;
    }
    case 'retrying':
      return `${head}  attempt ${line.attempts} failed: ${line.reason ?? 'no answer'}`;
    case 'dead':
      return `${head}  kept as a dead letter: ${line.reason ?? 'undeliverable'} (hik-arc dead-letters, requeue)`;
    case 'requeued':
      return `${head}  dead letter requeued: to be sent again`;
  }
}
