// DC-09 over TCP: one connection per destination, reused while the receiver keeps it open. Some
// receivers close after every answer (ioBroker.sia option, docs/dc09.md §Connections/§11); the link reports the
// close and the channel opens a new one for the next frame.

import { connect, type Socket } from 'node:net';
import { errorMessage } from '../errors.js';
import type { DestinationAddress } from './destination.js';
import { writeFrame, type ConnectOptions, type Link, type LinkHandlers } from './link.js';
import { TransportError } from './transport-errors.js';

class TcpLink implements Link {
  readonly stream = true;

  constructor(private readonly socket: Socket) {}

  send(frame: Buffer): Promise<void> {
    return writeFrame(!this.socket.destroyed && this.socket.writable, (done) => this.socket.write(frame, done));
  }

  close(): void {
    this.socket.destroy();
  }
}

export function connectTcp(address: DestinationAddress, handlers: LinkHandlers, options: ConnectOptions): Promise<Link> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: address.host, port: address.port });
    let connected = false;
    let closed = false;
    let lastError: Error | null = null;
    const cancelTimer = options.clock.setTimer(options.timeoutMs, () => {
      socket.destroy();
      reject(new TransportError('HIKARC_TRANSPORT_CONNECT_FAILED', `no connection to ${address.url} within ${options.timeoutMs} ms`));
    });
    const closeOnce = (): void => {
      if (!connected || closed) return;
      closed = true;
      handlers.onClose(lastError);
    };
    socket.setNoDelay(true);
    socket.once('connect', () => {
      cancelTimer();
      connected = true;
      resolve(new TcpLink(socket));
    });
    socket.on('data', (chunk: Buffer) => handlers.onData(chunk));
    socket.on('error', (error) => {
      lastError = error;
      if (!connected) {
        cancelTimer();
        reject(new TransportError('HIKARC_TRANSPORT_CONNECT_FAILED', `cannot connect to ${address.url}: ${errorMessage(error)}`, { cause: error }));
      }
    });
    // 'end' is the receiver's FIN: report it at once so no frame is written into a closing socket.
    socket.on('end', closeOnce);
    socket.on('close', closeOnce);
  });
}
