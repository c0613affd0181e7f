// The outbox cannot be written for a while (another process holds the write lock past the busy
// timeout): the service says so, keeps the receiver stream, delivers the alarms it holds in memory,
// and writes them, with their outcome, once the store is writable again.

import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/load.js';
import { createLogger } from '../../../src/log.js';
import { startService } from '../../../src/service/service.js';
import { Dc09Receiver, type FrameRecord } from '../../../src/transport/index.js';
import { waitFor } from '../../helpers/wait-for.js';
import { fixtureDocuments, startFakeHikReceiver } from '../../helpers/fake-hik-receiver.js';
import { tempDir } from '../../helpers/temp-files.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
});

describe('service with the store locked', { timeout: 60_000 }, () => {
  it('keeps the stream, delivers the alarms it holds in memory, says it is unhealthy, and writes them once the store is back', async () => {
    const records: FrameRecord[] = [];
    const arc = await Dc09Receiver.start({ listen: [{ transport: 'tcp', host: '127.0.0.1', port: 0 }], onFrame: (record) => records.push(record) });
    cleanups.push(() => arc.stop());
    const events = fixtureDocuments().filter((document) => document.includes('"CIDAlarm"'));
    const hik = await startFakeHikReceiver({ events: [], heartbeatIntervalMs: 300 });
    cleanups.push(() => hik.close());
    const path = join(tempDir(), `locked-service-${process.pid}.db`);
    const config = loadConfig({
      overrides: {
        'receiver.url': hik.url,
        'receiver.username': 'admin',
        'receiver.password': 'hik12345',
        'receiver.account': 'AAAA',
        'receiver.heartbeatTimeoutSec': 5,
        'arc.primary': arc.url('tcp'),
        'translate.fallbackAccount': 'FFFF',
        'store.path': path,
        'http.listen': '',
        'log.level': 'silent',
      },
    });
    const lines: string[] = [];
    const logger = createLogger({ level: 'info', destination: { write: (line: string) => void lines.push(line) } });
    const service = await startService({ config, logger });
    cleanups.push(async () => void (await service.stop()));
    await waitFor(() => hik.subscribeCount() === 1 && service.health().healthy, 10_000, 'the stream');

    const blocker = new Database(path);
    blocker.exec('BEGIN IMMEDIATE');
    hik.pushEvents(...events);
    await waitFor(() => lines.some((line) => line.includes('HIKARC_STORE_LOCKED')), 20_000, 'the store error in the log');
    // Held in memory, delivered anyway: an alarm does not wait for a disk.
    await waitFor(
      () => records.filter((record) => record.response === 'ACK').length === events.length,
      20_000,
      'every alarm delivered while the store is locked',
    );
    expect(records.map((record) => record.data).sort()).toEqual(['#123456|1130 00 001', '#FFFF|1602 00 000']);
    const unhealthy = service.health();
    expect(unhealthy.healthy).toBe(false);
    expect(unhealthy.reasons.join(' ')).toMatch(/outbox locked/);
    expect(unhealthy.details['outbox']).toMatchObject({ store: 'locked' });

    blocker.exec('ROLLBACK');
    blocker.close();
    await waitFor(() => service.health().healthy, 20_000, 'the store back');
    expect(hik.subscribeCount()).toBe(1);
    const report = await service.stop();
    expect(report).toEqual({ unstored: 0, unwrittenOutcomes: 0, pendingInStore: 0 });
    // The held alarms were written with what became of them: delivered, each with its number.
    const db = new Database(path, { readonly: true });
    // Two accounts, so no order between them (the first alarm's device waits for the device list).
    const rows = db.prepare('SELECT account, state, sequence FROM outbox ORDER BY account').all();
    db.close();
    expect(rows).toEqual([
      { account: '123456', state: 'delivered', sequence: 1 },
      { account: 'FFFF', state: 'delivered', sequence: 1 },
    ]);
    expect(records.filter((record) => record.response === 'ACK')).toHaveLength(events.length);
  });
});
