// DC-09 over TCP: one connection per destination, reused while the receiver keeps it open. Some
// receivers close after every answer (ioBroker.sia option, docs/dc09.md §Connections/§11); the link reports the
// close and the channel opens a new one for the next frame.
import { connect } from 'node:net';
import { errorMessage } from '../errors.js';
import { writeFrame } from './link.js';
import { TransportError } from './transport-errors.js';
class TcpLink {
    socket;
    stream = true;
    constructor(socket) {
        this.socket = socket;
    }
    send(frame) {
        return writeFrame(!this.socket.destroyed && this.socket.writable, (done) => this.socket.write(frame, done));
    }
    close() {
        this.socket.destroy();
    }
}
export function connectTcp(address, handlers, options) {
    return new Promise((resolve, reject) => {
        const socket = connect({ host: address.host, port: address.port });
        let connected = false;
        let closed = false;
        let lastError = null;
        const cancelTimer = options.clock.setTimer(options.timeoutMs, () => {
            socket.destroy();
            reject(new TransportError('HIKARC_TRANSPORT_CONNECT_FAILED', `no connection to ${address.url} within ${options.timeoutMs} ms`));
        });
        const closeOnce = () => {
            if (!connected || closed)
                return;
            closed = true;
            handlers.onClose(lastError);
        };
        socket.setNoDelay(true);
        socket.once('connect', () => {
            cancelTimer();
            connected = true;
            resolve(new TcpLink(socket));
        });
        socket.on('data', (chunk) => handlers.onData(chunk));
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
