import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { createMemoryOutbox, MemoryStorage, openSqliteOutbox, SqliteStorage, StoreOutbox, type Outbox } from '../../../src/outbox/index.js';
import { tempDir } from '../../helpers/temp-files.js';
import { outboxContract } from './outbox-contract.js';

let counter = 0;
const memory = new WeakMap<Outbox, MemoryStorage>();
const paths = new WeakMap<Outbox, string>();
const blockers = new WeakMap<Outbox, Database.Database>();
const MAX_UNSTORED = 5;

outboxContract('memory', {
  create() {
    const storage = new MemoryStorage();
    const outbox = createMemoryOutbox({ storage, maxUnstored: MAX_UNSTORED });
    memory.set(outbox, storage);
    return outbox;
  },
  async reopen(outbox, options) {
    const storage = memory.get(outbox) as MemoryStorage;
    if (options?.clean !== false) await outbox.close();
    const again = createMemoryOutbox({ storage, maxUnstored: MAX_UNSTORED });
    memory.set(again, storage);
    return again;
  },
  setFault(outbox, fault) {
    (memory.get(outbox) as MemoryStorage).fault = fault === 'none' ? { kind: 'none' } : { kind: 'fail', code: 'HIKARC_STORE_LOCKED' };
  },
});

function sqlitePath(): string {
  counter += 1;
  return join(tempDir(), `outbox-${process.pid}-${counter}.db`);
}

outboxContract('sqlite', {
  create() {
    const path = sqlitePath();
    const outbox = openSqliteOutbox({ path, busyTimeoutMs: 20, maxUnstored: MAX_UNSTORED });
    paths.set(outbox, path);
    return outbox;
  },
  async reopen(outbox, options) {
    const path = paths.get(outbox) as string;
    // Not clean: the outbox is dropped as a killed process leaves it (its connection stays open, as
    // a dead process's file would be; nothing more is written).
    if (options?.clean !== false) await outbox.close();
    const again = openSqliteOutbox({ path, busyTimeoutMs: 20, maxUnstored: MAX_UNSTORED });
    paths.set(again, path);
    return again;
  },
  setFault(outbox, fault) {
    const path = paths.get(outbox) as string;
    if (fault === 'locked') {
      const blocker = new Database(path);
      blocker.exec('BEGIN IMMEDIATE');
      blockers.set(outbox, blocker);
    } else {
      const blocker = blockers.get(outbox);
      blocker?.exec('ROLLBACK');
      blocker?.close();
      blockers.delete(outbox);
    }
  },
});

describe('sqlite outbox specifics', () => {
  it('creates its folder and database on first run, in WAL mode', async () => {
    const path = join(tempDir(), 'nested', 'deeper', 'hik-arc.db');
    const outbox = openSqliteOutbox({ path });
    await outbox.append([{ destination: 'arc', account: 'A', receivedAt: 1, payload: '{}' }]);
    await outbox.close();
    const db = new Database(path, { readonly: true });
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('user_version', { simple: true })).toBe(2);
    db.close();
  });

  it('sees a dead letter requeued by another process after refresh(), and numbers it itself', async () => {
    const path = sqlitePath();
    const service = openSqliteOutbox({ path, exclusive: true });
    await service.append([{ destination: 'arc', account: 'ABC', receivedAt: 1, payload: '{}' }]);
    const [dead] = await service.append([{ destination: 'arc', account: '', receivedAt: 1, payload: '{}', deadReason: 'no account' }]);
    const tool = openSqliteOutbox({ path, allocatesSequences: false });
    expect(await tool.requeue(dead as number, { account: 'ABC', payload: '{"x":1}' })).toBe(true);
    await tool.close();
    const [first] = service.next('arc', 10, 0);
    await service.ack(first?.id as number, { via: 'primary', at: 1 });
    service.refresh();
    // The number is given by the process that sends, once it is on disk: the tool's counters
    // would run behind the service's.
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(service.next('arc', 10, 0).map((entry) => [entry.account, entry.sequence])).toEqual([['ABC', 2]]);
    await service.close();
  });

  it('rejects writes once closed', async () => {
    const outbox = openSqliteOutbox({ path: sqlitePath() });
    await outbox.close();
    await expect(outbox.append([{ destination: 'arc', account: 'A', receivedAt: 1, payload: '{}' }])).rejects.toMatchObject({ code: 'HIKARC_STORE_FAILED' });
  });

  it('holds alarms while the disk is full (max_page_count) and writes them once there is room', async () => {
    const path = sqlitePath();
    const outbox = openSqliteOutbox({ path, maxSizeBytes: 64 * 1024, maxUnstored: 1000 });
    const big = 'x'.repeat(4_000);
    for (let i = 0; i < 40; i++) await outbox.append([{ destination: 'arc', account: `A${i % 4}`, receivedAt: i, payload: big }]);
    expect(outbox.storeHealth().state).toBe('full');
    const unstored = outbox.stats('arc').unstored;
    expect(unstored).toBeGreaterThan(0);
    expect(outbox.stats('arc').pending).toBe(40);
    // Deliver everything; the ACKs of stored rows and the held rows wait for room.
    for (;;) {
      const heads = outbox.next('arc', 10, 0);
      if (heads.length === 0) break;
      for (const head of heads) void outbox.ack(head.id, { via: 'primary', at: 1 });
    }
    expect(outbox.stats('arc').pending).toBe(0);
    const db = new Database(path);
    expect((db.prepare("SELECT COUNT(*) AS n FROM outbox WHERE state = 'pending'").get() as { n: number }).n).toBeGreaterThan(0);
    db.close();
    await outbox.close(100);
    // A bigger cap: every held row and every ACK lands.
    const again = openSqliteOutbox({ path, maxSizeBytes: 1024 * 1024 });
    expect(again.stats('arc')).toMatchObject({ pending: 40 - unstored });
    await again.close();
  });

  it('refuses an empty (0-byte) file instead of starting empty', () => {
    const path = sqlitePath();
    writeFileSync(path, '');
    expect(() => openSqliteOutbox({ path })).toThrow(expect.objectContaining({ code: 'HIKARC_STORE_CORRUPT', message: expect.stringContaining('empty file') }));
  });

  it('refuses a file that is not a database, and a damaged one, with HIKARC_STORE_CORRUPT', async () => {
    const garbage = sqlitePath();
    writeFileSync(garbage, 'this is not an SQLite database at all, just text that happens to be here\n'.repeat(100));
    expect(() => openSqliteOutbox({ path: garbage })).toThrow(expect.objectContaining({ code: 'HIKARC_STORE_CORRUPT' }));

    const damaged = sqlitePath();
    const outbox = openSqliteOutbox({ path: damaged });
    await outbox.append(Array.from({ length: 300 }, (_, i) => ({ destination: 'arc', account: 'A', receivedAt: i, payload: 'y'.repeat(500) })));
    await outbox.close();
    const db = new Database(damaged);
    db.pragma('wal_checkpoint(TRUNCATE)');
    db.close();
    const { openSync, writeSync, closeSync } = await import('node:fs');
    const fd = openSync(damaged, 'r+');
    // Overwrite pages in the middle of the file with noise.
    writeSync(fd, Buffer.alloc(8192, 0xa5), 0, 8192, 4096 * 3);
    closeSync(fd);
    expect(() => openSqliteOutbox({ path: damaged })).toThrow(
      expect.objectContaining({ code: 'HIKARC_STORE_CORRUPT', message: expect.stringContaining('.recover') }),
    );
  });

  it("refuses another program's database and a newer schema", () => {
    const foreign = sqlitePath();
    const db = new Database(foreign);
    db.exec('CREATE TABLE customers (id INTEGER PRIMARY KEY)');
    db.close();
    expect(() => openSqliteOutbox({ path: foreign })).toThrow(
      expect.objectContaining({ code: 'HIKARC_STORE_CORRUPT', message: expect.stringContaining('not a hik-arc outbox') }),
    );
    const newer = sqlitePath();
    openSqliteOutbox({ path: newer }).close();
    const edit = new Database(newer);
    edit.pragma('user_version = 9');
    edit.close();
    expect(() => openSqliteOutbox({ path: newer })).toThrow(expect.objectContaining({ code: 'HIKARC_STORE_INCOMPATIBLE' }));
  });

  it('refuses a path that does not exist when it must exist', () => {
    expect(() => openSqliteOutbox({ path: join(tempDir(), 'nowhere', 'x.db'), mustExist: true })).toThrow(
      expect.objectContaining({ code: 'HIKARC_STORE_MISSING' }),
    );
  });

  it('lets one exclusive holder in, names it to the second, and frees the lock at close', async () => {
    const path = sqlitePath();
    const first = openSqliteOutbox({ path, exclusive: true, holder: 'hik-arc run' });
    expect(() => openSqliteOutbox({ path, exclusive: true })).toThrow(
      expect.objectContaining({ code: 'HIKARC_STORE_IN_USE', message: expect.stringContaining(`pid ${process.pid}`) }),
    );
    // Commands that only read or edit beside it still open the store.
    const tool = openSqliteOutbox({ path, allocatesSequences: false });
    await tool.close();
    await first.close();
    const second = openSqliteOutbox({ path, exclusive: true });
    await second.close();
  });

  it('migrates a version 1 outbox: pending alarms keep their number, counters start above it', () => {
    const path = sqlitePath();
    const db = new Database(path);
    db.exec(`CREATE TABLE outbox (
      id INTEGER PRIMARY KEY AUTOINCREMENT, destination TEXT NOT NULL, account TEXT NOT NULL,
      state TEXT NOT NULL CHECK (state IN ('pending', 'delivered', 'dead')), received_at INTEGER NOT NULL, payload TEXT NOT NULL,
      attempts INTEGER NOT NULL DEFAULT 0, next_attempt_at INTEGER NOT NULL DEFAULT 0, last_error TEXT,
      sequences TEXT NOT NULL DEFAULT '{}', delivered_at INTEGER, delivered_via TEXT);`);
    const insert = db.prepare('INSERT INTO outbox (destination, account, state, received_at, payload, sequences) VALUES (?, ?, ?, ?, ?, ?)');
    insert.run('arc', '1234', 'delivered', 1, '{}', '{"primary":41}');
    insert.run('arc', '1234', 'pending', 2, '{}', '{"primary":42}');
    insert.run('arc', '5678', 'pending', 3, '{}', '{}');
    db.pragma('user_version = 1');
    db.close();
    const outbox = new StoreOutbox(SqliteStorage.open({ path }));
    const heads = outbox.next('arc', 10, 0);
    expect(heads.map((head) => [head.account, head.sequence])).toEqual([['1234', 42]]);
    return outbox.close().then(async () => {
      const again = openSqliteOutbox({ path });
      await again.append([{ destination: 'arc', account: '1234', receivedAt: 4, payload: '{}' }]);
      const all = again.next('arc', 10, 0).map((head) => [head.account, head.sequence]);
      expect(all).toEqual([
        ['1234', 42],
        ['5678', 1],
      ]);
      await again.close();
    });
  });
});
