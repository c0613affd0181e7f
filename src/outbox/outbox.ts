// The store-and-forward outbox: every alarm is written here before it is sent anywhere, and leaves
// only on the ARC's ACK (or as a dead letter with its reason). The contract below is all that the
// delivery core knows of a store: sequence allocation, claims and outcomes go through it, so a
// backend (SQLite for one node, PostgreSQL for a redundant pair) only has to keep rows
// (docs/outbox.md). Every backend passes test/unit/outbox/outbox-contract.ts.
//
// Lanes: entries of one (destination, account) are handed out strictly in append order, one at a
// time, so an ARC sees an account's alarms in the order they happened. A failed entry blocks only
// its own lane, and only until its retry time.

export type OutboxState = 'pending' | 'delivered' | 'dead';

export interface NewOutboxEntry {
  /** Delivery channel; the service has one (`arc`), the interface allows more. */
  readonly destination: string;
  /** Ordering key: entries of one account are delivered in order. Empty for unroutable events. */
  readonly account: string;
  /** When hik-arc received the event (wall ms): the start of end-to-end latency and of queue age. */
  readonly receivedAt: number;
  /** What delivery needs (the serialized alarm); the outbox never looks inside. */
  readonly payload: string;
  /**
   * Kept with the alarm but never read on the delivery path (the vendor event it came from, for
   * a dead letter translated again after a config fix); see `attachment()`.
   */
  readonly attachment?: string;
  /** Store as a dead letter straight away (an event without a valid account). */
  readonly deadReason?: string;
}

export interface OutboxEntry {
  readonly id: number;
  readonly destination: string;
  readonly account: string;
  readonly receivedAt: number;
  readonly payload: string;
  readonly state: OutboxState;
  /** Delivery rounds that ended without an ACK (the backoff grows with it). */
  readonly attempts: number;
  readonly lastError: string | null;
  /**
   * The DC-09 sequence number of this alarm, allocated when it was stored (per destination and
   * account) and used by every transmission of it on every path; null for an unroutable dead letter.
   */
  readonly sequence: number | null;
}

export interface OutboxDelivery {
  /** The path that ACKed (`primary` / `secondary`), or `direct` for an alarm never stored. */
  readonly via: string;
  readonly at: number;
}

export type OutboxFailure = { readonly reason: string; readonly retryAt: number } | { readonly reason: string; readonly dead: true };

export interface OutboxStats {
  /** Entries waiting for an ACK, stored or held in memory. */
  readonly pending: number;
  /** receivedAt of the oldest pending entry; null when nothing waits. */
  readonly oldestPendingReceivedAt: number | null;
  readonly dead: number;
  /** Accounts with something pending. */
  readonly lanes: number;
  /** Lanes whose head waits out a retry delay. */
  readonly blockedLanes: number;
  /** Alarms held only in memory because the store cannot be written, not yet delivered (they are sent anyway). */
  readonly unstored: number;
  /** ACKs and failures decided but not yet written, and held alarms already delivered (retried until they land). */
  readonly unwrittenOutcomes: number;
}

export const STORE_STATES = ['ok', 'full', 'locked', 'failed'] as const;
export type StoreState = (typeof STORE_STATES)[number];

export interface StoreHealth {
  readonly state: StoreState;
  /** The error code of the failing write, null while the store is fine. */
  readonly code: string | null;
  readonly detail: string | null;
  /** Wall ms since the store is in this state. */
  readonly since: number;
}

export interface CloseReport {
  /** Alarms that never reached the store; each was logged at error level with its payload. */
  readonly unstored: number;
  /** Outcomes that never reached the store: those alarms are sent again, same number, at the next start. */
  readonly unwrittenOutcomes: number;
}

export interface Outbox {
  /**
   * Takes responsibility for the entries and resolves with their ids, in order, once they are
   * durably stored. When the store cannot be written (disk full, locked), the entries are held in
   * memory instead, delivered like any other, and written as soon as the store recovers; it then
   * resolves at once. It rejects only when that memory is full too: the caller keeps the entries.
   */
  append(entries: readonly NewOutboxEntry[]): Promise<number[]>;
  /**
   * Claims up to `limit` entries ready to send now: the head of each lane whose retry time has
   * come and that is not claimed already, oldest first. Claimed entries are held until ack, fail
   * or release.
   */
  next(destination: string, limit: number, now: number): OutboxEntry[];
  /** Takes effect on next() at once; resolves once durable. The write is retried until it lands. */
  ack(id: number, delivery: OutboxDelivery): Promise<void>;
  /** Takes effect on next() at once; resolves once durable. The write is retried until it lands. */
  fail(id: number, failure: OutboxFailure): Promise<void>;
  /** Gives a claimed entry back untouched (shutdown before its outcome was known). */
  release(id: number): void;
  stats(destination: string): OutboxStats;
  storeHealth(): StoreHealth;
  /** Earliest retry time among lane heads that are waiting, to know when to look again. */
  nextRetryAt(destination: string): number | null;
  /** Makes every waiting head ready now (a path answers again: no need to sit out the backoff). */
  retryNow(destination: string): void;
  deadLetters(limit?: number): OutboxEntry[];
  /** The attachment stored with an entry, null when it has none. */
  attachment(id: number): string | null;
  /**
   * Makes a dead letter pending again, optionally with a new account and payload (after a config
   * fix the event is translated again). Returns false when the id is not a dead letter.
   */
  requeue(id: number, replacement?: { readonly account: string; readonly payload: string }): Promise<boolean>;
  /** Picks up entries another process made pending (hik-arc requeue while the service runs). */
  refresh(): void;
  /** Removes delivered entries older than `before` (wall ms); returns how many. */
  pruneDelivered(before: number): number;
  /**
   * Writes what is left, retrying until `deadlineMs` has passed; whatever still could not be
   * written is logged (an alarm with its whole payload) and counted in the report.
   */
  close(deadlineMs?: number): Promise<CloseReport>;
}
