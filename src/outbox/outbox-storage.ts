// What a backend must do to carry the outbox: keep rows and counters, and commit a batch of writes
// all or nothing. Everything else - lanes, claims, sequence allocation, group commit, retrying a
// failed write until it lands, holding alarms in memory while the store is down - is written once,
// in StoreOutbox, on top of this. SQLite (one node) and memory (tests, one-shot commands) implement
// it here; a PostgreSQL backend for a redundant pair implements the same (docs/outbox.md).

import type { OutboxState } from './outbox.js';

export interface StoredRow {
  readonly id: number;
  readonly destination: string;
  readonly account: string;
  readonly state: OutboxState;
  readonly receivedAt: number;
  readonly payload: string;
  readonly attempts: number;
  readonly nextAttemptAt: number;
  readonly lastError: string | null;
  readonly sequence: number | null;
  readonly deliveredAt: number | null;
  readonly deliveredVia: string | null;
}

/** What the lanes need of a pending row at start (and after another process changed rows). */
export interface PendingKey {
  readonly id: number;
  readonly destination: string;
  readonly account: string;
  readonly nextAttemptAt: number;
  readonly sequence: number | null;
}

/**
 * One commit. Inserts carry ids the outbox chose (the next free ones, in order). Updates write a
 * row's outcome columns (state, attempts, next attempt, last error, delivery); rewrites write every
 * mutable column, payload, account and sequence included (a requeue, a number given). Both are
 * idempotent, so a retried batch is harmless. Counters are [counterKey, last number used].
 */
/** A new row, with the attachment that is written once and never rewritten. */
export interface InsertedRow extends StoredRow {
  readonly attachment: string | null;
}

export interface StorageBatch {
  readonly inserts: readonly InsertedRow[];
  readonly updates: readonly StoredRow[];
  readonly rewrites: readonly StoredRow[];
  readonly counters: ReadonlyArray<readonly [string, number]>;
  /** Written as false by the first commit of a run and as true by a clean close. */
  readonly cleanStop?: boolean;
}

export interface LoadedState {
  /** Pending rows in id order. */
  readonly pending: readonly PendingKey[];
  /** The highest id ever used: new rows take the ids after it. */
  readonly maxId: number;
  readonly counters: ReadonlyArray<readonly [string, number]>;
  /** The last run ended with a clean close (every write landed). */
  readonly cleanStop: boolean;
}

export interface OutboxStorage {
  /** For messages: the path or name of the store. */
  readonly description: string;
  load(): LoadedState;
  /** All or nothing; throws a StoreError (full, locked, corrupt, failed). May be asynchronous. */
  commit(batch: StorageBatch): void | Promise<void>;
  /** A row without its attachment (the delivery path never needs it). */
  read(id: number): StoredRow | undefined;
  readAttachment(id: number): string | null;
  deadLetters(limit: number): StoredRow[];
  countDead(destination: string): number;
  /** Pending rows, when another process has committed since the last call; null when nobody has. */
  pendingIfChangedElsewhere(): PendingKey[] | null;
  pruneDelivered(before: number): number;
  close(): void;
}
