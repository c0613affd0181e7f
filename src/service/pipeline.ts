// The service's spine: translate → outbox → transport. Every alarm is written to the outbox before
// anything is sent, handed to the transmitter from there (per account in arrival order), and leaves
// the outbox only on the ARC's ACK. Undeliverable events stay as dead letters with their reason.

import { backoffDelay, type BackoffPolicy } from '../backoff.js';
import { sleep, type Clock } from '../clock.js';
import { errorMessage, type ErrorCode } from '../errors.js';
import type { Logger } from '../log.js';
import type { Counter, Histogram, MetricsRegistry } from '../metrics.js';
import type { AlarmMessage, Translation, Translator, VendorEvent } from '../translate/index.js';
import type { NewOutboxEntry, Outbox, OutboxEntry } from '../transport/outbox/outbox.js';
import { ARC_DESTINATION, decodeStoredEvent, encodeStoredEvent, type StoredEvent } from './stored-event.js';

/** What the pipeline needs from the DC-09 transmitter. */
export interface AlarmSender {
  send(
    alarm: AlarmMessage,
    options: {
      readonly sequences?: Readonly<Partial<Record<string, number>>>;
      readonly onSequence?: (destination: string, sequence: number) => Promise<void> | void;
      readonly id?: string;
    },
  ): Promise<SendResult>;
}

export type SendResult =
  | { readonly delivered: true; readonly destination: string; readonly sequence: number }
  | { readonly delivered: false; readonly code: ErrorCode; readonly detail: string; readonly failures: ReadonlyArray<{ readonly destination: string; readonly code: ErrorCode }> };

/** What became of one stored alarm, for reports (replay, demo) and tests. */
export type DeliveryOutcome =
  | { readonly id: number; readonly message: AlarmMessage; readonly outcome: 'acked'; readonly via: string; readonly sequence: number; readonly latencyMs: number }
  | { readonly id: number; readonly message: AlarmMessage | null; readonly outcome: 'dead-letter' | 'retry'; readonly detail: string };

export interface AcceptedEvent {
  /** null for an alarm hik-arc raised itself (nothing to translate). */
  readonly translation: Translation | null;
  /** Outbox id when the input was stored (forwarded, or kept as an unroutable dead letter). */
  readonly outboxId: number | null;
}

export type PipelineInput =
  | {
      readonly kind: 'event';
      readonly event: VendorEvent;
      readonly receivedAt: number;
      readonly source: StoredEvent['source'];
      /** Identity of the input across retries (the ingest item); defaults to the event. */
      readonly key?: object;
    }
  | { readonly kind: 'alarm'; readonly alarm: AlarmMessage; readonly receivedAt: number };

export interface PipelineOptions {
  readonly outbox: Outbox;
  readonly translator: Translator;
  readonly sender: AlarmSender;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly metrics: MetricsRegistry;
  /** Messages handed to the transmitter at once (they queue per link; distinct accounts only). */
  readonly maxInFlight?: number;
  /** Wait before an undelivered message is tried again. */
  readonly retry?: BackoffPolicy;
  /** How often to log the backlog while the ARC is not taking messages. */
  readonly backlogLogIntervalMs?: number;
  /** How often to look for dead letters another process requeued. */
  readonly refreshIntervalMs?: number;
  /**
   * A message no destination acknowledged: `retry` it later (the service: an ARC outage must not
   * lose alarms), or keep it as a dead letter at once (replay: report and finish).
   */
  readonly whenUndelivered?: 'retry' | 'dead-letter';
  readonly onOutcome?: (outcome: DeliveryOutcome) => void;
  /**
   * Runs once per translated alarm, before it is stored; what it returns is stored and sent. The
   * media stage puts the signed link into the [V] block here (src/media), so a retransmission
   * after a restart carries the same link.
   */
  readonly beforeStore?: (message: AlarmMessage, event: VendorEvent) => AlarmMessage;
}

// Every destination failed: try the same message again after 5 s, growing to a minute, so a down
// ARC is not hammered and a recovered one is used within a minute.
export const DELIVERY_RETRY: BackoffPolicy = { minMs: 5_000, maxMs: 60_000, factor: 2 };
const DEFAULT_MAX_IN_FLIGHT = 64;
const BACKLOG_LOG_INTERVAL_MS = 60_000;
const REFRESH_INTERVAL_MS = 5_000;

// Answers no retry will change: the message goes to the dead letters.
const PERMANENT_CODES: ReadonlySet<ErrorCode> = new Set<ErrorCode>(['HIKARC_TRANSPORT_DUH', 'HIKARC_DC09_INVALID_MESSAGE']);

export type PipelineState = 'running' | 'stopping' | 'stopped';

export class Pipeline {
  private readonly outbox: Outbox;
  private readonly translator: Translator;
  private readonly sender: AlarmSender;
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly maxInFlight: number;
  private readonly retry: BackoffPolicy;
  private state: PipelineState = 'running';
  private readonly inFlight = new Map<number, Promise<void>>();
  // A consumer call that failed to store is retried with the same item: translate it once, or the
  // repeat filter would take the retry for a repeat and the alarm would be lost.
  private readonly translations = new WeakMap<object, Translation>();
  private wake: (() => void) | undefined;
  private cancelTimer: (() => void) | undefined;
  private loop: Promise<void> | undefined;
  private lastBacklogLog = 0;
  private lastRefresh = 0;
  private readonly backlogLogIntervalMs: number;
  private readonly refreshIntervalMs: number;
  private readonly whenUndelivered: 'retry' | 'dead-letter';
  private readonly onOutcome: ((outcome: DeliveryOutcome) => void) | undefined;
  private readonly beforeStore: PipelineOptions['beforeStore'];

  private readonly received: Counter;
  private readonly stored: Counter;
  private readonly forwarded: Counter;
  private readonly undelivered: Counter;
  private readonly latency: Histogram;

  constructor(options: PipelineOptions) {
    this.outbox = options.outbox;
    this.translator = options.translator;
    this.sender = options.sender;
    this.clock = options.clock;
    this.logger = options.logger;
    this.maxInFlight = options.maxInFlight ?? DEFAULT_MAX_IN_FLIGHT;
    this.retry = options.retry ?? DELIVERY_RETRY;
    this.backlogLogIntervalMs = options.backlogLogIntervalMs ?? BACKLOG_LOG_INTERVAL_MS;
    this.refreshIntervalMs = options.refreshIntervalMs ?? REFRESH_INTERVAL_MS;
    this.whenUndelivered = options.whenUndelivered ?? 'retry';
    this.onOutcome = options.onOutcome;
    this.beforeStore = options.beforeStore;
    const metrics = options.metrics;
    this.received = metrics.counter('hik_arc_events_received_total', 'Events received from the receiver stream or a replay, by source', ['source']);
    this.stored = metrics.counter('hik_arc_events_stored_total', 'Alarms written to the outbox, pending or dead letter', ['state']);
    this.forwarded = metrics.counter('hik_arc_events_forwarded_total', 'Alarms acknowledged by the ARC, by path', ['via']);
    this.undelivered = metrics.counter('hik_arc_events_undelivered_total', 'Delivery rounds in which no destination acknowledged, by outcome', ['outcome']);
    this.latency = metrics.histogram(
      'hik_arc_end_to_end_seconds',
      'Time from receiving an event to the ARC acknowledging it',
      [0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
    );
    const depth = metrics.gauge('hik_arc_outbox_depth', 'Alarms in the outbox waiting for an ACK');
    const oldest = metrics.gauge('hik_arc_outbox_oldest_age_seconds', 'Age of the oldest alarm waiting for an ACK (0 when none)');
    const dead = metrics.gauge('hik_arc_outbox_dead_letters', 'Alarms kept as dead letters');
    depth.collect(() => [[{}, this.outbox.stats(ARC_DESTINATION).pending]]);
    oldest.collect(() => {
      const at = this.outbox.stats(ARC_DESTINATION).oldestPendingReceivedAt;
      return [[{}, at === null ? 0 : Math.max(0, (this.clock.now() - at) / 1000)]];
    });
    dead.collect(() => [[{}, this.outbox.stats(ARC_DESTINATION).dead]]);
  }

  /** Starts delivering from the outbox (including what a previous run left there). */
  start(): void {
    if (this.loop) return;
    const pending = this.outbox.stats(ARC_DESTINATION);
    if (pending.pending > 0) this.logger.info({ pending: pending.pending }, 'resuming delivery of alarms stored before the restart');
    this.loop = this.run();
  }

  /**
   * Translates each input (once, even when the same input comes again after a failed store) and
   * stores everything that must be stored in one transaction; resolves once it is durable.
   */
  async accept(inputs: readonly PipelineInput[]): Promise<AcceptedEvent[]> {
    const results: Array<{ translation: Translation | null; entry: NewOutboxEntry | null }> = [];
    for (const input of inputs) {
      if (input.kind === 'alarm') {
        this.received.inc({ source: 'link' });
        results.push({ translation: null, entry: { destination: ARC_DESTINATION, account: input.alarm.account, receivedAt: input.receivedAt, payload: encodeStoredEvent({ message: input.alarm, event: null, source: 'link' }) } });
        continue;
      }
      const key = input.key ?? input.event;
      let translation = this.translations.get(key);
      if (!translation) {
        this.received.inc({ source: input.source });
        translation = this.translator.translate(input.event);
        if (translation.forwarded && this.beforeStore) translation = { forwarded: true, message: this.beforeStore(translation.message, input.event) };
        this.translations.set(key, translation);
      }
      const payload = (message: AlarmMessage | null): string => encodeStoredEvent({ message, event: input.event, source: input.source });
      let entry: NewOutboxEntry | null = null;
      if (translation.forwarded) entry = { destination: ARC_DESTINATION, account: translation.message.account, receivedAt: input.receivedAt, payload: payload(translation.message) };
      else if (translation.reason === 'no-account') entry = { destination: ARC_DESTINATION, account: '', receivedAt: input.receivedAt, payload: payload(null), deadReason: `no-account: ${translation.detail}` };
      results.push({ translation, entry });
    }
    const entries = results.flatMap((result) => (result.entry ? [result.entry] : []));
    const ids = entries.length === 0 ? [] : await this.store(entries);
    let next = 0;
    return results.map((result) => {
      const outboxId = result.entry ? (ids[next++] ?? null) : null;
      return { translation: result.translation, outboxId };
    });
  }

  /** Translates and stores one vendor event; resolves once it is durably stored (or skipped). */
  async acceptEvent(event: VendorEvent, receivedAt: number, source: StoredEvent['source'], key: object = event): Promise<{ translation: Translation; outboxId: number | null }> {
    const [accepted] = await this.accept([{ kind: 'event', event, receivedAt, source, key }]);
    return { translation: accepted?.translation as Translation, outboxId: accepted?.outboxId ?? null };
  }

  /** Stores one alarm hik-arc raises itself (the upstream link fault and its restore). */
  async acceptAlarm(alarm: AlarmMessage, receivedAt: number): Promise<number> {
    const [accepted] = await this.accept([{ kind: 'alarm', alarm, receivedAt }]);
    return accepted?.outboxId as number;
  }

  /** A destination answers again: alarms waiting out their retry delay go now. */
  pathRecovered(): void {
    if (this.state !== 'running') return;
    this.outbox.retryNow(ARC_DESTINATION);
    this.poke();
  }

  /** Entries waiting for an ACK (not dead letters). */
  pendingCount(): number {
    return this.outbox.stats(ARC_DESTINATION).pending;
  }

  /** Resolves when nothing is pending or in flight, or after `timeoutMs`; true when drained. */
  async drained(timeoutMs: number): Promise<boolean> {
    const deadline = this.clock.monotonic() + timeoutMs;
    while (this.clock.monotonic() < deadline) {
      if (this.pendingCount() === 0 && this.inFlight.size === 0) return true;
      await sleep(this.clock, 20);
    }
    return this.pendingCount() === 0 && this.inFlight.size === 0;
  }

  /**
   * Stops handing out new messages, waits for those in flight (the transmitter is stopped by the
   * caller with the same deadline), and leaves everything else in the outbox for the next start.
   */
  async stop(deadlineMs: number): Promise<void> {
    if (this.state !== 'running') return;
    this.setState('stopping');
    this.poke();
    let cancel = (): void => undefined;
    const deadline = new Promise<void>((resolve) => {
      cancel = this.clock.setTimer(deadlineMs, resolve);
    });
    await Promise.race([Promise.all(this.inFlight.values()), deadline]);
    cancel();
    this.cancelTimer?.();
    this.poke();
    await this.loop;
    for (const id of this.inFlight.keys()) this.outbox.release(id);
    this.setState('stopped');
  }

  private setState(next: PipelineState): void {
    this.logger.info({ from: this.state, to: next }, 'pipeline state changed');
    this.state = next;
  }

  private async store(entries: readonly NewOutboxEntry[]): Promise<number[]> {
    let ids: number[];
    try {
      ids = await this.outbox.append(entries);
    } catch (error) {
      this.logger.error({ code: (error as { code?: unknown }).code, err: errorMessage(error), alarms: entries.length }, 'alarm could not be stored; it is held and stored again');
      throw error;
    }
    for (const entry of entries) this.stored.inc({ state: entry.deadReason === undefined ? 'pending' : 'dead' });
    if (entries.some((entry) => entry.deadReason === undefined)) this.poke();
    return ids;
  }

  private poke(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }

  private async run(): Promise<void> {
    while (this.state === 'running') {
      const now = this.clock.now();
      this.housekeeping(now);
      const room = this.maxInFlight - this.inFlight.size;
      const entries = room > 0 ? this.outbox.next(ARC_DESTINATION, room, now) : [];
      for (const entry of entries) {
        const delivery = this.deliver(entry).finally(() => {
          this.inFlight.delete(entry.id);
          this.poke();
        });
        this.inFlight.set(entry.id, delivery);
      }
      if (entries.length > 0 && this.inFlight.size < this.maxInFlight) continue;
      await this.sleepUntilWork(now);
    }
  }

  private sleepUntilWork(now: number): Promise<void> {
    const retryAt = this.outbox.nextRetryAt(ARC_DESTINATION);
    const untilRetry = retryAt === null ? Infinity : Math.max(0, retryAt - now);
    const waitMs = Math.min(untilRetry, this.refreshIntervalMs);
    return new Promise<void>((resolve) => {
      this.wake = resolve;
      this.cancelTimer?.();
      this.cancelTimer = this.clock.setTimer(waitMs, () => this.poke());
    });
  }

  private housekeeping(now: number): void {
    if (now - this.lastRefresh >= this.refreshIntervalMs) {
      this.lastRefresh = now;
      this.outbox.refresh();
    }
    if (now - this.lastBacklogLog >= this.backlogLogIntervalMs) {
      const stats = this.outbox.stats(ARC_DESTINATION);
      // Only when something waits longer than a moment: an ARC outage, not normal traffic. Checked
      // once a second at most, logged once per interval at most.
      this.lastBacklogLog = now - this.backlogLogIntervalMs + Math.min(1_000, this.backlogLogIntervalMs);
      if (stats.pending > 0 && stats.oldestPendingReceivedAt !== null && now - stats.oldestPendingReceivedAt > 5_000) {
        this.lastBacklogLog = now;
        this.logger.warn(
          { pending: stats.pending, oldestAgeSec: Math.round((now - stats.oldestPendingReceivedAt) / 1000), deadLetters: stats.dead },
          'alarms waiting for the ARC',
        );
      }
    }
  }

  private async deliver(entry: OutboxEntry): Promise<void> {
    const stored = decodeStoredEvent(entry.payload);
    if (!stored?.message) {
      await this.outbox.fail(entry.id, { reason: 'the stored alarm cannot be read', dead: true }).catch((error: unknown) => this.storeFailed(entry, error));
      this.onOutcome?.({ id: entry.id, message: null, outcome: 'dead-letter', detail: 'the stored alarm cannot be read' });
      return;
    }
    const message = stored.message;
    const result = await this.sender.send(message, {
      sequences: entry.sequences,
      // Not awaited: a crash before the write commits only costs the ARC a new sequence number.
      onSequence: (path, sequence) => {
        this.outbox.recordSequence(entry.id, path, sequence).catch((error: unknown) => this.storeFailed(entry, error));
      },
      id: String(entry.id),
    });
    const now = this.clock.now();
    if (result.delivered) {
      this.forwarded.inc({ via: result.destination });
      this.latency.observe(Math.max(0, now - entry.receivedAt) / 1000);
      // Not awaited: the queue moves on at once, the write commits with the next batch.
      this.outbox.ack(entry.id, { via: result.destination, at: now }).catch((error: unknown) => this.storeFailed(entry, error));
      this.onOutcome?.({ id: entry.id, message, outcome: 'acked', via: result.destination, sequence: result.sequence, latencyMs: Math.max(0, now - entry.receivedAt) });
      return;
    }
    if (result.code === 'HIKARC_TRANSPORT_STOPPED') {
      this.outbox.release(entry.id);
      return;
    }
    const permanent = result.failures.length > 0 && result.failures.every((failure) => PERMANENT_CODES.has(failure.code));
    if (permanent || this.whenUndelivered === 'dead-letter') {
      this.undelivered.inc({ outcome: 'dead-letter' });
      this.logger.error({ id: entry.id, account: entry.account, cid: message.cid, detail: result.detail }, 'no destination will ever take this alarm: kept as a dead letter');
      this.outbox.fail(entry.id, { reason: result.detail, dead: true }).catch((error: unknown) => this.storeFailed(entry, error));
      this.onOutcome?.({ id: entry.id, message, outcome: 'dead-letter', detail: result.detail });
      return;
    }
    this.undelivered.inc({ outcome: 'retry' });
    const retryAt = now + backoffDelay(entry.attempts, this.retry);
    this.outbox.fail(entry.id, { reason: result.detail, retryAt }).catch((error: unknown) => this.storeFailed(entry, error));
    this.onOutcome?.({ id: entry.id, message, outcome: 'retry', detail: result.detail });
  }

  // The outcome could not be written: the entry stays pending in the store and is sent again after
  // a restart (at least once); this run has moved on already.
  private storeFailed(entry: OutboxEntry, error: unknown): void {
    this.outbox.release(entry.id);
    this.logger.error({ id: entry.id, code: (error as { code?: unknown }).code, err: errorMessage(error) }, 'delivery outcome could not be stored; the alarm will be sent again after a restart');
  }
}
