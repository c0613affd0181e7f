// Time and timers are injected everywhere so tests drive them with a manual clock and never sleep.
export const systemClock = {
    now: () => Date.now(),
    monotonic: () => performance.now(),
    setTimer(ms, fn) {
        const handle = setTimeout(fn, ms);
        return () => clearTimeout(handle);
    },
};
/** Promise that resolves after `ms` on the given clock, or early when `signal` aborts. */
export function sleep(clock, ms, signal) {
    return new Promise((resolve) => {
        if (signal?.aborted) {
            resolve();
            return;
        }
        const onAbort = () => {
            cancel();
            resolve();
        };
        const cancel = clock.setTimer(ms, () => {
            signal?.removeEventListener('abort', onAbort);
            resolve();
        });
        signal?.addEventListener('abort', onAbort, { once: true });
    });
}
/**
 * Waits for `work` to settle, at most `ms` on the given clock; true when it settled in time. The
 * timer is cancelled as soon as the work is done: a pending timer would keep the process alive past
 * its stop. Never rejects (a failed `work` has settled). The one deadline race of the project.
 */
export async function settleWithin(clock, work, ms) {
    const timer = new AbortController();
    const settled = work.then(() => true, () => true);
    try {
        return await Promise.race([settled, sleep(clock, Math.max(0, ms), timer.signal).then(() => false)]);
    }
    finally {
        timer.abort();
    }
}
