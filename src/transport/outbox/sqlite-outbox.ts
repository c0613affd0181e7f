// The embedded outbox: SQLite through better-sqlite3, WAL journal, synchronous=FULL so a commit is
// on disk when it returns. Writes share transactions (group commit): one fsync for a burst instead
// of one per event, with no weaker durability:
// - appends (and requeues) commit in the next turn of the event loop, and resolve only then: an
//   alarm is on disk before anything sends it;
// - outcomes (ACK, retry, dead letter, sequence number) gather for up to OUTCOME_FLUSH_MS and
//   resolve once committed, while the in-memory queue moves on at once. Losing one to a crash only
//   means the alarm is sent again: at least once, never lost.

import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { HikArcError, errorMessage, type ErrorCode } from '../../errors.js';
import type { NewOutboxEntry, Outbox, OutboxDelivery, OutboxEntry, OutboxFailure, OutboxState, OutboxStats } from './outbox.js';
import { PendingIndex } from './pending-index.js';

const SCHEMA_VERSION = 1;
const OUTCOME_FLUSH_MS = 10;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS outbox (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  destination TEXT NOT NULL,
  account TEXT NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('pending', 'delivered', 'dead')),
  received_at INTEGER NOT NULL,
  payload TEXT NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_at INTEGER NOT NULL DEFAULT 0,
  last_error TEXT,
  sequences TEXT NOT NULL DEFAULT '{}',
  delivered_at INTEGER,
  delivered_via TEXT
);
CREATE INDEX IF NOT EXISTS outbox_pending ON outbox (state, id);
CREATE INDEX IF NOT EXISTS outbox_delivered ON outbox (delivered_at) WHERE state = 'delivered';
`;

interface Row {
  id: number;
  destination: string;
  account: string;
  state: OutboxState;
  received_at: number;
  payload: string;
  attempts: number;
  next_attempt_at: number;
  last_error: string | null;
  sequences: string;
}

export class StoreError extends HikArcError {
  override readonly name = 'StoreError';
}

// SQLite result codes that an operator can act on get their own error code.
function storeError(operation: string, error: unknown): StoreError {
  const sqliteCode = (error as { code?: unknown }).code;
  let code: ErrorCode = 'HIKARC_STORE_FAILED';
  if (sqliteCode === 'SQLITE_FULL') code = 'HIKARC_STORE_FULL';
  else if (sqliteCode === 'SQLITE_BUSY' || sqliteCode === 'SQLITE_LOCKED') code = 'HIKARC_STORE_LOCKED';
  return new StoreError(code, `outbox ${operation} failed: ${errorMessage(error)}`, { cause: error, detail: { sqliteCode } });
}

function toEntry(row: Row): OutboxEntry {
  let sequences: Record<string, number> = {};
  try {
    sequences = JSON.parse(row.sequences) as Record<string, number>;
  } catch {
    sequences = {};
  }
  return {
    id: row.id,
    destination: row.destination,
    account: row.account,
    receivedAt: row.received_at,
    payload: row.payload,
    state: row.state,
    attempts: row.attempts,
    lastError: row.last_error,
    sequences,
  };
}

interface QueuedWrite {
  readonly apply: () => unknown;
  /** Runs after the commit: index updates that must only reflect committed state. */
  readonly committed: (result: unknown) => void;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: unknown) => void;
}

export interface SqliteOutboxOptions {
  readonly path: string;
  /** How long a write waits for a lock held by another process (hik-arc requeue). */
  readonly busyTimeoutMs?: number;
  /** Size cap of the database file: past it writes fail as on a full disk. */
  readonly maxSizeBytes?: number;
}

export class SqliteOutbox implements Outbox {
  private readonly db: Database.Database;
  private readonly index = new PendingIndex();
  private queue: QueuedWrite[] = [];
  private flushScheduled = false;
  private cancelOutcomeFlush: (() => void) | null = null;
  private closed = false;
  private maxSeenId = 0;

  private readonly insert: Database.Statement<[string, string, string, number, string, string | null]>;
  private readonly selectById: Database.Statement<[number], Row>;
  private readonly selectPendingAfter: Database.Statement<[number], Pick<Row, 'id' | 'destination' | 'account' | 'next_attempt_at'>>;
  private readonly selectPendingAll: Database.Statement<[], Pick<Row, 'id' | 'destination' | 'account' | 'next_attempt_at'>>;
  private readonly markDelivered: Database.Statement<[number, string, number]>;
  private readonly markDead: Database.Statement<[string, number]>;
  private readonly markRetry: Database.Statement<[string, number, number]>;
  private readonly setSequence: Database.Statement<[string, number, number]>;
  private readonly countDead: Database.Statement<[string], { n: number }>;
  private dataVersion = 0;

  constructor(options: SqliteOutboxOptions) {
    if (options.path !== ':memory:') mkdirSync(dirname(options.path), { recursive: true });
    try {
      this.db = new Database(options.path);
      this.db.pragma('journal_mode = WAL');
      this.db.pragma('synchronous = FULL');
      this.db.pragma(`busy_timeout = ${options.busyTimeoutMs ?? 5000}`);
      this.db.exec(SCHEMA);
      if (options.maxSizeBytes !== undefined) {
        const pageSize = this.db.pragma('page_size', { simple: true }) as number;
        this.db.pragma(`max_page_count = ${Math.max(1, Math.floor(options.maxSizeBytes / pageSize))}`);
      }
      this.db.pragma(`user_version = ${SCHEMA_VERSION}`);
    } catch (error) {
      throw storeError(`open of ${options.path}`, error);
    }
    this.insert = this.db.prepare(
      "INSERT INTO outbox (destination, account, state, received_at, payload, last_error) VALUES (?, ?, ?, ?, ?, ?)",
    );
    this.selectById = this.db.prepare('SELECT * FROM outbox WHERE id = ?');
    this.selectPendingAfter = this.db.prepare("SELECT id, destination, account, next_attempt_at FROM outbox WHERE state = 'pending' AND id > ? ORDER BY id");
    this.selectPendingAll = this.db.prepare("SELECT id, destination, account, next_attempt_at FROM outbox WHERE state = 'pending' ORDER BY id");
    this.markDelivered = this.db.prepare("UPDATE outbox SET state = 'delivered', delivered_at = ?, delivered_via = ?, attempts = attempts + 1 WHERE id = ?");
    this.markDead = this.db.prepare("UPDATE outbox SET state = 'dead', attempts = attempts + 1, last_error = ? WHERE id = ?");
    this.markRetry = this.db.prepare('UPDATE outbox SET attempts = attempts + 1, last_error = ?, next_attempt_at = ? WHERE id = ?');
    this.setSequence = this.db.prepare("UPDATE outbox SET sequences = json_set(sequences, '$.' || ?, ?) WHERE id = ?");
    this.countDead = this.db.prepare("SELECT COUNT(*) AS n FROM outbox WHERE state = 'dead' AND destination = ?");
    // Everything pending survives a restart, SIGKILL included: it is sent again.
    for (const row of this.selectPendingAll.iterate()) this.index.add(row.destination, row.account, row.id, row.next_attempt_at);
    this.maxSeenId = (this.db.prepare('SELECT COALESCE(MAX(id), 0) AS id FROM outbox').get() as { id: number }).id;
    this.dataVersion = this.readDataVersion();
  }

  // PRAGMA data_version changes only when another connection commits: a cheap "did anyone else
  // write?" before rescanning.
  private readDataVersion(): number {
    return this.db.pragma('data_version', { simple: true }) as number;
  }

  append(entries: readonly NewOutboxEntry[]): Promise<number[]> {
    return this.write(
      () =>
        entries.map((entry) => {
          const state: OutboxState = entry.deadReason === undefined ? 'pending' : 'dead';
          return Number(this.insert.run(entry.destination, entry.account, state, entry.receivedAt, entry.payload, entry.deadReason ?? null).lastInsertRowid);
        }),
      (ids) => {
        (ids as number[]).forEach((id, i) => {
          const entry = entries[i] as NewOutboxEntry;
          if (entry.deadReason === undefined) this.index.add(entry.destination, entry.account, id);
          if (id > this.maxSeenId) this.maxSeenId = id;
        });
      },
    ) as Promise<number[]>;
  }

  next(destination: string, limit: number, now: number): OutboxEntry[] {
    const ids = this.index.lease(destination, limit, now);
    const entries: OutboxEntry[] = [];
    for (const id of ids) {
      const row = this.selectById.get(id);
      if (row && row.state === 'pending') entries.push(toEntry(row));
      else this.index.remove(id); // changed by another process meanwhile
    }
    return entries;
  }

  async ack(id: number, delivery: OutboxDelivery): Promise<void> {
    this.index.remove(id);
    await this.writeOutcome(() => this.markDelivered.run(delivery.at, delivery.via, id));
  }

  async fail(id: number, failure: OutboxFailure): Promise<void> {
    if ('dead' in failure) {
      this.index.remove(id);
      await this.writeOutcome(() => this.markDead.run(failure.reason, id));
      return;
    }
    this.index.reschedule(id, failure.retryAt);
    await this.writeOutcome(() => this.markRetry.run(failure.reason, failure.retryAt, id));
  }

  release(id: number): void {
    this.index.release(id);
  }

  async recordSequence(id: number, path: string, sequence: number): Promise<void> {
    await this.writeOutcome(() => this.setSequence.run(path, sequence, id));
  }

  stats(destination: string): OutboxStats {
    const oldestId = this.index.oldestId(destination);
    const oldest = oldestId === null ? undefined : this.selectById.get(oldestId);
    const dead = this.countDead.get(destination)?.n ?? 0;
    return { pending: this.index.count(destination), oldestPendingReceivedAt: oldest?.received_at ?? null, dead };
  }

  nextRetryAt(destination: string): number | null {
    return this.index.nextRetryAt(destination);
  }

  retryNow(destination: string): void {
    this.index.retryNow(destination);
  }

  deadLetters(limit = 1000): OutboxEntry[] {
    return this.db.prepare<[number], Row>("SELECT * FROM outbox WHERE state = 'dead' ORDER BY id LIMIT ?").all(limit).map(toEntry);
  }

  async requeue(id: number, replacement?: { readonly account: string; readonly payload: string }): Promise<boolean> {
    const changed = await this.write(
      () => {
        const row = this.selectById.get(id);
        if (!row || row.state !== 'dead') return null;
        const account = replacement?.account ?? row.account;
        this.db
          .prepare("UPDATE outbox SET state = 'pending', account = ?, payload = ?, next_attempt_at = 0, last_error = NULL WHERE id = ?")
          .run(account, replacement?.payload ?? row.payload, id);
        return { destination: row.destination, account };
      },
      (result) => {
        const moved = result as { destination: string; account: string } | null;
        if (moved) this.index.add(moved.destination, moved.account, id);
      },
    );
    return changed !== null;
  }

  refresh(): void {
    const version = this.readDataVersion();
    if (version === this.dataVersion) return;
    this.dataVersion = version;
    // New rows, and dead letters another process made pending again.
    for (const row of this.selectPendingAfter.iterate(this.maxSeenId)) {
      this.index.add(row.destination, row.account, row.id, row.next_attempt_at);
      if (row.id > this.maxSeenId) this.maxSeenId = row.id;
    }
    for (const row of this.selectPendingAll.iterate()) {
      if (!this.index.has(row.id)) this.index.add(row.destination, row.account, row.id, row.next_attempt_at);
    }
  }

  /** Removes delivered entries older than `before` (wall ms); returns how many. */
  pruneDelivered(before: number): number {
    return this.db.prepare("DELETE FROM outbox WHERE state = 'delivered' AND delivered_at < ?").run(before).changes;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    await this.flush();
    this.closed = true;
    this.db.close();
  }

  /** A write an alarm waits for: committed in the next turn of the event loop. */
  private write(apply: () => unknown, committed: (result: unknown) => void): Promise<unknown> {
    if (this.closed) return Promise.reject(new StoreError('HIKARC_STORE_FAILED', 'outbox is closed'));
    return new Promise((resolve, reject) => {
      this.queue.push({ apply, committed, resolve, reject });
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        setImmediate(() => void this.flush());
      }
    });
  }

  /** An outcome write: committed with the next append, or within OUTCOME_FLUSH_MS. */
  private writeOutcome(apply: () => unknown): Promise<unknown> {
    if (this.closed) return Promise.reject(new StoreError('HIKARC_STORE_FAILED', 'outbox is closed'));
    return new Promise((resolve, reject) => {
      this.queue.push({ apply, committed: () => undefined, resolve, reject });
      if (!this.flushScheduled && this.cancelOutcomeFlush === null) {
        const timer = setTimeout(() => void this.flush(), OUTCOME_FLUSH_MS);
        this.cancelOutcomeFlush = () => clearTimeout(timer);
      }
    });
  }

  // One transaction for every write queued since the last flush. A failing batch (disk full,
  // locked by another process) rejects every write in it; appends leave the index untouched.
  private flush(): Promise<void> {
    this.flushScheduled = false;
    this.cancelOutcomeFlush?.();
    this.cancelOutcomeFlush = null;
    const batch = this.queue;
    this.queue = [];
    if (batch.length === 0) return Promise.resolve();
    let results: unknown[];
    try {
      results = this.db.transaction(() => batch.map((write) => write.apply()))();
    } catch (error) {
      const failure = error instanceof StoreError ? error : storeError('write', error);
      for (const write of batch) write.reject(failure);
      return Promise.resolve();
    }
    batch.forEach((write, i) => {
      write.committed(results[i]);
      write.resolve(results[i]);
    });
    return Promise.resolve();
  }
}
