// A Link only moves bytes to one receiver and back: no framing, no timers of its own, no retry.
// Answers are pushed to handlers synchronously, so the stop-and-wait logic above it stays
// deterministic under a manual clock in unit tests (a fake Link) and real on loopback sockets.
import { TransportError } from './transport-errors.js';
/** One frame handed to a socket's write/send; a closed socket or a failed write is LINK_CLOSED. */
export function writeFrame(open, write) {
    return new Promise((resolve, reject) => {
        if (!open) {
            reject(new TransportError('HIKARC_TRANSPORT_LINK_CLOSED', 'the link is closed'));
            return;
        }
        write((error) => {
            if (error)
                reject(new TransportError('HIKARC_TRANSPORT_LINK_CLOSED', `write failed: ${error.message}`, { cause: error }));
            else
                resolve();
        });
    });
}
