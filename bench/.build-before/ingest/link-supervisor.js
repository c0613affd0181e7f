// Upstream link reporting to the ARC: when the receiver's event stream has been down for the
// reporting delay, one link fault (E350 / YC for receiver.account); when the stream is back, its
// restore (R350 / YK). A short drop that heals before the delay reports nothing, so the operator
// sees dead paths, not every reconnect. Pure: times come in as arguments, the caller owns timers.
export class LinkSupervisor {
    reportAfterMs;
    state = 'down';
    downSinceMs;
    faultReported = false;
    /** The link starts down: a receiver that never answers after start-up is a dead path too. */
    constructor(reportAfterMs, startMs) {
        this.reportAfterMs = reportAfterMs;
        this.downSinceMs = startMs;
    }
    get link() {
        return this.state;
    }
    get isFaultReported() {
        return this.faultReported;
    }
    /** Returns `restore` when a fault had been reported for this outage. */
    up() {
        if (this.state === 'up')
            return undefined;
        this.state = 'up';
        if (!this.faultReported)
            return undefined;
        this.faultReported = false;
        return 'restore';
    }
    down(nowMs) {
        if (this.state === 'down')
            return;
        this.state = 'down';
        this.downSinceMs = nowMs;
    }
    /** Milliseconds until the fault is due; undefined when up or already reported. */
    dueInMs(nowMs) {
        if (this.state === 'up' || this.faultReported)
            return undefined;
        return Math.max(0, this.downSinceMs + this.reportAfterMs - nowMs);
    }
    /** Returns `fault` once per outage, when it has lasted the reporting delay. */
    check(nowMs) {
        const due = this.dueInMs(nowMs);
        if (due === undefined || due > 0)
            return undefined;
        this.faultReported = true;
        return 'fault';
    }
}
