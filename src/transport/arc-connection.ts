// One connection to an ARC receiver (a TCP connection, or a UDP socket with its own source port),
// stop-and-wait as receivers expect: one frame, then its answer or the ACK timeout, then the next
// (docs/dc09.md §Connections). It only moves bytes and matches answers; what an outcome means for
// the path and the alarm is decided above it.
//
// Strict matching (docs/dc09.md §Answers): an answer counts only for the frame written on this
// connection, and only once that frame has been handed to the socket. Bytes that arrive before are
// dropped, never kept for the next frame: a receiver that "acknowledges" a number ahead of time
// cannot acknowledge an alarm it has not received.

import type { CancelTimer, Clock } from '../clock.js';
import { errorMessage, type ErrorCode } from '../errors.js';
import { printable } from './ascii.js';
import { decodeDatagram, decodeFrames, type Dc09Item } from './dc09-frame.js';
import type { DestinationAddress } from './destination.js';
import type { Link, LinkConnector } from './link.js';
import { classifyResponse, type ExpectedAnswer } from './response.js';

export type AttemptResult =
  | { readonly kind: 'ack' }
  | { readonly kind: 'nak'; readonly arcTime: number | null }
  | { readonly kind: 'duh' }
  | { readonly kind: 'timeout' }
  | {
      readonly kind: 'link';
      readonly code: 'HIKARC_TRANSPORT_CONNECT_FAILED' | 'HIKARC_TRANSPORT_LINK_CLOSED';
      readonly detail: string;
      /** The connection had carried exchanges before: the receiver may just have closed an idle one. */
      readonly reused: boolean;
    }
  /** Given up on: the path went down on other evidence while this frame waited for its answer. */
  | { readonly kind: 'abandoned' }
  | { readonly kind: 'stopped' };

export const CONNECTION_STATES = ['closed', 'connecting', 'open'] as const;
export type ConnectionState = (typeof CONNECTION_STATES)[number];

/** What the connection reports about bytes that answered nothing. */
export interface IgnoredAnswer {
  readonly code: ErrorCode;
  readonly detail: string;
  readonly raw: string;
}

export interface ArcConnectionOptions {
  readonly address: DestinationAddress;
  readonly ackTimeoutMs: number;
  readonly clock: Clock;
  readonly connect: LinkConnector;
  readonly onIgnored: (ignored: IgnoredAnswer) => void;
  /** A valid answer was matched (ACK, NAK, DUH), with the quirks it was accepted with. */
  readonly onAnswer: (verdict: {
    readonly kind: 'ack' | 'nak' | 'duh';
    readonly quirks: readonly string[];
    readonly headerMismatch: boolean;
    readonly raw: string;
  }) => void;
  readonly onStateChange?: (from: ConnectionState, to: ConnectionState) => void;
}

interface Pending {
  readonly expected: ExpectedAnswer;
  readonly reused: boolean;
  /** The frame has been handed to the socket: answers count from now on. */
  written: boolean;
  finish(result: AttemptResult): void;
}

const EMPTY = Buffer.alloc(0);

export class ArcConnection {
  private readonly options: ArcConnectionOptions;
  private state: ConnectionState = 'closed';
  private link: Link | null = null;
  // Handlers of a link that was replaced still fire; they compare their generation and go quiet.
  private generation = 0;
  private exchangesOnLink = 0;
  private rest: Buffer = EMPTY;
  private pending: Pending | null = null;
  private stopped = false;

  constructor(options: ArcConnectionOptions) {
    this.options = options;
  }

  get connectionState(): ConnectionState {
    return this.state;
  }

  get busy(): boolean {
    return this.pending !== null;
  }

  /** One frame and its answer. Never rejects. */
  async exchange(frame: Buffer, expected: ExpectedAnswer): Promise<AttemptResult> {
    if (this.stopped) return { kind: 'stopped' };
    let link = this.link;
    let reused = this.exchangesOnLink > 0;
    if (link === null) {
      reused = false;
      try {
        link = await this.open();
      } catch (error) {
        this.setState('closed');
        return this.stopped ? { kind: 'stopped' } : { kind: 'link', code: 'HIKARC_TRANSPORT_CONNECT_FAILED', detail: errorMessage(error), reused };
      }
    }
    const current = link;
    // Whatever arrived before this frame is written answers nothing of ours.
    this.rest = EMPTY;
    return new Promise<AttemptResult>((resolve) => {
      let settled = false;
      let cancelTimer: CancelTimer = () => undefined;
      const pending: Pending = {
        expected,
        reused,
        written: false,
        finish: (result) => {
          if (settled) return;
          settled = true;
          cancelTimer();
          if (this.pending === pending) this.pending = null;
          this.exchangesOnLink += 1;
          resolve(result);
        },
      };
      this.pending = pending;
      cancelTimer = this.options.clock.setTimer(this.options.ackTimeoutMs, () => pending.finish({ kind: 'timeout' }));
      current.send(frame).then(
        () => {
          pending.written = true;
        },
        (error: unknown) => {
          if (this.link === current) this.discard();
          pending.finish({ kind: 'link', code: 'HIKARC_TRANSPORT_LINK_CLOSED', detail: errorMessage(error), reused });
        },
      );
    });
  }

  /**
   * Drops the link: after a timeout (a late answer must not meet the next frame) and after a NAK
   * (ioBroker.sia closes after one and writes it twice, docs/dc09.md §Receivers seen in the field).
   */
  discard(): void {
    this.generation += 1;
    const link = this.link;
    this.link = null;
    this.rest = EMPTY;
    this.setState('closed');
    link?.close();
  }

  /** Ends the frame in flight as abandoned (its path is down) and drops the link. */
  abandon(): void {
    const pending = this.pending;
    if (pending === null) return;
    this.discard();
    pending.finish({ kind: 'abandoned' });
  }

  /** Ends the frame in flight as stopped and closes the link. */
  stop(): void {
    this.stopped = true;
    this.pending?.finish({ kind: 'stopped' });
    this.discard();
  }

  private setState(next: ConnectionState): void {
    if (this.state === next) return;
    const from = this.state;
    this.state = next;
    this.options.onStateChange?.(from, next);
  }

  private async open(): Promise<Link> {
    this.setState('connecting');
    const generation = ++this.generation;
    const link = await this.options.connect(
      this.options.address,
      {
        onData: (chunk) => {
          if (generation === this.generation) this.onData(chunk);
        },
        onClose: (error) => {
          if (generation === this.generation) this.onClosed(error);
        },
      },
      { timeoutMs: this.options.ackTimeoutMs, clock: this.options.clock },
    );
    if (generation !== this.generation || this.stopped) {
      link.close();
      throw new Error('the connection was stopped while it opened');
    }
    this.link = link;
    this.exchangesOnLink = 0;
    this.rest = EMPTY;
    this.setState('open');
    return link;
  }

  private onClosed(error: Error | null): void {
    const pending = this.pending;
    this.discard();
    pending?.finish({
      kind: 'link',
      code: 'HIKARC_TRANSPORT_LINK_CLOSED',
      detail: error === null ? 'the receiver closed the connection' : error.message,
      reused: pending.reused,
    });
  }

  private onData(chunk: Buffer): void {
    const pending = this.pending;
    if (pending === null || !pending.written) {
      // Not kept: bytes before our frame is out are nobody's answer (docs/dc09.md §Answers).
      this.rest = EMPTY;
      this.options.onIgnored({
        code: 'HIKARC_TRANSPORT_EARLY_ANSWER',
        detail: pending === null ? 'bytes arrived with no frame in flight on this connection' : 'bytes arrived before the frame was written',
        raw: printable(chunk),
      });
      return;
    }
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
      // A second answer in the same chunk (ioBroker.sia writes its NAK twice): nobody's.
      this.options.onIgnored({
        code: 'HIKARC_TRANSPORT_UNMATCHED_RESPONSE',
        detail: "an answer arrived after this connection's frame was answered",
        raw: printable(item.raw),
      });
      return;
    }
    const verdict = classifyResponse(item, pending.expected);
    if (verdict.kind === 'ignore') {
      this.options.onIgnored({ code: verdict.code, detail: verdict.detail, raw: printable(item.raw) });
      return;
    }
    this.options.onAnswer({
      kind: verdict.kind,
      quirks: verdict.quirks,
      headerMismatch: verdict.kind === 'ack' && verdict.headerMismatch,
      raw: printable(item.raw),
    });
    if (verdict.kind === 'ack') pending.finish({ kind: 'ack' });
    else if (verdict.kind === 'nak') pending.finish({ kind: 'nak', arcTime: verdict.arcTime });
    else pending.finish({ kind: 'duh' });
  }
}
