// Hands ingest items to the next stage in stream order, in batches of what has arrived (one store
// transaction for a burst instead of one per event). The stream reader only appends here, so a
// slow consumer never stalls the heartbeat watchdog; a failing consumer is retried with backoff on
// the same batch, and no later item overtakes it (an alarm is never dropped or reordered because
// the store hiccuped).

import { backoffDelay, type BackoffPolicy } from '../backoff.js';
import { settleWithin, sleep, type Clock } from '../clock.js';
import { errorMessage, isHikArcError } from '../errors.js';
import type { Logger } from '../log.js';
import type { Counter, MetricsRegistry } from '../metrics.js';
import type { VendorEvent } from './vendor-event.js';

export type IngestItem =
  | {
      readonly kind: 'event';
      readonly event: VendorEvent;
      /** The part as received (UTF-8), for the store and for support. */
      readonly raw: string;
      /** Our own wall clock at receipt: device time is data only (docs/hik-receiver.md §Device time). */
      readonly receivedAt: number;
      readonly subscriptionId: string | null;
    }
  | {
      /** The stream has been down too long (`fault`) or is back (`restore`), for `account`. */
      readonly kind: 'link';
      readonly state: 'fault' | 'restore';
      readonly account: string;
      readonly at: number;
    };

/**
 * Must store the items durably, all or none, before it resolves; a rejection makes ingest retry
 * the same items. Items are in stream order.
 */
export type IngestConsumer = (items: readonly IngestItem[]) => Promise<void>;

// Up to this many items go to the consumer at once: enough to make a burst one transaction, small
// enough that a retried batch stays cheap.
const MAX_BATCH = 100;

export interface DeliveryQueueOptions {
  readonly consumer: IngestConsumer;
  /** Runs before each item is handed over; must not throw and must be bounded. */
  readonly prepare?: (item: IngestItem) => Promise<void>;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly metrics: MetricsRegistry;
  readonly retry: BackoffPolicy;
  readonly highWater: number;
  readonly random: () => number;
}

export class DeliveryQueue {
  private readonly items: IngestItem[] = [];
  private pumping: Promise<void> | null = null;
  private closed = false;
  private readonly closing = new AbortController();
  private roomWaiters: Array<() => void> = [];
  private readonly delivered: Counter;
  private readonly failures: Counter;

  constructor(private readonly options: DeliveryQueueOptions) {
    this.delivered = options.metrics.counter('hik_arc_ingest_items_delivered_total', 'Events and link alarms handed to the next stage, by kind', ['kind']);
    this.failures = options.metrics.counter('hik_arc_ingest_consumer_failures_total', 'Times handing an item to the next stage failed (it is retried)');
    options.metrics.gauge('hik_arc_ingest_queue_depth', 'Items received and not yet handed to the next stage').collect(() => [[{}, this.items.length]]);
  }

  get depth(): number {
    return this.items.length;
  }

  get isFull(): boolean {
    return this.items.length >= this.options.highWater;
  }

  push(item: IngestItem): void {
    this.items.push(item);
    this.startPump();
  }

  private startPump(): void {
    if (this.pumping !== null || this.closed) return;
    this.pumping = this.pump().finally(() => {
      this.pumping = null;
      // An item pushed after the pump saw the queue empty but before this ran (a room waiter pushes
      // at once) found it still pumping: without this it would wait for the next push, however long.
      if (this.items.length > 0) this.startPump();
    });
  }

  /** Resolves once the queue is below its high-water mark (or closed). */
  waitForRoom(): Promise<void> {
    if (!this.isFull || this.closed) return Promise.resolve();
    return new Promise((resolve) => this.roomWaiters.push(resolve));
  }

  /**
   * Lets the consumer work until the queue is empty or `deadlineMs` (monotonic) passes, then stops
   * handing out items. Returns what was not delivered, oldest first.
   */
  async drain(deadlineMs: number): Promise<IngestItem[]> {
    const remaining = Math.max(0, deadlineMs - this.options.clock.monotonic());
    if (this.pumping !== null) await settleWithin(this.options.clock, this.pumping, remaining);
    this.closed = true;
    this.closing.abort();
    this.wakeRoomWaiters();
    return [...this.items];
  }

  private wakeRoomWaiters(): void {
    const waiters = this.roomWaiters;
    this.roomWaiters = [];
    for (const wake of waiters) wake();
  }

  private async pump(): Promise<void> {
    // Items parsed from one chunk arrive in one synchronous loop: let them all join the first batch.
    await Promise.resolve();
    while (this.items.length > 0 && !this.closed) {
      const batch = this.items.slice(0, MAX_BATCH);
      const { prepare } = this.options;
      if (prepare !== undefined) for (const item of batch) await prepare(item);
      if (!(await this.deliver(batch))) return;
      this.items.splice(0, batch.length);
      for (const item of batch) this.delivered.inc({ kind: item.kind });
      if (!this.isFull) this.wakeRoomWaiters();
    }
  }

  private async deliver(batch: readonly IngestItem[]): Promise<boolean> {
    for (let attempt = 0; !this.closed; attempt++) {
      try {
        await this.options.consumer(batch);
        return true;
      } catch (error) {
        this.failures.inc();
        const delayMs = backoffDelay(attempt, this.options.retry, this.options.random);
        const first = batch[0] as IngestItem;
        this.options.logger.error(
          {
            code: 'HIKARC_INGEST_CONSUMER_FAILED',
            items: batch.length,
            kind: first.kind,
            eventType: first.kind === 'event' ? first.event.eventType : `link ${first.state}`,
            attempt: attempt + 1,
            retryInMs: delayMs,
            cause: isHikArcError(error) ? error.code : undefined,
            err: errorMessage(error),
          },
          'next stage did not take the items: retrying them before any later one',
        );
        await sleep(this.options.clock, delayMs, this.closing.signal);
      }
    }
    return false;
  }
}
