import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { MemoryOutbox } from '../../../src/transport/outbox/memory-outbox.js';
import type { Outbox } from '../../../src/transport/outbox/outbox.js';
import { SqliteOutbox } from '../../../src/transport/outbox/sqlite-outbox.js';
import { tempDir } from '../../helpers/temp-files.js';
import { outboxContract } from './outbox-contract.js';

let counter = 0;
const paths = new WeakMap<Outbox, string>();

outboxContract('memory', { create: () => new MemoryOutbox() });

outboxContract('sqlite', {
  create() {
    counter += 1;
    const path = join(tempDir(), `outbox-${process.pid}-${counter}.db`);
    const outbox = new SqliteOutbox({ path });
    paths.set(outbox, path);
    return outbox;
  },
  async reopen(outbox) {
    const path = paths.get(outbox) as string;
    await outbox.close();
    const again = new SqliteOutbox({ path });
    paths.set(again, path);
    return again;
  },
});

describe('sqlite outbox specifics', () => {
  it('creates its folder and database on first run, in WAL mode', async () => {
    const path = join(tempDir(), 'nested', 'deeper', 'hik-arc.db');
    const outbox = new SqliteOutbox({ path });
    await outbox.append([{ destination: 'arc', account: 'A', receivedAt: 1, payload: '{}' }]);
    await outbox.close();
    const db = new Database(path, { readonly: true });
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    db.close();
  });

  it('sees a dead letter requeued by another process after refresh()', async () => {
    const path = join(tempDir(), `shared-${process.pid}.db`);
    const service = new SqliteOutbox({ path });
    const [dead] = await service.append([{ destination: 'arc', account: '', receivedAt: 1, payload: '{}', deadReason: 'no account' }]);
    const tool = new SqliteOutbox({ path });
    expect(await tool.requeue(dead as number, { account: 'ABC', payload: '{"x":1}' })).toBe(true);
    await tool.close();
    expect(service.next('arc', 10, 0)).toEqual([]);
    service.refresh();
    expect(service.next('arc', 10, 0).map((entry) => entry.account)).toEqual(['ABC']);
    await service.close();
  });

  it('rejects writes with a store error code when the database cannot be written', async () => {
    const outbox = new SqliteOutbox({ path: join(tempDir(), `closed-${process.pid}.db`) });
    await outbox.close();
    await expect(outbox.append([{ destination: 'arc', account: 'A', receivedAt: 1, payload: '{}' }])).rejects.toMatchObject({ code: 'HIKARC_STORE_FAILED' });
  });
});

describe('sqlite outbox under storage failures', () => {
  it('rejects with HIKARC_STORE_FULL when the store is full, and stores again once there is room', async () => {
    const path = join(tempDir(), `full-${process.pid}.db`);
    const outbox = new SqliteOutbox({ path, maxSizeBytes: 64 * 1024 });
    const big = 'x'.repeat(4_000);
    let error: unknown;
    for (let i = 0; i < 100 && error === undefined; i++) {
      await outbox.append([{ destination: 'arc', account: 'A', receivedAt: i, payload: big }]).catch((e: unknown) => {
        error = e;
      });
    }
    expect(error).toMatchObject({ code: 'HIKARC_STORE_FULL' });
    const before = outbox.stats('arc').pending;
    // Nothing half-stored: the index holds only committed entries.
    expect(before).toBeGreaterThan(0);
    for (;;) {
      const [head] = outbox.next('arc', 1, 0);
      if (!head) break;
      await outbox.ack(head.id, { via: 'primary', at: 1 });
    }
    expect(outbox.pruneDelivered(2)).toBe(before);
    await expect(outbox.append([{ destination: 'arc', account: 'A', receivedAt: 1, payload: '{}' }])).resolves.toHaveLength(1);
    await outbox.close();
  });

  it('rejects with HIKARC_STORE_LOCKED when another process holds the write lock too long', async () => {
    const path = join(tempDir(), `locked-${process.pid}.db`);
    const outbox = new SqliteOutbox({ path, busyTimeoutMs: 50 });
    const other = new Database(path);
    other.exec('BEGIN IMMEDIATE');
    await expect(outbox.append([{ destination: 'arc', account: 'A', receivedAt: 1, payload: '{}' }])).rejects.toMatchObject({ code: 'HIKARC_STORE_LOCKED' });
    expect(outbox.stats('arc').pending).toBe(0);
    other.exec('ROLLBACK');
    other.close();
    await expect(outbox.append([{ destination: 'arc', account: 'A', receivedAt: 1, payload: '{}' }])).resolves.toHaveLength(1);
    await outbox.close();
  });
});
