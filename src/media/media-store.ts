// The media references a link's token points to, one row per alarm with its items (docs/media.md
// §8), in their own tables of the store file (store.path), through better-sqlite3.
//
// A reference is written synchronously in the pipeline's accept step, just before the outbox
// append of the same alarm. synchronous=NORMAL is enough for it: in WAL mode every connection
// appends to the same log, so the outbox's own synchronous=FULL commit that follows makes this
// earlier commit durable too (an fsync of the log covers every frame before it), and a crash of the
// process alone never loses a committed transaction. The outbox's user_version is not touched.

import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { errorMessage, HikArcError } from '../errors.js';

export type MediaKind = 'video' | 'picture';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS media_refs (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  created_at INTEGER NOT NULL,
  account TEXT NOT NULL,
  cid TEXT NOT NULL,
  zone INTEGER NOT NULL,
  event_type TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS media_items (
  ref_id INTEGER NOT NULL REFERENCES media_refs (id) ON DELETE CASCADE,
  item INTEGER NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('video', 'picture')),
  source TEXT NOT NULL,
  file TEXT,
  bytes INTEGER,
  content_type TEXT,
  sha256 TEXT,
  stored_at INTEGER,
  archive_due_at INTEGER,
  archive_attempts INTEGER NOT NULL DEFAULT 0,
  last_error TEXT,
  PRIMARY KEY (ref_id, item)
);
CREATE INDEX IF NOT EXISTS media_refs_created ON media_refs (created_at);
CREATE INDEX IF NOT EXISTS media_items_archive_due ON media_items (archive_due_at) WHERE archive_due_at IS NOT NULL;
CREATE INDEX IF NOT EXISTS media_items_stored ON media_items (ref_id, item) WHERE file IS NOT NULL;
`;

export interface NewMediaReference {
  /** When the alarm was received (wall ms): retention and "oldest first" count from it. */
  readonly createdAt: number;
  readonly account: string;
  readonly cid: string;
  readonly zone: number;
  readonly eventType: string;
  /** Receiver request targets, in item order. */
  readonly items: ReadonlyArray<{ readonly kind: MediaKind; readonly source: string }>;
  /** media.archive: when the archive should fetch the items; null leaves them to on-demand fetches. */
  readonly archiveDueAt: number | null;
}

export interface MediaItem {
  readonly refId: number;
  readonly item: number;
  readonly kind: MediaKind;
  /** Request target on the receiver. */
  readonly source: string;
  /** File name in the media folder while a copy is kept. */
  readonly file: string | null;
  readonly bytes: number | null;
  readonly contentType: string | null;
  readonly sha256: string | null;
  readonly storedAt: number | null;
  readonly archiveDueAt: number | null;
  readonly archiveAttempts: number;
  readonly lastError: string | null;
}

export interface MediaReference {
  readonly id: number;
  readonly createdAt: number;
  readonly account: string;
  readonly cid: string;
  readonly zone: number;
  readonly eventType: string;
  readonly items: readonly MediaItem[];
}

export interface StoredCopy {
  readonly file: string;
  readonly bytes: number;
  readonly contentType: string;
  readonly sha256: string;
  readonly storedAt: number;
}

interface ItemRow {
  ref_id: number;
  item: number;
  kind: MediaKind;
  source: string;
  file: string | null;
  bytes: number | null;
  content_type: string | null;
  sha256: string | null;
  stored_at: number | null;
  archive_due_at: number | null;
  archive_attempts: number;
  last_error: string | null;
}

interface RefRow {
  id: number;
  created_at: number;
  account: string;
  cid: string;
  zone: number;
  event_type: string;
}

function toItem(row: ItemRow): MediaItem {
  return {
    refId: row.ref_id,
    item: row.item,
    kind: row.kind,
    source: row.source,
    file: row.file,
    bytes: row.bytes,
    contentType: row.content_type,
    sha256: row.sha256,
    storedAt: row.stored_at,
    archiveDueAt: row.archive_due_at,
    archiveAttempts: row.archive_attempts,
    lastError: row.last_error,
  };
}

function storeFailure(operation: string, error: unknown): HikArcError {
  return new HikArcError('HIKARC_MEDIA_STORE_FAILED', `media reference ${operation} failed: ${errorMessage(error)}`, {
    cause: error,
    detail: { sqliteCode: (error as { code?: unknown }).code },
  });
}

export interface MediaStoreOptions {
  readonly path: string;
  /** A write waits this long for a lock another process holds (hik-arc requeue), then fails. */
  readonly busyTimeoutMs?: number;
}

export class MediaStore {
  private readonly db: Database.Database;
  private readonly insertRef: Database.Statement<[number, string, string, number, string]>;
  private readonly insertItem: Database.Statement<[number, number, MediaKind, string, number | null]>;
  private readonly selectRef: Database.Statement<[number], RefRow>;
  private readonly selectItems: Database.Statement<[number], ItemRow>;
  private readonly selectItem: Database.Statement<[number, number], ItemRow>;
  private readonly updateStored: Database.Statement<[string, number, string, string, number, number, number]>;
  private readonly updateRemoved: Database.Statement<[number, number]>;
  private readonly updateArchive: Database.Statement<[number | null, number, string | null, number, number]>;
  private readonly selectDue: Database.Statement<[number, number], ItemRow>;
  private readonly selectNextDue: Database.Statement<[], { at: number | null }>;
  private readonly selectStoredBytes: Database.Statement<[], { bytes: number | null; files: number }>;
  private readonly selectOldestStored: Database.Statement<[number], ItemRow>;
  private readonly selectStoredBefore: Database.Statement<[number], ItemRow>;
  private readonly deleteRefsBefore: Database.Statement<[number]>;
  private readonly selectStoredFiles: Database.Statement<[], ItemRow>;
  private readonly addReferenceTransaction: (reference: NewMediaReference) => number;
  private closed = false;

  constructor(options: MediaStoreOptions) {
    try {
      if (options.path !== ':memory:') mkdirSync(dirname(options.path), { recursive: true });
      this.db = new Database(options.path);
      this.db.pragma('journal_mode = WAL');
      this.db.pragma('synchronous = NORMAL');
      this.db.pragma('foreign_keys = ON');
      this.db.pragma(`busy_timeout = ${options.busyTimeoutMs ?? 1_000}`);
      this.db.exec(SCHEMA);
    } catch (error) {
      throw storeFailure(`open of ${options.path}`, error);
    }
    this.insertRef = this.db.prepare('INSERT INTO media_refs (created_at, account, cid, zone, event_type) VALUES (?, ?, ?, ?, ?)');
    this.insertItem = this.db.prepare('INSERT INTO media_items (ref_id, item, kind, source, archive_due_at) VALUES (?, ?, ?, ?, ?)');
    this.selectRef = this.db.prepare('SELECT * FROM media_refs WHERE id = ?');
    this.selectItems = this.db.prepare('SELECT * FROM media_items WHERE ref_id = ? ORDER BY item');
    this.selectItem = this.db.prepare('SELECT * FROM media_items WHERE ref_id = ? AND item = ?');
    this.updateStored = this.db.prepare(
      'UPDATE media_items SET file = ?, bytes = ?, content_type = ?, sha256 = ?, stored_at = ?, archive_due_at = NULL, last_error = NULL WHERE ref_id = ? AND item = ?',
    );
    this.updateRemoved = this.db.prepare('UPDATE media_items SET file = NULL, stored_at = NULL WHERE ref_id = ? AND item = ?');
    this.updateArchive = this.db.prepare('UPDATE media_items SET archive_due_at = ?, archive_attempts = ?, last_error = ? WHERE ref_id = ? AND item = ?');
    this.selectDue = this.db.prepare(
      'SELECT * FROM media_items WHERE archive_due_at IS NOT NULL AND archive_due_at <= ? ORDER BY archive_due_at, ref_id, item LIMIT ?',
    );
    this.selectNextDue = this.db.prepare('SELECT MIN(archive_due_at) AS at FROM media_items WHERE archive_due_at IS NOT NULL');
    this.selectStoredBytes = this.db.prepare('SELECT SUM(bytes) AS bytes, COUNT(*) AS files FROM media_items WHERE file IS NOT NULL');
    // "Oldest first" is the oldest alarm: an old alarm's clip fetched late still goes before a new one.
    this.selectOldestStored = this.db.prepare(
      'SELECT i.* FROM media_items i JOIN media_refs r ON r.id = i.ref_id WHERE i.file IS NOT NULL ORDER BY r.created_at, i.ref_id, i.item LIMIT ?',
    );
    this.selectStoredBefore = this.db.prepare(
      'SELECT i.* FROM media_items i JOIN media_refs r ON r.id = i.ref_id WHERE r.created_at < ? AND i.file IS NOT NULL',
    );
    this.deleteRefsBefore = this.db.prepare('DELETE FROM media_refs WHERE created_at < ?');
    this.selectStoredFiles = this.db.prepare('SELECT * FROM media_items WHERE file IS NOT NULL');
    this.addReferenceTransaction = this.db.transaction((reference: NewMediaReference) => {
      const id = Number(this.insertRef.run(reference.createdAt, reference.account, reference.cid, reference.zone, reference.eventType).lastInsertRowid);
      reference.items.forEach((item, index) => this.insertItem.run(id, index, item.kind, item.source, reference.archiveDueAt));
      return id;
    });
  }

  /** Writes one alarm's reference and its items in one transaction; returns the media id. */
  addReference(reference: NewMediaReference): number {
    return this.guard('write', () => this.addReferenceTransaction(reference));
  }

  reference(id: number): MediaReference | undefined {
    return this.guard('read', () => {
      const row = this.selectRef.get(id);
      if (row === undefined) return undefined;
      return {
        id: row.id,
        createdAt: row.created_at,
        account: row.account,
        cid: row.cid,
        zone: row.zone,
        eventType: row.event_type,
        items: this.selectItems.all(id).map(toItem),
      };
    });
  }

  item(refId: number, item: number): MediaItem | undefined {
    return this.guard('read', () => {
      const row = this.selectItem.get(refId, item);
      return row === undefined ? undefined : toItem(row);
    });
  }

  markStored(refId: number, item: number, copy: StoredCopy): void {
    this.guard('write', () => this.updateStored.run(copy.file, copy.bytes, copy.contentType, copy.sha256, copy.storedAt, refId, item));
  }

  /** The kept copy is gone (evicted, or missing from the folder). */
  markRemoved(refId: number, item: number): void {
    this.guard('write', () => this.updateRemoved.run(refId, item));
  }

  /** The next archive attempt (null: none), after `attempts` failed ones. */
  scheduleArchive(refId: number, item: number, dueAt: number | null, attempts: number, lastError: string | null): void {
    this.guard('write', () => this.updateArchive.run(dueAt, attempts, lastError, refId, item));
  }

  dueArchive(now: number, limit: number): MediaItem[] {
    return this.guard('read', () => this.selectDue.all(now, limit).map(toItem));
  }

  nextArchiveDueAt(): number | null {
    return this.guard('read', () => this.selectNextDue.get()?.at ?? null);
  }

  /** Bytes and number of the kept copies. */
  storedTotals(): { readonly bytes: number; readonly files: number } {
    return this.guard('read', () => {
      const row = this.selectStoredBytes.get();
      return { bytes: row?.bytes ?? 0, files: row?.files ?? 0 };
    });
  }

  /** Kept copies, oldest alarm first. */
  oldestStored(limit: number): MediaItem[] {
    return this.guard('read', () => this.selectOldestStored.all(limit).map(toItem));
  }

  storedItems(): MediaItem[] {
    return this.guard('read', () => this.selectStoredFiles.all().map(toItem));
  }

  /** Kept copies of alarms received before `before`: their files go with the references. */
  storedBefore(before: number): MediaItem[] {
    return this.guard('read', () => this.selectStoredBefore.all(before).map(toItem));
  }

  /** Removes the references (and items) of alarms received before `before`; returns how many. */
  removeReferencesBefore(before: number): number {
    return this.guard('write', () => this.deleteRefsBefore.run(before).changes);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.db.close();
  }

  private guard<T>(operation: string, run: () => T): T {
    if (this.closed) throw new HikArcError('HIKARC_MEDIA_STORE_FAILED', 'the media reference store is closed');
    try {
      return run();
    } catch (error) {
      throw error instanceof HikArcError ? error : storeFailure(operation, error);
    }
  }
}
