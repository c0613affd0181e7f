// Hands ingest items to the next stage one at a time, in stream order. The stream reader only
// appends here, so a slow consumer never stalls the heartbeat watchdog; a failing consumer is
// retried with backoff on the same item, and no later item overtakes it (an alarm is never dropped
// or reordered because the store hiccuped).

import { backoffDelay, type BackoffPolicy } from '../backoff.js';
import { sleep, type Clock } from '../clock.js';
import { errorMessage, isHikArcError } from '../errors.js';
import type { Logger } from '../log.js';
import type { Counter, MetricsRegistry } from '../metrics.js';
import type { AlarmMessage, VendorEvent } from '../translate/index.js';

export type IngestItem =
  | {
      readonly kind: 'event';
      readonly event: VendorEvent;
      /** The part as received (UTF-8), for the store and for support. */
      readonly raw: string;
      /** Our own wall clock at receipt: device time is data only (ingest notes §0.10). */
      readonly receivedAt: number;
      readonly subscriptionId: string | null;
    }
  | {
      readonly kind: 'link';
      readonly state: 'fault' | 'restore';
      readonly alarm: AlarmMessage;
      readonly at: number;
    };

/** Must store the item durably before it resolves; a rejection makes ingest retry the same item. */
export type IngestConsumer = (item: IngestItem) => Promise<void>;

export interface DeliveryQueueOptions {
  readonly consumer: IngestConsumer;
  /** Runs before each item is handed over; must not throw and must be bounded. */
  readonly prepare: (item: IngestItem) => Promise<void>;
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
    if (this.pumping === null && !this.closed) {
      this.pumping = this.pump().finally(() => {
        this.pumping = null;
      });
    }
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
    if (this.pumping !== null) {
      const timer = new AbortController();
      await Promise.race([this.pumping, sleep(this.options.clock, remaining, timer.signal)]);
      timer.abort();
    }
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
    while (this.items.length > 0 && !this.closed) {
      const item = this.items[0] as IngestItem;
      await this.options.prepare(item);
      if (!(await this.deliver(item))) return;
      this.items.shift();
      this.delivered.inc({ kind: item.kind });
      if (!this.isFull) this.wakeRoomWaiters();
    }
  }

  private async deliver(item: IngestItem): Promise<boolean> {
    for (let attempt = 0; !this.closed; attempt++) {
      try {
        await this.options.consumer(item);
        return true;
      } catch (error) {
        this.failures.inc();
        const delayMs = backoffDelay(attempt, this.options.retry, this.options.random);
        this.options.logger.error(
          {
            code: 'HIKARC_INGEST_CONSUMER_FAILED',
            kind: item.kind,
            eventType: item.kind === 'event' ? item.event.eventType : item.alarm.eventType,
            attempt: attempt + 1,
            retryInMs: delayMs,
            cause: isHikArcError(error) ? error.code : undefined,
            err: errorMessage(error),
          },
          'next stage did not take the item: retrying it before any later one',
        );
        await sleep(this.options.clock, delayMs, this.closing.signal);
      }
    }
    return false;
  }
}
