// One destination (primary or secondary): a FIFO of exchanges run strictly one at a time over one
// link (stop-and-wait, one frame in flight), the attempt loop of reference §4.5 (same sequence, fresh
// timestamp and pad per attempt; NAK → clock offset and immediate resend; DUH → give up here), the
// path state, and NULL supervision on idle (reference §4.7).

import { sleep, type CancelTimer, type Clock } from '../clock.js';
import { errorMessage, type ErrorCode } from '../errors.js';
import type { Logger } from '../log.js';
import { printable } from './ascii.js';
import type { PadSource } from './dc09-crypto.js';
import { decodeDatagram, decodeFrames, encodeFrame, type Dc09Item } from './dc09-frame.js';
import type { DestinationAddress, DestinationName } from './destination.js';
import { stampMessage, type MessageTemplate } from './event-message.js';
import type { Link, LinkConnector } from './link.js';
import { classifyResponse, type ExpectedAnswer } from './response.js';
import type { TransportMetrics } from './transport-metrics.js';

export const PATH_STATES = ['unknown', 'up', 'down'] as const;
export type PathState = (typeof PATH_STATES)[number];

type LinkState = 'closed' | 'connecting' | 'open';

/** Beyond this the receiver's clock is reported as skewed (reference §4.5). */
export const CLOCK_SKEW_WARNING_MS = 10_000;
/** Pause before the next attempt after a connect failure or a close without answer. */
export const LINK_RETRY_PAUSE_MS = 250;

export interface PathStateChange {
  readonly destination: DestinationName;
  readonly url: string;
  readonly from: PathState;
  readonly to: PathState;
  /** `ack`, or the code of the failure that took the path down. */
  readonly reason: 'ack' | ErrorCode;
}

export type ExchangeKind = 'event' | 'supervision';

export interface ExchangeRequest {
  readonly kind: ExchangeKind;
  readonly template: MessageTemplate;
  readonly attempts: number;
  /** Called once, before the first frame of this exchange is written. */
  readonly beforeFirstWrite?: () => Promise<void> | void;
  readonly log?: Readonly<Record<string, unknown>>;
}

export type ExchangeOutcome =
  | { readonly kind: 'ack'; readonly attempts: number }
  | { readonly kind: 'failed'; readonly attempts: number; readonly code: ErrorCode; readonly detail: string };

type AttemptResult =
  | { readonly kind: 'ack' }
  | { readonly kind: 'nak'; readonly receiverTime: number | null }
  | { readonly kind: 'duh' }
  | { readonly kind: 'timeout' }
  | { readonly kind: 'link'; readonly code: 'HIKARC_TRANSPORT_CONNECT_FAILED' | 'HIKARC_TRANSPORT_LINK_CLOSED'; readonly detail: string; readonly reused: boolean }
  | { readonly kind: 'stopped' };

interface Pending {
  readonly expected: ExpectedAnswer;
  readonly reused: boolean;
  finish(result: AttemptResult): void;
}

export interface SupervisionSettings {
  readonly intervalMs: number;
  readonly template: MessageTemplate;
  readonly attempts: number;
}

export interface ChannelOptions {
  readonly name: DestinationName;
  readonly address: DestinationAddress;
  readonly ackTimeoutMs: number;
  readonly key: Uint8Array | null;
  readonly pad: PadSource;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly metrics: TransportMetrics;
  readonly connect: LinkConnector;
  readonly supervision: SupervisionSettings | null;
  readonly onPathState: (change: PathStateChange) => void;
}

const EMPTY = Buffer.alloc(0);

export class DestinationChannel {
  readonly name: DestinationName;
  readonly address: DestinationAddress;
  private readonly options: ChannelOptions;
  private readonly logger: Logger;
  private readonly labels: { readonly destination: DestinationName };
  private readonly queue: Array<() => Promise<void>> = [];
  private readonly stopController = new AbortController();
  private running = false;
  private pathState: PathState = 'unknown';
  private linkState: LinkState = 'closed';
  private link: Link | null = null;
  // Handlers of a link that was replaced still fire; they compare their generation and go quiet.
  private generation = 0;
  private exchangesOnLink = 0;
  private rest: Buffer = EMPTY;
  private pending: Pending | null = null;
  private lastAnswer: Buffer | null = null;
  private clockOffsetMs = 0;
  private cancelSupervision: CancelTimer | null = null;
  private supervising: boolean;

  constructor(options: ChannelOptions) {
    this.options = options;
    this.name = options.name;
    this.address = options.address;
    this.labels = { destination: options.name };
    this.logger = options.logger.child({ destination: options.name, url: options.address.url });
    this.supervising = options.supervision !== null;
    this.scheduleSupervision();
  }

  get state(): PathState {
    return this.pathState;
  }

  get offsetMs(): number {
    return this.clockOffsetMs;
  }

  get stopped(): boolean {
    return this.stopController.signal.aborted;
  }

  isIdle(): boolean {
    return !this.running && this.queue.length === 0;
  }

  /** Queues an exchange behind those already waiting for this link (FIFO) and runs it. */
  exchange(request: ExchangeRequest): Promise<ExchangeOutcome> {
    return new Promise((resolve, reject) => {
      this.queue.push(async () => {
        if (this.stopped) {
          resolve({ kind: 'failed', attempts: 0, code: 'HIKARC_TRANSPORT_STOPPED', detail: 'the transmitter stopped' });
          return;
        }
        // Only the caller's beforeFirstWrite hook can throw; its error goes back to that caller.
        await this.run(request).then(resolve, reject);
      });
      void this.pump();
    });
  }

  stopSupervision(): void {
    this.supervising = false;
    this.cancelSupervision?.();
    this.cancelSupervision = null;
  }

  /** Drops everything now: the frame in flight and every queued exchange fail as stopped. */
  abort(): void {
    if (this.stopped) return;
    this.stopSupervision();
    this.stopController.abort();
    this.pending?.finish({ kind: 'stopped' });
    this.discardLink();
  }

  private async pump(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      for (let job = this.queue.shift(); job !== undefined; job = this.queue.shift()) await job();
    } finally {
      this.running = false;
    }
  }

  private setPathState(next: PathState, reason: 'ack' | ErrorCode): void {
    const from = this.pathState;
    if (from === next) return;
    this.pathState = next;
    this.options.metrics.pathUp.set(this.labels, next === 'up' ? 1 : 0);
    const fields = { from, to: next, reason };
    if (next === 'down') this.logger.error({ ...fields, code: reason }, 'path state changed');
    else this.logger.info(fields, 'path state changed');
    try {
      this.options.onPathState({ destination: this.name, url: this.address.url, from, to: next, reason });
    } catch (error) {
      // An observer's bug must not stop delivery.
      this.logger.error({ err: errorMessage(error) }, 'path state observer failed');
    }
  }

  private setLinkState(next: LinkState): void {
    if (this.linkState === next) return;
    this.logger.debug({ from: this.linkState, to: next }, 'link state changed');
    this.linkState = next;
  }

  private async run(request: ExchangeRequest): Promise<ExchangeOutcome> {
    try {
      return await this.attempts(request);
    } finally {
      this.scheduleSupervision();
    }
  }

  private async attempts(request: ExchangeRequest): Promise<ExchangeOutcome> {
    const { template } = request;
    const log = this.logger.child({ ...request.log, kind: request.kind, account: template.account, seq: template.sequence });
    const expected: ExpectedAnswer = { sequence: template.sequence, account: template.account, receiver: template.receiver, line: template.line, key: this.options.key };
    let attempts = 0;
    let failure: { code: ErrorCode; detail: string } = { code: 'HIKARC_TRANSPORT_ACK_TIMEOUT', detail: 'no attempt made' };
    let freeReconnectUsed = false;
    let firstWrite = true;
    while (attempts < request.attempts) {
      if (this.stopped) return { kind: 'failed', attempts, code: 'HIKARC_TRANSPORT_STOPPED', detail: 'the transmitter stopped' };
      attempts += 1;
      if (firstWrite) {
        firstWrite = false;
        await request.beforeFirstWrite?.();
      }
      let frame: Buffer;
      try {
        // A retry keeps the sequence number but gets a fresh timestamp and pad (reference §4.5).
        frame = encodeFrame(stampMessage(template, this.options.clock.now() + this.clockOffsetMs), { key: this.options.key, pad: this.options.pad });
      } catch (error) {
        return { kind: 'failed', attempts, code: 'HIKARC_DC09_INVALID_MESSAGE', detail: errorMessage(error) };
      }
      this.options.metrics.framesSent.inc({ ...this.labels, kind: request.kind });
      log.debug({ attempt: attempts, bytes: frame.length }, 'frame sent');
      const result = await this.attempt(frame, expected);
      switch (result.kind) {
        case 'ack':
          log.debug({ attempt: attempts }, 'frame acknowledged');
          this.setPathState('up', 'ack');
          return { kind: 'ack', attempts };
        case 'duh':
          // DC-09 2013: the receiver cannot process this message; retrying here cannot help.
          log.error({ code: 'HIKARC_TRANSPORT_DUH', attempt: attempts }, 'receiver answered DUH');
          if (request.kind === 'supervision') this.setPathState('down', 'HIKARC_TRANSPORT_DUH');
          return { kind: 'failed', attempts, code: 'HIKARC_TRANSPORT_DUH', detail: 'the receiver answered DUH' };
        case 'nak':
          failure = { code: 'HIKARC_TRANSPORT_NAK', detail: 'the receiver answered NAK' };
          log.warn({ code: 'HIKARC_TRANSPORT_NAK', attempt: attempts, receiverTime: result.receiverTime }, 'receiver answered NAK');
          if (result.receiverTime !== null) this.learnClockOffset(result.receiverTime);
          // ioBroker.sia closes after a NAK (and writes it twice): resend on a fresh connection.
          this.recycleStreamLink();
          break;
        case 'timeout':
          failure = { code: 'HIKARC_TRANSPORT_ACK_TIMEOUT', detail: `no answer within ${this.options.ackTimeoutMs} ms` };
          this.options.metrics.ackTimeouts.inc(this.labels);
          log.warn({ code: failure.code, attempt: attempts, timeoutMs: this.options.ackTimeoutMs }, 'no answer within the ACK timeout');
          this.recycleStreamLink();
          break;
        case 'link':
          this.options.metrics.linkFailures.inc({ ...this.labels, code: result.code });
          if (result.reused && !freeReconnectUsed) {
            // The receiver closed a kept-open connection (e.g. its idle timer) as we wrote: that is
            // not this frame's failure, so it goes out again on a new connection, once, uncounted.
            freeReconnectUsed = true;
            attempts -= 1;
            log.info({ detail: result.detail }, 'connection closed by the receiver; resending on a new connection');
            break;
          }
          failure = { code: result.code, detail: result.detail };
          log.warn({ code: result.code, attempt: attempts, detail: result.detail }, 'link failed before an answer');
          if (attempts < request.attempts) await sleep(this.options.clock, Math.min(LINK_RETRY_PAUSE_MS, this.options.ackTimeoutMs), this.stopController.signal);
          break;
        case 'stopped':
          return { kind: 'failed', attempts, code: 'HIKARC_TRANSPORT_STOPPED', detail: 'the transmitter stopped' };
      }
    }
    this.setPathState('down', failure.code);
    return { kind: 'failed', attempts, code: failure.code, detail: failure.detail };
  }

  private learnClockOffset(receiverTime: number): void {
    const offset = receiverTime - this.options.clock.now();
    this.clockOffsetMs = offset;
    this.options.metrics.clockOffsetSeconds.set(this.labels, offset / 1000);
    if (Math.abs(offset) > CLOCK_SKEW_WARNING_MS) {
      this.logger.warn({ code: 'HIKARC_TRANSPORT_CLOCK_SKEW', offsetMs: offset }, 'receiver clock differs from ours; timestamps follow the receiver');
    } else {
      this.logger.info({ offsetMs: offset }, 'clock offset taken from receiver NAK');
    }
  }

  private async attempt(frame: Buffer, expected: ExpectedAnswer): Promise<AttemptResult> {
    let link = this.link;
    let reused = this.exchangesOnLink > 0;
    if (link === null) {
      reused = false;
      try {
        link = await this.openLink();
      } catch (error) {
        this.setLinkState('closed');
        return { kind: 'link', code: 'HIKARC_TRANSPORT_CONNECT_FAILED', detail: errorMessage(error), reused };
      }
      if (this.stopped) return { kind: 'stopped' };
    }
    const current = link;
    return new Promise<AttemptResult>((resolve) => {
      let settled = false;
      let cancelTimer: CancelTimer = () => undefined;
      const finish = (result: AttemptResult): void => {
        if (settled) return;
        settled = true;
        cancelTimer();
        this.pending = null;
        this.exchangesOnLink += 1;
        resolve(result);
      };
      this.pending = { expected, reused, finish };
      cancelTimer = this.options.clock.setTimer(this.options.ackTimeoutMs, () => finish({ kind: 'timeout' }));
      current.send(frame).catch((error: unknown) => {
        if (this.link === current) this.discardLink();
        finish({ kind: 'link', code: 'HIKARC_TRANSPORT_LINK_CLOSED', detail: errorMessage(error), reused });
      });
    });
  }

  private async openLink(): Promise<Link> {
    this.setLinkState('connecting');
    const generation = ++this.generation;
    const link = await this.options.connect(
      this.address,
      {
        onData: (chunk) => {
          if (generation === this.generation) this.onData(chunk);
        },
        onClose: (error) => {
          if (generation === this.generation) this.onLinkClosed(error);
        },
      },
      { timeoutMs: this.options.ackTimeoutMs, clock: this.options.clock },
    );
    if (generation !== this.generation || this.stopped) {
      link.close();
      throw new Error('the channel stopped while connecting');
    }
    this.link = link;
    this.exchangesOnLink = 0;
    this.rest = EMPTY;
    this.setLinkState('open');
    return link;
  }

  private discardLink(): void {
    this.generation += 1;
    const link = this.link;
    this.link = null;
    this.rest = EMPTY;
    this.setLinkState('closed');
    link?.close();
  }

  private recycleStreamLink(): void {
    if (this.link?.stream === true) this.discardLink();
  }

  private onLinkClosed(error: Error | null): void {
    this.logger.debug({ err: error === null ? undefined : error.message }, 'connection closed');
    this.discardLink();
    const pending = this.pending;
    pending?.finish({ kind: 'link', code: 'HIKARC_TRANSPORT_LINK_CLOSED', detail: error === null ? 'the receiver closed the connection' : error.message, reused: pending.reused });
  }

  private onData(chunk: Buffer): void {
    let items: Dc09Item[];
    if (this.link?.stream === false) {
      items = decodeDatagram(chunk);
    } else {
      const decoded = decodeFrames(this.rest.length > 0 ? Buffer.concat([this.rest, chunk]) : chunk);
      this.rest = decoded.rest;
      items = decoded.items;
    }
    for (const item of items) this.onItem(item);
  }

  private onItem(item: Dc09Item): void {
    const pending = this.pending;
    if (pending === null) {
      if (this.lastAnswer !== null && this.lastAnswer.equals(item.raw)) {
        this.logger.debug({ raw: printable(item.raw) }, 'repeated answer ignored');
      } else {
        this.ignore({ kind: 'unsolicited', raw: item.raw });
      }
      return;
    }
    const verdict = classifyResponse(item, pending.expected);
    if (verdict.kind === 'ignore') {
      this.ignore({ kind: 'error', error: { code: verdict.code, message: verdict.detail }, raw: item.raw });
      return;
    }
    this.lastAnswer = item.raw;
    this.options.metrics.responses.inc({ ...this.labels, response: verdict.kind });
    if (verdict.quirks.length > 0) this.logger.info({ quirks: verdict.quirks, response: verdict.kind }, 'answer deviates from DC-09; accepted');
    if (verdict.kind === 'ack') {
      if (verdict.headerMismatch) this.logger.warn({ raw: printable(item.raw) }, 'ACK echoes another R or L field; accepted');
      pending.finish({ kind: 'ack' });
    } else if (verdict.kind === 'nak') {
      pending.finish({ kind: 'nak', receiverTime: verdict.receiverTime });
    } else {
      pending.finish({ kind: 'duh' });
    }
  }

  private ignore(what: { kind: 'unsolicited'; raw: Buffer } | { kind: 'error'; error: { code: ErrorCode; message: string }; raw: Buffer }): void {
    const code: ErrorCode = what.kind === 'unsolicited' ? 'HIKARC_TRANSPORT_UNMATCHED_RESPONSE' : what.error.code;
    const detail = what.kind === 'unsolicited' ? 'an answer arrived with no frame in flight' : what.error.message;
    this.options.metrics.responseErrors.inc({ ...this.labels, code });
    this.logger.warn({ code, detail, raw: printable(what.raw) }, 'answer ignored');
  }

  private scheduleSupervision(): void {
    const supervision = this.options.supervision;
    if (supervision === null || !this.supervising) return;
    // DC-09 2013 §5.5.2: any transmission restarts the supervision interval.
    this.cancelSupervision?.();
    this.cancelSupervision = this.options.clock.setTimer(supervision.intervalMs, () => {
      this.cancelSupervision = null;
      if (!this.isIdle()) {
        this.scheduleSupervision();
        return;
      }
      void this.exchange({ kind: 'supervision', template: supervision.template, attempts: supervision.attempts }).then((outcome) => {
        const ok = outcome.kind === 'ack';
        this.options.metrics.supervision.inc({ ...this.labels, outcome: ok ? 'ok' : 'failed' });
        if (!ok && outcome.code !== 'HIKARC_TRANSPORT_STOPPED') {
          this.logger.error({ code: 'HIKARC_TRANSPORT_SUPERVISION_FAILED', cause: outcome.code, detail: outcome.detail }, 'NULL link test not acknowledged');
        }
      });
    });
  }
}
