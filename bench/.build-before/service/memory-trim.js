// Gives memory back after a burst. V8 collects old garbage when allocation pushes it to, and during
// an ARC outage a service that has just stored a storm allocates little: the garbage of the storm
// can sit in the heap for minutes. Once the stream has been quiet for a while and the heap has grown
// well past what the last full collection left, full collections return it (pauses of tens of
// milliseconds, only in a quiet moment). One collection frees the garbage but V8 compacts only part
// of the fragmented pages per collection, so the committed heap shrinks over two or three of them;
// they are repeated while it keeps shrinking. It needs node's --expose-gc (deploy/hik-arc.service
// sets it); without it this does nothing.
const CHECK_INTERVAL_MS = 5_000;
const QUIET_MS = 10_000;
// Compact when the heap holds this much more than the last full collection left (and at least
// MIN_GROWTH_BYTES): below that, V8's own collections are doing fine.
const GROWTH_FACTOR = 2;
const MIN_GROWTH_BYTES = 32 * 1024 * 1024;
// Another collection follows while the last one gave back at least a tenth of the committed heap.
const MAX_COLLECTIONS = 4;
const WORTHWHILE_SHRINK = 0.9;
function processHeap() {
    const usage = process.memoryUsage();
    return { used: usage.heapUsed, committed: usage.heapTotal };
}
function exposedGc() {
    const candidate = globalThis.gc;
    return typeof candidate === 'function' ? candidate : undefined;
}
export class MemoryTrim {
    options;
    baseline;
    cancel = null;
    heap;
    collect;
    constructor(options) {
        this.options = options;
        this.heap = options.heap ?? processHeap;
        this.collect = 'collect' in options ? options.collect : exposedGc();
        this.baseline = this.heap().used;
    }
    get enabled() {
        return this.collect !== undefined;
    }
    start() {
        if (!this.collect || this.cancel)
            return;
        const schedule = () => {
            this.cancel = this.options.clock.setTimer(this.options.intervalMs ?? CHECK_INTERVAL_MS, () => {
                this.check();
                schedule();
            });
        };
        schedule();
    }
    stop() {
        this.cancel?.();
        this.cancel = null;
    }
    /** Compacts when quiet and grown; returns whether it did. */
    check() {
        const collect = this.collect;
        if (!collect)
            return false;
        const quietFor = this.options.clock.now() - this.options.lastActivityAt();
        if (quietFor < (this.options.quietMs ?? QUIET_MS))
            return false;
        const before = this.heap();
        if (before.used < this.baseline * GROWTH_FACTOR || before.used - this.baseline < MIN_GROWTH_BYTES)
            return false;
        const started = this.options.clock.monotonic();
        let after = before;
        let collections = 0;
        do {
            const committed = after.committed;
            collect();
            collections++;
            after = this.heap();
            if (after.committed > committed * WORTHWHILE_SHRINK)
                break;
        } while (collections < MAX_COLLECTIONS);
        this.baseline = after.used;
        this.options.logger.info({
            heapBeforeMb: toMb(before.used),
            heapAfterMb: toMb(after.used),
            committedBeforeMb: toMb(before.committed),
            committedAfterMb: toMb(after.committed),
            collections,
            pauseMs: Math.round(this.options.clock.monotonic() - started),
        }, 'memory given back after a burst');
        return true;
    }
}
function toMb(bytes) {
    return Math.round(bytes / 2 ** 20);
}
