// `hik-arc events` over a store written here: a dead letter is shown with the device it came from
// and its reason; --since and --last choose the history; a store that is not there is refused.

import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseSince } from '../../../src/commands/events.js';
import { runCli } from '../../../src/cli.js';
import { capture, runCommand } from '../../helpers/run-cli.js';
import { waitFor } from '../../helpers/wait-for.js';
import { tempDir, writeTempJson } from '../../helpers/temp-files.js';
import { storeWithDeadLetters } from '../../helpers/dead-letter-store.js';

async function storeWithDeadLetter(): Promise<string> {
  return (await storeWithDeadLetters('events')).path;
}

describe('hik-arc events', () => {
  it('shows a dead letter with its device and reason', async () => {
    const config = writeTempJson({ store: { path: await storeWithDeadLetter() } });
    const run = await runCommand(['events', '--json', '--config', config]);
    expect(run.code).toBe(0);
    expect(run.lines).toEqual([
      expect.objectContaining({ event: 'received', id: 1, account: null, eventType: 'CIDAlarm', devIndex: 'new-panel', at: '2026-01-01T00:00:00.000Z' }),
      expect.objectContaining({ event: 'dead', id: 1, reason: 'no-account: no account for device new-panel' }),
    ]);
    const text = await runCommand(['events', '--config', config]);
    expect(text.stdout).toMatch(/#1 {2}dead {7}- +CIDAlarm from new-panel {2}kept as a dead letter: no-account: no account for device new-panel/);
  });

  it('takes --since as a time or an age, and --last', async () => {
    const config = writeTempJson({ store: { path: await storeWithDeadLetter() } });
    expect((await runCommand(['events', '--json', '--since', '2030-01-01T00:00:00Z', '--config', config])).lines).toEqual([]);
    expect((await runCommand(['events', '--json', '--since', '2025-12-31T00:00:00Z', '--config', config])).lines).toHaveLength(2);
    expect((await runCommand(['events', '--json', '--last', '0', '--config', config])).lines).toEqual([]);
    expect((await runCommand(['events', '--since', 'yesterday', '--config', config])).code).toBe(64);
    expect((await runCommand(['events', '--since', '1h', '--last', '3', '--config', config])).code).toBe(64);
    expect(parseSince('15m', 1_000_000_000)).toBe(1_000_000_000 - 900_000);
    expect(parseSince('2d', 1_000_000_000)).toBe(1_000_000_000 - 2 * 86_400_000);
  });

  it('--follow shows a dead letter requeued after a config fix', async () => {
    const path = await storeWithDeadLetter();
    const stop = new AbortController();
    const view = capture(stop.signal);
    const following = runCli(['events', '--follow', '--json', '--config', writeTempJson({ store: { path } })], view.io);
    await waitFor(() => view.lines().length === 2, 5_000, 'the history');
    expect((await runCommand(['requeue', '--all', '--config', writeTempJson({ store: { path }, accounts: { 'new-panel': 'beef' } })])).code).toBe(0);
    await waitFor(() => view.lines().length === 3, 5_000, 'the requeue');
    expect(view.lines()[2]).toMatchObject({ event: 'requeued', id: 1, account: 'BEEF', cid: 'E130' });
    stop.abort();
    expect(await following).toBe(0);
  });

  it('refuses a store that is not there (exit 78)', async () => {
    const run = await runCommand(['events', '--config', writeTempJson({ store: { path: join(tempDir(), 'nowhere', 'x.db') } })]);
    expect(run.code).toBe(78);
    expect(run.stderr).toContain('HIK_ARC_STORE_PATH');
  });
});
