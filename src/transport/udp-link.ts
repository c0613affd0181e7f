// DC-09 over UDP: one frame per datagram. The socket is connected to the receiver, so only its
// datagrams come back (dc09_spt requires the answer to come from the target port, docs/dc09.md §Retries)
// and an ICMP "port unreachable" surfaces as a socket error instead of silence.

import { createSocket, type Socket } from 'node:dgram';
import { isIPv6 } from 'node:net';
import { errorMessage } from '../errors.js';
import type { DestinationAddress } from './destination.js';
import { writeFrame, type ConnectOptions, type Link, type LinkHandlers } from './link.js';
import { TransportError } from './transport-errors.js';

class UdpLink implements Link {
  readonly stream = false;
  private closed = false;

  constructor(private readonly socket: Socket) {}

  send(frame: Buffer): Promise<void> {
    return writeFrame(!this.closed, (done) => this.socket.send(frame, (error) => done(error)));
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.socket.close();
  }
}

export function openUdp(address: DestinationAddress, handlers: LinkHandlers, options: ConnectOptions): Promise<Link> {
  return new Promise((resolve, reject) => {
    const socket = createSocket(isIPv6(address.host) ? 'udp6' : 'udp4');
    let link: UdpLink | null = null;
    const cancelTimer = options.clock.setTimer(options.timeoutMs, () => {
      socket.close();
      reject(new TransportError('HIKARC_TRANSPORT_CONNECT_FAILED', `cannot reach ${address.url} within ${options.timeoutMs} ms`));
    });
    socket.on('message', (message: Buffer) => handlers.onData(message));
    socket.on('error', (error) => {
      if (link === null) {
        cancelTimer();
        socket.close();
        reject(new TransportError('HIKARC_TRANSPORT_CONNECT_FAILED', `cannot open UDP to ${address.url}: ${errorMessage(error)}`, { cause: error }));
        return;
      }
      // ECONNREFUSED from ICMP: this socket is done; the channel opens a new one.
      link.close();
      handlers.onClose(error);
    });
    socket.connect(address.port, address.host, () => {
      cancelTimer();
      link = new UdpLink(socket);
      resolve(link);
    });
  });
}
