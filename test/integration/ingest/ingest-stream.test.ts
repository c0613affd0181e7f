import { describe, expect, it } from 'vitest';
import { backoffDelay } from '../../../src/backoff.js';
import {
  eventTypeOf,
  fixtureDocuments,
  makeDevices,
  startFakeHikReceiver,
  SUBSCRIBE_URL,
  type FakeHikReceiver,
  type FakeHikReceiverOptions,
} from '../../helpers/fake-hik-receiver.js';
import { ManualClock } from '../../helpers/manual-clock.js';
import { counted } from '../../helpers/metric-values.js';
import { events, perDevice, receiverSuite, startIngest, waitUntil, type IngestOptionsForTest } from './ingest-harness.js';

const DOCUMENTS = fixtureDocuments();
// The guide's own heartbeat example is among them: it supervises the stream and is not delivered.
const EXPECTED = DOCUMENTS.filter((document) => eventTypeOf(document) !== 'heartBeat');

const FIXTURE_DEVICES = [
  { devIndex: '2cd6716d-767f-4756-ac55-50276a5e3b4a', devSerial: 'DS-PWA96-M-WE0001', accountID: '1234', devName: 'AX PRO 1' },
  { devIndex: 'C5F2860E-8946-45FA-AC51-BD2429A82804', devSerial: 'DS-PWA96-M-WE0002', accountID: '5678', devName: 'AX PRO 2' },
  ...makeDevices(3),
];

const suite = receiverSuite();

function setup(options: FakeHikReceiverOptions, ingest: IngestOptionsForTest = {}): ReturnType<typeof suite.setup> {
  return suite.setup({ devices: FIXTURE_DEVICES, ...options }, ingest);
}

describe('ingest against the fake receiver', () => {
  it('the fixture holds the subscription response and 32 events', () => {
    expect(DOCUMENTS).toHaveLength(32);
    expect(EXPECTED).toHaveLength(31);
  });

  it('delivers every fixture event once, in stream order per device, from a stream chunked at random sizes', async () => {
    const { fake, harness } = await setup({ events: DOCUMENTS, chunking: { seed: 7, maxBytes: 37 } });
    await harness.waitFor(() => harness.items.length >= EXPECTED.length, 'all fixture events');
    await fake.waitFor(async () => (await counted(harness.metrics, 'hik_arc_ingest_heartbeats_total')) >= 2, 'heartbeats');

    const delivered = events(harness.items);
    expect(delivered).toHaveLength(EXPECTED.length);
    expect(perDevice(delivered.map((item) => item.raw))).toEqual(perDevice(EXPECTED));
    expect(delivered.every((item) => item.subscriptionId === '5939')).toBe(true);
    for (const group of Object.values(perDevice(delivered.map((item) => item.raw)))) {
      const times = group.map((raw) => delivered.find((item) => item.raw === raw)?.receivedAt ?? 0);
      expect([...times].sort((a, b) => a - b)).toEqual(times);
    }
    expect(harness.items.some((item) => item.kind === 'link')).toBe(false);

    expect(harness.statuses).toContainEqual({ type: 'subscribed', subscriptionId: '5939' });
    expect(harness.statuses).toContainEqual({ type: 'link', state: 'up' });
    expect(harness.statuses.filter((status) => status.type === 'heartbeat').length).toBeGreaterThanOrEqual(2);
    expect(harness.ingest.health()).toMatchObject({ state: 'streaming', link: 'up', subscriptionId: '5939', queueDepth: 0 });
    expect(fake.subscribeCount()).toBe(1);
    expect(await counted(harness.metrics, 'hik_arc_ingest_parts_total', { type: 'quarantined' })).toBe(0);
    // the subscription request carries the documented body and a Digest uri equal to the request target
    const subscribe = fake.requests.find((request) => request.url === SUBSCRIBE_URL && request.verdict === 'ok');
    expect(JSON.parse(subscribe?.body ?? '{}')).toEqual({ SubscribeDeviceMgmt: { eventMode: 'all', defenceMode: 'all' } });
    expect(subscribe?.authorization?.['uri']).toBe(SUBSCRIBE_URL);
  });

  it('a dropped stream is subscribed again after backoff; nothing is lost, repeated or reordered and no link fault is raised', async () => {
    const { fake, harness } = await setup(
      {
        events: DOCUMENTS,
        faults: [
          { type: 'drop-mid-part', afterEvents: 5 },
          { type: 'drop-mid-part', afterEvents: 3 },
        ],
      },
      { random: () => 1, settings: { linkLossReportMs: 5000 } },
    );
    await harness.waitFor(() => harness.items.length >= EXPECTED.length, 'all fixture events');
    expect(events(harness.items)).toHaveLength(EXPECTED.length);
    expect(perDevice(events(harness.items).map((item) => item.raw))).toEqual(perDevice(EXPECTED));
    expect(fake.subscribeCount()).toBe(3);
    expect(harness.statuses.filter((status) => status.type === 'stream-lost').map((status) => status.type === 'stream-lost' && status.reason)).toEqual([
      'network',
      'network',
    ]);

    // No heartbeat came on the dropped streams, so the delay grows: attempts 0 and 1 of the policy.
    const policy = { minMs: 50, maxMs: 400, factor: 2 };
    const backoffs = harness.statuses.filter((status) => status.type === 'backoff');
    expect(backoffs).toEqual([
      { type: 'backoff', attempt: 1, delayMs: backoffDelay(0, policy, () => 1) },
      { type: 'backoff', attempt: 2, delayMs: backoffDelay(1, policy, () => 1) },
    ]);
    const subscribes = fake.requests.filter((request) => request.url === SUBSCRIBE_URL && request.verdict === 'ok');
    expect((subscribes[2]?.at ?? 0) - (subscribes[1]?.at ?? 0)).toBeGreaterThanOrEqual(backoffDelay(1, policy, () => 1));
    // the half part is quarantined as truncated, never delivered
    expect(await counted(harness.metrics, 'hik_arc_ingest_parts_quarantined_total', { code: 'HIKARC_MULTIPART_TRUNCATED_PART' })).toBe(2);
    expect(await counted(harness.metrics, 'hik_arc_ingest_stream_reconnects_total')).toBe(2);
    expect(harness.items.some((item) => item.kind === 'link')).toBe(false);
  });

  it('the backoff resets only after a heartbeat on the new stream', async () => {
    const { harness } = await setup(
      {
        events: DOCUMENTS.slice(0, 6),
        eventIntervalMs: 150,
        faults: [
          { type: 'drop-mid-part', afterEvents: 0 },
          { type: 'drop-mid-part', afterEvents: 0 },
          { type: 'drop-mid-part', afterEvents: 3 },
        ],
      },
      { random: () => 1 },
    );
    await harness.waitFor(() => harness.items.length >= 6, 'all events', 15_000);
    const policy = { minMs: 50, maxMs: 400, factor: 2 };
    expect(harness.statuses.filter((status) => status.type === 'backoff')).toEqual([
      { type: 'backoff', attempt: 1, delayMs: backoffDelay(0, policy, () => 1) },
      { type: 'backoff', attempt: 2, delayMs: backoffDelay(1, policy, () => 1) },
      // the third stream delivered heartbeats before it broke: back to the first step
      { type: 'backoff', attempt: 1, delayMs: backoffDelay(0, policy, () => 1) },
    ]);
    expect(perDevice(events(harness.items).map((item) => item.raw))).toEqual(perDevice(DOCUMENTS.slice(0, 6)));
  });

  it('a stalled stream is dropped after the heartbeat timeout and subscribed again', async () => {
    // On a manual clock: the timeout and the backoff pass when the test moves the clock, so the
    // times below are exact instead of bounds that a loaded machine may overrun.
    const clock = new ManualClock();
    const { fake, harness } = await setup(
      { events: DOCUMENTS, faults: [{ type: 'stall', afterEvents: 4 }], clock },
      { clock, random: () => 1, settings: { heartbeatTimeoutMs: 400 } },
    );
    await harness.waitFor(() => fake.streams[0]?.eventsSent === 4 && events(harness.items).length === 4, 'the events before the stall');
    expect(clock.nextTimerInMs()).toBe(400);
    await clock.advance(399);
    expect(harness.statuses.some((status) => status.type === 'stream-lost')).toBe(false);
    await clock.advance(1);
    await harness.waitFor(() => harness.statuses.some((status) => status.type === 'backoff'), 'the backoff after the drop');
    const backoff = harness.statuses.find((status) => status.type === 'backoff');
    const delayMs = backoff?.type === 'backoff' ? backoff.delayMs : Number.NaN;
    await clock.advance(delayMs);
    await harness.waitFor(() => harness.items.length >= EXPECTED.length, 'all fixture events');
    expect(events(harness.items)).toHaveLength(EXPECTED.length);
    expect(perDevice(events(harness.items).map((item) => item.raw))).toEqual(perDevice(EXPECTED));
    expect(fake.subscribeCount()).toBe(2);
    const lost = harness.statuses.find((status) => status.type === 'stream-lost');
    expect(lost).toEqual({ type: 'stream-lost', reason: 'stalled', code: 'HIKARC_INGEST_HEARTBEAT_TIMEOUT' });
    expect(harness.logs.some((line) => line.code === 'HIKARC_INGEST_HEARTBEAT_TIMEOUT')).toBe(true);
    // the fake wrote its last byte on the stalled stream; the next subscription follows the timeout
    // and one backoff step, not sooner
    const stalledStream = fake.streams[0];
    expect(stalledStream?.closed).toBe(true);
    const stallStart = Math.max(
      ...events(harness.items)
        .filter((item) => item.subscriptionId === '5939')
        .map((item) => item.receivedAt),
    );
    const resubscribe = fake.requests.filter((request) => request.url === SUBSCRIBE_URL && request.verdict === 'ok')[1]?.at ?? 0;
    expect(resubscribe - stallStart).toBe(400 + delayMs);
  });

  it('a stalled subscription the receiver still holds: noMoreTasksCanBeAdded, our earlier id is cancelled, the next attempt succeeds', async () => {
    const { fake, harness } = await setup({ events: DOCUMENTS.slice(0, 6), faults: [{ type: 'stall', afterEvents: 2 }], holdTaskAfterDisconnect: true });
    await harness.waitFor(() => harness.items.length >= 6, 'all events');
    expect(fake.cancelled).toEqual(['5939']);
    expect(harness.statuses).toContainEqual({ type: 'refused', kind: 'subscription-taken', code: 'HIKARC_RECEIVER_SUBSCRIPTION_TAKEN', httpStatus: 403 });
    expect(harness.statuses).toContainEqual({ type: 'subscribed', subscriptionId: '5940' });
    expect(harness.logs.some((line) => line.code === 'HIKARC_RECEIVER_SUBSCRIPTION_TAKEN' && /another subscription/.test(line.msg))).toBe(true);
    expect(perDevice(events(harness.items).map((item) => item.raw))).toEqual(perDevice(DOCUMENTS.slice(0, 6)));
  });

  it('error answers are logged with what they mean and retried with backoff', async () => {
    const { fake, harness } = await setup({
      events: DOCUMENTS.slice(0, 2),
      faults: [
        { type: 'refuse', answer: 'not-private' },
        { type: 'refuse', answer: 'busy' },
        { type: 'refuse', answer: 'taken' },
      ],
    });
    await harness.waitFor(() => harness.items.length >= 2, 'events after the refusals');
    const refused = harness.statuses
      .filter((status) => status.type === 'refused')
      .map((status) => status.type === 'refused' && [status.kind, status.httpStatus]);
    expect(refused).toEqual([
      ['not-private', 403],
      ['busy', 503],
      ['subscription-taken', 403],
    ]);
    const privateLine = harness.logs.find((line) => line.code === 'HIKARC_RECEIVER_NOT_PRIVATE');
    expect(privateLine?.msg).toMatch(/automation output is not enabled and set to Private/);
    expect(privateLine?.['subStatusCode']).toBe('invalidOperation');
    expect(harness.logs.find((line) => line.code === 'HIKARC_RECEIVER_BUSY')?.level).toBe('warn');
    expect(harness.statuses.filter((status) => status.type === 'backoff')).toHaveLength(3);
    // no earlier id was known when the receiver said "taken": nothing to cancel
    expect(fake.unsubscribed).toEqual([]);
    expect(fake.subscribeCount()).toBe(4);
  });

  it('bad parts are quarantined and counted, images skipped, in-stream statuses logged; the stream and the events around them survive', async () => {
    const image = Buffer.concat([
      Buffer.from('--boundary\r\nContent-Type: image/jpeg\r\nContent-Length: 40\r\n\r\n'),
      Buffer.alloc(40, 0xd8),
      Buffer.from('\r\n'),
    ]);
    const latin1 = Buffer.concat([
      Buffer.from('{"EventNotificationAlert":{"eventType":"IO","devIndex":"2cd6716d-767f-4756-ac55-50276a5e3b4a","channelName":"Caf'),
      Buffer.from([0xe9]),
      Buffer.from('"}}'),
    ]);
    const latin1Part = Buffer.concat([
      Buffer.from(`--boundary\r\nContent-Type: application/json\r\nContent-Length: ${latin1.length}\r\n\r\n`),
      latin1,
      Buffer.from('\r\n'),
    ]);
    const first = DOCUMENTS[0] as string;
    const last = DOCUMENTS[1] as string;
    const { fake, harness } = await setup({
      events: [
        first,
        image,
        '{"statusCode":4,"statusString":"Invalid Operation","subStatusCode":"notSupport"}',
        'this is not JSON at all',
        latin1Part,
        '{"SomethingElse":{"a":1}}',
        last,
      ],
    });
    await harness.waitFor(() => harness.items.length >= 3, 'the events around the bad parts');
    const delivered = events(harness.items);
    expect(delivered.map((item) => item.event.eventType)).toEqual([eventTypeOf(first), 'IO', eventTypeOf(last)]);
    expect(delivered[1]?.event.defects).toContain('invalid UTF-8 bytes replaced');
    expect(delivered[1]?.raw).toContain('Caf\uFFFD');
    expect(await counted(harness.metrics, 'hik_arc_ingest_parts_skipped_total')).toBe(1);
    expect(await counted(harness.metrics, 'hik_arc_ingest_stream_status_total')).toBe(1);
    expect(await counted(harness.metrics, 'hik_arc_ingest_invalid_utf8_total')).toBe(1);
    expect(await counted(harness.metrics, 'hik_arc_ingest_parts_quarantined_total', { code: 'HIKARC_EVENT_TRUNCATED' })).toBe(1);
    expect(await counted(harness.metrics, 'hik_arc_ingest_parts_quarantined_total', { code: 'HIKARC_EVENT_NOT_AN_ALERT' })).toBe(1);
    const quarantine = harness.logs.find((line) => line.code === 'HIKARC_EVENT_TRUNCATED');
    expect(Buffer.from(String(quarantine?.['raw']), 'base64').toString('utf8')).toBe('this is not JSON at all');
    expect(harness.logs.some((line) => line.code === 'HIKARC_RECEIVER_STREAM_STATUS' && line['subStatusCode'] === 'notSupport')).toBe(true);
    expect(fake.subscribeCount()).toBe(1);
  });

  it('a receiver that is not there: logged as unreachable and retried', async () => {
    const gone = await startFakeHikReceiver();
    await gone.close();
    const h = startIngest({ url: gone.url } as FakeHikReceiver, { settings: { linkLossReportMs: 300 } });
    suite.track({ harness: h });
    await waitUntil(() => h.statuses.filter((status) => status.type === 'backoff').length >= 2, 'two backoffs');
    expect(h.logs.some((line) => line.code === 'HIKARC_RECEIVER_UNREACHABLE' && line['errCode'] === 'ECONNREFUSED')).toBe(true);
    // never up since start: the link fault is raised for receiver.account
    await waitUntil(() => h.items.length >= 1, 'link fault');
    expect(h.items[0]).toMatchObject({ kind: 'link', state: 'fault', account: 'AAAA' });
    expect(h.ingest.health()).toMatchObject({ link: 'down', linkFaultReported: true });
  });

  it('stop() cancels the subscription on the receiver, reads what came before and closes', async () => {
    // On a manual clock, so "nothing reconnects afterwards" is checked by moving time, not waiting.
    const clock = new ManualClock();
    const { fake, harness } = await setup({ events: DOCUMENTS.slice(0, 3), clock }, { clock, settings: { heartbeatTimeoutMs: 600_000 } });
    await harness.waitFor(() => harness.items.length >= 3, 'events');
    await harness.stop();
    expect(fake.cancelled).toEqual(['5939']);
    const deleteRequest = fake.requests.find((request) => request.method === 'DELETE' && request.verdict === 'ok');
    expect(deleteRequest?.url).toBe('/ISAPI/Event/notification/unSubscribeDeviceMgmt/5939?format=json');
    expect(harness.ingest.health().state).toBe('stopped');
    expect(harness.statuses.at(-1)).toEqual({ type: 'stopped', undelivered: 0 });
    expect(fake.streams[0]?.closed).toBe(true);
    // stop is idempotent and nothing reconnects afterwards
    await harness.stop();
    const count = fake.subscribeCount();
    // a stopped ingest leaves no timer behind that could start anything: no backoff, no refresh
    expect(clock.pendingTimers).toBe(0);
    await clock.advance(60_000);
    expect(fake.subscribeCount()).toBe(count);
    expect(harness.ingest.health().state).toBe('stopped');
  });
});
