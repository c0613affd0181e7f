// `hik-arc events --follow` beside a running `hik-arc run` (a real process): the fake receiver's
// events are shown as received and as delivered, with the ARC's path and sequence number, read
// from the service's store while the service writes it.

import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from '../../../src/cli.js';
import { capture } from '../../helpers/run-cli.js';
import { ackedData, serviceConfig, startArc, startHik, startHikArc, type Cleanups } from '../../helpers/service-process.js';
import { tempDir, writeTempJson } from '../../helpers/temp-files.js';
import { waitFor } from '../../helpers/wait-for.js';
import { existsSync } from 'node:fs';

const cleanups: Cleanups = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
});

const LIVE = JSON.stringify({
  EventNotificationAlert: { eventType: 'CIDAlarm', eventState: 'active', deviceID: '4321', CIDAlarm: { CIDCode: '1130', zoneNo: 42, subSys: 2 } },
});

describe('hik-arc events --follow', { timeout: 60_000 }, () => {
  it('shows what the running service receives and delivers, live, from its store', async () => {
    const arc = await startArc(cleanups);
    const hik = await startHik(cleanups, { events: [] });
    const store = join(tempDir(), `events-${Date.now()}.db`);
    startHikArc(cleanups, serviceConfig(hik, arc.receiver.url('tcp'), { store }));
    await waitFor(() => existsSync(store) && hik.subscribeCount() > 0, 20_000, 'the service subscribed with its store');

    const stop = new AbortController();
    const view = capture(stop.signal);
    const config = writeTempJson({ store: { path: store }, log: { level: 'silent' } });
    const following = runCli(['events', '--follow', '--json', '--config', config], view.io);
    cleanups.push(async () => {
      stop.abort();
      await following;
    });
    await waitFor(() => view.stderr().includes('following'), 10_000, 'the follow to start');

    hik.pushEvents(LIVE);
    await waitFor(() => view.lines().some((line) => line['event'] === 'delivered' && line['account'] === '4321'), 20_000, 'the live alarm shown as delivered');
    const lines = view.lines().filter((line) => line['account'] === '4321');
    expect(lines.map((line) => line['event'])).toEqual(['received', 'delivered']);
    expect(lines[0]).toMatchObject({ cid: 'E130', sia: 'BA', partition: 2, zone: 42, eventType: 'CIDAlarm', source: 'stream' });
    expect(lines[1]).toMatchObject({ via: 'primary', sequence: '0001', attempts: 1, reason: null });
    expect(ackedData(arc.records)).toContain('#4321|1130 02 042');

    stop.abort();
    expect(await following).toBe(0);

    // Without --follow: the history, as text, one line per happening.
    const history = capture();
    expect(await runCli(['events', '--config', config], history.io)).toBe(0);
    expect(history.stdout()).toMatch(/^\S+Z {2}#\d+ {2}received {3}4321 +E130 BA partition 2 zone 42/m);
    expect(history.stdout()).toMatch(
      /^\S+Z {2}#\d+ {2}delivered {2}4321 +E130 BA partition 2 zone 42 .* via primary seq 0001, 1 attempt\(s\), \d+ ms after it was received$/m,
    );
  });
});
