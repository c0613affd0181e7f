// Hands ingest items to the next stage in stream order, in batches of what has arrived (one store
// transaction for a burst instead of one per event). The stream reader only appends here, so a
// slow consumer never stalls the heartbeat watchdog; a failing consumer is retried with backoff on
// the same batch, and no later item overtakes it (an alarm is never dropped or reordered because
// the store hiccuped).
import { backoffDelay } from '../backoff.js';
import { settleWithin, sleep } from '../clock.js';
import { errorMessage, isHikArcError } from '../errors.js';
// Up to this many items go to the consumer at once: enough to make a burst one transaction, small
// enough that a retried batch stays cheap.
const MAX_BATCH = 100;
export class DeliveryQueue {
    options;
    items = [];
    pumping = null;
    closed = false;
    closing = new AbortController();
    roomWaiters = [];
    delivered;
    failures;
    constructor(options) {
        this.options = options;
        this.delivered = options.metrics.counter('hik_arc_ingest_items_delivered_total', 'Events and link alarms handed to the next stage, by kind', ['kind']);
        this.failures = options.metrics.counter('hik_arc_ingest_consumer_failures_total', 'Times handing an item to the next stage failed (it is retried)');
        options.metrics.gauge('hik_arc_ingest_queue_depth', 'Items received and not yet handed to the next stage').collect(() => [[{}, this.items.length]]);
    }
    get depth() {
        return this.items.length;
    }
    get isFull() {
        return this.items.length >= this.options.highWater;
    }
    push(item) {
        this.items.push(item);
        if (this.pumping === null && !this.closed) {
            this.pumping = this.pump().finally(() => {
                this.pumping = null;
            });
        }
    }
    /** Resolves once the queue is below its high-water mark (or closed). */
    waitForRoom() {
        if (!this.isFull || this.closed)
            return Promise.resolve();
        return new Promise((resolve) => this.roomWaiters.push(resolve));
    }
    /**
     * Lets the consumer work until the queue is empty or `deadlineMs` (monotonic) passes, then stops
     * handing out items. Returns what was not delivered, oldest first.
     */
    async drain(deadlineMs) {
        const remaining = Math.max(0, deadlineMs - this.options.clock.monotonic());
        if (this.pumping !== null)
            await settleWithin(this.options.clock, this.pumping, remaining);
        this.closed = true;
        this.closing.abort();
        this.wakeRoomWaiters();
        return [...this.items];
    }
    wakeRoomWaiters() {
        const waiters = this.roomWaiters;
        this.roomWaiters = [];
        for (const wake of waiters)
            wake();
    }
    async pump() {
        // Items parsed from one chunk arrive in one synchronous loop: let them all join the first batch.
        await Promise.resolve();
        while (this.items.length > 0 && !this.closed) {
            const batch = this.items.slice(0, MAX_BATCH);
            const { prepare } = this.options;
            if (prepare !== undefined)
                for (const item of batch)
                    await prepare(item);
            if (!(await this.deliver(batch)))
                return;
            this.items.splice(0, batch.length);
            for (const item of batch)
                this.delivered.inc({ kind: item.kind });
            if (!this.isFull)
                this.wakeRoomWaiters();
        }
    }
    async deliver(batch) {
        for (let attempt = 0; !this.closed; attempt++) {
            try {
                await this.options.consumer(batch);
                return true;
            }
            catch (error) {
                this.failures.inc();
                const delayMs = backoffDelay(attempt, this.options.retry, this.options.random);
                const first = batch[0];
                this.options.logger.error({
                    code: 'HIKARC_INGEST_CONSUMER_FAILED',
                    items: batch.length,
                    kind: first.kind,
                    eventType: first.kind === 'event' ? first.event.eventType : `link ${first.state}`,
                    attempt: attempt + 1,
                    retryInMs: delayMs,
                    cause: isHikArcError(error) ? error.code : undefined,
                    err: errorMessage(error),
                }, 'next stage did not take the items: retrying them before any later one');
                await sleep(this.options.clock, delayMs, this.closing.signal);
            }
        }
        return false;
    }
}
