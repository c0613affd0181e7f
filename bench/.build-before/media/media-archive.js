// media.archive: each alarm's media is fetched from the receiver as soon as the alarm arrives and
// kept, so the evidence outlives the receiver's own rotation and a receiver outage at the moment
// the operator looks (docs/media.md §9). The due items live in the store, so a restart picks up
// where the last run stopped. Failures that time may cure (the clip not pulled from the camera
// yet, the receiver unreachable or holding logins) are tried again with backoff; the others, and
// the last attempt, leave the item to an on-demand fetch when its link is opened.
import { backoffDelay } from '../backoff.js';
import { errorMessage, isHikArcError } from '../errors.js';
const RETRIED_CODES = new Set([
    'HIKARC_MEDIA_RECEIVER_NOT_FOUND',
    'HIKARC_MEDIA_RECEIVER_FAILED',
    'HIKARC_MEDIA_RECEIVER_TIMEOUT',
    'HIKARC_MEDIA_BUSY',
    'HIKARC_DIGEST_HOLD',
    'HIKARC_DIGEST_REJECTED',
    'HIKARC_DIGEST_LOCKED',
]);
export class MediaArchive {
    options;
    state = 'idle';
    wake;
    cancelTimer;
    loop;
    random;
    /** A store write failed this round: wait before the next, or the same items come due at once. */
    storeTrouble = false;
    constructor(options) {
        this.options = options;
        this.random = options.random ?? Math.random;
    }
    start() {
        if (this.state !== 'idle')
            return;
        this.setState('running');
        this.loop = this.run();
    }
    /** New items are due: look now rather than at the next timer. */
    poke() {
        const wake = this.wake;
        this.wake = undefined;
        wake?.();
    }
    /** Lets the fetches in progress finish (bounded by media.fetchTimeoutSec); the rest stay due. */
    async stop() {
        if (this.state !== 'running')
            return;
        this.setState('stopping');
        this.cancelTimer?.();
        this.poke();
        await this.loop;
        this.setState('stopped');
    }
    setState(next) {
        this.options.logger.info({ from: this.state, to: next }, 'media archive state changed');
        this.state = next;
    }
    async run() {
        const { store, clock } = this.options;
        while (this.state === 'running') {
            let due = [];
            try {
                due = store.dueArchive(clock.now(), this.options.batch);
            }
            catch (error) {
                this.options.warnings.error('HIKARC_MEDIA_STORE_FAILED', { err: errorMessage(error) }, 'media archive cannot read the items due');
            }
            if (due.length > 0) {
                this.storeTrouble = false;
                await Promise.all(due.map((item) => this.archive(item)));
                if (!this.storeTrouble)
                    continue;
            }
            await this.sleep();
        }
    }
    sleep() {
        const { store, clock } = this.options;
        let next = null;
        try {
            next = store.nextArchiveDueAt();
        }
        catch {
            next = null;
        }
        // Looked at again at least once a minute, in case a store read failed.
        const waitMs = this.storeTrouble ? 60_000 : Math.min(60_000, next === null ? Infinity : Math.max(0, next - clock.now()));
        return new Promise((resolve) => {
            this.wake = resolve;
            this.cancelTimer?.();
            this.cancelTimer = clock.setTimer(waitMs, () => this.poke());
        });
    }
    async archive(item) {
        try {
            await this.options.library.localCopy(item.refId, item.item, 'archive');
        }
        catch (error) {
            this.failed(item, error);
            return;
        }
        // localCopy cleared the due time when it stored the file; a copy kept already needs it cleared.
        this.record(item, null, item.archiveAttempts + 1, null);
    }
    failed(item, error) {
        const { clock, logger, warnings } = this.options;
        const code = isHikArcError(error) ? error.code : 'HIKARC_MEDIA_RECEIVER_FAILED';
        const attempts = item.archiveAttempts + 1;
        const again = RETRIED_CODES.has(code) && attempts < this.options.attempts;
        const dueAt = again ? clock.now() + backoffDelay(attempts - 1, this.options.retry, this.random) : null;
        this.record(item, dueAt, attempts, `${code}: ${errorMessage(error)}`);
        const fields = { mediaId: item.refId, item: item.item, attempts, reason: errorMessage(error) };
        if (dueAt !== null)
            warnings.warn(code, { ...fields, retryInSec: Math.round((dueAt - clock.now()) / 1000) }, 'media not archived yet; trying again');
        else
            logger.warn({ ...fields, code }, 'media not archived; an opened link will fetch it from the receiver if it still has it');
    }
    record(item, dueAt, attempts, lastError) {
        try {
            this.options.store.scheduleArchive(item.refId, item.item, dueAt, attempts, lastError);
        }
        catch (error) {
            this.storeTrouble = true;
            this.options.warnings.error('HIKARC_MEDIA_STORE_FAILED', { err: errorMessage(error) }, 'media archive cannot record an attempt');
        }
    }
}
