// The embedded store: SQLite through better-sqlite3, WAL journal, synchronous=FULL so a commit is on
// disk when it returns. Opening is strict (docs/outbox.md §Opening the store): an existing file that
// is empty, damaged or someone else's database is refused with HIKARC_STORE_CORRUPT instead of being
// started empty, and with `exclusive` a second `hik-arc run` on the same file is refused.

import { mkdirSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { errorMessage } from '../errors.js';
import type { LoadedState, OutboxStorage, PendingKey, StorageBatch, StoredRow } from './outbox-storage.js';
import { counterKey } from './sequence.js';
import { StoreError, storeError } from './store-error.js';
import { acquireStoreLock, type StoreLock } from './store-lock.js';

/**
 * Version 1: sequence numbers per path in a JSON column, the vendor event inside the payload.
 * Version 2: one number per alarm, counters per account, the vendor event in `attachment`.
 */
export const SCHEMA_VERSION = 2;
/** A lock held longer than this fails the write, which is retried (the event loop does not wait). */
export const DEFAULT_BUSY_TIMEOUT_MS = 200;

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
  delivered_via TEXT,
  sequence INTEGER,
  attachment TEXT
);
CREATE INDEX IF NOT EXISTS outbox_pending ON outbox (state, id);
CREATE INDEX IF NOT EXISTS outbox_delivered ON outbox (delivered_at) WHERE state = 'delivered';
CREATE TABLE IF NOT EXISTS sequence_counters (
  destination TEXT NOT NULL,
  account TEXT NOT NULL,
  last INTEGER NOT NULL,
  PRIMARY KEY (destination, account)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
`;

/** A row as SQLite returns it (snake_case columns); the reader of `hik-arc events` selects the same. */
export interface StoredColumns {
  id: number;
  destination: string;
  account: string;
  state: StoredRow['state'];
  received_at: number;
  payload: string;
  attempts: number;
  next_attempt_at: number;
  last_error: string | null;
  sequence: number | null;
  delivered_at: number | null;
  delivered_via: string | null;
}

type Row = StoredColumns;

interface PendingRow {
  id: number;
  destination: string;
  account: string;
  next_attempt_at: number;
  sequence: number | null;
}

export function toStored(row: StoredColumns): StoredRow {
  return {
    id: row.id,
    destination: row.destination,
    account: row.account,
    state: row.state,
    receivedAt: row.received_at,
    payload: row.payload,
    attempts: row.attempts,
    nextAttemptAt: row.next_attempt_at,
    lastError: row.last_error,
    sequence: row.sequence,
    deliveredAt: row.delivered_at,
    deliveredVia: row.delivered_via,
  };
}

function toPendingKey(row: PendingRow): PendingKey {
  return { id: row.id, destination: row.destination, account: row.account, nextAttemptAt: row.next_attempt_at, sequence: row.sequence };
}

export interface SqliteStorageOptions {
  readonly path: string;
  /**
   * How long a write waits for a lock held by another process (hik-arc requeue). better-sqlite3
   * waits synchronously, so this is time the whole process stands still: kept short, because a
   * failed write is retried anyway (docs/outbox.md §When the store fails).
   */
  readonly busyTimeoutMs?: number;
  /** Size cap of the database file: past it writes fail as on a full disk. */
  readonly maxSizeBytes?: number;
  /** Take the store's run lock: one delivering process per file (hik-arc run). */
  readonly exclusive?: boolean;
  /** Refuse a path that does not exist instead of creating a new store (commands that read it). */
  readonly mustExist?: boolean;
  /** Who holds the lock, recorded for the refusal message of a second process. */
  readonly holder?: string;
}

function isNewFile(path: string, mustExist: boolean): boolean {
  if (path === ':memory:') return true;
  let size: number;
  try {
    size = statSync(path).size;
  } catch {
    if (mustExist) throw new StoreError('HIKARC_STORE_MISSING', `there is no outbox at ${path}`, { detail: { path } });
    return true;
  }
  if (size === 0) {
    throw new StoreError(
      'HIKARC_STORE_CORRUPT',
      `the outbox ${path} is an empty file (0 bytes): it was truncated or made by something else; hik-arc will not start on it as if nothing were queued. Move it away to start a new outbox`,
      { detail: { path } },
    );
  }
  return false;
}

export class SqliteStorage implements OutboxStorage {
  readonly description: string;
  private readonly db: Database.Database;
  private readonly lock: StoreLock | null;
  private dataVersion = 0;
  private readonly insertRow: Database.Statement<
    [number, string, string, string, number, string, number, number, string | null, number | null, number | null, string | null, string | null]
  >;
  private readonly selectAttachment: Database.Statement<[number], { attachment: string | null }>;
  private readonly updateOutcome: Database.Statement<[string, number, number, string | null, number | null, string | null, number]>;
  private readonly rewriteRow: Database.Statement<[string, string, string, number, number, string | null, number | null, number | null, string | null, number]>;
  private readonly readChanges: Database.Statement<[], { value: string }>;
  // The outbox change counter as of our last commit or look: a change of someone else's shows as a
  // value we did not write (the media tables share the file, so data_version alone says little).
  private knownChanges = 0;
  private changedElsewhere = false;
  private readonly upsertCounter: Database.Statement<[string, string, number]>;
  private readonly setMeta: Database.Statement<[string, string]>;
  private readonly selectById: Database.Statement<[number], Row>;
  private readonly selectPending: Database.Statement<[], PendingRow>;
  private readonly countDeadRows: Database.Statement<[string], { n: number }>;
  private readonly selectDead: Database.Statement<[number], Row>;
  private readonly deleteDelivered: Database.Statement<[number]>;

  static open(options: SqliteStorageOptions): SqliteStorage {
    return new SqliteStorage(options);
  }

  private constructor(options: SqliteStorageOptions) {
    const path = options.path;
    this.description = path;
    const fresh = isNewFile(path, options.mustExist === true);
    if (fresh && path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    this.lock = options.exclusive === true && path !== ':memory:' ? acquireStoreLock(path) : null;
    try {
      this.db = openDatabase(path, fresh, options);
    } catch (error) {
      this.lock?.release();
      throw error;
    }
    if (this.lock !== null) this.lock.recordHolder(this.db, options.holder ?? '');
    this.insertRow = this.db.prepare(
      'INSERT INTO outbox (id, destination, account, state, received_at, payload, attempts, next_attempt_at, last_error, sequence, delivered_at, delivered_via, attachment) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
    );
    this.updateOutcome = this.db.prepare(
      'UPDATE outbox SET state = ?, attempts = ?, next_attempt_at = ?, last_error = ?, delivered_at = ?, delivered_via = ? WHERE id = ?',
    );
    this.rewriteRow = this.db.prepare(
      'UPDATE outbox SET state = ?, account = ?, payload = ?, attempts = ?, next_attempt_at = ?, last_error = ?, sequence = ?, delivered_at = ?, delivered_via = ? WHERE id = ?',
    );
    this.readChanges = this.db.prepare("SELECT value FROM meta WHERE key = 'outbox_changes'");
    this.upsertCounter = this.db.prepare(
      'INSERT INTO sequence_counters (destination, account, last) VALUES (?, ?, ?) ON CONFLICT (destination, account) DO UPDATE SET last = excluded.last',
    );
    this.setMeta = this.db.prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value');
    // Every column but the attachment: the delivery path reads rows, never what is attached.
    const columns = 'id, destination, account, state, received_at, payload, attempts, next_attempt_at, last_error, sequence, delivered_at, delivered_via';
    this.selectById = this.db.prepare(`SELECT ${columns} FROM outbox WHERE id = ?`);
    this.selectAttachment = this.db.prepare('SELECT attachment FROM outbox WHERE id = ?');
    this.selectPending = this.db.prepare("SELECT id, destination, account, next_attempt_at, sequence FROM outbox WHERE state = 'pending' ORDER BY id");
    this.countDeadRows = this.db.prepare("SELECT COUNT(*) AS n FROM outbox WHERE state = 'dead' AND destination = ?");
    this.selectDead = this.db.prepare(`SELECT ${columns} FROM outbox WHERE state = 'dead' ORDER BY id LIMIT ?`);
    this.deleteDelivered = this.db.prepare("DELETE FROM outbox WHERE state = 'delivered' AND delivered_at < ?");
    this.dataVersion = this.readDataVersion();
    this.knownChanges = this.outboxChanges();
  }

  load(): LoadedState {
    try {
      const pending = this.selectPending.all().map(toPendingKey);
      const maxRow = this.db.prepare('SELECT COALESCE(MAX(id), 0) AS id FROM outbox').get() as { id: number };
      // AUTOINCREMENT remembers ids of pruned rows: new ids must not reuse those either.
      const sequenceRow = this.db.prepare("SELECT seq FROM sqlite_sequence WHERE name = 'outbox'").get() as { seq: number } | undefined;
      const counters = (
        this.db.prepare('SELECT destination, account, last FROM sequence_counters').all() as Array<{ destination: string; account: string; last: number }>
      ).map((row) => [counterKey(row.destination, row.account), row.last] as const);
      const clean = this.db.prepare("SELECT value FROM meta WHERE key = 'clean_stop'").get() as { value: string } | undefined;
      return { pending, maxId: Math.max(maxRow.id, sequenceRow?.seq ?? 0), counters, cleanStop: clean === undefined || clean.value === '1' };
    } catch (error) {
      throw storeError(`read of ${this.description}`, error);
    }
  }

  commit(batch: StorageBatch): void {
    try {
      this.db.transaction(() => {
        for (const row of batch.inserts) {
          this.insertRow.run(
            row.id,
            row.destination,
            row.account,
            row.state,
            row.receivedAt,
            row.payload,
            row.attempts,
            row.nextAttemptAt,
            row.lastError,
            row.sequence,
            row.deliveredAt,
            row.deliveredVia,
            row.attachment,
          );
        }
        for (const row of batch.updates) {
          this.updateOutcome.run(row.state, row.attempts, row.nextAttemptAt, row.lastError, row.deliveredAt, row.deliveredVia, row.id);
        }
        for (const row of batch.rewrites) {
          this.rewriteRow.run(
            row.state,
            row.account,
            row.payload,
            row.attempts,
            row.nextAttemptAt,
            row.lastError,
            row.sequence,
            row.deliveredAt,
            row.deliveredVia,
            row.id,
          );
        }
        for (const [key, last] of batch.counters) {
          const [destination, account] = key.split('\u0000') as [string, string];
          this.upsertCounter.run(destination, account, last);
        }
        if (batch.cleanStop !== undefined) this.setMeta.run('clean_stop', batch.cleanStop ? '1' : '0');
        const before = this.outboxChanges();
        if (before !== this.knownChanges) this.changedElsewhere = true;
        this.knownChanges = before + 1;
        this.setMeta.run('outbox_changes', String(this.knownChanges));
      })();
    } catch (error) {
      throw storeError('write', error);
    }
    // Our own commit changes data_version only for other connections; nothing to note here.
  }

  read(id: number): StoredRow | undefined {
    const row = this.selectById.get(id);
    return row === undefined ? undefined : toStored(row);
  }

  readAttachment(id: number): string | null {
    return this.selectAttachment.get(id)?.attachment ?? null;
  }

  deadLetters(limit: number): StoredRow[] {
    return this.selectDead.all(limit).map(toStored);
  }

  countDead(destination: string): number {
    return this.countDeadRows.get(destination)?.n ?? 0;
  }

  pendingIfChangedElsewhere(): PendingKey[] | null {
    // PRAGMA data_version changes only when another connection commits: a cheap "did anyone else
    // write?"; the outbox change counter then says whether it was the outbox they wrote.
    const version = this.readDataVersion();
    if (version === this.dataVersion && !this.changedElsewhere) return null;
    this.dataVersion = version;
    const changes = this.outboxChanges();
    if (changes === this.knownChanges && !this.changedElsewhere) return null;
    this.knownChanges = changes;
    this.changedElsewhere = false;
    return this.selectPending.all().map(toPendingKey);
  }

  pruneDelivered(before: number): number {
    try {
      return this.deleteDelivered.run(before).changes;
    } catch (error) {
      throw storeError('prune', error);
    }
  }

  close(): void {
    try {
      this.db.close();
    } finally {
      this.lock?.release();
    }
  }

  private outboxChanges(): number {
    return Number(this.readChanges.get()?.value ?? 0);
  }

  private readDataVersion(): number {
    return this.db.pragma('data_version', { simple: true }) as number;
  }
}

function openDatabase(path: string, fresh: boolean, options: SqliteStorageOptions): Database.Database {
  let db: Database.Database;
  try {
    db = new Database(path, options.mustExist === true ? { fileMustExist: true } : {});
  } catch (error) {
    throw storeError(`open of ${path}`, error);
  }
  try {
    db.pragma(`busy_timeout = ${options.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS}`);
    if (!fresh) checkIntegrity(db, path);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    migrate(db, path, fresh);
    if (options.maxSizeBytes !== undefined) {
      const pageSize = db.pragma('page_size', { simple: true }) as number;
      db.pragma(`max_page_count = ${Math.max(1, Math.floor(options.maxSizeBytes / pageSize))}`);
    }
    return db;
  } catch (error) {
    db.close();
    if (error instanceof StoreError) throw error;
    const failure = storeError(`open of ${path}`, error);
    if (failure.code === 'HIKARC_STORE_CORRUPT') throw corrupt(path, errorMessage(error));
    throw failure;
  }
}

function corrupt(path: string, detail: string): StoreError {
  return new StoreError(
    'HIKARC_STORE_CORRUPT',
    `the outbox ${path} is damaged (${detail}); hik-arc will not start on it. Stop, keep a copy, and recover it: sqlite3 ${path} .recover | sqlite3 ${path}.recovered (see docs/errors.md)`,
    { detail: { path } },
  );
}

function checkIntegrity(db: Database.Database, path: string): void {
  let result: string;
  try {
    // quick_check reads every page once: seconds at most for a large backlog, once per start.
    result = String(db.pragma('quick_check', { simple: true }));
  } catch (error) {
    throw corrupt(path, errorMessage(error));
  }
  if (result !== 'ok') throw corrupt(path, result);
}

function tableNames(db: Database.Database): Set<string> {
  return new Set((db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as Array<{ name: string }>).map((row) => row.name));
}

function migrate(db: Database.Database, path: string, fresh: boolean): void {
  const version = db.pragma('user_version', { simple: true }) as number;
  const tables = tableNames(db);
  if (version > SCHEMA_VERSION) {
    db.close();
    throw new StoreError('HIKARC_STORE_INCOMPATIBLE', `the outbox ${path} has schema version ${version}; this hik-arc reads up to ${SCHEMA_VERSION}`, {
      detail: { path, version },
    });
  }
  if (!fresh && !tables.has('outbox')) {
    throw new StoreError(
      'HIKARC_STORE_CORRUPT',
      `${path} is an SQLite database but not a hik-arc outbox (no outbox table); hik-arc will not write into it. Point store.path elsewhere`,
      { detail: { path } },
    );
  }
  db.transaction(() => {
    if (tables.has('outbox') && version < 2) {
      const columns = new Set((db.prepare('PRAGMA table_info(outbox)').all() as Array<{ name: string }>).map((column) => column.name));
      if (!columns.has('sequence')) db.exec('ALTER TABLE outbox ADD COLUMN sequence INTEGER');
      if (!columns.has('attachment')) db.exec('ALTER TABLE outbox ADD COLUMN attachment TEXT');
    }
    db.exec(SCHEMA);
    if (version < 2 && tables.has('outbox')) {
      // Version 1 numbered per path, across accounts: keep the number an alarm was sent with (so
      // its retransmission carries it) and start each account's counter above what it used.
      db.exec(
        `UPDATE outbox SET sequence = COALESCE(json_extract(sequences, '$.primary'), json_extract(sequences, '$.secondary')) WHERE sequence IS NULL AND account <> '' AND state <> 'dead'`,
      );
      db.exec(`INSERT INTO sequence_counters (destination, account, last)
               SELECT destination, UPPER(account), MAX(sequence) FROM outbox WHERE sequence IS NOT NULL GROUP BY destination, UPPER(account)
               ON CONFLICT (destination, account) DO UPDATE SET last = MAX(last, excluded.last)`);
    }
    db.pragma(`user_version = ${SCHEMA_VERSION}`);
  })();
}
