// A Link only moves bytes to one receiver and back: no framing, no timers of its own, no retry.
// Answers are pushed to handlers synchronously, so the stop-and-wait logic above it stays
// deterministic under a manual clock in unit tests (a fake Link) and real on loopback sockets.

import type { Clock } from '../clock.js';
import type { DestinationAddress } from './destination.js';
import { TransportError } from './transport-errors.js';

export interface LinkHandlers {
  /** Bytes from the receiver: a TCP chunk, or one UDP datagram. */
  onData(chunk: Buffer): void;
  /** The link is gone (peer closed, socket error); called once. */
  onClose(error: Error | null): void;
}

export interface Link {
  /** TCP chunks may split or join frames; a UDP datagram is exactly one answer. */
  readonly stream: boolean;
  /** Hands one whole frame to the OS in one write (docs/dc09.md §Connections: one frame per write). */
  send(frame: Buffer): Promise<void>;
  close(): void;
}

export interface ConnectOptions {
  readonly timeoutMs: number;
  readonly clock: Clock;
}

/** Opens a link; rejects with a TransportError (`HIKARC_TRANSPORT_CONNECT_FAILED`). */
export type LinkConnector = (address: DestinationAddress, handlers: LinkHandlers, options: ConnectOptions) => Promise<Link>;

/** One frame handed to a socket's write/send; a closed socket or a failed write is LINK_CLOSED. */
export function writeFrame(open: boolean, write: (done: (error?: Error | null) => void) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    if (!open) {
      reject(new TransportError('HIKARC_TRANSPORT_LINK_CLOSED', 'the link is closed'));
      return;
    }
    write((error) => {
      if (error) reject(new TransportError('HIKARC_TRANSPORT_LINK_CLOSED', `write failed: ${error.message}`, { cause: error }));
      else resolve();
    });
  });
}
