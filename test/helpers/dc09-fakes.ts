// Deterministic stand-ins for unit tests of the transmitter: a scripted DC-09 receiver reached
// through a fake LinkConnector (no sockets), driven by the manual clock of manual-clock.ts.
// Integration tests use real loopback sockets and the real receiver instead.

import type { Clock } from '../../src/clock.js';
import { createRandomPadSource, type PadSource } from '../../src/transport/dc09-crypto.js';
import { decodeFrames, openFrame, type ReadableFrame } from '../../src/transport/dc09-frame.js';
import type { DestinationAddress } from '../../src/transport/destination.js';
import type { Link, LinkConnector, LinkHandlers } from '../../src/transport/link.js';
import { ackFor, duhFor, nakAt } from '../../src/transport/receiver-answer.js';
import { TransportError } from '../../src/transport/transport-errors.js';
import { flush } from './manual-clock.js';

export { flush, ManualClock } from './manual-clock.js';

/** How the fake receiver answers one frame: bytes, nothing, or closing the connection. */
export type FakeAnswer = Buffer | 'silent' | 'close';

export interface ReceivedFrame {
  readonly frame: ReadableFrame;
  readonly raw: Buffer;
  readonly connection: number;
  readonly at: number;
}

/**
 * A scripted receiver behind a fake connector. `answer` decides per frame; the default acknowledges
 * every frame properly (an *ACK for encrypted frames).
 */
export class FakeArc {
  readonly received: ReceivedFrame[] = [];
  connections = 0;
  refuseConnections = false;
  answer: (frame: ReadableFrame, arc: FakeArc) => FakeAnswer = (frame) => this.ack(frame);
  private handlers: LinkHandlers | null = null;
  private readonly pad: PadSource = createRandomPadSource();

  constructor(
    private readonly clock: Clock,
    readonly key: Uint8Array | null = null,
  ) {}

  ack(frame: ReadableFrame): Buffer {
    return ackFor(frame, frame.encrypted ? this.key : null, this.clock.now(), this.pad);
  }

  nak(receiverTime: number = this.clock.now()): Buffer {
    return nakAt(receiverTime);
  }

  duh(frame: ReadableFrame): Buffer {
    return duhFor(frame);
  }

  /** The peer closes the current connection. */
  hangUp(): void {
    const handlers = this.handlers;
    this.handlers = null;
    handlers?.onClose(null);
  }

  /** Unsolicited bytes on the current connection. */
  push(bytes: Buffer): void {
    this.handlers?.onData(bytes);
  }

  tokens(): string[] {
    return this.received.map((received) => received.frame.token);
  }

  readonly connect: LinkConnector = (_address: DestinationAddress, handlers: LinkHandlers): Promise<Link> => {
    if (this.refuseConnections) return Promise.reject(new TransportError('HIKARC_TRANSPORT_CONNECT_FAILED', 'connection refused'));
    this.connections += 1;
    const connection = this.connections;
    this.handlers = handlers;
    let open = true;
    const link: Link = {
      stream: true,
      send: async (bytes) => {
        if (!open || this.handlers !== handlers) throw new TransportError('HIKARC_TRANSPORT_LINK_CLOSED', 'closed');
        const { items } = decodeFrames(bytes);
        const item = items[0];
        if (items.length !== 1 || item?.kind !== 'frame') throw new Error(`the transmitter wrote something other than one frame: ${bytes.toString('latin1')}`);
        const opened = openFrame(item.frame, this.key);
        if (!opened.ok) throw new Error(`the transmitter wrote a frame the receiver cannot open: ${opened.error.message}`);
        this.received.push({ frame: opened.value, raw: bytes, connection, at: this.clock.now() });
        const answer = this.answer(opened.value, this);
        if (answer === 'silent') return;
        // The answer arrives after the write completes, as on a socket.
        queueMicrotask(() => {
          if (this.handlers !== handlers) return;
          if (answer === 'close') this.hangUp();
          else handlers.onData(answer);
        });
      },
      close: () => {
        open = false;
        if (this.handlers === handlers) this.handlers = null;
      },
    };
    return Promise.resolve(link);
  };
}
