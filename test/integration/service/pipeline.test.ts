// The service pipeline on real loopback sockets: translate → outbox → dispatcher → our DC-09
// receiver, with the receiver in its fault modes.

import { STANDARD } from '../../../src/transport/dc09-deviations.js';
import { afterEach, describe, expect, it } from 'vitest';
import { systemClock } from '../../../src/clock.js';
import { silentLogger } from '../../../src/log.js';
import { MetricsRegistry } from '../../../src/metrics.js';
import { createMemoryOutbox, MemoryStorage, StoreOutbox, type NewOutboxEntry, type Outbox } from '../../../src/outbox/index.js';
import { composeDelivery, type DeliveryStack } from '../../../src/service/compose.js';
import type { DeliveryOutcome, Pipeline } from '../../../src/service/pipeline.js';
import { ARC_DESTINATION } from '../../../src/service/stored-event.js';
import { Translator } from '../../../src/translate/index.js';
import { decodeEventDocument, StaticAccountDirectory, type VendorEvent } from '../../../src/ingest/index.js';
import { NO_FAULT, parseFault } from '../../../src/transport/index.js';
import { startRecordingReceiver, type RecordingReceiver } from '../../helpers/dc09-loopback.js';
import { counted } from '../../helpers/metric-values.js';
import { waitFor } from '../../helpers/wait-for.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function cidEvent(account: string, zone: number, code = '1130', count = 1): VendorEvent {
  const decoded = decodeEventDocument(
    JSON.stringify({ EventNotificationAlert: { eventType: 'CIDAlarm', deviceID: account, activePostCount: count, CIDAlarm: { CIDCode: code, zoneNo: zone } } }),
  );
  if (decoded.kind !== 'event') throw new Error('fixture');
  return decoded.event;
}

interface Rig {
  readonly pipeline: Pipeline;
  readonly receiver: RecordingReceiver;
  readonly outbox: Outbox;
  readonly stack: DeliveryStack;
  readonly outcomes: DeliveryOutcome[];
  readonly metrics: MetricsRegistry;
}

async function rig(options: { outbox?: Outbox; fault?: string; secondary?: boolean } = {}): Promise<Rig> {
  const fault = options.fault === undefined ? undefined : parseFault(options.fault);
  const receiver = await startRecordingReceiver(fault === undefined ? {} : { fault });
  const backup = options.secondary ? await startRecordingReceiver() : undefined;
  const metrics = new MetricsRegistry();
  const outbox = options.outbox ?? createMemoryOutbox();
  const outcomes: DeliveryOutcome[] = [];
  const stack = composeDelivery({
    arc: {
      primary: receiver.receiver.url('tcp'),
      secondary: backup ? backup.receiver.url('tcp') : '',
      format: 'adm-cid',
      receiverNumber: '1',
      linePrefix: '1',
      key: '',
      keyFormat: 'hex',
      ackTimeoutMs: 150,
      attempts: 2,
      supervisionSec: 0,
      maxInFlight: 64,
      connections: 0,
      deviations: { primary: STANDARD, secondary: STANDARD },
    },
    supervisionAccount: 'AAAA',
    outbox,
    translator: new Translator({
      settings: { fallbackAccount: '', unknownEvent: 'forward', inactive: 'drop', repeatWindowSec: 60 },
      hikAccount: 'AAAA',
      directory: new StaticAccountDirectory({}),
    }),
    clock: systemClock,
    logger: silentLogger,
    metrics,
    onOutcome: (outcome) => outcomes.push(outcome),
  });
  stack.start();
  const pipeline = stack.pipeline;
  cleanups.push(async () => {
    await stack.stop(500);
    await outbox.close();
    await receiver.receiver.stop();
    await backup?.receiver.stop();
  });
  return { pipeline, receiver, outbox, stack, outcomes, metrics };
}

function received(r: RecordingReceiver): Array<string | null> {
  return r.records.filter((record) => record.response === 'ACK').map((record) => record.data);
}

describe('pipeline', () => {
  it('stores, sends and acknowledges, keeping each account in arrival order', async () => {
    const { pipeline, receiver, outbox, metrics } = await rig();
    for (let zone = 1; zone <= 5; zone++) {
      await pipeline.acceptEvent(cidEvent('1111', zone), Date.now(), 'stream');
      await pipeline.acceptEvent(cidEvent('2222', zone), Date.now(), 'stream');
    }
    await waitFor(() => received(receiver).length === 10, 5_000, 'ten ACKed alarms');
    const data = received(receiver);
    expect(data.filter((d) => d?.startsWith('#1111'))).toEqual([1, 2, 3, 4, 5].map((z) => `#1111|1130 00 00${z}`));
    expect(data.filter((d) => d?.startsWith('#2222'))).toEqual([1, 2, 3, 4, 5].map((z) => `#2222|1130 00 00${z}`));
    await waitFor(() => outbox.stats(ARC_DESTINATION).pending === 0, 2_000, 'the outbox to drain');
    expect(await counted(metrics, 'hik_arc_events_forwarded_total', { via: 'primary' })).toBe(10);
    expect(await metrics.value('hik_arc_end_to_end_seconds_count')).toBe(10);
  });

  it('keeps alarms while the ARC is silent and delivers them in order, with the same sequence numbers, once it answers', async () => {
    const { pipeline, receiver, outbox, outcomes, stack } = await rig({ fault: 'silent' });
    for (let zone = 1; zone <= 3; zone++) await pipeline.acceptEvent(cidEvent('1111', zone), Date.now(), 'stream');
    await waitFor(() => outcomes.some((o) => o.outcome === 'retry'), 5_000, 'a failed round');
    expect(outbox.stats(ARC_DESTINATION).pending).toBe(3);
    const firstSequences = new Set(receiver.records.filter((r) => r.data === '#1111|1130 00 001').map((r) => r.seq));
    expect(firstSequences.size).toBe(1);
    receiver.receiver.setFault(NO_FAULT);
    stack.delivery.dispatcher.pathRecovered();
    await waitFor(() => received(receiver).length === 3, 10_000, 'the backlog to drain');
    expect(received(receiver)).toEqual(['#1111|1130 00 001', '#1111|1130 00 002', '#1111|1130 00 003']);
    const acked = receiver.records.find((r) => r.response === 'ACK' && r.data === '#1111|1130 00 001');
    expect(firstSequences.has(acked?.seq ?? null)).toBe(true);
  });

  it('does not let one account stuck on a failing alarm hold up the others', async () => {
    const { pipeline, receiver } = await rig({ fault: 'silent' });
    await pipeline.acceptEvent(cidEvent('1111', 1), Date.now(), 'stream');
    await waitFor(() => receiver.records.length >= 1, 2_000, 'the first try');
    receiver.receiver.setFault(NO_FAULT);
    await pipeline.acceptEvent(cidEvent('2222', 1), Date.now(), 'stream');
    await waitFor(() => received(receiver).includes('#2222|1130 00 001'), 5_000, 'the other account');
    await waitFor(() => received(receiver).includes('#1111|1130 00 001'), 5_000, 'the retried alarm');
  });

  it('keeps an alarm every destination answers DUH to as a dead letter and moves on', async () => {
    const { pipeline, outbox, outcomes } = await rig({ fault: 'duh' });
    await pipeline.acceptEvent(cidEvent('1111', 1), Date.now(), 'stream');
    await waitFor(() => outcomes.some((o) => o.outcome === 'dead-letter'), 5_000, 'the dead letter');
    expect(outbox.deadLetters()).toEqual([expect.objectContaining({ account: '1111', lastError: expect.stringMatching(/DUH/) })]);
    expect(outbox.stats(ARC_DESTINATION).pending).toBe(0);
  });

  it('stores an event without an account as a dead letter with the reason', async () => {
    const { pipeline, outbox, receiver } = await rig();
    const decoded = decodeEventDocument('{"EventNotificationAlert":{"eventType":"VMD","devIndex":"unknown-camera"}}');
    if (decoded.kind !== 'event') throw new Error('fixture');
    const accepted = await pipeline.acceptEvent(decoded.event, Date.now(), 'stream');
    expect(accepted.translation).toMatchObject({ forwarded: false, reason: 'no-account' });
    expect(outbox.deadLetters()).toEqual([
      expect.objectContaining({ id: accepted.outboxId, lastError: expect.stringMatching(/^no-account: no account for device unknown-camera/) }),
    ]);
    expect(receiver.records).toEqual([]);
  });

  it('translates a retried item once, so a store failure cannot turn an alarm into a "repeat"', async () => {
    class FlakyOutbox extends StoreOutbox {
      failures = 1;
      constructor() {
        super(new MemoryStorage());
      }
      override async append(entries: readonly NewOutboxEntry[]): Promise<number[]> {
        if (this.failures-- > 0) throw Object.assign(new Error('disk full'), { code: 'HIKARC_STORE_FULL' });
        return super.append(entries);
      }
    }
    const { pipeline, receiver } = await rig({ outbox: new FlakyOutbox() });
    const item = { event: cidEvent('1111', 7, '1130', 5) };
    await expect(pipeline.acceptEvent(item.event, Date.now(), 'stream', item)).rejects.toThrow(/disk full/);
    const retried = await pipeline.acceptEvent(item.event, Date.now(), 'stream', item);
    expect(retried.translation.forwarded).toBe(true);
    await waitFor(() => received(receiver).includes('#1111|1130 00 007'), 5_000, 'the alarm');
  });

  it('fails over to the secondary when the primary only answers DUH', async () => {
    const { pipeline, outcomes } = await rig({ fault: 'duh', secondary: true });
    await pipeline.acceptEvent(cidEvent('1111', 1), Date.now(), 'stream');
    await waitFor(() => outcomes.length > 0, 5_000, 'an outcome');
    expect(outcomes[0]).toMatchObject({ outcome: 'acked', via: 'secondary' });
  });
});
