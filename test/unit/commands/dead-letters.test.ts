// Dead letters are listed with their reason and, after a config fix, sent again with the account
// the new config gives them.

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ARC_DESTINATION, decodeStoredEvent } from '../../../src/service/stored-event.js';
import { openSqliteOutbox } from '../../../src/outbox/index.js';
import { runCommand } from '../../helpers/run-cli.js';
import { tempDir, writeTempJson } from '../../helpers/temp-files.js';
import { storeWithDeadLetters } from '../../helpers/dead-letter-store.js';

async function storeWithDeadLetter(): Promise<{ path: string; id: number }> {
  const { path, ids } = await storeWithDeadLetters('dead');
  return { path, id: ids[0] as number };
}

describe('hik-arc dead-letters', () => {
  it('lists each dead letter with its reason', async () => {
    const { path, id } = await storeWithDeadLetter();
    const run = await runCommand(['dead-letters', '--json', '--config', writeTempJson({ store: { path } })]);
    expect(run.code).toBe(0);
    expect(run.lines).toEqual([
      expect.objectContaining({
        id,
        account: null,
        eventType: 'CIDAlarm',
        devIndex: 'new-panel',
        reason: 'no-account: no account for device new-panel',
        receivedAt: '2026-01-01T00:00:00.000Z',
      }),
    ]);
    const table = await runCommand(['dead-letters', '--config', writeTempJson({ store: { path } })]);
    expect(table.stdout).toMatch(/1 dead letter\(s\)/);
  });
});

describe('hik-arc requeue', () => {
  it('leaves a dead letter dead while the config still has no account for it', async () => {
    const { path, id } = await storeWithDeadLetter();
    const run = await runCommand(['requeue', String(id), '--config', writeTempJson({ store: { path } })]);
    expect(run.code).toBe(1);
    expect(run.lines).toEqual([{ id, requeued: false, reason: expect.stringContaining('no-account') }]);
  });

  it('sends it again, translated with the fixed config', async () => {
    const { path, id } = await storeWithDeadLetter();
    const run = await runCommand(['requeue', '--all', '--config', writeTempJson({ store: { path }, accounts: { 'new-panel': 'beef' } })]);
    expect(run.code).toBe(0);
    expect(run.lines).toEqual([{ id, requeued: true, account: 'BEEF' }]);
    const outbox = openSqliteOutbox({ path });
    // The requeue left the number to the process that sends: it gives one and writes it first.
    await new Promise((resolve) => setTimeout(resolve, 20));
    const [entry] = outbox.next(ARC_DESTINATION, 10, Date.now());
    expect(entry).toMatchObject({ id, account: 'BEEF', sequence: 1 });
    expect(decodeStoredEvent(entry?.payload ?? '', outbox.attachment(id))?.message).toMatchObject({ admCid: '#BEEF|1130 00 004' });
    await outbox.close();
  });

  it('says so for an id that is no dead letter, and needs ids or --all', async () => {
    const { path } = await storeWithDeadLetter();
    const config = writeTempJson({ store: { path } });
    expect((await runCommand(['requeue', '999', '--config', config])).lines).toEqual([{ id: 999, requeued: false, reason: 'not a dead letter' }]);
    expect((await runCommand(['requeue', '--config', config])).code).toBe(64);
    expect((await runCommand(['requeue', '--all', '7', '--config', config])).code).toBe(64);
  });
});

describe('commands that read the store', () => {
  // A shell lacks the unit's HIK_ARC_STORE_PATH: an empty database made at the default path would
  // say "0 dead letters" about a store that was never looked at.
  it('refuse a store.path that does not exist, naming it and its variable, with exit 78', async () => {
    const missing = join(tempDir(), `missing-${process.pid}`, 'hik-arc.db');
    const config = writeTempJson({ store: { path: missing }, media: { publicUrl: 'https://arc.example', secret: 'x'.repeat(32) } });
    for (const argv of [
      ['dead-letters', '--config', config],
      ['requeue', '--all', '--config', config],
      ['media', 'link', '--alarm', '1', '--config', config],
    ]) {
      const run = await runCommand(argv);
      expect(run.code, argv.join(' ')).toBe(78);
      expect(run.stderr).toContain(missing);
      expect(run.stderr).toContain('HIK_ARC_STORE_PATH');
      expect(run.stderr).toContain('HIKARC_STORE_MISSING');
    }
    expect(existsSync(missing)).toBe(false);
    const fromEnv = await runCommand(['dead-letters'], { HIK_ARC_STORE_PATH: missing });
    expect(fromEnv.code).toBe(78);
    expect(fromEnv.stderr).toContain('from HIK_ARC_STORE_PATH');
  });
});
