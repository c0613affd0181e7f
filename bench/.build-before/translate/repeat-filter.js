// Durative alarms are re-sent by devices with a growing activePostCount. A re-send (count > 1) of
// an alarm forwarded within the window is a repeat; the first of a series, whatever its count, and
// every count-1 event always go through, so a real new alarm is never suppressed.
// Keys older than the window are useless; a sweep runs whenever the count doubles past this size,
// which keeps the cost per event constant and memory flat in an event storm.
const PRUNE_AT_SIZE = 10_000;
// Past this many live keys the oldest accounts are forgotten: the cost is a repeat forwarded twice,
// never a lost alarm.
const MAX_KEYS = 100_000;
// qualifier, code, partition and zone packed into one small integer (below 2^31, so V8 keeps it
// unboxed); with times in seconds, an entry is a few words instead of a string and a heap number.
function packed(key) {
    return (key.qualifier === 3 ? 1_000_000_000 : 0) + key.code * 1_000_000 + key.partition * 1_000 + key.zone;
}
export class RepeatFilter {
    clock;
    /** account → packed key → second of the last forward */
    lastForwardedAt = new Map();
    count = 0;
    pruneAtSize = PRUNE_AT_SIZE;
    windowSec;
    constructor(windowMs, clock) {
        this.clock = clock;
        this.windowSec = windowMs / 1000;
    }
    /** True when the event must not be forwarded; otherwise records it as forwarded now. */
    check(key, activePostCount) {
        const now = Math.floor(this.clock.monotonic() / 1000);
        let keys = this.lastForwardedAt.get(key.account);
        const id = packed(key);
        const last = keys?.get(id);
        if (this.windowSec > 0 && activePostCount !== null && activePostCount > 1 && last !== undefined && now - last < this.windowSec) {
            return true;
        }
        if (!keys) {
            keys = new Map();
            this.lastForwardedAt.set(key.account, keys);
        }
        if (last === undefined)
            this.count++;
        keys.set(id, now);
        if (this.count > this.pruneAtSize)
            this.prune(now);
        return false;
    }
    get size() {
        return this.count;
    }
    prune(now) {
        for (const [account, keys] of this.lastForwardedAt) {
            for (const [id, at] of keys) {
                if (now - at >= this.windowSec) {
                    keys.delete(id);
                    this.count--;
                }
            }
            if (keys.size === 0)
                this.lastForwardedAt.delete(account);
        }
        // Still too many live keys: forget whole accounts, oldest inserted first.
        for (const [account, keys] of this.lastForwardedAt) {
            if (this.count <= MAX_KEYS)
                break;
            this.count -= keys.size;
            this.lastForwardedAt.delete(account);
        }
        this.pruneAtSize = Math.max(PRUNE_AT_SIZE, this.count * 2);
    }
}
