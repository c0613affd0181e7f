// A read-only view of a running service's outbox, for `hik-arc events`: the rows by id, polled.
// Opened read-only (SQLite's own flag, not only by convention), it never takes the run lock, never
// writes, and never holds a lock that would delay the service: in WAL mode readers do not block the
// writer. Rows carry what an operator asks about: what arrived, when it was delivered and via which
// path, with which sequence number, or why it is dead.

import Database from 'better-sqlite3';
import { StoreError, storeError } from './store-error.js';
import type { OutboxState } from './outbox.js';
import type { StoredRow } from './outbox-storage.js';
import { toStored, type StoredColumns } from './sqlite-storage.js';

export interface OutboxRow extends StoredRow {
  /** The attachment, read only for a row whose payload has no alarm (an unroutable dead letter). */
  readonly attachment: string | null;
}

/** A row's progress, to see that it changed since the last poll. */
export interface RowProgress {
  readonly id: number;
  readonly state: OutboxState;
  readonly attempts: number;
}

interface Row extends StoredColumns {
  attachment: string | null;
}

// The attachment (the vendor event, most of a row's bytes) only where the payload has no alarm to show.
const COLUMNS =
  "id, destination, account, state, received_at, payload, attempts, next_attempt_at, last_error, sequence, delivered_at, delivered_via, CASE WHEN NOT json_valid(payload) THEN NULL WHEN json_extract(payload, '$.message') IS NULL THEN attachment END AS attachment";

function fromRow(row: Row): OutboxRow {
  return { ...toStored(row), attachment: row.attachment };
}

export class OutboxReader {
  private readonly db: Database.Database;

  private constructor(db: Database.Database) {
    this.db = db;
  }

  /** Opens the store at `path` read-only; throws StoreError (HIKARC_STORE_MISSING when it is not there). */
  static open(path: string): OutboxReader {
    let db: Database.Database;
    try {
      db = new Database(path, { readonly: true, fileMustExist: true });
    } catch (error) {
      if ((error as { code?: unknown }).code === 'SQLITE_CANTOPEN')
        throw new StoreError('HIKARC_STORE_MISSING', `there is no outbox at ${path}`, { cause: error, detail: { path } });
      throw storeError('open', error);
    }
    // A checkpoint of the service can hold the database for a moment; wait for it, not fail.
    db.pragma('busy_timeout = 2000');
    return new OutboxReader(db);
  }

  private rows(sql: string, ...params: number[]): OutboxRow[] {
    try {
      return (this.db.prepare(sql).all(...params) as Row[]).map(fromRow);
    } catch (error) {
      throw storeError('read', error);
    }
  }

  /** Rows received at or after `receivedAt`, oldest first. */
  since(receivedAt: number, limit: number): OutboxRow[] {
    return this.rows(`SELECT ${COLUMNS} FROM outbox WHERE received_at >= ? ORDER BY id LIMIT ?`, receivedAt, limit);
  }

  /** The last `count` rows, oldest first. */
  last(count: number): OutboxRow[] {
    return this.rows(`SELECT ${COLUMNS} FROM outbox WHERE id IN (SELECT id FROM outbox ORDER BY id DESC LIMIT ?) ORDER BY id`, count);
  }

  /** Rows stored after `id`, oldest first. */
  after(id: number, limit: number): OutboxRow[] {
    return this.rows(`SELECT ${COLUMNS} FROM outbox WHERE id > ? ORDER BY id LIMIT ?`, id, limit);
  }

  /** The rows among `known` whose state or attempts moved on; rows pruned since are left out. */
  changed(known: readonly RowProgress[]): OutboxRow[] {
    if (known.length === 0) return [];
    const byId = new Map(known.map((row) => [row.id, row]));
    const ids = known.map((row) => row.id);
    const min = Math.min(...ids);
    const max = Math.max(...ids);
    let progress: RowProgress[];
    try {
      // One range scan of the small columns over the primary key; whole rows only for those that moved.
      progress = this.db.prepare('SELECT id, state, attempts FROM outbox WHERE id BETWEEN ? AND ? ORDER BY id').all(min, max) as RowProgress[];
    } catch (error) {
      throw storeError('read', error);
    }
    const moved = progress.filter((row) => {
      const before = byId.get(row.id);
      return before !== undefined && (before.state !== row.state || before.attempts !== row.attempts);
    });
    return moved.flatMap((row) => this.rows(`SELECT ${COLUMNS} FROM outbox WHERE id = ?`, row.id));
  }

  /** The attachments of the last `count` rows, newest first (the vendor events, for who sent what). */
  recentAttachments(count: number): string[] {
    try {
      return (
        this.db.prepare('SELECT attachment FROM outbox WHERE attachment IS NOT NULL ORDER BY id DESC LIMIT ?').all(count) as Array<{ attachment: string }>
      ).map((row) => row.attachment);
    } catch (error) {
      throw storeError('read', error);
    }
  }

  close(): void {
    this.db.close();
  }
}
