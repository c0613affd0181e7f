// How many downloads run against the receiver at once (an embedded box; the event stream must not
// starve). A link an operator opened waits ahead of archive fetches; past `maxWaiting` waiting
// requests more are turned away at once rather than left hanging.
import { HikArcError } from '../errors.js';
export class FetchSlots {
    size;
    maxWaiting;
    running = 0;
    waiting = { request: [], archive: [] };
    constructor(size, maxWaiting) {
        this.size = size;
        this.maxWaiting = maxWaiting;
    }
    get active() {
        return this.running;
    }
    /** Resolves with the release function once a slot is free; throws HIKARC_MEDIA_BUSY when the queue is full. */
    acquire(priority) {
        if (this.running < this.size)
            return Promise.resolve(this.take());
        const queued = this.waiting.request.length + this.waiting.archive.length;
        if (priority === 'request' && queued >= this.maxWaiting) {
            return Promise.reject(new HikArcError('HIKARC_MEDIA_BUSY', 'too many media downloads wait for the receiver', { detail: { waiting: queued } }));
        }
        return new Promise((resolve) => this.waiting[priority].push({ grant: resolve }));
    }
    take() {
        this.running++;
        let released = false;
        return () => {
            if (released)
                return;
            released = true;
            this.running--;
            const next = this.waiting.request.shift() ?? this.waiting.archive.shift();
            if (next)
                next.grant(this.take());
        };
    }
}
