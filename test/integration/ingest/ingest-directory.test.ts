// The receiver's device list from receivers that misbehave the way field devices do: broken JSON,
// paging fields left out, position ignored, answers that trickle or never come, a restart during a
// receiver fault; and events of unknown devices, which must never hold up known ones.

import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { IngestItem } from '../../../src/ingest/index.js';
import { DEVICE_LIST_URL, makeDevices, type FakeHikReceiver } from '../../helpers/fake-hik-receiver.js';
import { counted } from '../../helpers/metric-values.js';
import { events, receiverSuite, startIngest, type Harness } from './ingest-harness.js';

const suite = receiverSuite();
const { setup } = suite;

let cacheDir: string | undefined;
afterEach(() => {
  if (cacheDir !== undefined) rmSync(cacheDir, { recursive: true, force: true });
  cacheDir = undefined;
});

function cachePath(): string {
  cacheDir ??= mkdtempSync(join(tmpdir(), 'hik-arc-devices-'));
  return join(cacheDir, 'hik-arc.devices.json');
}

function deviceListRequests(receiver: FakeHikReceiver): Array<{ position: number; at: number }> {
  return receiver.requests
    .filter((request) => request.url === DEVICE_LIST_URL && request.verdict === 'ok')
    .map((request) => ({ position: (JSON.parse(request.body) as { SearchDescription: { position: number } }).SearchDescription.position, at: request.at }));
}

function directoryStatuses(h: Harness): Array<Extract<Harness['statuses'][number], { type: 'directory' }>> {
  return h.statuses.filter((status): status is Extract<Harness['statuses'][number], { type: 'directory' }> => status.type === 'directory');
}

// A CID alarm without deviceID: its account can only come from the device list (28 of the guide's
// 32 examples look like this).
function alarmFrom(devIndex: string, zone = 1): string {
  return JSON.stringify({
    EventNotificationAlert: {
      dateTime: '2024-05-01T10:00:00+02:00',
      devIndex,
      eventType: 'CIDAlarm',
      eventState: 'active',
      CIDAlarm: { CIDCode: '1130', zoneNo: zone, CIDParam: '-1,-1,1,-1,-1,-1,-1,NONE' },
    },
  });
}

describe('device list answers that are not what the guide promises', () => {
  it('a list with one missing comma (as in the guide example A.41) is read, not rejected whole', async () => {
    const devices = makeDevices(4);
    const { harness } = await setup({ devices, deviceList: { missingComma: true } });
    await harness.waitFor(() => directoryStatuses(harness).length > 0, 'the first device list');
    expect(directoryStatuses(harness)[0]).toMatchObject({ ok: true, devices: 4 });
    expect(harness.ingest.directory.accountFor(devices[0]?.devIndex ?? null, null)).toBe('1000');
    expect(harness.ingest.directory.accountFor(devices[3]?.devIndex ?? null, null)).toBe('1003');
  });

  it('numOfMatches and responseStatusStrg "MORE" without totalMatches: paging goes on until the receiver says OK', async () => {
    const devices = makeDevices(5000);
    const { fake, harness } = await setup({ devices, pageLimit: 30, deviceList: { omitTotalMatches: true } }, { settings: { directoryPageSize: 50 } });
    await harness.waitFor(() => directoryStatuses(harness).length > 0, 'the device list', 20_000);
    expect(directoryStatuses(harness)[0]).toMatchObject({ ok: true, devices: 5000 });
    expect(harness.ingest.directory.accountFor(devices[4999]?.devIndex ?? null, null)).toBe(String(1000 + 4999));
    const positions = deviceListRequests(fake).map((request) => request.position);
    expect(positions.slice(0, 3)).toEqual([0, 30, 60]);
    expect(positions.at(-1)).toBe(4980);
  });

  it('neither totalMatches nor responseStatusStrg: pages are read until one comes back empty', async () => {
    const devices = makeDevices(75);
    const { fake, harness } = await setup({ devices, pageLimit: 30, deviceList: { omitTotalMatches: true, omitStatusString: true } });
    await harness.waitFor(() => directoryStatuses(harness).length > 0, 'the device list');
    expect(directoryStatuses(harness)[0]).toMatchObject({ ok: true, devices: 75 });
    expect(deviceListRequests(fake).map((request) => request.position)).toEqual([0, 30, 60, 75]);
  });

  it('a receiver that ignores position: devices are counted once, paging stops at the first repeated page with a warning, and the read is partial', async () => {
    const devices = makeDevices(5000);
    const { fake, harness } = await setup({ devices, pageLimit: 30, deviceList: { ignorePosition: true } });
    await harness.waitFor(() => directoryStatuses(harness).length > 0, 'the device list', 20_000);
    expect(directoryStatuses(harness)[0]).toMatchObject({ ok: false, outcome: 'partial', devices: 30 });
    expect(deviceListRequests(fake)).toHaveLength(2);
    const warning = harness.logs.find((line) => line.code === 'HIKARC_RECEIVER_DIRECTORY_PARTIAL');
    expect(warning).toMatchObject({ level: 'warn', devices: 30, totalMatches: 5000 });
    expect(harness.logs.some((line) => line.msg === 'device list read')).toBe(false);
    // what was read is used (better than the fallback account), not counted as a good list
    expect(harness.ingest.directory.accountFor(devices[29]?.devIndex ?? null, null)).toBe('1029');
    expect(await counted(harness.metrics, 'hik_arc_ingest_directory_refreshes_total', { outcome: 'partial' })).toBe(1);
  });

  it('a partial read never replaces the last good list', async () => {
    const devices = makeDevices(90);
    const { fake, harness } = await setup({ devices, pageLimit: 30 }, { settings: { directoryRefreshMs: 300 } });
    await harness.waitFor(() => directoryStatuses(harness).some((status) => status.ok), 'a good list');
    fake.setDeviceList({ ignorePosition: true });
    await harness.waitFor(() => directoryStatuses(harness).some((status) => status.outcome === 'partial'), 'a partial read', 5000);
    // devices beyond the first page are still mapped from the last good list
    expect(harness.ingest.directory.accountFor(devices[89]?.devIndex ?? null, null)).toBe(String(1000 + 89));
    expect(harness.ingest.directory.accountFor(devices[45]?.devIndex ?? null, null)).toBe(String(1000 + 45));
  });

  it('a receiver that suddenly lists no devices does not wipe the list', async () => {
    const devices = makeDevices(5);
    const { fake, harness } = await setup({ devices }, { settings: { directoryRefreshMs: 200 } });
    await harness.waitFor(() => directoryStatuses(harness).some((status) => status.ok), 'a good list');
    fake.setDeviceList({ listNone: true });
    await harness.waitFor(() => directoryStatuses(harness).some((status) => status.outcome === 'partial'), 'the empty read', 3000);
    expect(harness.logs.find((line) => line.code === 'HIKARC_RECEIVER_DIRECTORY_PARTIAL')).toMatchObject({
      why: 'the receiver listed no devices',
      lastGoodDevices: 5,
    });
    expect(harness.ingest.directory.accountFor(devices[3]?.devIndex ?? null, null)).toBe('1003');
  });
});

describe('the last good device list on disk', () => {
  it('is written after a complete read and used at the next start while the receiver cannot give the list', async () => {
    const devices = makeDevices(6);
    const file = cachePath();
    const { fake, harness } = await setup({ devices }, { settings: { directoryCachePath: file } });
    await harness.waitFor(() => directoryStatuses(harness).some((status) => status.ok), 'a good list');
    await harness.waitFor(() => existsSync(file), 'the list on disk');
    const saved = JSON.parse(readFileSync(file, 'utf8')) as { devices: unknown[] };
    expect(saved.devices).toHaveLength(6);
    await harness.stop();

    // Restart during a receiver fault: the list request fails, the stream works.
    fake.setDeviceList({ status: 503 });
    const delivered: Array<string | undefined> = [];
    let second: Harness | undefined;
    second = startIngest(fake, {
      settings: { directoryCachePath: file },
      consumer: async (batch: readonly IngestItem[]) => {
        for (const item of batch) if (item.kind === 'event') delivered.push(second?.ingest.directory.accountFor(item.event.devIndex, item.event.deviceSerial));
      },
    });
    suite.track({ harness: second });
    await second.waitFor(() => directoryStatuses(second as Harness).length > 0, 'the failed refresh');
    expect(directoryStatuses(second)[0]).toMatchObject({ ok: false, outcome: 'failed' });
    fake.pushEvents(alarmFrom(devices[4]?.devIndex ?? ''));
    await second.waitFor(() => delivered.length >= 1, 'the alarm');
    expect(delivered).toEqual(['1004']);
    expect(second.logs.some((line) => line.msg === 'device list read from disk' && line['devices'] === 6)).toBe(true);
  });

  it('a failed or partial read does not overwrite the file', async () => {
    const devices = makeDevices(40);
    const file = cachePath();
    const { fake, harness } = await setup({ devices, pageLimit: 30 }, { settings: { directoryCachePath: file, directoryRefreshMs: 250 } });
    await harness.waitFor(() => existsSync(file), 'the list on disk');
    const before = readFileSync(file, 'utf8');
    fake.setDeviceList({ ignorePosition: true });
    await harness.waitFor(() => directoryStatuses(harness).some((status) => status.outcome === 'partial'), 'a partial read', 5000);
    fake.setDeviceList({ status: 500 });
    await harness.waitFor(() => directoryStatuses(harness).some((status) => status.outcome === 'failed'), 'a failed read', 5000);
    expect(readFileSync(file, 'utf8')).toBe(before);
  });
});

describe('a device list that takes too long', () => {
  it('an answer trickled a byte at a time ends at the hard deadline, and the periodic refresh runs again', async () => {
    const devices = makeDevices(3);
    const { fake, harness } = await setup({ devices }, { settings: { requestTimeoutMs: 600, directoryRefreshMs: 300 } });
    await harness.waitFor(() => directoryStatuses(harness).some((status) => status.ok), 'the first list');
    fake.setDeviceList({ trickleByteMs: 40 });
    const startedAt = Date.now();
    await harness.waitFor(() => directoryStatuses(harness).some((status) => status.outcome === 'failed'), 'the deadline to end the trickled read', 4000);
    expect(Date.now() - startedAt).toBeLessThan(2500);
    const failed = harness.logs.find((line) => line.code === 'HIKARC_RECEIVER_DIRECTORY_FAILED');
    expect(String(failed?.['err'])).toMatch(/600 ms/);
    // the refresh after it is asked for again, and the last good list stays meanwhile
    const requestsAfterTrickle = (): number => deviceListRequests(fake).filter((request) => request.at >= startedAt).length;
    await harness.waitFor(() => requestsAfterTrickle() >= 2, 'the next periodic refresh', 4000);
    expect(harness.ingest.directory.accountFor(devices[2]?.devIndex ?? null, null)).toBe('1002');
  });
});

describe('events of devices the list does not know yet', () => {
  it('wait at most once per refresh, in their own queue; alarms of known devices go out at once', async () => {
    const devices = makeDevices(3);
    const delivered: Array<{ raw: string; at: number }> = [];
    const { fake, harness } = await setup(
      { devices },
      {
        settings: { unknownDeviceWaitMs: 400, unknownDeviceRefreshMinMs: 0 },
        consumer: async (batch) => {
          for (const item of batch) if (item.kind === 'event') delivered.push({ raw: item.raw, at: Date.now() });
        },
      },
    );
    await harness.waitFor(() => directoryStatuses(harness).some((status) => status.ok), 'the first list');
    // The receiver is slow to list devices from now on.
    fake.setDeviceList({ delayMs: 5000 });
    const unknown = Array.from({ length: 30 }, (_, i) => alarmFrom(`new-device-${i}`, i + 1));
    const burglary = alarmFrom(devices[1]?.devIndex ?? '', 7);
    const pushedAt = Date.now();
    fake.pushEvents(...unknown, burglary);
    await harness.waitFor(() => delivered.length >= 31, 'every event', 10_000);
    const burglaryAt = delivered.find((entry) => entry.raw === burglary)?.at ?? Number.POSITIVE_INFINITY;
    // the known device's alarm did not queue behind the unknown ones
    expect(burglaryAt - pushedAt).toBeLessThan(350);
    expect(delivered.findIndex((entry) => entry.raw === burglary)).toBe(0);
    // the unknown ones waited once, together, and kept their order
    const unknownTimes = delivered.filter((entry) => entry.raw !== burglary).map((entry) => entry.at - pushedAt);
    expect(Math.max(...unknownTimes)).toBeLessThan(1500);
    expect(delivered.filter((entry) => entry.raw !== burglary).map((entry) => entry.raw)).toEqual(unknown);
    expect(events(harness.items)).toHaveLength(31);
  });

  it('an unknown device still waits for the refresh it asked for and gets its account', async () => {
    const devices = makeDevices(3);
    const added = { ...(makeDevices(1, 'late')[0] as (typeof devices)[number]), accountID: 'ABCD' };
    const accounts: Array<string | undefined> = [];
    let ref: Harness | undefined;
    const { fake, harness } = await setup(
      { devices },
      {
        settings: { unknownDeviceWaitMs: 2000, unknownDeviceRefreshMinMs: 0 },
        consumer: async (batch) => {
          for (const item of batch) if (item.kind === 'event') accounts.push(ref?.ingest.directory.accountFor(item.event.devIndex, item.event.deviceSerial));
        },
      },
    );
    ref = harness;
    await harness.waitFor(() => directoryStatuses(harness).some((status) => status.ok), 'the first list');
    fake.addDevice(added);
    fake.setDeviceList({ delayMs: 200 });
    fake.pushEvents(alarmFrom(added.devIndex), alarmFrom(devices[0]?.devIndex ?? ''));
    await harness.waitFor(() => accounts.length >= 2, 'both events');
    // the known device first, the late one once the list knew it
    expect(accounts).toEqual(['1000', 'ABCD']);
  });
});
