// The delivery loop (docs/delivery.md): claims lane heads from the outbox - one alarm per account
// at a time, oldest first - and runs a delivery round for each, many at once, over the paths'
// windows. The outbox keeps every bit of state that must survive (the alarm, its sequence number,
// its outcome); the paths move bytes; this loop only decides, with delivery-policy.ts, what each
// answer means for the alarm in hand.

import type { BackoffPolicy } from '../backoff.js';
import { settleWithin, sleep, type CancelTimer, type Clock } from '../clock.js';
import type { ErrorCode } from '../errors.js';
import type { Logger } from '../log.js';
import type { Outbox, OutboxEntry } from '../outbox/index.js';
import type { RateLimitedLog } from '../rate-limited-log.js';
import type { ArcPath } from './arc-path.js';
import { checkMessage } from './dc09-frame.js';
import { afterAttempt, afterRound, DELIVERY_RETRY, type RoundFailure } from './delivery-policy.js';
import { eventTemplate, stampMessage, videoLinkBlock, type AlarmPayload, type HeaderSettings } from './event-message.js';
import type { TransportMetrics } from './transport-metrics.js';

export type DispatchOutcome =
  | {
      readonly outcome: 'acked';
      readonly entry: OutboxEntry;
      readonly via: string;
      readonly sequence: number;
      /** Frames sent on the path that acknowledged. */
      readonly attempts: number;
      /** From the start of the round to the ACK. */
      readonly roundMs: number;
      readonly failures: readonly RoundFailure[];
    }
  | {
      readonly outcome: 'dead-letter' | 'retry';
      readonly entry: OutboxEntry;
      readonly detail: string;
      readonly failures: readonly RoundFailure[];
      readonly code: ErrorCode;
    };

export interface DispatcherOptions {
  readonly outbox: Outbox;
  /** The outbox destination this loop serves. */
  readonly destination: string;
  /** In priority order: the primary first. */
  readonly paths: readonly ArcPath[];
  readonly headers: HeaderSettings;
  readonly encrypted: boolean;
  /** Frames per path in one round (`arc.attempts`). */
  readonly attemptsPerPath: number;
  /** The alarm in an outbox entry; null when it cannot be read (it becomes a dead letter). */
  readonly decode: (entry: OutboxEntry) => AlarmPayload | null;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly limitedLog: RateLimitedLog;
  readonly metrics: TransportMetrics;
  readonly whenUndelivered?: 'retry' | 'dead-letter';
  readonly retry?: BackoffPolicy;
  readonly random?: () => number;
  /** How often to look for alarms another process requeued. */
  readonly refreshIntervalMs?: number;
  readonly onOutcome?: (outcome: DispatchOutcome) => void;
}

export const DISPATCHER_STATES = ['idle', 'running', 'stopping', 'stopped'] as const;
export type DispatcherState = (typeof DISPATCHER_STATES)[number];

const REFRESH_INTERVAL_MS = 5_000;

export class Dispatcher {
  private readonly options: DispatcherOptions;
  private readonly outbox: Outbox;
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly maxRounds: number;
  private readonly retry: BackoffPolicy;
  private readonly random: () => number;
  private readonly refreshIntervalMs: number;
  private readonly rounds = new Map<number, Promise<void>>();
  private state: DispatcherState = 'idle';
  private wake: (() => void) | undefined;
  private cancelTimer: CancelTimer | undefined;
  private loop: Promise<void> | undefined;
  private lastRefresh = 0;
  private claimDeadlinePassed = false;

  constructor(options: DispatcherOptions) {
    this.options = options;
    this.outbox = options.outbox;
    this.clock = options.clock;
    this.logger = options.logger;
    // Every path's window can be full at once (the secondary taking over while the primary's
    // frames time out); beyond that a claimed alarm would only wait for a connection.
    this.maxRounds = options.paths.reduce((sum, path) => sum + path.window, 0);
    this.retry = options.retry ?? DELIVERY_RETRY;
    this.random = options.random ?? Math.random;
    this.refreshIntervalMs = options.refreshIntervalMs ?? REFRESH_INTERVAL_MS;
  }

  get roundsInFlight(): number {
    return this.rounds.size;
  }

  start(): void {
    if (this.state !== 'idle') return;
    this.setState('running');
    this.loop = this.run();
  }

  /** Something new to send, or a path answers again: look now. */
  poke(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }

  /** A path came back: lanes waiting out a backoff go now. */
  pathRecovered(): void {
    if (this.state !== 'running' && this.state !== 'stopping') return;
    this.outbox.retryNow(this.options.destination);
    this.poke();
  }

  /**
   * Stops claiming alarms - except, while the store cannot be written, alarms held only in memory,
   * which are delivered until the deadline because nothing else would keep them - and gives the
   * rounds in flight until `deadlineMs` for their answers; then stops the paths. What is left stays
   * in the outbox for the next start.
   */
  async stop(deadlineMs: number): Promise<void> {
    if (this.state === 'stopped' || this.state === 'stopping') return;
    const deadline = this.clock.monotonic() + deadlineMs;
    this.setState('stopping');
    for (const path of this.options.paths) path.stopTimers();
    this.poke();
    if (this.loop !== undefined) await settleWithin(this.clock, this.loop, deadlineMs);
    this.claimDeadlinePassed = true;
    this.poke();
    await this.loop;
    while (this.rounds.size > 0 && this.clock.monotonic() < deadline) {
      if (!(await settleWithin(this.clock, Promise.allSettled([...this.rounds.values()]), deadline - this.clock.monotonic()))) break;
    }
    for (const path of this.options.paths) path.stop();
    await Promise.allSettled([...this.rounds.values()]);
    this.cancelTimer?.();
    this.setState('stopped');
  }

  private setState(next: DispatcherState): void {
    this.logger.info({ from: this.state, to: next }, 'dispatcher state changed');
    this.state = next;
  }

  private claiming(): boolean {
    if (this.state === 'running') return true;
    // docs/outbox.md §Stopping with the store down: held alarms have no other way out.
    return this.state === 'stopping' && !this.claimDeadlinePassed && this.outbox.stats(this.options.destination).unstored > 0;
  }

  private async run(): Promise<void> {
    while (this.claiming()) {
      const now = this.clock.now();
      if (now - this.lastRefresh >= this.refreshIntervalMs) {
        this.lastRefresh = now;
        this.outbox.refresh();
      }
      const room = this.maxRounds - this.rounds.size;
      const entries = room > 0 ? this.outbox.next(this.options.destination, room, now) : [];
      for (const entry of entries) {
        const round = this.deliver(entry).finally(() => {
          this.rounds.delete(entry.id);
          this.poke();
        });
        this.rounds.set(entry.id, round);
      }
      if (entries.length > 0 && this.rounds.size < this.maxRounds) continue;
      await this.sleepUntilWork(now);
    }
  }

  private sleepUntilWork(now: number): Promise<void> {
    const retryAt = this.outbox.nextRetryAt(this.options.destination);
    const untilRetry = retryAt === null ? Infinity : Math.max(0, retryAt - now);
    const waitMs = Math.min(untilRetry, this.refreshIntervalMs);
    return new Promise<void>((resolve) => {
      this.wake = resolve;
      this.cancelTimer?.();
      this.cancelTimer = this.clock.setTimer(waitMs, () => this.poke());
    });
  }

  /** One round for one alarm; never throws. */
  private async deliver(entry: OutboxEntry): Promise<void> {
    const alarm = this.options.decode(entry);
    if (alarm === null) {
      this.dead(entry, 'the stored alarm cannot be read', 'HIKARC_DC09_INVALID_MESSAGE', []);
      return;
    }
    const sequence = entry.sequence as number;
    const video = videoLinkBlock(alarm.videoUrl);
    const metrics = this.options.metrics;
    if (video.kind === 'omitted') {
      metrics.videoLinks.inc({ outcome: 'omitted' });
      this.logger.warn(
        { id: entry.id, account: entry.account, code: 'HIKARC_TRANSPORT_VIDEO_LINK_OMITTED', reason: video.reason },
        'verification link left out of the [V] block',
      );
    } else if (video.kind === 'included') {
      metrics.videoLinks.inc({ outcome: video.truncatedFrom === null ? 'included' : 'truncated' });
      if (video.truncatedFrom !== null)
        this.logger.warn(
          { id: entry.id, code: 'HIKARC_TRANSPORT_VIDEO_LINK_OMITTED', length: video.truncatedFrom },
          'verification link shortened to 256 characters',
        );
    }
    const template = eventTemplate(alarm, this.options.headers, sequence, video);
    const problem = checkMessage(stampMessage(template, 0), this.options.encrypted);
    if (problem) {
      this.dead(entry, problem.message, problem.code, [{ path: 'none', code: problem.code, detail: problem.message, attempts: 0 }]);
      return;
    }
    const log = { id: entry.id, seq: sequence };
    const started = this.clock.monotonic();
    const failures: RoundFailure[] = [];
    for (const path of this.options.paths) {
      if (path.state === 'down' && !path.admitProbe()) {
        failures.push({ path: path.name, code: 'HIKARC_TRANSPORT_PATH_DOWN', detail: 'the path is down', attempts: 0 });
        continue;
      }
      let attempt = 0;
      let freeResendUsed = false;
      for (;;) {
        const result = await path.exchange(template, 'event', log);
        const counted = !(result.kind === 'link' && result.reused && !freeResendUsed);
        if (counted) attempt += 1;
        const step = afterAttempt({ result, attempt, attemptsPerPath: this.options.attemptsPerPath, pathDown: path.state === 'down', freeResendUsed });
        if (step.kind === 'acked') {
          this.acked(entry, path.name, sequence, attempt, this.clock.monotonic() - started, failures);
          return;
        }
        if (step.kind === 'stop') {
          this.outbox.release(entry.id);
          return;
        }
        if (step.kind === 'next-path') {
          failures.push({ path: path.name, code: step.code, detail: step.detail, attempts: attempt });
          break;
        }
        if (!step.counted) freeResendUsed = true;
        if (step.delayMs > 0) await sleep(this.clock, step.delayMs);
      }
    }
    const outcome = afterRound({
      failures,
      previousRounds: entry.attempts,
      whenUndelivered: this.options.whenUndelivered ?? 'retry',
      retry: this.retry,
      random: this.random,
    });
    const last = failures[failures.length - 1]?.code ?? 'HIKARC_TRANSPORT_UNDELIVERED';
    if (outcome.kind === 'dead') {
      this.dead(entry, outcome.reason, last, failures);
      return;
    }
    metrics.deliveries.inc({ destination: 'none', outcome: 'undelivered' });
    metrics.accountFailures.inc({ account: entry.account.toUpperCase(), code: last });
    this.options.limitedLog.warn(
      last,
      { id: entry.id, account: entry.account, seq: sequence, retryInMs: outcome.delayMs, detail: outcome.reason },
      'alarm not acknowledged this round; its account waits, the others go on',
    );
    void this.outbox.fail(entry.id, { reason: outcome.reason, retryAt: this.clock.now() + outcome.delayMs });
    this.options.onOutcome?.({ outcome: 'retry', entry, detail: outcome.reason, failures, code: last });
  }

  private acked(entry: OutboxEntry, via: string, sequence: number, attempts: number, roundMs: number, failures: readonly RoundFailure[]): void {
    const metrics = this.options.metrics;
    metrics.deliveries.inc({ destination: via, outcome: 'delivered' });
    metrics.deliverySeconds.observe(Math.max(0, roundMs) / 1000, { destination: via });
    this.logger.info(
      { id: entry.id, account: entry.account, destination: via, seq: sequence, attempts, latencyMs: Math.round(roundMs), failovers: failures.length },
      'message delivered',
    );
    // Not awaited: the lane moves on at once; the write lands with the next batch, retried until it does.
    void this.outbox.ack(entry.id, { via, at: this.clock.now() });
    this.options.onOutcome?.({ outcome: 'acked', entry, via, sequence, attempts, roundMs, failures });
  }

  private dead(entry: OutboxEntry, reason: string, code: ErrorCode, failures: readonly RoundFailure[]): void {
    this.options.metrics.deliveries.inc({ destination: 'none', outcome: 'dead-letter' });
    this.options.metrics.accountFailures.inc({ account: entry.account.toUpperCase(), code });
    this.logger.error({ id: entry.id, account: entry.account, code, detail: reason }, 'no destination will ever take this alarm: kept as a dead letter');
    void this.outbox.fail(entry.id, { reason, dead: true });
    this.options.onOutcome?.({ outcome: 'dead-letter', entry, detail: reason, failures, code });
  }
}
