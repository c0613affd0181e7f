// One connection to an ARC receiver (a TCP connection, or a UDP socket with its own source port),
// stop-and-wait as receivers expect: one frame, then its answer or the ACK timeout, then the next
// (docs/dc09.md §Connections). It only moves bytes and matches answers; what an outcome means for
// the path and the alarm is decided above it.
//
// Strict matching (docs/dc09.md §Answers): an answer counts only for the frame written on this
// connection, and only once that frame has been handed to the socket. Bytes that arrive before are
// dropped, never kept for the next frame: a receiver that "acknowledges" a number ahead of time
// cannot acknowledge an alarm it has not received.
import { errorMessage } from '../errors.js';
import { printable } from './ascii.js';
import { decodeDatagram, decodeFrames } from './dc09-frame.js';
import { classifyResponse } from './response.js';
export const CONNECTION_STATES = ['closed', 'connecting', 'open'];
const EMPTY = Buffer.alloc(0);
export class ArcConnection {
    options;
    state = 'closed';
    link = null;
    // Handlers of a link that was replaced still fire; they compare their generation and go quiet.
    generation = 0;
    exchangesOnLink = 0;
    rest = EMPTY;
    pending = null;
    stopped = false;
    constructor(options) {
        this.options = options;
    }
    get connectionState() {
        return this.state;
    }
    get busy() {
        return this.pending !== null;
    }
    /** One frame and its answer. Never rejects. */
    async exchange(frame, expected) {
        if (this.stopped)
            return { kind: 'stopped' };
        let link = this.link;
        let reused = this.exchangesOnLink > 0;
        if (link === null) {
            reused = false;
            try {
                link = await this.open();
            }
            catch (error) {
                this.setState('closed');
                return this.stopped ? { kind: 'stopped' } : { kind: 'link', code: 'HIKARC_TRANSPORT_CONNECT_FAILED', detail: errorMessage(error), reused };
            }
        }
        const current = link;
        // Whatever arrived before this frame is written answers nothing of ours.
        this.rest = EMPTY;
        return new Promise((resolve) => {
            let settled = false;
            let cancelTimer = () => undefined;
            const pending = {
                expected,
                reused,
                written: false,
                finish: (result) => {
                    if (settled)
                        return;
                    settled = true;
                    cancelTimer();
                    if (this.pending === pending)
                        this.pending = null;
                    this.exchangesOnLink += 1;
                    resolve(result);
                },
            };
            this.pending = pending;
            cancelTimer = this.options.clock.setTimer(this.options.ackTimeoutMs, () => pending.finish({ kind: 'timeout' }));
            current.send(frame).then(() => {
                pending.written = true;
            }, (error) => {
                if (this.link === current)
                    this.discard();
                pending.finish({ kind: 'link', code: 'HIKARC_TRANSPORT_LINK_CLOSED', detail: errorMessage(error), reused });
            });
        });
    }
    /**
     * Drops the link: after a timeout (a late answer must not meet the next frame) and after a NAK
     * (ioBroker.sia closes after one and writes it twice, docs/dc09.md §Receivers seen in the field).
     */
    discard() {
        this.generation += 1;
        const link = this.link;
        this.link = null;
        this.rest = EMPTY;
        this.setState('closed');
        link?.close();
    }
    /** Ends the frame in flight as abandoned (its path is down) and drops the link. */
    abandon() {
        const pending = this.pending;
        if (pending === null)
            return;
        this.discard();
        pending.finish({ kind: 'abandoned' });
    }
    /** Ends the frame in flight as stopped and closes the link. */
    stop() {
        this.stopped = true;
        this.pending?.finish({ kind: 'stopped' });
        this.discard();
    }
    setState(next) {
        if (this.state === next)
            return;
        const from = this.state;
        this.state = next;
        this.options.onStateChange?.(from, next);
    }
    async open() {
        this.setState('connecting');
        const generation = ++this.generation;
        const link = await this.options.connect(this.options.address, {
            onData: (chunk) => {
                if (generation === this.generation)
                    this.onData(chunk);
            },
            onClose: (error) => {
                if (generation === this.generation)
                    this.onClosed(error);
            },
        }, { timeoutMs: this.options.ackTimeoutMs, clock: this.options.clock });
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
    onClosed(error) {
        const pending = this.pending;
        this.discard();
        pending?.finish({ kind: 'link', code: 'HIKARC_TRANSPORT_LINK_CLOSED', detail: error === null ? 'the receiver closed the connection' : error.message, reused: pending.reused });
    }
    onData(chunk) {
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
        let items;
        if (this.link?.stream === false) {
            items = decodeDatagram(chunk);
        }
        else {
            const decoded = decodeFrames(this.rest.length > 0 ? Buffer.concat([this.rest, chunk]) : chunk);
            this.rest = decoded.rest;
            items = decoded.items;
        }
        for (const item of items)
            this.onItem(item);
    }
    onItem(item) {
        const pending = this.pending;
        if (pending === null) {
            // A second answer in the same chunk (ioBroker.sia writes its NAK twice): nobody's.
            this.options.onIgnored({ code: 'HIKARC_TRANSPORT_UNMATCHED_RESPONSE', detail: 'an answer arrived after this connection\'s frame was answered', raw: printable(item.raw) });
            return;
        }
        const verdict = classifyResponse(item, pending.expected);
        if (verdict.kind === 'ignore') {
            this.options.onIgnored({ code: verdict.code, detail: verdict.detail, raw: printable(item.raw) });
            return;
        }
        this.options.onAnswer({ kind: verdict.kind, quirks: verdict.quirks, headerMismatch: verdict.kind === 'ack' && verdict.headerMismatch, raw: printable(item.raw) });
        if (verdict.kind === 'ack')
            pending.finish({ kind: 'ack' });
        else if (verdict.kind === 'nak')
            pending.finish({ kind: 'nak', receiverTime: verdict.receiverTime });
        else
            pending.finish({ kind: 'duh' });
    }
}
