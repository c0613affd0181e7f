// The transmitter: turns an alarm into a DC-09 message and gets it acknowledged by the primary or
// the secondary ARC receiver, or hands it back undelivered with the reason from each destination.
// It never drops a message: every send() resolves with a DeliveryResult.

import { systemClock, type Clock } from '../clock.js';
import { isDc09Account, type Config } from '../config/schema.js';
import { ConfigError, isHikArcError, type ErrorCode } from '../errors.js';
import { silentLogger, type Logger } from '../log.js';
import { MetricsRegistry } from '../metrics.js';
import { createRandomPadSource, parseAesKey, type KeyFormat, type PadSource } from './dc09-crypto.js';
import { checkMessage } from './dc09-frame.js';
import { DestinationChannel, type PathState, type PathStateChange } from './destination-channel.js';
import { ackTimeoutFor, parseDestinationUrl, type DestinationName } from './destination.js';
import { eventTemplate, stampMessage, supervisionTemplate, videoLinkBlock, type AlarmPayload, type HeaderSettings } from './event-message.js';
import type { LinkConnector } from './link.js';
import { connectLink } from './connect.js';
import { isMessageSequence, MemorySequenceAllocator, type SequenceAllocator } from './sequence.js';
import { transportMetrics, type TransportMetrics } from './transport-metrics.js';

export interface DestinationSpec {
  readonly name: DestinationName;
  /** `tcp://HOST:PORT` or `udp://HOST:PORT` */
  readonly url: string;
}

export interface TransmitterOptions extends HeaderSettings {
  /** In priority order: the primary first. */
  readonly destinations: readonly DestinationSpec[];
  /** AES key bytes; null sends clear frames. */
  readonly key: Uint8Array | null;
  /** `arc.ackTimeoutMs`: 0 means 10 s over TCP, 5 s over UDP. */
  readonly ackTimeoutMs: number;
  /** Sends per destination before the next one (`arc.attempts`). */
  readonly attempts: number;
  /** NULL link test after this much idle time per destination; 0 turns supervision off. */
  readonly supervisionSec: number;
  /** Account the NULL link tests carry (the service passes `receiver.account`). */
  readonly supervisionAccount?: string;
  readonly clock?: Clock;
  readonly logger?: Logger;
  readonly metrics?: MetricsRegistry;
  readonly sequences?: SequenceAllocator;
  readonly pad?: PadSource;
  readonly connect?: LinkConnector;
  readonly onPathState?: (change: PathStateChange) => void;
}

export interface SendOptions {
  /**
   * Sequence numbers to use per destination, e.g. those recorded for this message before a crash,
   * so the ARC sees a retransmission rather than a new alarm (reference §1.5).
   */
  readonly sequences?: Readonly<Partial<Record<DestinationName, number>>>;
  /** Called with the sequence number before the first frame goes to a destination, so it can be persisted. */
  readonly onSequence?: (destination: DestinationName, sequence: number) => Promise<void> | void;
  /** Caller's id of the message (outbox id, event id), bound to every log line about it. */
  readonly id?: string;
}

export interface DestinationFailure {
  readonly destination: DestinationName;
  readonly url: string;
  readonly sequence: number;
  readonly attempts: number;
  readonly code: ErrorCode;
  readonly detail: string;
}

export type DeliveryResult =
  | {
      readonly delivered: true;
      readonly destination: DestinationName;
      readonly url: string;
      readonly sequence: number;
      /** Attempts on the destination that acknowledged. */
      readonly attempts: number;
      readonly latencyMs: number;
      /** Destinations tried before, with why they did not acknowledge. */
      readonly failures: readonly DestinationFailure[];
    }
  | {
      readonly delivered: false;
      readonly code: ErrorCode;
      readonly detail: string;
      readonly failures: readonly DestinationFailure[];
    };

export interface DestinationStatus {
  readonly destination: DestinationName;
  readonly url: string;
  readonly state: PathState;
  readonly clockOffsetMs: number;
}

type TransmitterState = 'running' | 'stopping' | 'stopped';

export class Transmitter {
  private readonly channels: readonly DestinationChannel[];
  private readonly options: TransmitterOptions;
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly metrics: TransportMetrics;
  private readonly sequences: SequenceAllocator;
  private readonly supervised: boolean;
  private state: TransmitterState = 'running';
  private readonly active = new Set<Promise<DeliveryResult>>();

  constructor(options: TransmitterOptions) {
    const problems = checkOptions(options);
    if (problems.length > 0) throw new ConfigError('HIKARC_CONFIG_INVALID', problems);
    this.options = options;
    this.clock = options.clock ?? systemClock;
    this.logger = (options.logger ?? silentLogger).child({ stage: 'transport' });
    this.metrics = transportMetrics(options.metrics ?? new MetricsRegistry());
    this.sequences = options.sequences ?? new MemorySequenceAllocator();
    this.supervised = options.supervisionSec > 0;
    const pad = options.pad ?? createRandomPadSource();
    const supervisionAccount = options.supervisionAccount ?? '';
    this.channels = options.destinations.map((spec) => {
      const address = parseDestinationUrl(spec.url);
      if (address === undefined) throw new ConfigError('HIKARC_CONFIG_INVALID', [`arc.${spec.name}: "${spec.url}" is not tcp://HOST:PORT or udp://HOST:PORT`]);
      return new DestinationChannel({
        name: spec.name,
        address,
        ackTimeoutMs: ackTimeoutFor(address.transport, options.ackTimeoutMs),
        key: options.key,
        pad,
        clock: this.clock,
        logger: this.logger,
        metrics: this.metrics,
        connect: options.connect ?? connectLink,
        supervision: this.supervised
          ? { intervalMs: options.supervisionSec * 1000, template: supervisionTemplate(supervisionAccount, options), attempts: options.attempts }
          : null,
        onPathState: (change) => options.onPathState?.(change),
      });
    });
    this.logger.info(
      { destinations: this.channels.map((channel) => channel.address.url), format: options.format, encrypted: options.key !== null, attempts: options.attempts, supervisionSec: options.supervisionSec },
      'transmitter ready',
    );
  }

  status(): DestinationStatus[] {
    return this.channels.map((channel) => ({ destination: channel.name, url: channel.address.url, state: channel.state, clockOffsetMs: channel.offsetMs }));
  }

  pathState(destination: DestinationName): PathState | undefined {
    return this.channels.find((channel) => channel.name === destination)?.state;
  }

  /** Delivers one alarm; resolves (never rejects, unless onSequence throws) with what became of it. */
  send(alarm: AlarmPayload, options: SendOptions = {}): Promise<DeliveryResult> {
    const sending = this.deliver(alarm, options);
    this.active.add(sending);
    const forget = (): void => {
      this.active.delete(sending);
    };
    sending.then(forget, forget);
    return sending;
  }

  private async deliver(alarm: AlarmPayload, options: SendOptions): Promise<DeliveryResult> {
    const log = this.logger.child({ account: alarm.account, ...(options.id === undefined ? {} : { id: options.id }) });
    if (this.state !== 'running') return this.undelivered(log, 'HIKARC_TRANSPORT_STOPPED', 'the transmitter is stopping', []);
    const video = videoLinkBlock(alarm.videoUrl);
    if (video.kind === 'omitted') {
      this.metrics.videoLinks.inc({ outcome: 'omitted' });
      log.warn({ code: 'HIKARC_TRANSPORT_VIDEO_LINK_OMITTED', reason: video.reason }, 'verification link left out of the [V] block');
    } else if (video.kind === 'included') {
      this.metrics.videoLinks.inc({ outcome: video.truncatedFrom === null ? 'included' : 'truncated' });
      if (video.truncatedFrom !== null) log.warn({ code: 'HIKARC_TRANSPORT_VIDEO_LINK_OMITTED', length: video.truncatedFrom }, 'verification link shortened to 256 characters');
    }
    const problem = checkMessage(stampMessage(eventTemplate(alarm, this.options, 1, video), 0), this.options.key !== null);
    if (problem) return this.undelivered(log, problem.code, problem.message, []);

    const started = this.clock.monotonic();
    const failures: DestinationFailure[] = [];
    const tried = new Set<DestinationChannel>();
    for (let channel = this.nextChannel(tried); channel !== undefined; channel = this.nextChannel(tried)) {
      tried.add(channel);
      const pinned = options.sequences?.[channel.name];
      const sequence = pinned !== undefined && isMessageSequence(pinned) ? pinned : this.sequences.next(channel.name);
      // A down destination gets one probing attempt while another is left to try: an alarm should
      // not wait attempts × timeout on a path already known to be dead.
      const attempts = channel.state === 'down' && this.nextChannel(tried) !== undefined ? 1 : this.options.attempts;
      const outcome = await channel.exchange({
        kind: 'event',
        template: eventTemplate(alarm, this.options, sequence, video),
        attempts,
        log: options.id === undefined ? {} : { id: options.id },
        ...(options.onSequence === undefined ? {} : { beforeFirstWrite: () => options.onSequence?.(channel.name, sequence) }),
      });
      if (outcome.kind === 'ack') {
        const latencyMs = Math.max(0, this.clock.monotonic() - started);
        this.metrics.deliveries.inc({ destination: channel.name, outcome: 'delivered' });
        this.metrics.deliverySeconds.observe(latencyMs / 1000, { destination: channel.name });
        log.info({ destination: channel.name, seq: sequence, attempts: outcome.attempts, latencyMs, failovers: failures.length }, 'message delivered');
        return { delivered: true, destination: channel.name, url: channel.address.url, sequence, attempts: outcome.attempts, latencyMs, failures };
      }
      failures.push({ destination: channel.name, url: channel.address.url, sequence, attempts: outcome.attempts, code: outcome.code, detail: outcome.detail });
      log.warn({ destination: channel.name, seq: sequence, code: outcome.code, detail: outcome.detail }, 'destination did not acknowledge');
      if (outcome.code === 'HIKARC_TRANSPORT_STOPPED') break;
    }
    const stopped = failures.some((failure) => failure.code === 'HIKARC_TRANSPORT_STOPPED');
    const detail = failures.map((failure) => `${failure.destination}: ${failure.detail}`).join('; ');
    return this.undelivered(log, stopped ? 'HIKARC_TRANSPORT_STOPPED' : 'HIKARC_TRANSPORT_UNDELIVERED', detail, failures);
  }

  /**
   * Stops taking messages and supervision, lets queued and in-flight messages finish until
   * `deadlineMs`, then aborts what is left (those sends resolve undelivered, code STOPPED).
   */
  async stop(deadlineMs: number): Promise<void> {
    if (this.state !== 'running') return;
    this.setState('stopping');
    for (const channel of this.channels) channel.stopSupervision();
    let cancel = (): void => undefined;
    const deadline = new Promise<void>((resolve) => {
      cancel = this.clock.setTimer(deadlineMs, resolve);
    });
    await Promise.race([Promise.allSettled([...this.active]), deadline]);
    cancel();
    this.abort();
  }

  /** Drops everything now; pending sends resolve undelivered with code STOPPED. */
  abort(): void {
    if (this.state === 'stopped') return;
    this.setState('stopped');
    for (const channel of this.channels) channel.abort();
  }

  private setState(next: TransmitterState): void {
    this.logger.info({ from: this.state, to: next }, 'transmitter state changed');
    this.state = next;
  }

  // Priority order. With supervision on, down destinations go last: NULL tests probe them and bring
  // them back when they answer. Without it the primary stays first, so the next message notices.
  private nextChannel(tried: ReadonlySet<DestinationChannel>): DestinationChannel | undefined {
    let fallback: DestinationChannel | undefined;
    for (const channel of this.channels) {
      if (tried.has(channel)) continue;
      if (!this.supervised || channel.state !== 'down') return channel;
      fallback ??= channel;
    }
    return fallback;
  }

  private undelivered(log: Logger, code: ErrorCode, detail: string, failures: readonly DestinationFailure[]): DeliveryResult {
    this.metrics.deliveries.inc({ destination: 'none', outcome: 'undelivered' });
    log.error({ code, detail }, 'message undelivered; handed back to the caller');
    return { delivered: false, code, detail, failures };
  }
}

function checkOptions(options: TransmitterOptions): string[] {
  const problems: string[] = [];
  if (options.destinations.length === 0) problems.push('arc.primary: a transmitter needs at least one destination');
  if (!Number.isInteger(options.attempts) || options.attempts < 1) problems.push('arc.attempts: must be 1 or more');
  if (options.supervisionSec > 0 && !isDc09Account(options.supervisionAccount ?? '')) {
    problems.push('receiver.account: NULL supervision (arc.supervisionSec > 0) needs an account of 3-16 hex digits');
  }
  return problems;
}

export interface TransmitterDeps {
  readonly supervisionAccount?: string;
  readonly clock?: Clock;
  readonly logger?: Logger;
  readonly metrics?: MetricsRegistry;
  readonly sequences?: SequenceAllocator;
  readonly connect?: LinkConnector;
  readonly onPathState?: (change: PathStateChange) => void;
}

/** The key bytes of `arc.key`, or null when it is empty; a ConfigError names a bad key. */
export function arcKey(key: string, format: KeyFormat): Buffer | null {
  if (key === '') return null;
  try {
    return parseAesKey(key, format);
  } catch (error) {
    throw new ConfigError('HIKARC_CONFIG_INVALID', [`arc.key: ${isHikArcError(error) ? error.message : String(error)}`]);
  }
}

/** A transmitter for `arc.primary` and, when set, `arc.secondary`. */
export function createTransmitter(arc: Config['arc'], deps: TransmitterDeps = {}): Transmitter {
  const destinations: DestinationSpec[] = [{ name: 'primary', url: arc.primary }];
  if (arc.secondary !== '') destinations.push({ name: 'secondary', url: arc.secondary });
  return new Transmitter({
    destinations,
    format: arc.format,
    receiverNumber: arc.receiverNumber,
    linePrefix: arc.linePrefix,
    key: arcKey(arc.key, arc.keyFormat),
    ackTimeoutMs: arc.ackTimeoutMs,
    attempts: arc.attempts,
    supervisionSec: arc.supervisionSec,
    ...deps,
  });
}
