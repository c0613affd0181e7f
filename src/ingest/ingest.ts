// The ingest stage: keeps one subscription to the receiver's event stream alive (guide §5.1), feeds
// its bytes through the multipart parser, supervises the stream, reconnects with capped backoff,
// reports the upstream link to the ARC, keeps the device directory fresh, and hands every event, in
// stream order, to the consumer. One string-union state, changed only through setState.
//
// Built for receivers that misbehave: the watchdog runs from the subscription request on and counts
// bytes, not parts (a picture trickled for longer than the heartbeat timeout is no dead stream), and
// one part slower than 5 × the heartbeat timeout is quarantined while the stream is kept. An event
// of a device the list does not know yet waits, at most once per refresh, in a queue of its own,
// never in front of alarms from known devices. Repeated warnings go through a rate-limited log.

import { backoffDelay } from '../backoff.js';
import { settleWithin, sleep, systemClock, type CancelTimer, type Clock } from '../clock.js';
import { isDc09Account } from '../transport/dc09-fields.js';
import { errorMessage, isHikArcError, type ErrorCode, type HikArcError } from '../errors.js';
import type { Logger } from '../log.js';
import type { Counter, Gauge, MetricsRegistry } from '../metrics.js';
import { RateLimitedLog } from '../rate-limited-log.js';
import { LayeredAccountDirectory, normalizeAccount, StaticAccountDirectory, type AccountDirectory } from './account-directory.js';
import type { VendorEvent } from './vendor-event.js';
import type { AuthGuard, LockInfo } from './auth-guard.js';
import { bodyChunks } from './body-chunks.js';
import { DeliveryQueue, type IngestConsumer, type IngestItem } from './delivery-queue.js';
import { HikDeviceDirectory, type RefreshOutcome } from './device-directory.js';
import { LinkSupervisor, type LinkState } from './link-supervisor.js';
import { MultipartParser, type MultipartEvent } from './multipart-parser.js';
import { isTlsError, hikClients, type DispatcherFactory, type HikClients } from './hik-clients.js';
import type { HikHttp, ResponseBody } from './hik-http.js';
import type { Refusal, RefusalKind } from './hik-status.js';
import type { IngestSettings } from './settings.js';
import { classifyStreamEvent, hadInvalidUtf8 } from './stream-items.js';
import { cancelSubscription, openSubscription } from './subscription.js';

export type IngestState = 'idle' | 'connecting' | 'streaming' | 'backoff' | 'auth-hold' | 'locked' | 'stopping' | 'stopped';

export type StreamEndReason = 'ended' | 'stalled' | 'network' | 'refused' | 'auth' | 'tls';

export type IngestStatus =
  | { readonly type: 'connecting'; readonly attempt: number }
  | { readonly type: 'subscribed'; readonly subscriptionId: string | null }
  | { readonly type: 'heartbeat'; readonly at: number }
  | { readonly type: 'stream-lost'; readonly reason: StreamEndReason; readonly code: ErrorCode }
  | { readonly type: 'refused'; readonly kind: RefusalKind; readonly code: ErrorCode; readonly httpStatus: number }
  | { readonly type: 'backoff'; readonly attempt: number; readonly delayMs: number }
  | { readonly type: 'auth-hold'; readonly delayMs: number }
  | { readonly type: 'locked'; readonly lock: LockInfo | null }
  | { readonly type: 'link'; readonly state: LinkState }
  | { readonly type: 'link-alarm'; readonly state: 'fault' | 'restore'; readonly delivered: boolean }
  | { readonly type: 'directory'; readonly ok: boolean; readonly outcome: RefreshOutcome; readonly devices: number }
  | { readonly type: 'stopped'; readonly undelivered: number };

export interface IngestHealth {
  readonly state: IngestState;
  readonly link: LinkState;
  /** Wall-clock ms of the last link change (start counts as a change to down). */
  readonly linkSince: number;
  readonly linkFaultReported: boolean;
  /** Wall-clock ms of the last part of any kind; null before the first. */
  readonly lastPartAt: number | null;
  readonly subscriptionId: string | null;
  /** Items waiting for the consumer, events of unknown devices waiting for the device list included. */
  readonly queueDepth: number;
}

export interface IngestOptions {
  readonly settings: IngestSettings;
  readonly logger: Logger;
  readonly metrics: MetricsRegistry;
  /** Receives every event (heartbeats excepted) and link alarm, one at a time, in stream order. */
  readonly consumer: IngestConsumer;
  readonly clock?: Clock;
  readonly dispatcherFactory?: DispatcherFactory;
  readonly random?: () => number;
  /** The lockout guard, when other clients of the receiver share it (media downloads). */
  readonly authGuard?: AuthGuard;
}

export interface Ingest {
  /** Starts the subscription loop in the background; returns at once. */
  start(): void;
  /** Cancels the subscription, lets the consumer drain and closes connections, within stopTimeoutMs. */
  stop(): Promise<void>;
  /** Config `accounts` over the receiver's device list: give it to the Translator. */
  readonly directory: AccountDirectory;
  /**
   * The receiver client for requests beside the stream (device list, unsubscribe; panel control),
   * sharing the stream's lock-out guard: a rejected or locked login stops every user.
   */
  readonly requestClient: HikRequestClient;
  health(): IngestHealth;
  /** Lifecycle events as they happen; returns the unsubscribe function. */
  onStatus(listener: (status: IngestStatus) => void): () => void;
}

export interface HikRequestClient {
  readonly http: HikHttp;
  /** Path prefix of receiver.url, usually empty. */
  readonly basePath: string;
}

const QUARANTINE_LOG_BYTES = 1024;
const PREVIEW_CHARS = 200;
// One part may take this many heartbeat timeouts to arrive before it is given up.
const SLOW_PART_HEARTBEATS = 5;

type StreamOutcome = { readonly reason: StreamEndReason; readonly code: ErrorCode; readonly refusal?: Refusal };

interface StreamContext {
  readonly controller: AbortController;
  firstPart: boolean;
  sawHeartbeat: boolean;
  stalled: boolean;
  /** Until the response headers: the request and its login; then the stream. */
  phase: 'connecting' | 'streaming';
}

type EventItem = Extract<IngestItem, { kind: 'event' }>;

function lockOf(error: HikArcError): LockInfo | null {
  const detail = error.detail ?? {};
  if (!('lockStatus' in detail)) return null;
  return {
    lockStatus: (detail['lockStatus'] as string | null) ?? null,
    unlockTimeSec: (detail['unlockTimeSec'] as number | null) ?? null,
    attemptsLeft: (detail['attemptsLeft'] as number | null) ?? null,
  };
}

function networkCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** Stream supervision: fires when nothing arrived (not a byte) for the timeout. */
class Watchdog {
  private cancel: CancelTimer | null = null;

  constructor(
    private readonly clock: Clock,
    private readonly timeoutMs: number,
    private readonly onTimeout: () => void,
  ) {}

  pet(): void {
    this.stop();
    this.cancel = this.clock.setTimer(this.timeoutMs, this.onTimeout);
  }

  stop(): void {
    this.cancel?.();
    this.cancel = null;
  }
}

class IngestStage implements Ingest {
  readonly directory: AccountDirectory;
  readonly requestClient: HikRequestClient;
  private state: IngestState = 'idle';
  private readonly settings: IngestSettings;
  private readonly logger: Logger;
  private readonly clock: Clock;
  private readonly random: () => number;
  private readonly basePath: string;
  private readonly clients: HikClients;
  private readonly streamHttp: HikHttp;
  private readonly controlHttp: HikHttp;
  private readonly guard: AuthGuard;
  private readonly hikDeviceDirectory: HikDeviceDirectory;
  private link: LinkSupervisor;
  private linkSince: number;
  private linkTimer: CancelTimer | null = null;
  private directoryTimer: CancelTimer | null = null;
  private directoryStarted = false;
  private readonly queue: DeliveryQueue;
  private readonly listeners = new Set<(status: IngestStatus) => void>();
  private readonly stopping = new AbortController();
  private runPromise: Promise<void> | null = null;
  private stopPromise: Promise<void> | null = null;
  private stream: StreamContext | null = null;
  /** Id of the stream that is open now, for the unsubscribe on stop. */
  private subscriptionId: string | null = null;
  /** Id of our last subscription, until it is cancelled: the receiver may still hold it. */
  private earlierSubscriptionId: string | null = null;
  private lastPartAt: number | null = null;
  private readonly warnings: RateLimitedLog;
  /** Events of devices the list does not know yet, waiting (in order) for the refresh they asked for. */
  private parked: EventItem[] = [];
  /** devIndex and serial (lower case) of the parked events: a later event of one of them waits too. */
  private readonly parkedDevices = new Set<string>();
  private parkedTimer: CancelTimer | null = null;
  /** A refresh whose wait has been spent: later unknown events go on without waiting for it again. */
  private waitedOut: Promise<RefreshOutcome> | null = null;

  private readonly reconnects: Counter;
  private readonly parts: Counter;
  private readonly quarantined: Counter;
  private readonly skipped: Counter;
  private readonly heartbeats: Counter;
  private readonly subscribeFailures: Counter;
  private readonly streamStatuses: Counter;
  private readonly invalidUtf8: Counter;
  private readonly contentTypeMismatches: Counter;
  private readonly linkAlarms: Counter;
  private readonly undelivered: Counter;
  private readonly linkUp: Gauge;

  constructor(options: IngestOptions) {
    const { settings, metrics } = options;
    this.settings = settings;
    this.logger = options.logger;
    this.clock = options.clock ?? systemClock;
    this.random = options.random ?? Math.random;
    this.clients = hikClients({
      ...settings,
      clock: this.clock,
      logger: this.logger,
      metrics,
      dispatcherFactory: options.dispatcherFactory,
      guard: options.authGuard,
    });
    this.basePath = this.clients.basePath;
    this.guard = this.clients.guard;
    this.streamHttp = this.clients.stream;
    this.controlHttp = this.clients.control;
    this.requestClient = { http: this.controlHttp, basePath: this.basePath };
    this.hikDeviceDirectory = new HikDeviceDirectory({
      http: this.controlHttp,
      basePath: this.basePath,
      clock: this.clock,
      logger: this.logger,
      metrics,
      pageSize: settings.directoryPageSize,
      requestTimeoutMs: settings.requestTimeoutMs,
      unknownRefreshMinMs: settings.unknownDeviceRefreshMinMs,
      cachePath: settings.directoryCachePath,
    });
    this.warnings = new RateLimitedLog({ logger: this.logger, clock: this.clock, burst: settings.warnBurst, windowMs: settings.warnWindowMs });
    this.directory = new LayeredAccountDirectory([new StaticAccountDirectory(settings.accounts), this.hikDeviceDirectory]);
    this.link = new LinkSupervisor(settings.linkLossReportMs, this.clock.monotonic());
    this.linkSince = this.clock.now();
    this.queue = new DeliveryQueue({
      consumer: options.consumer,
      clock: this.clock,
      logger: this.logger,
      metrics,
      retry: settings.consumerRetryBackoff,
      highWater: settings.queueHighWater,
      random: this.random,
    });

    this.reconnects = metrics.counter('hik_arc_ingest_stream_reconnects_total', 'Subscriptions opened again after the first');
    this.parts = metrics.counter('hik_arc_ingest_parts_total', 'Multipart parts received, by outcome (part, skipped, quarantined)', ['type']);
    this.quarantined = metrics.counter('hik_arc_ingest_parts_quarantined_total', 'Parts that are no event (framing or JSON problems), by code', ['code']);
    this.skipped = metrics.counter('hik_arc_ingest_parts_skipped_total', 'Non-JSON parts (images) skipped');
    this.heartbeats = metrics.counter('hik_arc_ingest_heartbeats_total', 'Heartbeats received from the receiver');
    this.subscribeFailures = metrics.counter('hik_arc_ingest_subscribe_failures_total', 'Subscription attempts and streams that failed, by reason', ['reason']);
    this.streamStatuses = metrics.counter('hik_arc_ingest_stream_status_total', 'ResponseStatus documents received inside the stream');
    this.invalidUtf8 = metrics.counter('hik_arc_ingest_invalid_utf8_total', 'Events with bytes that are not UTF-8 (replaced)');
    this.contentTypeMismatches = metrics.counter('hik_arc_ingest_content_type_mismatch_total', 'Events in parts labelled as something other than JSON');
    this.linkAlarms = metrics.counter(
      'hik_arc_ingest_link_alarms_total',
      'Upstream link faults and restores raised, by state and whether they could be delivered',
      ['state', 'delivered'],
    );
    this.undelivered = metrics.counter('hik_arc_ingest_undelivered_at_stop_total', 'Items still queued when the stop deadline passed');
    this.linkUp = metrics.gauge('hik_arc_ingest_link_up', '1 while the receiver event stream is delivering parts, else 0');
    this.linkUp.set(undefined, 0);
  }

  start(): void {
    if (this.runPromise !== null || this.stopping.signal.aborted) return;
    // The link counts as down from start: a receiver never reached is a dead path too.
    this.link = new LinkSupervisor(this.settings.linkLossReportMs, this.clock.monotonic());
    this.linkSince = this.clock.now();
    this.scheduleLinkCheck();
    this.runPromise = this.run();
  }

  stop(): Promise<void> {
    this.stopPromise ??= this.shutdown();
    return this.stopPromise;
  }

  health(): IngestHealth {
    return {
      state: this.state,
      link: this.link.link,
      linkSince: this.linkSince,
      linkFaultReported: this.link.isFaultReported,
      lastPartAt: this.lastPartAt,
      subscriptionId: this.subscriptionId,
      queueDepth: this.queue.depth + this.parked.length,
    };
  }

  onStatus(listener: (status: IngestStatus) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private setState(next: IngestState): void {
    if (next === this.state) return;
    this.logger.info({ from: this.state, to: next }, 'ingest state changed');
    this.state = next;
  }

  private emit(status: IngestStatus): void {
    for (const listener of this.listeners) {
      try {
        listener(status);
      } catch (error) {
        this.logger.error({ err: errorMessage(error), status: status.type }, 'status listener failed');
      }
    }
  }

  private get isStopping(): boolean {
    return this.stopping.signal.aborted;
  }

  private async run(): Promise<void> {
    let attempt = 0;
    let subscriptions = 0;
    while (!this.isStopping) {
      try {
        const gate = await this.waitForLogin();
        if (gate === 'stop') break;
        if (subscriptions++ > 0) this.reconnects.inc();
        this.setState('connecting');
        this.emit({ type: 'connecting', attempt });
        const outcome = await this.subscribeOnce();
        if (this.isStopping) break;
        this.subscribeFailures.inc({ reason: outcome.reason });
        this.emit({ type: 'stream-lost', reason: outcome.reason, code: outcome.code });
        // Reset only once the new stream has proven itself with a heartbeat (docs/hik-receiver.md §Stream liveness).
        if (this.stream?.sawHeartbeat === true) attempt = 0;
        if (outcome.reason === 'auth') continue; // the gate holds or locks before the next try
        if (outcome.refusal?.kind === 'subscription-taken') await this.cancelEarlierSubscription();
        const delayMs = backoffDelay(attempt, this.settings.reconnectBackoff, this.random);
        attempt++;
        this.setState('backoff');
        this.emit({ type: 'backoff', attempt, delayMs });
        this.logger.info({ attempt, delayMs, reason: outcome.reason }, 'subscribing again after backoff');
        await sleep(this.clock, delayMs, this.stopping.signal);
      } catch (error) {
        // A defect of our own must not end the subscription loop for good.
        this.logger.error(
          { err: errorMessage(error), stack: error instanceof Error ? error.stack : undefined },
          'ingest loop failed unexpectedly: subscribing again',
        );
        await sleep(this.clock, this.settings.reconnectBackoff.maxMs, this.stopping.signal);
      }
    }
  }

  /** Waits out a login hold; a lock waits for stop. Returns 'stop' when stopping. */
  private async waitForLogin(): Promise<'open' | 'stop'> {
    for (;;) {
      if (this.isStopping) return 'stop';
      const gate = this.guard.gate(this.clock.monotonic());
      if (gate.kind === 'open') return 'open';
      if (gate.kind === 'locked') {
        this.setState('locked');
        this.emit({ type: 'locked', lock: lockOf(gate.reason) });
        await new Promise<void>((resolve) => {
          if (this.isStopping) resolve();
          else this.stopping.signal.addEventListener('abort', () => resolve(), { once: true });
        });
        return 'stop';
      }
      this.setState('auth-hold');
      this.emit({ type: 'auth-hold', delayMs: Math.round(gate.remainingMs) });
      this.logger.warn(
        { code: 'HIKARC_DIGEST_HOLD', retryInMs: Math.round(gate.remainingMs) },
        'login on hold after a rejection: waiting before the next attempt',
      );
      await sleep(this.clock, gate.remainingMs, this.stopping.signal);
    }
  }

  private async subscribeOnce(): Promise<StreamOutcome> {
    const stream: StreamContext = { controller: new AbortController(), firstPart: true, sawHeartbeat: false, stalled: false, phase: 'connecting' };
    // Not aborted by stop() directly: stop cancels on the receiver first and reads to the end.
    this.stream = stream;
    // From the request on: a login or an answer that never completes is a dead stream too.
    const watchdog = new Watchdog(this.clock, this.settings.heartbeatTimeoutMs, () => {
      stream.stalled = true;
      stream.controller.abort();
    });
    watchdog.pet();
    try {
      let opened;
      try {
        opened = await openSubscription(this.streamHttp, {
          basePath: this.basePath,
          signal: stream.controller.signal,
          headersTimeoutMs: this.settings.requestTimeoutMs,
          bodyTimeoutMs: this.settings.heartbeatTimeoutMs * 2,
          clock: this.clock,
        });
      } catch (error) {
        if (stream.stalled) return this.stalled(stream);
        return this.requestFailed(error);
      }
      this.startDirectory();
      if (opened.kind === 'refused') return this.refused(opened.refusal, opened.contentType);
      stream.phase = 'streaming';
      this.setState('streaming');
      return await this.readStream(stream, opened.boundary, opened.body, watchdog);
    } finally {
      watchdog.stop();
      if (this.link.link === 'up') this.linkDown();
      this.subscriptionId = null;
    }
  }

  private stalled(stream: StreamContext): StreamOutcome {
    this.logger.warn(
      { code: 'HIKARC_INGEST_HEARTBEAT_TIMEOUT', timeoutMs: this.settings.heartbeatTimeoutMs, phase: stream.phase, subscriptionId: this.subscriptionId },
      stream.phase === 'connecting'
        ? 'the subscription did not complete within the heartbeat timeout: dropping it'
        : 'nothing arrived within the heartbeat timeout: dropping the stream',
    );
    return { reason: 'stalled', code: 'HIKARC_INGEST_HEARTBEAT_TIMEOUT' };
  }

  private requestFailed(error: unknown): StreamOutcome {
    if (isHikArcError(error) && error.code.startsWith('HIKARC_DIGEST_')) {
      // HikHttp logged rejections and locks where they happened.
      if (error.code === 'HIKARC_DIGEST_CHALLENGE_INVALID' || error.code === 'HIKARC_DIGEST_UNSUPPORTED') {
        this.logger.error({ code: error.code, err: error.message, detail: error.detail }, 'receiver login impossible: the Digest challenge cannot be answered');
        return { reason: 'refused', code: error.code };
      }
      return { reason: 'auth', code: error.code };
    }
    if (this.isStopping) return { reason: 'network', code: 'HIKARC_RECEIVER_UNREACHABLE' };
    if (isTlsError(error)) {
      const detail = isHikArcError(error) ? (error.detail ?? {}) : {};
      this.warnings.error(
        'HIKARC_RECEIVER_TLS_FAILED',
        {
          reason: detail['reason'] ?? networkCode(error) ?? null,
          presentedFingerprint: detail['presentedFingerprint'] ?? null,
          err: errorMessage(error),
          caFile: this.settings.caPem !== null,
          certFingerprint: this.settings.certFingerprint,
        },
        'receiver TLS certificate not accepted: set receiver.caFile (its PEM) or receiver.certFingerprint (its SHA-256, presentedFingerprint here) to trust it',
      );
      return { reason: 'tls', code: 'HIKARC_RECEIVER_TLS_FAILED' };
    }
    this.warnings.warn('HIKARC_RECEIVER_UNREACHABLE', { errCode: networkCode(error), err: errorMessage(error) }, 'receiver unreachable');
    return { reason: 'network', code: 'HIKARC_RECEIVER_UNREACHABLE' };
  }

  private refused(refusal: Refusal, contentType?: string | null): StreamOutcome {
    this.emit({ type: 'refused', kind: refusal.kind, code: refusal.code, httpStatus: refusal.httpStatus });
    const level = refusal.kind === 'busy' ? 'warn' : 'error';
    this.logger[level](
      {
        code: refusal.code,
        httpStatus: refusal.httpStatus,
        statusCode: refusal.status?.statusCode ?? null,
        subStatusCode: refusal.status?.subStatusCode ?? null,
        errorCode: refusal.status?.errorCode ?? null,
        earlierSubscriptionId: this.earlierSubscriptionId,
        ...(contentType === undefined ? {} : { contentType }),
      },
      refusal.message,
    );
    return { reason: 'refused', code: refusal.code, refusal };
  }

  private async readStream(stream: StreamContext, boundary: string, body: ResponseBody, watchdog: Watchdog): Promise<StreamOutcome> {
    const parser = new MultipartParser(boundary, { maxPartBytes: this.settings.maxPartBytes });
    const slowPartMs = this.settings.heartbeatTimeoutMs * SLOW_PART_HEARTBEATS;
    // Monotonic time the part now arriving began; null between parts.
    let partStartedAt: number | null = null;
    watchdog.pet();
    try {
      // Through bodyChunks: the chunks received while a part is handed on survive a break of the
      // connection, to be parsed and handled before the break is.
      for await (const chunk of bodyChunks(body)) {
        // Bytes arriving are life, whether or not they complete a part.
        watchdog.pet();
        const events = parser.push(chunk);
        const now = this.clock.monotonic();
        if (!parser.inPart) partStartedAt = null;
        else if (partStartedAt === null || events.length > 0) partStartedAt = now;
        else if (now - partStartedAt > slowPartMs) {
          events.push(
            ...parser.abandonPart(
              'HIKARC_MULTIPART_PART_TOO_SLOW',
              `one part took longer than ${slowPartMs} ms (${SLOW_PART_HEARTBEATS} × the heartbeat timeout)`,
            ),
          );
          partStartedAt = now;
        }
        for (const event of events) await this.handlePart(event, stream, watchdog);
      }
      for (const event of parser.end()) await this.handlePart(event, stream, watchdog);
      if (!this.isStopping) this.logger.warn({ code: 'HIKARC_INGEST_STREAM_ENDED', subscriptionId: this.subscriptionId }, 'receiver ended the event stream');
      return { reason: 'ended', code: 'HIKARC_INGEST_STREAM_ENDED' };
    } catch (error) {
      // What was parsed before the break still counts; a part cut off mid-way is quarantined.
      for (const event of parser.end()) await this.handlePart(event, stream, watchdog);
      if (stream.stalled) return this.stalled(stream);
      if (!this.isStopping) {
        this.logger.warn({ code: 'HIKARC_RECEIVER_UNREACHABLE', errCode: networkCode(error), err: errorMessage(error) }, 'event stream broke');
      }
      return { reason: 'network', code: 'HIKARC_RECEIVER_UNREACHABLE' };
    } finally {
      body.destroy();
    }
  }

  private async handlePart(event: MultipartEvent, stream: StreamContext, watchdog: Watchdog): Promise<void> {
    this.lastPartAt = this.clock.now();
    this.parts.inc({ type: event.type });
    const item = classifyStreamEvent(event);
    if (stream.firstPart) {
      stream.firstPart = false;
      if (item.kind === 'subscription-id') this.rememberSubscription(item.id);
      this.emit({ type: 'subscribed', subscriptionId: this.subscriptionId });
      this.logger.info({ subscriptionId: this.subscriptionId }, 'subscribed to the receiver event stream');
      this.linkUpNow();
      if (item.kind === 'subscription-id') return;
    }
    switch (item.kind) {
      case 'subscription-id':
        this.rememberSubscription(item.id);
        this.logger.warn({ subscriptionId: item.id }, 'subscription id repeated inside the stream');
        return;
      case 'heartbeat':
        this.heartbeats.inc();
        stream.sawHeartbeat = true;
        this.emit({ type: 'heartbeat', at: this.lastPartAt });
        this.logger.debug({ dateTime: item.event.dateTime }, 'heartbeat');
        return;
      case 'event':
        if (event.type === 'part' && event.part.defects.includes('content-type mismatch')) {
          this.contentTypeMismatches.inc();
          this.warnings.warn(
            'HIKARC_INGEST_CONTENT_TYPE_MISMATCH',
            { contentType: event.part.contentType, eventType: item.event.eventType },
            'event in a part not labelled as JSON: taken as an event',
          );
        }
        await this.enqueueEvent(item.event, item.raw, watchdog);
        return;
      case 'status':
        this.streamStatuses.inc();
        this.warnings.warn(
          'HIKARC_RECEIVER_STREAM_STATUS',
          { statusCode: item.status?.statusCode ?? null, subStatusCode: item.status?.subStatusCode ?? null, sample: item.raw.slice(0, PREVIEW_CHARS) },
          'receiver sent a status inside the event stream',
        );
        return;
      case 'skipped':
        this.skipped.inc();
        this.logger.debug({ contentType: item.contentType, bytes: item.bytes }, 'non-JSON part skipped');
        return;
      case 'quarantined': {
        this.quarantined.inc({ code: item.error.code });
        const sample = item.sample.subarray(0, QUARANTINE_LOG_BYTES);
        this.warnings.warn(
          item.error.code,
          { err: item.error.message, bytes: item.sample.length, raw: sample.toString('base64'), preview: sample.toString('utf8').slice(0, PREVIEW_CHARS) },
          'part quarantined',
        );
        return;
      }
    }
  }

  private rememberSubscription(id: string | null): void {
    this.subscriptionId = id;
    if (id !== null) this.earlierSubscriptionId = id;
  }

  private async enqueueEvent(event: VendorEvent, raw: string, watchdog: Watchdog): Promise<void> {
    if (hadInvalidUtf8(event)) {
      this.invalidUtf8.inc();
      this.warnings.warn(
        'HIKARC_INGEST_INVALID_UTF8',
        { eventType: event.eventType, devIndex: event.devIndex },
        'event had bytes that are not UTF-8: replaced',
      );
    }
    const item: EventItem = { kind: 'event', event, raw, receivedAt: this.clock.now(), subscriptionId: this.subscriptionId };
    if (!this.park(item)) this.queue.push(item);
    if (this.queue.isFull) {
      // Not reading is our own doing, not a dead receiver: the watchdog waits with us.
      watchdog.stop();
      this.logger.warn({ depth: this.queue.depth }, 'next stage is behind: pausing the stream until it catches up');
      await this.queue.waitForRoom();
      watchdog.pet();
    }
  }

  private linkUpNow(): void {
    const report = this.link.up();
    this.linkSince = this.clock.now();
    this.linkUp.set(undefined, 1);
    this.cancelLinkTimer();
    this.emit({ type: 'link', state: 'up' });
    if (report === 'restore') this.reportLink('restore');
  }

  private linkDown(): void {
    this.link.down(this.clock.monotonic());
    this.linkSince = this.clock.now();
    this.linkUp.set(undefined, 0);
    this.emit({ type: 'link', state: 'down' });
    this.scheduleLinkCheck();
  }

  private cancelLinkTimer(): void {
    this.linkTimer?.();
    this.linkTimer = null;
  }

  private scheduleLinkCheck(): void {
    this.cancelLinkTimer();
    if (this.isStopping) return;
    const due = this.link.dueInMs(this.clock.monotonic());
    if (due === undefined) return;
    this.linkTimer = this.clock.setTimer(due, () => {
      this.linkTimer = null;
      if (this.isStopping) return;
      if (this.link.check(this.clock.monotonic()) === 'fault') this.reportLink('fault');
      else this.scheduleLinkCheck();
    });
  }

  private reportLink(state: 'fault' | 'restore'): void {
    const account = normalizeAccount(this.settings.account);
    if (!isDc09Account(account)) {
      this.linkAlarms.inc({ state, delivered: 'false' });
      this.emit({ type: 'link-alarm', state, delivered: false });
      this.logger.error({ code: 'HIKARC_INGEST_LINK_NO_ACCOUNT', state }, 'upstream link change cannot be reported: receiver.account is not set');
      return;
    }
    // The next stage turns the change into its alarm (E350 / R350, translate's hikLinkAlarm).
    this.queue.push({ kind: 'link', state, account, at: this.clock.now() });
    this.linkAlarms.inc({ state, delivered: 'true' });
    this.emit({ type: 'link-alarm', state, delivered: true });
    if (state === 'fault') {
      this.logger.error({ account, downForMs: this.settings.linkLossReportMs }, 'receiver event stream down: reporting the link fault to the ARC');
    } else {
      this.logger.info({ account }, 'receiver event stream back: reporting the link restore to the ARC');
    }
  }

  // The first answer to a signed subscription proves the login, so the device list (a login of its
  // own) cannot double a failed attempt on the receiver's lockout counter.
  private startDirectory(): void {
    if (this.directoryStarted) return;
    this.directoryStarted = true;
    void this.refreshDirectory('start');
  }

  private async refreshDirectory(reason: 'start' | 'periodic'): Promise<void> {
    const outcome = await this.hikDeviceDirectory.refresh(reason);
    this.emit({ type: 'directory', ok: outcome === 'ok', outcome, devices: this.hikDeviceDirectory.deviceCount });
    if (this.isStopping) return;
    this.directoryTimer = this.clock.setTimer(this.settings.directoryRefreshMs, () => {
      this.directoryTimer = null;
      void this.refreshDirectory('periodic');
    });
  }

  private needsDirectory(event: VendorEvent): boolean {
    if (event.devIndex === null && event.deviceSerial === null) return false;
    if (event.deviceId !== null && isDc09Account(normalizeAccount(event.deviceId))) return false;
    return this.directory.accountFor(event.devIndex, event.deviceSerial) === undefined;
  }

  private static deviceKeys(event: VendorEvent): string[] {
    const keys: string[] = [];
    if (event.devIndex !== null) keys.push(`i:${event.devIndex.toLowerCase()}`);
    if (event.deviceSerial !== null) keys.push(`s:${event.deviceSerial.toLowerCase()}`);
    return keys;
  }

  /**
   * A device added to the receiver after the last refresh: its event waits a moment for the list to
   * learn its account before it goes out with the fallback (or as unroutable). It waits aside, so
   * alarms of known devices go on; events of one device keep their order (a later one of a parked
   * device waits with it); and a refresh is waited for once: once the wait is spent, later events
   * of unknown devices go on while that refresh still runs. Returns false when the item need not
   * wait.
   */
  private park(item: EventItem): boolean {
    const keys = IngestStage.deviceKeys(item.event);
    const waitsBehind = this.parked.length > 0 && keys.some((key) => this.parkedDevices.has(key));
    if (!waitsBehind) {
      if (!this.needsDirectory(item.event)) return false;
      const pending = this.hikDeviceDirectory.refreshForUnknown();
      if (pending === undefined || pending === this.waitedOut) return false;
      if (this.parked.length === 0) {
        this.logger.info(
          { devIndex: item.event.devIndex, deviceSerial: item.event.deviceSerial },
          'event from a device not in the device list: waiting for the list first',
        );
        this.parkedTimer = this.clock.setTimer(this.settings.unknownDeviceWaitMs, () => {
          this.parkedTimer = null;
          this.waitedOut = pending;
          this.releaseParked();
        });
        void pending.then(() => this.releaseParked());
      }
    }
    this.parked.push(item);
    for (const key of keys) this.parkedDevices.add(key);
    // Never more held aside than the queue itself may hold.
    if (this.parked.length >= this.settings.queueHighWater) this.releaseParked();
    return true;
  }

  private releaseParked(): void {
    this.parkedTimer?.();
    this.parkedTimer = null;
    const parked = this.parked;
    this.parked = [];
    this.parkedDevices.clear();
    for (const item of parked) this.queue.push(item);
  }

  private async cancelEarlierSubscription(): Promise<void> {
    const id = this.earlierSubscriptionId;
    if (id === null) return;
    this.earlierSubscriptionId = null;
    this.logger.info({ subscriptionId: id }, 'cancelling our earlier subscription the receiver may still hold');
    await this.cancel(id, this.settings.requestTimeoutMs);
  }

  private async cancel(id: string, timeoutMs: number): Promise<void> {
    const result = await cancelSubscription(this.controlHttp, id, { basePath: this.basePath, timeoutMs, clock: this.clock });
    if (result.ok) {
      if (this.earlierSubscriptionId === id) this.earlierSubscriptionId = null;
      this.logger.info({ subscriptionId: id }, 'subscription cancelled');
    } else {
      this.logger.warn({ code: result.error.code, err: result.error.message, detail: result.error.detail }, 'subscription could not be cancelled');
    }
  }

  private async shutdown(): Promise<void> {
    const deadline = this.clock.monotonic() + this.settings.stopTimeoutMs;
    const remaining = (): number => Math.max(0, deadline - this.clock.monotonic());
    const id = this.subscriptionId;
    this.setState('stopping');
    this.stopping.abort();
    this.cancelLinkTimer();
    this.directoryTimer?.();
    const directoryClosed = this.hikDeviceDirectory.close();
    // Cancel on the receiver first (guide §5.1 step 3): it ends the stream itself, and whatever it
    // sent before is still read. Then stop reading.
    if (id !== null) await this.cancel(id, Math.max(1, Math.min(this.settings.requestTimeoutMs, remaining() / 2)));
    this.stream?.controller.abort();
    if (this.runPromise !== null) await settleWithin(this.clock, this.runPromise, remaining());
    // Events waiting for the device list go now, with whatever the list knows.
    this.releaseParked();
    const left = await this.queue.drain(this.clock.monotonic() + remaining());
    if (left.length > 0) {
      this.undelivered.inc(undefined, left.length);
      for (const item of left) {
        this.logger.error(
          item.kind === 'event'
            ? {
                code: 'HIKARC_INGEST_UNDELIVERED_AT_STOP',
                kind: item.kind,
                eventType: item.event.eventType,
                devIndex: item.event.devIndex,
                receivedAt: item.receivedAt,
                raw: item.raw,
              }
            : { code: 'HIKARC_INGEST_UNDELIVERED_AT_STOP', kind: item.kind, state: item.state, account: item.account, at: item.at },
          'item not delivered before the stop deadline',
        );
      }
    }
    this.warnings.flush();
    await this.clients.close(remaining());
    await settleWithin(this.clock, directoryClosed, remaining());
    this.setState('stopped');
    this.emit({ type: 'stopped', undelivered: left.length });
  }
}

export function createIngest(options: IngestOptions): Ingest {
  return new IngestStage(options);
}
