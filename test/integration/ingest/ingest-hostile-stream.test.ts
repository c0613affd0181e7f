// The event stream from a receiver that misbehaves: a 2xx answer that is no multipart stream, a
// login that never finishes, pictures trickled slower than the heartbeat timeout, alarms under the
// wrong Content-Type, floods of junk, documents cut in the middle of a number.

import { describe, expect, it } from 'vitest';
import { framedPart, type TrickledPart } from '../../helpers/fake-hik-receiver.js';
import { ManualClock } from '../../helpers/manual-clock.js';
import { counted } from '../../helpers/metric-values.js';
import { events, receiverSuite } from './ingest-harness.js';

const { setup } = receiverSuite();

function alarm(deviceId: string, zone: number): string {
  return JSON.stringify({
    EventNotificationAlert: {
      dateTime: '2024-05-01T10:00:00+02:00',
      deviceID: deviceId,
      eventType: 'CIDAlarm',
      eventState: 'active',
      CIDAlarm: { CIDCode: '1130', zoneNo: zone, CIDParam: '-1,-1,1,-1,-1,-1,-1,NONE' },
    },
  });
}

const ALARMS = Array.from({ length: 8 }, (_, i) => alarm('1234', i + 1));

function trickled(part: Buffer, chunks: number, intervalMs: number): TrickledPart {
  return { trickle: part, chunkBytes: Math.ceil(part.length / chunks), intervalMs };
}

describe('a subscription answer is judged on its headers', () => {
  it('2xx with Content-Type text/plain: an error line with its own code, counted, subscribed again with backoff', async () => {
    const { fake, harness } = await setup({ events: ALARMS, faults: [{ type: 'content-type', contentType: 'text/plain' }] });
    await harness.waitFor(() => events(harness.items).length >= 8, 'the 8 alarms on the next subscription', 5000);
    expect(events(harness.items).map((item) => item.raw)).toEqual(ALARMS);
    expect(harness.statuses).toContainEqual({ type: 'refused', kind: 'not-multipart', code: 'HIKARC_RECEIVER_BAD_RESPONSE', httpStatus: 200 });
    const line = harness.logs.find((entry) => entry.code === 'HIKARC_RECEIVER_BAD_RESPONSE');
    expect(line).toMatchObject({ level: 'error', contentType: 'text/plain' });
    expect(await counted(harness.metrics, 'hik_arc_ingest_subscribe_failures_total', { reason: 'refused' })).toBe(1);
    expect(harness.statuses.filter((status) => status.type === 'backoff')).toHaveLength(1);
    expect(fake.subscribeCount()).toBe(2);
  });

  it('the watchdog covers the connecting phase: a login answer that never ends is dropped after the heartbeat timeout', async () => {
    const { harness } = await setup(
      { events: ALARMS.slice(0, 2), authFault: { type: 'slow-challenge', byteIntervalMs: 50, count: 1 } },
      { settings: { heartbeatTimeoutMs: 400 } },
    );
    await harness.waitFor(() => events(harness.items).length >= 2, 'the alarms after the stuck login', 5000);
    const lost = harness.statuses.find((status) => status.type === 'stream-lost');
    expect(lost).toEqual({ type: 'stream-lost', reason: 'stalled', code: 'HIKARC_INGEST_HEARTBEAT_TIMEOUT' });
    expect(harness.logs.find((entry) => entry.code === 'HIKARC_INGEST_HEARTBEAT_TIMEOUT')).toMatchObject({ phase: 'connecting' });
  });
});

describe('liveness counts bytes, not parts', () => {
  it('a picture trickled over longer than the heartbeat timeout keeps the stream, and the alarms behind it arrive', async () => {
    const picture = framedPart(Buffer.alloc(120 * 1024, 0xd8), 'image/jpeg');
    const { fake, harness } = await setup(
      { events: [ALARMS[0] as string, trickled(picture, 30, 50), ALARMS[1] as string, ALARMS[2] as string] },
      { settings: { heartbeatTimeoutMs: 400 } },
    );
    await harness.waitFor(() => events(harness.items).length >= 3, 'the alarms behind the picture', 8000);
    expect(events(harness.items).map((item) => item.raw)).toEqual(ALARMS.slice(0, 3));
    expect(fake.subscribeCount()).toBe(1);
    expect(harness.statuses.some((status) => status.type === 'stream-lost')).toBe(false);
    expect(await counted(harness.metrics, 'hik_arc_ingest_parts_skipped_total')).toBe(1);
  });

  it('one part slower than 5 × the heartbeat timeout is quarantined, the stream kept', async () => {
    const slow = framedPart(`{"EventNotificationAlert":{"eventType":"VMD","pad":"${'x'.repeat(60_000)}"}}`);
    const { fake, harness } = await setup(
      { events: [ALARMS[0] as string, trickled(slow, 60, 60), ALARMS[1] as string] },
      { settings: { heartbeatTimeoutMs: 300 } },
    );
    await harness.waitFor(() => events(harness.items).length >= 2, 'the alarm behind the slow part', 10_000);
    expect(events(harness.items).map((item) => item.raw)).toEqual(ALARMS.slice(0, 2));
    expect(fake.subscribeCount()).toBe(1);
    expect(await counted(harness.metrics, 'hik_arc_ingest_parts_quarantined_total', { code: 'HIKARC_MULTIPART_PART_TOO_SLOW' })).toBe(1);
    const line = harness.logs.find((entry) => entry.code === 'HIKARC_MULTIPART_PART_TOO_SLOW');
    expect(line).toMatchObject({ level: 'warn' });
  });
});

describe('parts under the wrong label', () => {
  it('a part that parses as an event is an event whatever its Content-Type, counted as a mismatch', async () => {
    const picture = framedPart(Buffer.alloc(500, 0xd8), 'image/jpeg');
    const { harness } = await setup({
      events: [
        framedPart(ALARMS[0] as string, 'application/octet-stream'),
        framedPart(ALARMS[1] as string, 'text/html'),
        picture,
        framedPart(`\r\n${ALARMS[2] as string}`, 'image/jpeg'),
        ALARMS[3] as string,
      ],
    });
    await harness.waitFor(() => events(harness.items).length >= 4, 'every alarm', 5000);
    expect(events(harness.items).map((item) => item.raw)).toEqual(ALARMS.slice(0, 4));
    expect(await counted(harness.metrics, 'hik_arc_ingest_content_type_mismatch_total')).toBe(3);
    expect(await counted(harness.metrics, 'hik_arc_ingest_parts_skipped_total')).toBe(1);
    const line = harness.logs.find((entry) => entry.code === 'HIKARC_INGEST_CONTENT_TYPE_MISMATCH');
    expect(line).toMatchObject({ level: 'warn', contentType: 'application/octet-stream' });
  });
});

describe('floods of junk', () => {
  it('20,000 junk lines: a handful of warnings and one summary with the count, every line counted, the alarm behind them delivered', async () => {
    const junk = Buffer.from(Array.from({ length: 20_000 }, (_, i) => `garbage line ${i} from a confused receiver\r\n`).join(''));
    // In chunks, as a flood arrives: no delimiter in sight, so each line is quarantined on its own.
    // The warning window runs on a manual clock: the whole flood falls in one window, and the test
    // ends the window by moving the clock instead of waiting it out. The watchdog is kept out of it.
    const clock = new ManualClock();
    const { harness } = await setup(
      { events: [ALARMS[0] as string, trickled(junk, 200, 1), ALARMS[1] as string] },
      { clock, settings: { warnBurst: 5, warnWindowMs: 2000, heartbeatTimeoutMs: 600_000 } },
    );
    await harness.waitFor(() => events(harness.items).length >= 2, 'the alarms around the junk', 10_000);
    const quarantined = (): Promise<number> => counted(harness.metrics, 'hik_arc_ingest_parts_quarantined_total', { code: 'HIKARC_MULTIPART_STRAY_BYTES' });
    const lines = (): typeof harness.logs => harness.logs.filter((entry) => entry.code === 'HIKARC_MULTIPART_STRAY_BYTES');
    const accounted = (): number => lines().reduce((sum, entry) => sum + (typeof entry['suppressed'] === 'number' ? entry['suppressed'] : 1), 0);
    expect(lines()).toHaveLength(5);
    await clock.advance(2000);
    await harness.waitFor(async () => accounted() === (await quarantined()), 'the summary of what was left out');
    expect(await quarantined()).toBeGreaterThan(19_000);
    // one window: 5 lines and one summary
    expect(lines()).toHaveLength(6);
    expect(lines().find((entry) => entry['suppressed'] !== undefined)).toMatchObject({ level: 'warn', msg: expect.stringMatching(/left out/) });
    expect(harness.rawLog.join('\n').length).toBeLessThan(100_000);
  });
});

describe('salvage of a truncated document', () => {
  it('a number cut at the end ("zoneNo":1 of 12) is missing and flagged, never forwarded as its prefix', async () => {
    const full = alarm('1234', 12);
    const cut = full.slice(0, full.indexOf('"zoneNo":12') + '"zoneNo":1'.length);
    const { harness } = await setup({ events: [framedPart(cut), ALARMS[0] as string] });
    await harness.waitFor(() => events(harness.items).length >= 2, 'both parts', 5000);
    const [salvaged] = events(harness.items);
    expect(salvaged?.event).toMatchObject({ eventType: 'CIDAlarm', deviceId: '1234', repair: 'salvaged' });
    expect(salvaged?.event.cidAlarm).toMatchObject({ cidCode: '1130', zoneNo: null });
    expect(salvaged?.event.defects.join('; ')).toMatch(/zoneNo: value cut by truncation/);
  });
});
