// Simulated ARC receivers and the network to them, for the simulator: a LinkConnector per path
// whose links carry real DC-09 bytes (encoded by the transport under test, decoded here with the
// transport's own decoder) to a receiver that answers with real ACK/NAK/DUH frames - or, while a
// fault episode is on, late, wrongly, partly or not at all. No sockets: every delay is a timer on
// the run's simulated clock.

import type { Clock } from '../../src/clock.js';
import type { PadSource } from '../../src/transport/dc09-crypto.js';
import { decodeDatagram, decodeFrames, openFrame, type Dc09Header, type Dc09Item, type ReadableFrame } from '../../src/transport/dc09-frame.js';
import type { DestinationAddress } from '../../src/transport/destination.js';
import type { Link, LinkConnector, LinkHandlers } from '../../src/transport/link.js';
import { ackFor, duhFor, nakAt } from '../../src/transport/arc-answer.js';
import { TransportError } from '../../src/transport/transport-errors.js';
import type { Prng } from './prng.js';
import type { SimClock } from './sim-clock.js';

/** What a receiver does to a frame (or to its link) while an episode of this kind is on. */
export const ARC_FAULTS = [
  'ack-delay', // ACK after 0..maxDelayMs (past the ACK timeout at times: a late ACK)
  'nak', // NAK with the receiver's time
  'nak-far', // NAK with a time years off (a flat RTC battery): never adopted
  'duh', // framed DUH echoing sequence and account
  'bare', // a bare "DUH" or "NAK": no sequence, no account
  'silent', // the frame is swallowed: no answer
  'close-after-accept', // the alarm is taken, then the connection closed without an answer
  'reset-mid-frame', // the connection is reset while the frame is on its way
  'bogus', // an ACK with the wrong sequence, account or CRC, garbage, or an early ACK; maybe the real one after
  'chunked', // answers arrive in small pieces (TCP)
  'refuse', // connections refused (an outage of the receiver)
  'blackhole', // connections neither accepted nor refused; open ones go quiet (a network outage)
  'drop-connections', // every open connection reset at the start of the episode, then refused
] as const;
export type ArcFault = (typeof ARC_FAULTS)[number];

export interface FaultEpisode {
  readonly kind: ArcFault;
  readonly from: number;
  readonly to: number;
  /** Only frames of these accounts (upper case); undefined: every frame. */
  readonly accounts?: ReadonlySet<string>;
  /** ack-delay: the longest delay. */
  readonly maxDelayMs?: number;
  /** Share of frames affected (1 = all). */
  readonly rate: number;
}

export interface ReceivedEvent {
  readonly path: string;
  readonly connection: number;
  readonly frame: ReadableFrame;
}

/** What the harness learns from the receivers, for its invariants. */
export interface ArcObserver {
  /** Every frame the receiver could read. */
  onFrame(event: ReceivedEvent): void;
  /** The receiver took the alarm (it would show it to an operator). */
  onProcessed(event: ReceivedEvent): void;
  /** A real ACK for this frame reached the transmitter's link. */
  onGenuineAck(event: ReceivedEvent): void;
  /** Bytes from the transmitter that are no frame the receiver can read: a bug of ours. */
  onUnreadable(path: string, detail: string): void;
  trace(line: string): void;
}

interface SimConnection {
  readonly id: number;
  readonly owner: number;
  readonly handlers: LinkHandlers;
  open: boolean;
  // Bytes of one connection arrive in the order they were written (TCP; and our UDP sockets are
  // one path each, where reordering is rare): the latest arrival time scheduled each way.
  toArc: number;
  toUs: number;
}

// A receiver's timestamp window (DC-09 §5.5.1.8, −40 s / +20 s), as ARCs apply it.
const WINDOW_PAST_MS = 40_000;
const WINDOW_FUTURE_MS = 20_000;

export interface SimArcOptions {
  readonly name: string;
  readonly transport: 'tcp' | 'udp';
  readonly key: Uint8Array | null;
  readonly pad: PadSource;
  readonly clock: SimClock;
  readonly prng: Prng;
  readonly episodes: readonly FaultEpisode[];
  /** The receiver's own clock against true time (ms). */
  readonly skewMs: number;
  /** True wall time (our clock without its steps). */
  readonly trueNow: () => number;
  /** One-way network delay, at most. */
  readonly latencyMs: number;
  readonly observer: ArcObserver;
}

const NETWORK_OWNER = 0;

export class SimArc {
  readonly name: string;
  private readonly options: SimArcOptions;
  private readonly prng: Prng;
  private readonly connections: SimConnection[] = [];
  private nextConnection = 1;
  private lastDropEpisode: FaultEpisode | null = null;
  private readonly episodes: FaultEpisode[];
  // Processes that died: a connect they started completes for nobody, a write they still make goes nowhere.
  private readonly deadOwners = new Set<number>();

  constructor(options: SimArcOptions) {
    this.options = options;
    this.name = options.name;
    this.prng = options.prng;
    this.episodes = [...options.episodes];
  }

  /** From now on the receiver is gone: open connections reset, new ones refused. */
  goDown(): void {
    const now = this.options.clock.time;
    this.episodes.push({ kind: 'drop-connections', from: now, to: Number.POSITIVE_INFINITY, rate: 1 });
    this.checkDrops();
  }

  /** The receiver's clock. */
  private arcNow(): number {
    return this.options.trueNow() + this.options.skewMs;
  }

  private active(kind: ArcFault, account: string | null = null): FaultEpisode | undefined {
    const now = this.options.clock.time;
    for (const episode of this.episodes) {
      if (episode.kind !== kind || now < episode.from || now >= episode.to) continue;
      if (episode.accounts !== undefined && (account === null || !episode.accounts.has(account.toUpperCase()))) continue;
      return episode;
    }
    return undefined;
  }

  private hits(kind: ArcFault, account: string | null = null): FaultEpisode | undefined {
    const episode = this.active(kind, account);
    return episode !== undefined && this.prng.chance(episode.rate) ? episode : undefined;
  }

  private latency(): number {
    return this.prng.int(0, this.options.latencyMs);
  }

  /** Delay until bytes written now arrive: after the network delay, and never before earlier bytes. */
  private arrival(connection: SimConnection, direction: 'toArc' | 'toUs', extraMs: number): number {
    const now = this.options.clock.time;
    const at = Math.max(now + extraMs + this.latency(), connection[direction]);
    connection[direction] = at;
    return at - now;
  }

  private later(ms: number, fn: () => void): void {
    this.options.clock.setTimer(NETWORK_OWNER, ms, fn);
  }

  /** The process died: its connections vanish (the receiver sees a reset; nothing calls back). */
  dropProcess(owner: number): void {
    this.deadOwners.add(owner);
    for (const connection of this.connections) if (connection.owner === owner) connection.open = false;
  }

  private reset(connection: SimConnection, why: string): void {
    if (!connection.open) return;
    connection.open = false;
    this.options.observer.trace(`${this.name}#${connection.id} reset (${why})`);
    this.later(this.arrival(connection, 'toUs', 0), () => connection.handlers.onClose(new Error(`ECONNRESET (${why})`)));
  }

  /** Applies drop-connections episodes that started since the last look. */
  private checkDrops(): void {
    const episode = this.active('drop-connections');
    if (episode === undefined || episode === this.lastDropEpisode) return;
    this.lastDropEpisode = episode;
    for (const connection of this.connections) this.reset(connection, 'receiver restarted');
  }

  connector(owner: number): LinkConnector {
    return (_address: DestinationAddress, handlers: LinkHandlers, options: { readonly timeoutMs: number; readonly clock: Clock }): Promise<Link> => {
      this.checkDrops();
      return new Promise<Link>((resolve, reject) => {
        const refused = (): void => reject(new TransportError('HIKARC_TRANSPORT_CONNECT_FAILED', `${this.name}: connection refused`));
        if (this.active('refuse') || this.active('drop-connections')) {
          this.later(this.latency(), refused);
          return;
        }
        if (this.active('blackhole')) {
          // The connect attempt gives up after its timeout, on the process's clock.
          options.clock.setTimer(options.timeoutMs, () => reject(new TransportError('HIKARC_TRANSPORT_CONNECT_FAILED', `${this.name}: connect timed out`)));
          return;
        }
        this.later(this.latency(), () => {
          if (this.deadOwners.has(owner)) return;
          const connection: SimConnection = { id: this.nextConnection++, owner, handlers, open: true, toArc: 0, toUs: 0 };
          this.connections.push(connection);
          if (this.connections.length > 256) this.connections.splice(0, this.connections.findIndex((c) => c.open) > 0 ? 128 : 0);
          resolve(this.link(connection));
        });
      });
    };
  }

  private link(connection: SimConnection): Link {
    const stream = this.options.transport === 'tcp';
    return {
      stream,
      send: (frame) => {
        if (this.deadOwners.has(connection.owner)) return Promise.resolve();
        if (!connection.open) return Promise.reject(new TransportError('HIKARC_TRANSPORT_LINK_CLOSED', 'the link is closed'));
        this.checkDrops();
        if (!connection.open) return Promise.reject(new TransportError('HIKARC_TRANSPORT_LINK_CLOSED', 'the link is closed'));
        const copy = Buffer.from(frame);
        if (this.active('blackhole')) return Promise.resolve();
        if (this.hits('reset-mid-frame')) {
          if (this.prng.chance(0.5)) {
            // The write itself fails.
            connection.open = false;
            this.options.observer.trace(`${this.name}#${connection.id} write failed (reset mid-frame)`);
            return Promise.reject(new TransportError('HIKARC_TRANSPORT_LINK_CLOSED', 'write failed: ECONNRESET'));
          }
          // The write is taken by the OS; part of the frame arrives, then the reset.
          this.later(this.latency(), () => this.reset(connection, 'reset mid-frame'));
          return Promise.resolve();
        }
        this.later(this.arrival(connection, 'toArc', 0), () => {
          if (connection.open) this.receive(connection, copy, stream);
        });
        return Promise.resolve();
      },
      close: () => {
        connection.open = false;
      },
    };
  }

  private receive(connection: SimConnection, bytes: Buffer, stream: boolean): void {
    let items: Dc09Item[];
    if (stream) {
      const decoded = decodeFrames(bytes);
      items = decoded.items;
      if (decoded.rest.length > 0) this.options.observer.onUnreadable(this.name, `a write ended mid-frame: ${decoded.rest.length} bytes left over`);
    } else {
      items = decodeDatagram(bytes);
    }
    if (items.length !== 1) this.options.observer.onUnreadable(this.name, `a write carried ${items.length} items, not one frame`);
    for (const item of items) {
      if (item.kind !== 'frame') {
        this.options.observer.onUnreadable(this.name, item.kind === 'error' ? item.error.message : `a bare ${item.token}`);
        continue;
      }
      const opened = openFrame(item.frame, this.options.key);
      if (!opened.ok) {
        this.options.observer.onUnreadable(this.name, opened.error.message);
        continue;
      }
      this.answer(connection, opened.value);
    }
  }

  private answer(connection: SimConnection, frame: ReadableFrame): void {
    const event: ReceivedEvent = { path: this.name, connection: connection.id, frame };
    const observer = this.options.observer;
    observer.onFrame(event);
    const account = frame.token === 'NULL' ? null : frame.account;
    const seq = String(frame.sequence).padStart(4, '0');
    const what = `${this.name}#${connection.id} ${frame.token} ${frame.account} seq ${seq}`;
    if (this.hits('silent', account)) {
      observer.trace(`${what}: silent`);
      return;
    }
    if (this.hits('duh', account)) {
      observer.trace(`${what}: DUH`);
      this.send(connection, duhFor(frame));
      return;
    }
    if (this.hits('nak', account)) {
      observer.trace(`${what}: NAK`);
      this.send(connection, nakAt(this.arcNow()));
      return;
    }
    if (this.hits('nak-far', account)) {
      const far = this.arcNow() + this.prng.pick([-1, 1]) * this.prng.int(2, 12) * 365 * 86_400_000;
      observer.trace(`${what}: NAK at ${new Date(far).toISOString()}`);
      this.send(connection, nakAt(far));
      return;
    }
    if (frame.timestamp !== null) {
      const age = this.arcNow() - frame.timestamp;
      if (age > WINDOW_PAST_MS || -age > WINDOW_FUTURE_MS) {
        observer.trace(`${what}: NAK (timestamp ${Math.round(age / 1000)} s old)`);
        this.send(connection, nakAt(this.arcNow()));
        return;
      }
    }
    if (this.hits('bare', account)) {
      const token = this.prng.pick(['"DUH"', '"NAK"']);
      observer.trace(`${what}: bare ${token}`);
      this.send(connection, Buffer.from(token, 'latin1'));
      if (this.prng.chance(0.5)) return;
    }
    const bogus = this.hits('bogus', account);
    if (bogus !== undefined) {
      const kind = this.prng.pick(['wrong-seq', 'wrong-account', 'bad-crc', 'garbage', 'early-ack'] as const);
      observer.trace(`${what}: bogus answer (${kind})`);
      if (kind === 'early-ack') {
        // The right ACK, then one for the next number before that frame exists.
        // Written with the right one, in one go: an early ACK that arrived only after our next
        // frame was out could not be told from a real answer by any transmitter (docs/simulation.md).
        this.options.observer.onProcessed(event);
        const early = this.ack({ ...frame, sequence: frame.sequence >= 9999 ? 1 : frame.sequence + 1 }, frame.encrypted);
        this.send(connection, Buffer.concat([this.ack(frame, frame.encrypted), early]), 0, () => this.options.observer.onGenuineAck(event), false);
        return;
      }
      this.send(connection, this.bogusAnswer(kind, frame));
      if (this.prng.chance(0.5)) return;
    }
    if (this.hits('close-after-accept', account)) {
      observer.onProcessed(event);
      observer.trace(`${what}: taken, connection closed without an answer`);
      this.later(this.latency(), () => this.reset(connection, 'closed after accept'));
      return;
    }
    const delay = this.hits('ack-delay', account);
    this.process(connection, event, what, delay === undefined ? 0 : this.prng.int(0, delay.maxDelayMs ?? 1_000));
  }

  private process(connection: SimConnection, event: ReceivedEvent, what: string, delayMs: number): void {
    this.options.observer.onProcessed(event);
    if (delayMs > 0) this.options.observer.trace(`${what}: ACK in ${delayMs} ms`);
    else this.options.observer.trace(`${what}: ACK`);
    const bytes = this.ack(event.frame, event.frame.encrypted);
    this.send(connection, bytes, delayMs, () => this.options.observer.onGenuineAck(event));
  }

  private ack(header: Dc09Header, encrypted: boolean): Buffer {
    return ackFor(header, encrypted ? this.options.key : null, this.arcNow(), this.options.pad);
  }

  private bogusAnswer(kind: 'wrong-seq' | 'wrong-account' | 'bad-crc' | 'garbage', frame: ReadableFrame): Buffer {
    switch (kind) {
      case 'wrong-seq':
        return this.ack({ ...frame, sequence: frame.sequence >= 9999 ? 1 : frame.sequence + 1 }, frame.encrypted);
      case 'wrong-account':
        return this.ack({ ...frame, account: frame.account.toUpperCase() === 'FFFF' ? 'EEEE' : 'FFFF' }, frame.encrypted);
      case 'bad-crc': {
        const bytes = Buffer.from(this.ack(frame, frame.encrypted));
        // The CRC is the 4 hex digits after the LF: change one.
        bytes[1] = bytes[1] === 0x30 ? 0x31 : 0x30;
        return bytes;
      }
      case 'garbage':
        return Buffer.from('\nthis is no DC-09 frame\r', 'latin1');
    }
  }

  /** Answer bytes to the transmitter after the network delay (in pieces while `chunked` is on). */
  private send(connection: SimConnection, bytes: Buffer, extraDelayMs = 0, delivered?: () => void, mayChunk = true): void {
    const chunked = mayChunk && this.options.transport === 'tcp' && bytes.length > 2 && this.hits('chunked') !== undefined;
    const at = this.arrival(connection, 'toUs', extraDelayMs);
    if (!chunked) {
      this.later(at, () => {
        if (!connection.open) return;
        delivered?.();
        connection.handlers.onData(bytes);
      });
      return;
    }
    const cut = this.prng.int(1, bytes.length - 1);
    this.later(at, () => {
      if (connection.open) connection.handlers.onData(bytes.subarray(0, cut));
    });
    const rest = this.arrival(connection, 'toUs', at + this.prng.int(0, 20));
    this.later(rest, () => {
      if (!connection.open) return;
      delivered?.();
      connection.handlers.onData(bytes.subarray(cut));
    });
  }
}
