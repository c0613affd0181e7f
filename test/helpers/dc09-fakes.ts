// Deterministic stand-ins for unit tests of the transmitter: a scripted DC-09 receiver reached
// through a fake LinkConnector (no sockets), driven by the manual clock of manual-clock.ts.
// Integration tests use real loopback sockets and the real receiver instead.

import type { Clock } from '../../src/clock.js';
import { createRandomPadSource, type PadSource } from '../../src/transport/dc09-crypto.js';
import { decodeFrames, openFrame, type ReadableFrame } from '../../src/transport/dc09-frame.js';
import type { DestinationAddress } from '../../src/transport/destination.js';
import type { Link, LinkConnector, LinkHandlers } from '../../src/transport/link.js';
import { ackFor, duhFor, nakAt } from '../../src/transport/arc-answer.js';
import { TransportError } from '../../src/transport/transport-errors.js';

export { flush, ManualClock } from './manual-clock.js';

/** How the fake receiver answers one frame: bytes, nothing, or closing the connection. */
export type FakeAnswer = Buffer | 'silent' | 'close';

export interface ReceivedFrame {
  readonly frame: ReadableFrame;
  readonly raw: Buffer;
  readonly connection: number;
  readonly at: number;
}

interface FakeConnection {
  readonly number: number;
  readonly handlers: LinkHandlers;
  open: boolean;
}

/**
 * A scripted receiver behind a fake connector. `answer` decides per frame; the default acknowledges
 * every frame properly (an *ACK for encrypted frames). Several connections may be open at once (a
 * path's window); `hangUp` and `push` act on the newest open one unless told which.
 */
export class FakeArc {
  readonly received: ReceivedFrame[] = [];
  connections = 0;
  refuseConnections = false;
  answer: (frame: ReadableFrame, arc: FakeArc, connection: number) => FakeAnswer = (frame) => this.ack(frame);
  private readonly open: FakeConnection[] = [];
  private readonly pad: PadSource = createRandomPadSource();

  constructor(
    private readonly clock: Clock,
    readonly key: Uint8Array | null = null,
  ) {}

  ack(frame: ReadableFrame): Buffer {
    return ackFor(frame, frame.encrypted ? this.key : null, this.clock.now(), this.pad);
  }

  nak(arcTime: number = this.clock.now()): Buffer {
    return nakAt(arcTime);
  }

  duh(frame: ReadableFrame): Buffer {
    return duhFor(frame);
  }

  /** Connections open now. */
  get openConnections(): number {
    return this.open.filter((connection) => connection.open).length;
  }

  /** The peer closes a connection (the newest open one by default). */
  hangUp(number?: number): void {
    const connection = this.find(number);
    if (connection === undefined) return;
    connection.open = false;
    connection.handlers.onClose(null);
  }

  /** Unsolicited bytes on a connection (the newest open one by default). */
  push(bytes: Buffer, number?: number): void {
    const connection = this.find(number);
    if (connection?.open) connection.handlers.onData(bytes);
  }

  tokens(): string[] {
    return this.received.map((received) => received.frame.token);
  }

  readonly connect: LinkConnector = (_address: DestinationAddress, handlers: LinkHandlers): Promise<Link> => {
    if (this.refuseConnections) return Promise.reject(new TransportError('HIKARC_TRANSPORT_CONNECT_FAILED', 'connection refused'));
    this.connections += 1;
    const connection: FakeConnection = { number: this.connections, handlers, open: true };
    this.open.push(connection);
    const link: Link = {
      stream: true,
      send: async (bytes) => {
        if (!connection.open) throw new TransportError('HIKARC_TRANSPORT_LINK_CLOSED', 'closed');
        const { items } = decodeFrames(bytes);
        const item = items[0];
        if (items.length !== 1 || item?.kind !== 'frame') throw new Error(`the transmitter wrote something other than one frame: ${bytes.toString('latin1')}`);
        const opened = openFrame(item.frame, this.key);
        if (!opened.ok) throw new Error(`the transmitter wrote a frame the receiver cannot open: ${opened.error.message}`);
        this.received.push({ frame: opened.value, raw: bytes, connection: connection.number, at: this.clock.now() });
        const answer = this.answer(opened.value, this, connection.number);
        if (answer === 'silent') return;
        // The answer arrives after the write completes, as on a socket.
        setImmediate(() => {
          if (!connection.open) return;
          if (answer === 'close') this.hangUp(connection.number);
          else handlers.onData(answer);
        });
      },
      close: () => {
        connection.open = false;
      },
    };
    return Promise.resolve(link);
  };

  private find(number: number | undefined): FakeConnection | undefined {
    if (number !== undefined) return this.open.find((connection) => connection.number === number && connection.open);
    for (let i = this.open.length - 1; i >= 0; i--) if (this.open[i]?.open) return this.open[i];
    return undefined;
  }
}
