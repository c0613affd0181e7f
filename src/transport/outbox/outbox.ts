// The store-and-forward outbox: every event is written here before it is sent anywhere, and leaves
// only on the ARC's ACK (or as a dead letter with its reason). Backends implement this interface
// and pass test/unit/transport/outbox-contract.ts; the pipeline knows nothing else about them.
//
// Ordering: entries of one (destination, account) are handed out strictly in append order, one at
// a time, so an ARC sees an account's events in the order they happened. A failed entry blocks only
// its own account, and only until its retry time.

export type OutboxState = 'pending' | 'delivered' | 'dead';

export interface NewOutboxEntry {
  /** Delivery channel; the service has one (`arc`), the interface allows more. */
  readonly destination: string;
  /** Ordering key: entries of one account are delivered in order. Empty for unroutable events. */
  readonly account: string;
  /** When hik-arc received the event (wall ms): the start of end-to-end latency and of queue age. */
  readonly receivedAt: number;
  /** Serialized message; the outbox never looks inside. */
  readonly payload: string;
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
  readonly attempts: number;
  readonly lastError: string | null;
  /** DC-09 sequence number used per path (`primary`, `secondary`), so a re-send after a crash reuses it. */
  readonly sequences: Readonly<Record<string, number>>;
}

export interface OutboxDelivery {
  /** The path that ACKed (`primary` / `secondary`). */
  readonly via: string;
  readonly at: number;
}

export type OutboxFailure =
  | { readonly reason: string; readonly retryAt: number }
  | { readonly reason: string; readonly dead: true };

export interface OutboxStats {
  readonly pending: number;
  /** receivedAt of the oldest pending entry; null when nothing waits. */
  readonly oldestPendingReceivedAt: number | null;
  readonly dead: number;
}

export interface Outbox {
  /** Resolves once the entries are durably stored, with their ids in the same order. */
  append(entries: readonly NewOutboxEntry[]): Promise<number[]>;
  /**
   * Up to `limit` entries ready to send now: the oldest pending entry of each account whose retry
   * time has come and that is not already handed out. Returned entries are leased until ack, fail
   * or release.
   */
  next(destination: string, limit: number, now: number): OutboxEntry[];
  /** Takes effect on next() at once; resolves once durable (losing it to a crash means a re-send). */
  ack(id: number, delivery: OutboxDelivery): Promise<void>;
  /** Takes effect on next() at once; resolves once durable. */
  fail(id: number, failure: OutboxFailure): Promise<void>;
  /** Gives a leased entry back untouched (shutdown before its outcome was known). */
  release(id: number): void;
  recordSequence(id: number, path: string, sequence: number): Promise<void>;
  stats(destination: string): OutboxStats;
  /** Earliest retry time among pending heads that are waiting, to know when to look again. */
  nextRetryAt(destination: string): number | null;
  /** Makes every waiting head ready now (the ARC answers again: no need to sit out the backoff). */
  retryNow(destination: string): void;
  deadLetters(limit?: number): OutboxEntry[];
  /**
   * Makes a dead letter pending again, optionally with a new account and payload (after a config
   * fix the event is translated again). Returns false when the id is not a dead letter.
   */
  requeue(id: number, replacement?: { readonly account: string; readonly payload: string }): Promise<boolean>;
  /** Picks up entries another process made pending (hik-arc requeue while the service runs). */
  refresh(): void;
  close(): Promise<void>;
}
