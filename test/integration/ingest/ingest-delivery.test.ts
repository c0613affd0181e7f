import { describe, expect, it } from 'vitest';
import type { IngestItem } from '../../../src/ingest/index.js';
import { DEVICE_LIST_URL, eventTypeOf, fixtureDocuments, makeDevices, type FakeHikReceiver } from '../../helpers/fake-hik-receiver.js';
import { counted } from '../../helpers/metric-values.js';
import { cidAlarmDocument, events, perDevice, receiverSuite, type Harness } from './ingest-harness.js';

const DOCUMENTS = fixtureDocuments();
const EXPECTED = DOCUMENTS.filter((document) => eventTypeOf(document) !== 'heartBeat');

const { setup } = receiverSuite();

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function deviceListPositions(receiver: FakeHikReceiver): number[] {
  return receiver.requests
    .filter((request) => request.url === DEVICE_LIST_URL && request.verdict === 'ok')
    .map((request) => (JSON.parse(request.body) as { SearchDescription: { position: number } }).SearchDescription.position);
}

describe('device directory', () => {
  it('pages through 48 devices until totalMatches; config accounts override it', async () => {
    const devices = makeDevices(48);
    const { fake, harness } = await setup({ devices, pageLimit: 20 }, { settings: { accounts: { [devices[0]?.devIndex ?? '']: 'BEEF' } } });
    await harness.waitFor(() => harness.statuses.some((status) => status.type === 'directory'), 'the first device list');
    expect(harness.statuses).toContainEqual({ type: 'directory', ok: true, outcome: 'ok', devices: 48 });
    expect(deviceListPositions(fake)).toEqual([0, 20, 40]);
    const { directory } = harness.ingest;
    expect(directory.accountFor(devices[47]?.devIndex ?? null, null)).toBe('1047');
    expect(directory.accountFor(devices[20]?.devIndex.toUpperCase() ?? null, null)).toBe('1020');
    expect(directory.accountFor(null, devices[33]?.devSerial ?? null)).toBe('1033');
    expect(directory.accountFor(devices[0]?.devIndex ?? null, null)).toBe('BEEF');
    expect(directory.accountFor('not-a-device', null)).toBeUndefined();
    expect(await harness.metrics.value('hik_arc_ingest_directory_devices')).toBe(48);
  });

  it('an event from a device added after the last refresh waits for a refresh and gets its account; a second unknown device within the minute does not refresh again', async () => {
    const devices = makeDevices(5);
    const added = makeDevices(2, 'new');
    const seenAccounts: Array<string | undefined> = [];
    let ingestRef: Harness | undefined;
    const { fake, harness } = await setup(
      { devices },
      {
        consumer: async (batch: readonly IngestItem[]) => {
          for (const item of batch) {
            if (item.kind === 'event') seenAccounts.push(ingestRef?.ingest.directory.accountFor(item.event.devIndex, item.event.deviceSerial));
          }
        },
      },
    );
    ingestRef = harness;
    await harness.waitFor(() => harness.statuses.some((status) => status.type === 'directory'), 'the first device list');
    expect(deviceListPositions(fake)).toEqual([0]);

    fake.addDevice(added[0] as (typeof added)[number]);
    fake.pushEvents(cidAlarmDocument(devices[1]?.devIndex ?? ''), cidAlarmDocument(added[0]?.devIndex ?? ''));
    await harness.waitFor(() => harness.items.length >= 2, 'both events');
    expect(seenAccounts).toEqual(['1001', '1000']);
    expect(deviceListPositions(fake)).toEqual([0, 0]);

    fake.addDevice(added[1] as (typeof added)[number]);
    fake.pushEvents(cidAlarmDocument(added[1]?.devIndex ?? ''));
    await harness.waitFor(() => harness.items.length >= 3, 'the third event');
    // rate limited: delivered without waiting, the device list was not asked again
    expect(seenAccounts[2]).toBeUndefined();
    expect(deviceListPositions(fake)).toEqual([0, 0]);
  });

  it('refreshes every directoryRefreshSec; a failed refresh keeps the last good list', async () => {
    const devices = makeDevices(3);
    const { fake, harness } = await setup({ devices }, { settings: { directoryRefreshMs: 250 } });
    await harness.waitFor(() => deviceListPositions(fake).length >= 3, 'three refreshes', 5000);
    fake.addDevice(makeDevices(1, 'late')[0] as (typeof devices)[number]);
    await harness.waitFor(() => harness.ingest.directory.accountFor(makeDevices(1, 'late')[0]?.devIndex ?? null, null) === '1000', 'the late device');
    // the receiver starts refusing the list: the old mapping stays
    fake.setAuthFault({ type: 'lock-info', status: 403, attemptsLeft: 0, locked: true });
    await harness.waitFor(() => harness.statuses.some((status) => status.type === 'directory' && !status.ok), 'a failed refresh', 5000);
    expect(harness.ingest.directory.accountFor(devices[2]?.devIndex ?? null, null)).toBe('1002');
  });

  it('an event carrying a valid deviceID does not wait for the directory', async () => {
    const { fake, harness } = await setup({ devices: [] });
    await harness.waitFor(() => harness.statuses.some((status) => status.type === 'directory'), 'the first device list');
    fake.pushEvents(
      JSON.stringify({ EventNotificationAlert: { devIndex: 'unknown-device', deviceID: '4321', eventType: 'CIDAlarm', CIDAlarm: { CIDCode: '1103' } } }),
    );
    await harness.waitFor(() => harness.items.length >= 1, 'the event');
    expect(deviceListPositions(fake)).toEqual([0]);
  });
});

describe('delivery to the next stage', () => {
  it('a slow consumer that sometimes fails neither kills the stream nor reorders, drops or repeats events', async () => {
    const attempts = new Map<string, number>();
    const { fake, harness } = await setup(
      { events: DOCUMENTS, eventIntervalMs: 5 },
      {
        settings: { heartbeatTimeoutMs: 400 },
        // All or none, like the store: a batch holding event 3 fails once, one holding event 7 twice.
        consumer: async (batch) => {
          await sleep(25);
          let fail = false;
          for (const item of batch) {
            const key = item.kind === 'event' ? item.raw : item.state;
            const attempt = (attempts.get(key) ?? 0) + 1;
            attempts.set(key, attempt);
            const index = EXPECTED.indexOf(key);
            if ((index === 3 && attempt === 1) || (index === 7 && attempt <= 2)) fail = true;
          }
          if (fail) throw new Error('store is busy');
        },
      },
    );
    await harness.waitFor(() => harness.items.length >= EXPECTED.length, 'every event', 15_000);
    expect(events(harness.items)).toHaveLength(EXPECTED.length);
    expect(perDevice(events(harness.items).map((item) => item.raw))).toEqual(perDevice(EXPECTED));
    expect(fake.subscribeCount()).toBe(1);
    const failures = await counted(harness.metrics, 'hik_arc_ingest_consumer_failures_total');
    expect(failures).toBeGreaterThanOrEqual(2);
    expect(failures).toBeLessThanOrEqual(3);
    expect(harness.logs.filter((line) => line.code === 'HIKARC_INGEST_CONSUMER_FAILED')).toHaveLength(failures);
  });

  it('items still queued at the stop deadline are logged with their raw text, not silently lost', async () => {
    const { harness } = await setup(
      { events: DOCUMENTS.slice(0, 3) },
      {
        settings: { stopTimeoutMs: 400 },
        consumer: async () => {
          throw new Error('store is down');
        },
      },
    );
    await harness.waitFor(() => harness.logs.some((line) => line.code === 'HIKARC_INGEST_CONSUMER_FAILED'), 'a failure');
    await harness.waitFor(() => harness.ingest.health().queueDepth === 3, 'three queued');
    await harness.stop();
    const lost = harness.logs.filter((line) => line.code === 'HIKARC_INGEST_UNDELIVERED_AT_STOP');
    expect(perDevice(lost.map((line) => String(line['raw'])))).toEqual(perDevice(DOCUMENTS.slice(0, 3)));
    expect(harness.statuses.at(-1)).toEqual({ type: 'stopped', undelivered: 3 });
  });
});

describe('upstream link reporting', () => {
  it('a stream down for linkLossReportSec raises one E350/YC for receiver.account, and R350/YK when it is back, before its events', async () => {
    const { fake, harness } = await setup(
      {
        events: DOCUMENTS.slice(0, 3),
        faults: [{ type: 'stall', afterEvents: 0 }, ...Array.from({ length: 6 }, () => ({ type: 'refuse', answer: 'busy' }) as const)],
      },
      { settings: { heartbeatTimeoutMs: 300, linkLossReportMs: 500 }, random: () => 1 },
    );
    await harness.waitFor(() => harness.items.length >= 5, 'fault, restore and events', 15_000);
    const [fault, restore, ...rest] = harness.items;
    expect(fault).toMatchObject({ kind: 'link', state: 'fault', account: 'AAAA' });
    expect(restore).toMatchObject({ kind: 'link', state: 'restore', account: 'AAAA' });
    expect(perDevice(rest.map((item) => (item.kind === 'event' ? item.raw : item.state)))).toEqual(perDevice(DOCUMENTS.slice(0, 3)));
    expect(harness.statuses.filter((status) => status.type === 'link-alarm')).toEqual([
      { type: 'link-alarm', state: 'fault', delivered: true },
      { type: 'link-alarm', state: 'restore', delivered: true },
    ]);
    expect(fake.subscribeCount()).toBe(8);
    expect(harness.ingest.health()).toMatchObject({ link: 'up', linkFaultReported: false });
  });

  it('without receiver.account the fault is logged as unreportable, never dropped silently', async () => {
    const { harness } = await setup(
      { faults: Array.from({ length: 50 }, () => ({ type: 'refuse', answer: 'busy' }) as const) },
      { settings: { account: '', linkLossReportMs: 300 } },
    );
    await harness.waitFor(() => harness.logs.some((line) => line.code === 'HIKARC_INGEST_LINK_NO_ACCOUNT'), 'the unreportable fault');
    expect(harness.items).toEqual([]);
    expect(harness.statuses).toContainEqual({ type: 'link-alarm', state: 'fault', delivered: false });
    expect(await counted(harness.metrics, 'hik_arc_ingest_link_alarms_total', { state: 'fault', delivered: 'false' })).toBe(1);
  });
});
