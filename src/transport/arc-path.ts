// One path to the ARC (the primary or the secondary receiver): a pool of stop-and-wait connections -
// the window of frames outstanding at once - the path's state from link evidence only, the clock
// offset learnt from its NAKs, and the NULL link tests (docs/delivery.md §Paths).
//
// Link evidence, never account evidence: a NAK or DUH is an answer, so the path is up whatever it
// says about one account. An account whose frame times out while the receiver answers others is
// one the ARC ignores: its timeouts say nothing about the link from then on. A path goes down when
// connections are refused with none open, when frames of two other accounts go unanswered with
// nothing at all answered since they were sent, or when a NULL test goes unanswered (one is sent
// at the first such timeout, when NULL tests are on). While down it is probed - a NULL test, and
// one alarm, per probe interval - and it comes back on the first answer.

import { backoffDelay, type BackoffPolicy } from '../backoff.js';
import type { CancelTimer, Clock } from '../clock.js';
import { errorMessage, type ErrorCode } from '../errors.js';
import type { Logger } from '../log.js';
import type { RateLimitedLog } from '../rate-limited-log.js';
import { ArcConnection, type AttemptResult, type ConnectionState } from './arc-connection.js';
import type { PadSource } from './dc09-crypto.js';
import { encodeFrame } from './dc09-frame.js';
import { deviateTemplate, STANDARD, type DestinationDeviations } from './dc09-deviations.js';
import type { DestinationAddress, DestinationName } from './destination.js';
import { stampMessage, type MessageTemplate } from './event-message.js';
import type { LinkConnector } from './link.js';
import type { ExpectedAnswer } from './response.js';
import type { TransportMetrics } from './transport-metrics.js';

export const PATH_STATES = ['unknown', 'up', 'down'] as const;
export type PathState = (typeof PATH_STATES)[number];

/** Beyond this the receiver's clock is reported as skewed (docs/dc09.md §Timestamps). */
export const CLOCK_SKEW_WARNING_MS = 10_000;
/** A NAK time further than this from ours is not adopted: a receiver with a flat RTC battery. */
export const CLOCK_ADOPT_LIMIT_MS = 3_600_000;
/** How far the receiver's clock offset must move before it is logged again. */
export const CLOCK_OFFSET_LOG_STEP_MS = 1_000;
/** Frames of this many accounts unanswered, with nothing answered meanwhile: the path is down. */
export const SILENT_ACCOUNTS_FOR_DOWN = 2;
/** A down path is probed after 5 s, then less often, up to once a minute. */
export const PROBE_BACKOFF: BackoffPolicy = { minMs: 5_000, maxMs: 60_000, factor: 2 };

export interface PathStateChange {
  readonly destination: DestinationName;
  readonly url: string;
  readonly from: PathState;
  readonly to: PathState;
  /** `answer`, or the code of the evidence that took the path down. */
  readonly reason: 'answer' | ErrorCode;
}

export type ExchangeKind = 'event' | 'supervision' | 'probe';

export type PathAttempt = AttemptResult | { readonly kind: 'path-down' } | { readonly kind: 'invalid'; readonly detail: string };

export interface ArcPathOptions {
  readonly name: DestinationName;
  readonly address: DestinationAddress;
  readonly ackTimeoutMs: number;
  /** Connections (TCP) or sockets (UDP) at most: the frames this path has outstanding at once. */
  readonly window: number;
  readonly key: Uint8Array | null;
  readonly pad: PadSource;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly limitedLog: RateLimitedLog;
  readonly metrics: TransportMetrics;
  readonly connect: LinkConnector;
  /**
   * The NULL link test (its account is receiver.account); null when NULL tests are off: some
   * receivers refuse them, so they are used only where the installer turned supervision on.
   */
  readonly nullTest: MessageTemplate | null;
  /** NULL test after this much idle time. */
  readonly supervisionMs: number;
  /** Where this destination's receiver bends DC-09 (docs/dc09.md §Deviations per destination); the standard when absent. */
  readonly deviations?: DestinationDeviations;
  readonly random?: () => number;
  readonly onPathState: (change: PathStateChange) => void;
}

interface Waiter {
  readonly resolve: (connection: ArcConnection | null) => void;
  readonly probe: boolean;
}

export class ArcPath {
  readonly name: DestinationName;
  readonly address: DestinationAddress;
  private readonly options: ArcPathOptions;
  private readonly logger: Logger;
  private readonly labels: { readonly destination: DestinationName };
  // Counters bound to their labels once: a frame and its answer must not build label objects.
  private readonly countFrame: Readonly<Record<ExchangeKind, () => void>>;
  private readonly countAnswer: Readonly<Record<'ack' | 'nak' | 'duh', () => void>>;
  private readonly debugEnabled: boolean;
  private readonly deviations: DestinationDeviations;
  private readonly connections: ArcConnection[] = [];
  private readonly idle: ArcConnection[] = [];
  // Connections carrying an alarm now: given up on at once when the path goes down.
  private readonly carryingEvents = new Set<ArcConnection>();
  private waiters: Waiter[] = [];
  private pathState: PathState = 'unknown';
  private clockOffsetMs = 0;
  /** The offset last written to the log (0: our own clock, before any NAK). */
  private loggedClockOffsetMs = 0;
  // Monotonic time of the last valid answer of any kind on any connection.
  private lastAnswerAt = Number.NEGATIVE_INFINITY;
  // Accounts whose frame went unanswered with nothing answered since it was sent.
  private readonly silent = new Set<string>();
  // Accounts whose frame went unanswered while the receiver answered others: ignored by the ARC.
  private readonly ignoredAccounts = new Set<string>();
  private inFlight = 0;
  private probing = false;
  private probeAdmitted = false;
  private probeAttempt = 0;
  // An alarm may go to the down path as its probe: set at each probe interval, taken by one alarm.
  private alarmProbeDue = false;
  private cancelProbe: CancelTimer | null = null;
  private cancelSupervision: CancelTimer | null = null;
  private stopped = false;

  constructor(options: ArcPathOptions) {
    this.options = options;
    this.name = options.name;
    this.address = options.address;
    this.labels = { destination: options.name };
    this.logger = options.logger.child({ destination: options.name, url: options.address.url });
    const sent = options.metrics.framesSent;
    const supervisionFrame = sent.bind({ ...this.labels, kind: 'supervision' });
    this.countFrame = { event: sent.bind({ ...this.labels, kind: 'event' }), supervision: supervisionFrame, probe: supervisionFrame };
    const answers = options.metrics.responses;
    this.countAnswer = {
      ack: answers.bind({ ...this.labels, response: 'ack' }),
      nak: answers.bind({ ...this.labels, response: 'nak' }),
      duh: answers.bind({ ...this.labels, response: 'duh' }),
    };
    this.debugEnabled = this.logger.isLevelEnabled('debug');
    this.deviations = options.deviations ?? STANDARD;
    this.scheduleSupervision();
  }

  get state(): PathState {
    return this.pathState;
  }

  get offsetMs(): number {
    return this.clockOffsetMs;
  }

  get window(): number {
    return this.options.window;
  }

  get outstanding(): number {
    return this.inFlight;
  }

  openConnections(): number {
    return this.connections.filter((connection) => connection.connectionState === 'open').length;
  }

  /**
   * A down path lets one alarm through now and then as its probe (beside its NULL tests, which a
   * receiver might not answer). True once per probe interval.
   */
  admitProbe(): boolean {
    if (this.pathState !== 'down' || this.probing || this.probeAdmitted || !this.alarmProbeDue) return false;
    this.alarmProbeDue = false;
    this.probeAdmitted = true;
    return true;
  }

  /**
   * One attempt of one frame: waits for a free connection (the window), writes the frame with a
   * fresh timestamp (our clock plus the offset learnt from this receiver's NAKs) and waits for its
   * answer. An event waiting for a connection gets `path-down` if the path goes down meanwhile.
   */
  async exchange(standard: MessageTemplate, kind: ExchangeKind, log: Readonly<Record<string, unknown>> = {}): Promise<PathAttempt> {
    if (this.stopped) return { kind: 'stopped' };
    const template = deviateTemplate(standard, this.deviations);
    // NULL tests run whatever the state; an alarm goes to a down path only as its admitted probe.
    let probe = kind !== 'event';
    if (kind === 'event' && this.pathState === 'down') {
      if (!this.probeAdmitted) return { kind: 'path-down' };
      this.probeAdmitted = false;
      probe = true;
    }
    const connection = await this.acquire(probe);
    if (connection === null) return this.stopped ? { kind: 'stopped' } : { kind: 'path-down' };
    if (probe) this.probing = true;
    this.inFlight += 1;
    this.cancelSupervision?.();
    this.cancelSupervision = null;
    try {
      let frame: Buffer;
      try {
        // A retry keeps the sequence number but gets a fresh timestamp and pad (docs/dc09.md §Retries).
        frame = encodeFrame(stampMessage(template, this.options.clock.now() + this.clockOffsetMs), { key: this.options.key, pad: this.options.pad });
      } catch (error) {
        return { kind: 'invalid', detail: errorMessage(error) };
      }
      const expected: ExpectedAnswer = {
        sequence: template.sequence,
        account: template.account,
        receiver: template.receiver,
        line: template.line,
        key: this.options.key,
        acceptClearAck: this.deviations.acceptClearAck,
      };
      const sentAt = this.options.clock.monotonic();
      this.countFrame[kind]();
      if (this.debugEnabled) this.logger.debug({ ...log, kind, account: template.account, seq: template.sequence, bytes: frame.length }, 'frame sent');
      if (kind === 'event') this.carryingEvents.add(connection);
      const result = await connection.exchange(frame, expected);
      this.carryingEvents.delete(connection);
      this.weigh(result, template.account, sentAt, kind, log);
      if (result.kind === 'nak' || result.kind === 'timeout' || (result.kind === 'link' && result.code === 'HIKARC_TRANSPORT_LINK_CLOSED'))
        connection.discard();
      return result;
    } finally {
      this.inFlight -= 1;
      if (probe) this.probing = false;
      this.releaseConnection(connection);
      this.scheduleSupervision();
    }
  }

  /** Stops NULL tests and probes; queued events get `stopped`; frames in flight finish. */
  stopTimers(): void {
    this.cancelSupervision?.();
    this.cancelSupervision = null;
    this.cancelProbe?.();
    this.cancelProbe = null;
  }

  /** Drops everything now: frames in flight end as stopped. */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.stopTimers();
    for (const waiter of this.waiters) waiter.resolve(null);
    this.waiters = [];
    for (const connection of this.connections) connection.stop();
  }

  // --- connections ----------------------------------------------------------------------------

  private acquire(priority: boolean): Promise<ArcConnection | null> {
    const idle = this.idle.pop();
    if (idle !== undefined) return Promise.resolve(idle);
    if (this.connections.length < this.options.window) return Promise.resolve(this.newConnection());
    return new Promise((resolve) => {
      const waiter: Waiter = { resolve, probe: priority };
      if (priority) this.waiters.unshift(waiter);
      else this.waiters.push(waiter);
    });
  }

  private releaseConnection(connection: ArcConnection): void {
    if (this.stopped) return;
    const waiter = this.waiters.shift();
    if (waiter !== undefined) waiter.resolve(connection);
    else this.idle.push(connection);
  }

  private newConnection(): ArcConnection {
    const connection = new ArcConnection({
      address: this.address,
      ackTimeoutMs: this.options.ackTimeoutMs,
      clock: this.options.clock,
      connect: this.options.connect,
      onIgnored: (ignored) => {
        this.options.metrics.responseErrors.inc({ ...this.labels, code: ignored.code });
        this.options.limitedLog.warn(ignored.code, { destination: this.name, detail: ignored.detail, raw: ignored.raw }, 'answer ignored');
      },
      onAnswer: (answer) => {
        this.countAnswer[answer.kind]();
        if (answer.quirks.length > 0)
          this.options.limitedLog.info(
            'HIKARC_DC09_QUIRK',
            { destination: this.name, quirks: answer.quirks, response: answer.kind },
            'answer deviates from DC-09; accepted',
          );
        if (answer.headerMismatch)
          this.options.limitedLog.warn('HIKARC_DC09_HEADER_MISMATCH', { destination: this.name, raw: answer.raw }, 'ACK echoes another R or L field; accepted');
      },
      onStateChange: (from: ConnectionState, to: ConnectionState) => {
        if (this.debugEnabled) this.logger.debug({ from, to, connection: this.connections.indexOf(connection) }, 'connection state changed');
      },
    });
    this.connections.push(connection);
    return connection;
  }

  // --- evidence and state ------------------------------------------------------------------------

  private weigh(result: AttemptResult, account: string, sentAt: number, kind: ExchangeKind, log: Readonly<Record<string, unknown>>): void {
    // Built only for the log lines below, never for an ACK.
    const fields = (): Record<string, unknown> => ({ ...log, account, kind });
    switch (result.kind) {
      case 'ack':
      case 'nak':
      case 'duh':
        this.lastAnswerAt = this.options.clock.monotonic();
        if (this.silent.size > 0) this.silent.clear();
        if (this.ignoredAccounts.size > 0) this.ignoredAccounts.delete(account.toUpperCase());
        if (result.kind === 'nak') {
          this.logger.warn({ ...fields(), code: 'HIKARC_TRANSPORT_NAK', arcTime: result.arcTime }, 'receiver answered NAK');
          if (result.arcTime !== null) this.learnClockOffset(result.arcTime);
        } else if (result.kind === 'duh') {
          this.logger.error({ ...fields(), code: 'HIKARC_TRANSPORT_DUH' }, 'receiver answered DUH');
        }
        if (kind !== 'event') this.options.metrics.supervision.inc({ ...this.labels, outcome: 'ok' });
        this.setState('up', 'answer');
        return;
      case 'timeout':
        this.options.metrics.ackTimeouts.inc(this.labels);
        this.logger.warn({ ...fields(), code: 'HIKARC_TRANSPORT_ACK_TIMEOUT', timeoutMs: this.options.ackTimeoutMs }, 'no answer within the ACK timeout');
        this.unanswered(account, sentAt, kind, 'HIKARC_TRANSPORT_ACK_TIMEOUT');
        return;
      case 'link':
        this.options.metrics.linkFailures.inc({ ...this.labels, code: result.code });
        if (result.reused) {
          // A kept-open connection closed by the receiver (its idle timer): not evidence.
          this.logger.info({ ...fields(), detail: result.detail }, 'connection closed by the receiver');
          return;
        }
        this.logger.warn({ ...fields(), code: result.code, detail: result.detail }, 'link failed before an answer');
        if (result.code === 'HIKARC_TRANSPORT_CONNECT_FAILED') {
          // With other connections open and answering, a refusal is the receiver's connection limit.
          if (this.openConnections() > 0 && this.options.clock.monotonic() - this.lastAnswerAt < this.options.ackTimeoutMs) {
            this.options.limitedLog.warn(
              'HIKARC_TRANSPORT_CONNECT_FAILED',
              { destination: this.name, open: this.openConnections() },
              'the receiver refused a further connection; the window is limited to the connections it takes',
            );
            return;
          }
          if (kind !== 'event') this.options.metrics.supervision.inc({ ...this.labels, outcome: 'failed' });
          this.setState('down', 'HIKARC_TRANSPORT_CONNECT_FAILED');
          return;
        }
        this.unanswered(account, sentAt, kind, 'HIKARC_TRANSPORT_LINK_CLOSED');
        return;
      case 'abandoned':
      case 'stopped':
        return;
    }
  }

  private unanswered(account: string, sentAt: number, kind: ExchangeKind, code: ErrorCode): void {
    if (kind !== 'event') {
      this.options.metrics.supervision.inc({ ...this.labels, outcome: 'failed' });
      this.logger.error({ code: 'HIKARC_TRANSPORT_SUPERVISION_FAILED', cause: code }, 'NULL link test not acknowledged');
      this.setState('down', 'HIKARC_TRANSPORT_SUPERVISION_FAILED');
      return;
    }
    const upper = account.toUpperCase();
    // The receiver answered others since: this account's problem, not the path's, now and later.
    if (this.lastAnswerAt >= sentAt) {
      this.ignoredAccounts.add(upper);
      return;
    }
    if (this.ignoredAccounts.has(upper)) return;
    this.silent.add(upper);
    if (this.silent.size >= SILENT_ACCOUNTS_FOR_DOWN) {
      this.setState('down', code);
      return;
    }
    // One account unanswered and nothing else to go by: ask the path itself.
    if (this.options.nullTest !== null && !this.probing && this.pathState !== 'down') void this.runNullTest('probe');
  }

  private learnClockOffset(arcTime: number): void {
    const offset = arcTime - this.options.clock.now();
    if (Math.abs(offset) > CLOCK_ADOPT_LIMIT_MS) {
      this.options.limitedLog.error(
        'HIKARC_TRANSPORT_CLOCK_IMPLAUSIBLE',
        { destination: this.name, arcTime: new Date(arcTime).toISOString(), offsetSec: Math.round(offset / 1000) },
        'receiver time in a NAK is more than an hour from ours; not adopted',
      );
      return;
    }
    // Every NAK carries the receiver's time, and the measured offset jitters with the round trip:
    // a line per NAK would bury the journal. Logged when it moved by a second since the offset
    // last logged (so a slow drift is reported too, once it adds up); the gauge has every value.
    const changed = Math.abs(offset - this.loggedClockOffsetMs) >= CLOCK_OFFSET_LOG_STEP_MS;
    this.clockOffsetMs = offset;
    if (changed) this.loggedClockOffsetMs = offset;
    this.options.metrics.clockOffsetSeconds.set(this.labels, offset / 1000);
    if (!changed) return;
    if (Math.abs(offset) > CLOCK_SKEW_WARNING_MS) {
      this.logger.warn({ code: 'HIKARC_TRANSPORT_CLOCK_SKEW', offsetMs: offset }, 'receiver clock differs from ours; timestamps follow the receiver');
    } else {
      this.logger.info({ offsetMs: offset }, 'clock offset taken from receiver NAK');
    }
  }

  private setState(next: PathState, reason: 'answer' | ErrorCode): void {
    const from = this.pathState;
    if (from === next) return;
    this.pathState = next;
    this.options.metrics.pathUp.set(this.labels, next === 'up' ? 1 : 0);
    const fields = { from, to: next, reason };
    if (next === 'down') this.logger.error({ ...fields, code: 'HIKARC_TRANSPORT_PATH_DOWN', cause: reason }, 'path state changed');
    else this.logger.info(fields, 'path state changed');
    if (next === 'down') {
      this.silent.clear();
      this.probeAttempt = 0;
      this.scheduleProbe();
      // Events waiting for a connection move on to the next path at once.
      const waiting = this.waiters;
      this.waiters = waiting.filter((waiter) => waiter.probe);
      for (const waiter of waiting) if (!waiter.probe) waiter.resolve(null);
      // And so do alarms whose frame is out: a dead path will not answer them.
      for (const connection of [...this.carryingEvents]) connection.abandon();
    } else {
      this.cancelProbe?.();
      this.cancelProbe = null;
      this.probeAdmitted = false;
      this.alarmProbeDue = false;
    }
    try {
      this.options.onPathState({ destination: this.name, url: this.address.url, from, to: next, reason });
    } catch (error) {
      // An observer's bug must not stop delivery.
      this.logger.error({ err: errorMessage(error) }, 'path state observer failed');
    }
  }

  // --- NULL tests and probes ---------------------------------------------------------------------

  private async runNullTest(kind: 'supervision' | 'probe'): Promise<void> {
    const template = this.options.nullTest;
    if (template === null || this.stopped) return;
    await this.exchange(template, kind);
  }

  private scheduleProbe(): void {
    if (this.stopped || this.pathState !== 'down') return;
    const delay = backoffDelay(this.probeAttempt, PROBE_BACKOFF, this.options.random);
    this.probeAttempt += 1;
    this.cancelProbe?.();
    this.cancelProbe = this.options.clock.setTimer(delay, () => {
      this.cancelProbe = null;
      if (this.pathState !== 'down') return;
      // The next alarm is let through as a probe too (admitProbe).
      this.alarmProbeDue = true;
      if (this.options.nullTest !== null) void this.runNullTest('probe').then(() => this.scheduleProbe());
      else this.scheduleProbe();
    });
  }

  private scheduleSupervision(): void {
    if (this.stopped || this.options.nullTest === null) return;
    if (this.inFlight > 0 || this.pathState === 'down') return;
    // DC-09 2013 §5.5.2: any transmission restarts the supervision interval.
    this.cancelSupervision?.();
    this.cancelSupervision = this.options.clock.setTimer(this.options.supervisionMs, () => {
      this.cancelSupervision = null;
      if (this.inFlight > 0 || this.pathState === 'down') return;
      void this.runNullTest('supervision');
    });
  }
}
