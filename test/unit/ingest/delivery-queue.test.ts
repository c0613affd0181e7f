import { describe, expect, it } from 'vitest';
import { DeliveryQueue, type IngestItem } from '../../../src/ingest/delivery-queue.js';
import { silentLogger } from '../../../src/log.js';
import { MetricsRegistry } from '../../../src/metrics.js';
import type { VendorEvent } from '../../../src/ingest/index.js';
import { flush, ManualClock } from '../../helpers/manual-clock.js';

function eventItem(n: number): IngestItem {
  const event = { eventType: `e${n}`, devIndex: null, defects: [] } as unknown as VendorEvent;
  return { kind: 'event', event, raw: `raw ${n}`, receivedAt: n, subscriptionId: '1' };
}

function queueWith(
  consumer: (items: readonly IngestItem[]) => Promise<void>,
  clock: ManualClock,
  prepare: (item: IngestItem) => Promise<void> = async () => undefined,
  highWater = 100,
) {
  const metrics = new MetricsRegistry();
  const queue = new DeliveryQueue({
    consumer,
    prepare,
    clock,
    logger: silentLogger,
    metrics,
    retry: { minMs: 100, maxMs: 1000, factor: 2 },
    highWater,
    random: () => 1,
  });
  return { queue, metrics };
}

describe('DeliveryQueue', () => {
  it('an item pushed as the pump finds the queue empty is still handed over (the room waiter pushes at once)', async () => {
    const clock = new ManualClock();
    const seen: string[] = [];
    const { queue } = queueWith(
      async (items) => {
        for (const item of items) seen.push(item.kind === 'event' ? item.raw : item.state);
      },
      clock,
      async () => undefined,
      1,
    );
    queue.push(eventItem(0));
    // What ingest does on a full queue: wait for room, then push the next event. The waiter runs
    // after the pump saw the queue empty and before it counted itself finished.
    await queue.waitForRoom();
    queue.push(eventItem(1));
    for (let i = 0; i < 5; i++) await flush();
    expect(seen).toEqual(['raw 0', 'raw 1']);
    expect(queue.depth).toBe(0);
  });

  it('hands items over in stream order, one batch at a time', async () => {
    const clock = new ManualClock();
    const seen: string[] = [];
    let active = 0;
    let maxActive = 0;
    const { queue } = queueWith(async (items) => {
      active++;
      maxActive = Math.max(maxActive, active);
      await Promise.resolve();
      for (const item of items) seen.push(item.kind === 'event' ? item.raw : item.state);
      active--;
    }, clock);
    for (let i = 0; i < 5; i++) queue.push(eventItem(i));
    queue.push({ kind: 'link', state: 'fault', account: 'AAAA', at: 0 });
    await flush();
    await flush();
    expect(seen).toEqual(['raw 0', 'raw 1', 'raw 2', 'raw 3', 'raw 4', 'fault']);
    expect(maxActive).toBe(1);
    expect(queue.depth).toBe(0);
  });

  it('retries a failing batch with backoff, all or none; no later item overtakes it', async () => {
    const clock = new ManualClock();
    const seen: string[] = [];
    let failures = 2;
    const { queue, metrics } = queueWith(async (items) => {
      if (items.some((item) => item.kind === 'event' && item.raw === 'raw 1') && failures-- > 0) throw new Error('disk full');
      for (const item of items) seen.push(item.kind === 'event' ? item.raw : '');
    }, clock);
    queue.push(eventItem(0));
    queue.push(eventItem(1));
    queue.push(eventItem(2));
    await flush();
    expect(seen).toEqual([]);
    await clock.advance(99);
    expect(seen).toEqual([]);
    await clock.advance(1); // first retry after 100 ms, fails again
    expect(seen).toEqual([]);
    await clock.advance(200); // second retry after 200 ms succeeds
    expect(seen).toEqual(['raw 0', 'raw 1', 'raw 2']);
    queue.push(eventItem(3));
    await flush();
    expect(seen).toEqual(['raw 0', 'raw 1', 'raw 2', 'raw 3']);
    expect(await metrics.value('hik_arc_ingest_consumer_failures_total')).toBe(2);
  });

  it('runs prepare for each item, in order, before its batch is handed over', async () => {
    const clock = new ManualClock();
    const order: string[] = [];
    const { queue } = queueWith(
      async (items) => {
        for (const item of items) order.push(`deliver ${item.kind === 'event' ? item.raw : ''}`);
      },
      clock,
      async (item) => {
        order.push(`prepare ${item.kind === 'event' ? item.raw : ''}`);
        await Promise.resolve();
      },
    );
    queue.push(eventItem(0));
    queue.push(eventItem(1));
    await flush();
    await flush();
    expect(order).toEqual(['prepare raw 0', 'prepare raw 1', 'deliver raw 0', 'deliver raw 1']);
  });

  it('waitForRoom holds the reader at the high-water mark until the consumer catches up', async () => {
    const clock = new ManualClock();
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const { queue } = queueWith(
      async () => gate,
      clock,
      async () => undefined,
      2,
    );
    queue.push(eventItem(0));
    queue.push(eventItem(1));
    expect(queue.isFull).toBe(true);
    let roomy = false;
    void queue.waitForRoom().then(() => {
      roomy = true;
    });
    await flush();
    expect(roomy).toBe(false);
    release();
    await flush();
    expect(roomy).toBe(true);
  });

  it('drain stops at the deadline and returns what was not delivered, oldest first', async () => {
    const clock = new ManualClock();
    const { queue } = queueWith(async () => {
      throw new Error('down');
    }, clock);
    queue.push(eventItem(0));
    queue.push(eventItem(1));
    const drained = queue.drain(clock.monotonic() + 500);
    await clock.advance(500);
    const left = await drained;
    expect(left.map((item) => (item.kind === 'event' ? item.raw : ''))).toEqual(['raw 0', 'raw 1']);
    // nothing is retried after the drain
    await clock.advance(10_000);
    expect(clock.pendingTimers).toBe(0);
  });

  it('drain returns at once when everything was delivered', async () => {
    const clock = new ManualClock();
    const { queue } = queueWith(async () => undefined, clock);
    queue.push(eventItem(0));
    expect(await queue.drain(clock.monotonic() + 5000)).toEqual([]);
  });
});
