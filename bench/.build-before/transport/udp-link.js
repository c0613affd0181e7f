// DC-09 over UDP: one frame per datagram. The socket is connected to the receiver, so only its
// datagrams come back (dc09_spt requires the answer to come from the target port, docs/dc09.md §Retries)
// and an ICMP "port unreachable" surfaces as a socket error instead of silence.
import { createSocket } from 'node:dgram';
import { isIPv6 } from 'node:net';
import { errorMessage } from '../errors.js';
import { writeFrame } from './link.js';
import { TransportError } from './transport-errors.js';
class UdpLink {
    socket;
    stream = false;
    closed = false;
    constructor(socket) {
        this.socket = socket;
    }
    send(frame) {
        return writeFrame(!this.closed, (done) => this.socket.send(frame, (error) => done(error)));
    }
    close() {
        if (this.closed)
            return;
        this.closed = true;
        this.socket.close();
    }
}
export function openUdp(address, handlers, options) {
    return new Promise((resolve, reject) => {
        const socket = createSocket(isIPv6(address.host) ? 'udp6' : 'udp4');
        let link = null;
        const cancelTimer = options.clock.setTimer(options.timeoutMs, () => {
            socket.close();
            reject(new TransportError('HIKARC_TRANSPORT_CONNECT_FAILED', `cannot reach ${address.url} within ${options.timeoutMs} ms`));
        });
        socket.on('message', (message) => handlers.onData(message));
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
