// The service's spine: translate → outbox → transport. Every alarm is handed to the outbox before
// anything is sent (stored, or held in memory while the store cannot be written); the transport's
// dispatcher takes it from there, per account in arrival order, and it leaves the outbox only on the
// ARC's ACK. Undeliverable events stay as dead letters with their reason.

import type { Clock } from '../clock.js';
import { errorMessage } from '../errors.js';
import type { Logger } from '../log.js';
import type { Counter, Histogram, MetricsRegistry } from '../metrics.js';
import type { NewOutboxEntry, Outbox, OutboxEntry } from '../outbox/index.js';
import type { AlarmMessage, Translation, Translator } from '../translate/index.js';
import type { VendorEvent } from '../ingest/index.js';
import type { DispatchOutcome } from '../transport/dispatcher.js';
import { LATENCY_BUCKETS_SECONDS } from '../transport/transport-metrics.js';
import { ARC_DESTINATION, decodeStoredAlarm, encodeStoredEvent, type StoredEvent } from './stored-event.js';

/** What became of one stored alarm, for reports (replay, demo) and tests. */
export type DeliveryOutcome =
  | {
      readonly id: number;
      readonly message: AlarmMessage;
      readonly outcome: 'acked';
      readonly via: string;
      readonly sequence: number;
      readonly latencyMs: number;
      readonly dispatch: DispatchOutcome;
    }
  | {
      readonly id: number;
      readonly message: AlarmMessage | null;
      readonly outcome: 'dead-letter' | 'retry';
      readonly detail: string;
      readonly dispatch: DispatchOutcome;
    };

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
  /** Told when something was stored, so the dispatcher looks at once. */
  readonly wake: () => void;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly metrics: MetricsRegistry;
  /** How often to log the backlog while the ARC is not taking alarms. */
  readonly backlogLogIntervalMs?: number;
  readonly onOutcome?: (outcome: DeliveryOutcome) => void;
  /**
   * Runs once per translated alarm, before it is stored; what it returns is stored and sent. The
   * media stage puts the signed link into the [V] block here (src/media), so a retransmission
   * after a restart carries the same link.
   */
  readonly beforeStore?: (message: AlarmMessage, event: VendorEvent) => AlarmMessage;
}

const BACKLOG_LOG_INTERVAL_MS = 60_000;
// Something must wait longer than this before the backlog is worth a log line (an outage, not traffic).
const BACKLOG_AGE_MS = 5_000;

/** The alarm in a stored entry, as the transport sends it; null when the entry cannot be read. */
export function storedAlarm(entry: OutboxEntry): AlarmMessage | null {
  return decodeStoredAlarm(entry.payload)?.message ?? null;
}

export class Pipeline {
  private readonly outbox: Outbox;
  private readonly translator: Translator;
  private readonly wake: () => void;
  private readonly clock: Clock;
  private readonly logger: Logger;
  // A consumer call that failed to store is retried with the same item: translate it once, or the
  // repeat filter would take the retry for a repeat and the alarm would be lost.
  private readonly translations = new WeakMap<object, Translation>();
  private readonly backlogLogIntervalMs: number;
  private readonly onOutcome: ((outcome: DeliveryOutcome) => void) | undefined;
  private cancelBacklogLog: (() => void) | undefined;
  private lastBacklogLog = Number.NEGATIVE_INFINITY;
  private readonly beforeStore: PipelineOptions['beforeStore'];

  private readonly received: Counter;
  private readonly stored: Counter;
  private readonly forwarded: Counter;
  private readonly undelivered: Counter;
  private readonly latency: Histogram;

  constructor(options: PipelineOptions) {
    this.outbox = options.outbox;
    this.translator = options.translator;
    this.wake = options.wake;
    this.clock = options.clock;
    this.logger = options.logger;
    this.backlogLogIntervalMs = options.backlogLogIntervalMs ?? BACKLOG_LOG_INTERVAL_MS;
    this.onOutcome = options.onOutcome;
    this.beforeStore = options.beforeStore;
    const metrics = options.metrics;
    this.received = metrics.counter('hik_arc_events_received_total', 'Events received from the receiver stream or a replay, by source', ['source']);
    this.stored = metrics.counter(
      'hik_arc_events_stored_total',
      'Alarms handed to the outbox (stored, or held while the store fails), pending or dead letter',
      ['state'],
    );
    this.forwarded = metrics.counter('hik_arc_events_forwarded_total', 'Alarms acknowledged by the ARC, by path', ['via']);
    this.undelivered = metrics.counter('hik_arc_events_undelivered_total', 'Delivery rounds in which no destination acknowledged, by outcome', ['outcome']);
    this.latency = metrics.histogram('hik_arc_end_to_end_seconds', 'Time from receiving an event to the ARC acknowledging it', LATENCY_BUCKETS_SECONDS);
    const stats = (): ReturnType<Outbox['stats']> => this.outbox.stats(ARC_DESTINATION);
    metrics.gauge('hik_arc_outbox_depth', 'Alarms in the outbox waiting for an ACK').collect(() => [[{}, stats().pending]]);
    metrics.gauge('hik_arc_outbox_oldest_age_seconds', 'Age of the oldest alarm waiting for an ACK (0 when none)').collect(() => {
      const at = stats().oldestPendingReceivedAt;
      return [[{}, at === null ? 0 : Math.max(0, (this.clock.now() - at) / 1000)]];
    });
    metrics.gauge('hik_arc_outbox_dead_letters', 'Alarms kept as dead letters').collect(() => [[{}, stats().dead]]);
    metrics
      .gauge('hik_arc_outbox_unstored', 'Alarms held only in memory because the store cannot be written (delivered anyway)')
      .collect(() => [[{}, stats().unstored]]);
    metrics
      .gauge('hik_arc_outbox_unwritten_outcomes', 'ACKs and failures decided but not yet written to the store')
      .collect(() => [[{}, stats().unwrittenOutcomes]]);
    metrics.gauge('hik_arc_delivery_lanes', 'Accounts with alarms waiting for an ACK').collect(() => [[{}, stats().lanes]]);
    metrics
      .gauge('hik_arc_delivery_lanes_blocked', 'Accounts whose next alarm waits out a retry delay after a failed round (the others keep flowing)')
      .collect(() => [[{}, stats().blockedLanes]]);
    metrics
      .gauge('hik_arc_store_healthy', 'The outbox takes writes: 1, or 0 while it is full, locked or failing')
      .collect(() => [[{}, this.outbox.storeHealth().state === 'ok' ? 1 : 0]]);
  }

  /** Starts the periodic backlog report. */
  start(): void {
    const pending = this.outbox.stats(ARC_DESTINATION);
    if (pending.pending > 0) this.logger.info({ pending: pending.pending }, 'resuming delivery of alarms stored before the restart');
    this.scheduleBacklogLog();
  }

  stop(): void {
    this.cancelBacklogLog?.();
    this.cancelBacklogLog = undefined;
  }

  /**
   * Translates each input (once, even when the same input comes again after a failed store) and
   * hands everything that must be kept to the outbox in one call; resolves once the outbox holds it.
   */
  async accept(inputs: readonly PipelineInput[]): Promise<AcceptedEvent[]> {
    const results: Array<{ translation: Translation | null; entry: NewOutboxEntry | null }> = [];
    for (const input of inputs) {
      if (input.kind === 'alarm') {
        this.received.inc({ source: 'link' });
        results.push({
          translation: null,
          entry: {
            destination: ARC_DESTINATION,
            account: input.alarm.account,
            receivedAt: input.receivedAt,
            ...encodeStoredEvent({ message: input.alarm, event: null, source: 'link' }),
          },
        });
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
      const stored = (message: AlarmMessage | null): { payload: string; attachment: string } =>
        encodeStoredEvent({ message, event: input.event, source: input.source });
      let entry: NewOutboxEntry | null = null;
      if (translation.forwarded)
        entry = { destination: ARC_DESTINATION, account: translation.message.account, receivedAt: input.receivedAt, ...stored(translation.message) };
      else if (translation.reason === 'no-account')
        entry = { destination: ARC_DESTINATION, account: '', receivedAt: input.receivedAt, ...stored(null), deadReason: `no-account: ${translation.detail}` };
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

  /** Translates and stores one vendor event; resolves once it is held by the outbox (or skipped). */
  async acceptEvent(
    event: VendorEvent,
    receivedAt: number,
    source: StoredEvent['source'],
    key: object = event,
  ): Promise<{ translation: Translation; outboxId: number | null }> {
    const [accepted] = await this.accept([{ kind: 'event', event, receivedAt, source, key }]);
    return { translation: accepted?.translation as Translation, outboxId: accepted?.outboxId ?? null };
  }

  /** Stores one alarm hik-arc raises itself (the upstream link fault and its restore). */
  async acceptAlarm(alarm: AlarmMessage, receivedAt: number): Promise<number> {
    const [accepted] = await this.accept([{ kind: 'alarm', alarm, receivedAt }]);
    return accepted?.outboxId as number;
  }

  /** Entries waiting for an ACK (not dead letters). */
  pendingCount(): number {
    return this.outbox.stats(ARC_DESTINATION).pending;
  }

  /** What the dispatcher decided for one alarm: counted, and reported to replay and tests. */
  delivered(outcome: DispatchOutcome): void {
    const id = outcome.entry.id;
    // The alarm is read again only for a report (replay, tests), not on the service's hot path.
    const report = this.onOutcome;
    if (outcome.outcome === 'acked') {
      const latencyMs = Math.max(0, this.clock.now() - outcome.entry.receivedAt);
      this.forwarded.inc({ via: outcome.via });
      this.latency.observe(latencyMs / 1000);
      const message = report === undefined ? null : storedAlarm(outcome.entry);
      if (message !== null) report?.({ id, message, outcome: 'acked', via: outcome.via, sequence: outcome.sequence, latencyMs, dispatch: outcome });
      return;
    }
    this.undelivered.inc({ outcome: outcome.outcome });
    report?.({ id, message: storedAlarm(outcome.entry), outcome: outcome.outcome, detail: outcome.detail, dispatch: outcome });
  }

  private async store(entries: readonly NewOutboxEntry[]): Promise<number[]> {
    let ids: number[];
    try {
      ids = await this.outbox.append(entries);
    } catch (error) {
      this.logger.error(
        { code: (error as { code?: unknown }).code, err: errorMessage(error), alarms: entries.length },
        'alarm could not be stored; it is held and stored again',
      );
      throw error;
    }
    for (const entry of entries) this.stored.inc({ state: entry.deadReason === undefined ? 'pending' : 'dead' });
    if (entries.some((entry) => entry.deadReason === undefined)) this.wake();
    return ids;
  }

  private scheduleBacklogLog(): void {
    // Checked once a second at most, logged once per interval at most.
    this.cancelBacklogLog = this.clock.setTimer(Math.min(1_000, this.backlogLogIntervalMs), () => {
      this.logBacklog();
      this.scheduleBacklogLog();
    });
  }

  private logBacklog(): void {
    const now = this.clock.now();
    if (now - this.lastBacklogLog < this.backlogLogIntervalMs) return;
    const stats = this.outbox.stats(ARC_DESTINATION);
    if (stats.pending === 0 || stats.oldestPendingReceivedAt === null || now - stats.oldestPendingReceivedAt <= BACKLOG_AGE_MS) return;
    this.lastBacklogLog = now;
    this.logger.warn(
      {
        pending: stats.pending,
        oldestAgeSec: Math.round((now - stats.oldestPendingReceivedAt) / 1000),
        deadLetters: stats.dead,
        blockedAccounts: stats.blockedLanes,
        unstored: stats.unstored,
      },
      'alarms waiting for the ARC',
    );
  }
}
