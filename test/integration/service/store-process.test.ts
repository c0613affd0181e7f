// The outbox under `hik-arc run` as a real process: sequence numbers that survive restarts and
// SIGKILL, a store that cannot be written (disk full) at SIGTERM, and stores that must not be used
// (empty, damaged, held by another run). Alarms are counted: emitted, stored, ACKed, duplicated,
// renumbered.

import { openSync, writeFileSync, writeSync, closeSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { uniqueAlarm } from '../../../bench/corpus.js';
import { openSqliteOutbox } from '../../../src/outbox/index.js';
import { decodeStoredAlarm } from '../../../src/service/stored-event.js';
import type { FrameRecord } from '../../../src/transport/index.js';
import { startPortGate } from '../../helpers/port-gate.js';
import { ackedData, serviceConfig, startArc, startHik, startHikArc, type ServiceProcess } from '../../helpers/service-process.js';
import { tempDir } from '../../helpers/temp-files.js';
import { waitFor } from '../../helpers/wait-for.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
});

function storePath(name: string): string {
  return join(tempDir(), `${name}-${Date.now()}-${Math.random().toString(16).slice(2)}.db`);
}

/** Frames of alarms (not NULL tests). */
function alarmFrames(records: readonly FrameRecord[]): FrameRecord[] {
  return records.filter((record) => record.token !== 'NULL' && record.data !== null);
}

function storedRows(path: string): Array<{ account: string; state: string; sequence: number | null; payload: string }> {
  const db = new Database(path, { readonly: true });
  try {
    return db.prepare("SELECT account, state, sequence, payload FROM outbox WHERE destination = 'arc' ORDER BY id").all() as Array<{
      account: string;
      state: string;
      sequence: number | null;
      payload: string;
    }>;
  } finally {
    db.close();
  }
}

function admCidOf(payload: string): string {
  return decodeStoredAlarm(payload)?.message?.admCid ?? '';
}

async function stopped(service: ServiceProcess): Promise<number | null> {
  service.child.kill('SIGTERM');
  return service.exited;
}

function noStackTrace(text: string): void {
  expect(text).not.toMatch(/\n\s+at /);
  expect(text).not.toMatch(/unexpected error/);
}

describe('sequence numbers owned by the store', { timeout: 120_000 }, () => {
  it('continue after a restart instead of starting at 0001 again', async () => {
    const store = storePath('restart');
    const arc = await startArc(cleanups);
    const hik = await startHik(cleanups, { events: [] });
    const config = serviceConfig(hik, arc.receiver.url('tcp'), { store });
    const alarms = Array.from({ length: 6 }, (_, n) => uniqueAlarm(n, 1));
    const first = startHikArc(cleanups, config);
    await waitFor(() => hik.subscribeCount() === 1, 20_000, 'the subscription');
    hik.pushEvents(...alarms.slice(0, 3).map((alarm) => alarm.body));
    await waitFor(() => ackedData(arc.records).length === 3, 20_000, 'three ACKs');
    expect(await stopped(first)).toBe(0);
    const second = startHikArc(cleanups, config);
    await waitFor(() => hik.subscribeCount() === 2, 20_000, 'the second subscription');
    hik.pushEvents(...alarms.slice(3).map((alarm) => alarm.body));
    await waitFor(() => ackedData(arc.records).length === 6, 20_000, 'six ACKs');
    expect(alarmFrames(arc.records).map((record) => record.seq)).toEqual(['0001', '0002', '0003', '0004', '0005', '0006']);
    expect(await stopped(second)).toBe(0);
  });

  it('SIGKILL mid-burst, three times: every stored alarm is ACKed, every repeat has its first number, no number is used for two alarms', async () => {
    const store = storePath('crash');
    // A slow ARC and a narrow window: the burst takes seconds, so the kills land in the middle of it.
    const arc = await startArc(cleanups, { fault: 'delay=150' });
    const hik = await startHik(cleanups, { events: [] });
    const base = serviceConfig(hik, arc.receiver.url('tcp'), { store });
    const config = { ...base, arc: { ...(base['arc'] as Record<string, unknown>), maxInFlight: 6, ackTimeoutMs: 2_000 } };
    const alarms = Array.from({ length: 240 }, (_, n) => uniqueAlarm(n, 12));
    let service = startHikArc(cleanups, config);
    await waitFor(() => hik.subscribeCount() === 1, 20_000, 'the subscription');
    hik.pushEvents(...alarms.map((alarm) => alarm.body));
    await waitFor(() => storedRows(store).length === alarms.length, 20_000, 'every alarm stored');
    for (let kill = 1; kill <= 3; kill++) {
      const before = ackedData(arc.records).length;
      await waitFor(() => ackedData(arc.records).length >= before + 20, 30_000, `deliveries before kill ${kill}`);
      service.child.kill('SIGKILL');
      await service.exited;
      service = startHikArc(cleanups, config);
    }
    await waitFor(() => storedRows(store).every((row) => row.state === 'delivered'), 60_000, 'every stored alarm delivered');
    expect(await stopped(service)).toBe(0);

    const frames = alarmFrames(arc.records);
    const wanted = new Set(alarms.map((alarm) => alarm.payload));
    const acked = new Set(ackedData(arc.records));
    expect([...wanted].filter((payload) => !acked.has(payload))).toEqual([]);
    // Every frame of one alarm carries one number, whichever run sent it.
    const numbersOf = new Map<string, Set<string>>();
    for (const frame of frames) numbersOf.set(frame.data as string, (numbersOf.get(frame.data as string) ?? new Set()).add(frame.seq as string));
    expect([...numbersOf].filter(([, numbers]) => numbers.size !== 1)).toEqual([]);
    // And no number was given to two alarms of one account.
    const alarmsOf = new Map<string, Set<string>>();
    for (const frame of frames) {
      const key = `${frame.account}/${frame.seq}`;
      alarmsOf.set(key, (alarmsOf.get(key) ?? new Set()).add(frame.data as string));
    }
    expect([...alarmsOf].filter(([, data]) => data.size !== 1)).toEqual([]);
    // The store agrees with the wire.
    const stored = storedRows(store);
    for (const row of stored) {
      const payload = admCidOf(row.payload);
      expect(numbersOf.get(payload)).toEqual(new Set([String(row.sequence).padStart(4, '0')]));
    }
    // At each kill, only what was in flight (the window of 6, whose answers the receiver logs as
    // sent) or ACKed but not yet written (outcomes wait 20 ms, longer on a loaded machine) comes again.
    const duplicates = ackedData(arc.records).length - acked.size;
    expect(duplicates).toBeLessThanOrEqual(3 * (6 + 6));
  });
});

describe('a store that cannot be written', { timeout: 120_000 }, () => {
  /** A store filled to its cap (store.maxSizeMB = 1) with delivered rows: the next write is SQLITE_FULL. */
  async function fullStore(): Promise<string> {
    const store = storePath('full');
    const outbox = openSqliteOutbox({ path: store, maxSizeBytes: 1024 * 1024, maxUnstored: 0 });
    for (let i = 0; ; i++) {
      try {
        await outbox.append([{ destination: 'elsewhere', account: 'FFFF', receivedAt: i, payload: 'x'.repeat(8_000) }]);
      } catch {
        break;
      }
      if (outbox.storeHealth().state !== 'ok') break;
    }
    await outbox.close();
    return store;
  }

  it('SIGTERM with the disk full and the ARC down: nothing is dropped silently; every held alarm is logged with its payload, exit 1', async () => {
    const store = await fullStore();
    const hik = await startHik(cleanups, { events: [] });
    // An ARC that is down at an address the test holds: a free port, closed, could be taken meanwhile.
    const arcDown = await startPortGate();
    cleanups.push(() => arcDown.close());
    const config = { ...serviceConfig(hik, arcDown.url, { store, http: '127.0.0.1:0' }), store: { path: store, maxSizeMB: 1 } };
    const service = startHikArc(cleanups, config);
    await waitFor(() => hik.subscribeCount() === 1, 20_000, 'the subscription');
    const alarms = Array.from({ length: 30 }, (_, n) => uniqueAlarm(n, 5));
    hik.pushEvents(...alarms.map((alarm) => alarm.body));
    await waitFor(() => service.logs.some((log) => log['to'] === 'full'), 20_000, 'the store full');
    const exit = await stopped(service);
    expect(exit).toBe(1);
    const lost = service.logs.filter((log) => log['code'] === 'HIKARC_STORE_UNSTORED' && log['payload'] !== undefined);
    expect(lost.length).toBeGreaterThan(0);
    expect(lost.every((log) => log['level'] === 'error')).toBe(true);
    // Every alarm is in the store (the first ones may still have fitted) or in the journal.
    const logged = lost.map((log) => admCidOf(String(log['payload'])));
    const kept = storedRows(store)
      .filter((row) => row.state === 'pending')
      .map((row) => admCidOf(row.payload));
    expect([...logged, ...kept].sort()).toEqual(alarms.map((alarm) => alarm.payload).sort());
    expect(service.logs.some((log) => log['msg'] === 'stopped; nothing waiting')).toBe(false);
  });

  it('disk full with the ARC up: the held alarms are delivered at once, each once, and SIGTERM exits 0', async () => {
    const store = await fullStore();
    const arc = await startArc(cleanups);
    const hik = await startHik(cleanups, { events: [] });
    const config = { ...serviceConfig(hik, arc.receiver.url('tcp'), { store }), store: { path: store, maxSizeMB: 1 } };
    const service = startHikArc(cleanups, config);
    await waitFor(() => hik.subscribeCount() === 1, 20_000, 'the subscription');
    const alarms = Array.from({ length: 30 }, (_, n) => uniqueAlarm(n, 5));
    hik.pushEvents(...alarms.map((alarm) => alarm.body));
    await waitFor(() => ackedData(arc.records).length === alarms.length, 20_000, 'every held alarm delivered');
    expect(new Set(ackedData(arc.records)).size).toBe(alarms.length);
    expect(await stopped(service)).toBe(0);
    // Delivered either way; those that never reached the disk are in the journal.
    const notStored = service.logs
      .filter((log) => log['code'] === 'HIKARC_STORE_UNSTORED' && log['state'] === 'delivered')
      .map((log) => admCidOf(String(log['payload'])));
    const stored = storedRows(store).map((row) => admCidOf(row.payload));
    expect([...notStored, ...stored].sort()).toEqual(alarms.map((alarm) => alarm.payload).sort());
  });
});

describe('stores that must not be used', { timeout: 60_000 }, () => {
  async function refusal(store: string): Promise<{ exit: number | null; stderr: string }> {
    const hik = await startHik(cleanups, { events: [] });
    const service = startHikArc(cleanups, serviceConfig(hik, 'tcp://127.0.0.1:9', { store }));
    const exit = await service.exited;
    return { exit, stderr: service.stderr() };
  }

  it('an empty (0-byte) file: refused with HIKARC_STORE_CORRUPT and the fix, no stack trace', async () => {
    const store = storePath('empty');
    writeFileSync(store, '');
    const { exit, stderr } = await refusal(store);
    expect(exit).toBe(1);
    expect(stderr).toMatch(/HIKARC_STORE_CORRUPT/);
    expect(stderr).toMatch(/empty file/);
    noStackTrace(stderr);
  });

  it('damaged pages: refused with HIKARC_STORE_CORRUPT and how to recover, no stack trace', async () => {
    const store = storePath('damaged');
    const outbox = openSqliteOutbox({ path: store });
    await outbox.append(Array.from({ length: 300 }, (_, i) => ({ destination: 'arc', account: 'ABCD', receivedAt: i, payload: 'y'.repeat(500) })));
    await outbox.close();
    const db = new Database(store);
    db.pragma('wal_checkpoint(TRUNCATE)');
    db.close();
    const fd = openSync(store, 'r+');
    writeSync(fd, Buffer.alloc(8192, 0x5a), 0, 8192, 4096 * 4);
    closeSync(fd);
    const { exit, stderr } = await refusal(store);
    expect(exit).toBe(1);
    expect(stderr).toMatch(/HIKARC_STORE_CORRUPT/);
    expect(stderr).toMatch(/\.recover/);
    noStackTrace(stderr);
  });

  it('a second run on the same store.path exits with HIKARC_STORE_IN_USE naming the first; the first keeps sending', async () => {
    const store = storePath('twice');
    const arc = await startArc(cleanups);
    const hik = await startHik(cleanups, { events: [] });
    const config = serviceConfig(hik, arc.receiver.url('tcp'), { store });
    const first = startHikArc(cleanups, config);
    await waitFor(() => hik.subscribeCount() === 1, 20_000, 'the first subscription');
    const second = startHikArc(cleanups, config);
    expect(await second.exited).toBe(1);
    expect(second.stderr()).toMatch(/HIKARC_STORE_IN_USE/);
    expect(second.stderr()).toMatch(new RegExp(`pid ${first.child.pid ?? 0} on .+ \\(hik-arc run\\), running since`));
    noStackTrace(second.stderr());
    expect(hik.subscribeCount()).toBe(1);
    hik.pushEvents(uniqueAlarm(0, 1).body);
    await waitFor(() => ackedData(arc.records).length === 1, 20_000, 'the first run still delivering');
    expect(await stopped(first)).toBe(0);
  });
});
