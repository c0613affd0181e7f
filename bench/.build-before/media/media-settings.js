// Everything the media stage is tuned by, in milliseconds and bytes. The service derives it from
// the configuration; tests pass their own (caps of a few kilobytes, timeouts of a second).
const SECOND_MS = 1_000;
const HOUR_MS = 3_600 * SECOND_MS;
// A clip is often still being pulled from the camera when the alarm arrives (the receiver's
// visualState, guide A.9): the archive tries again at about 15 s, 30 s, 1, 2 and 4 minutes.
export const MEDIA_DEFAULTS = {
    maxWaiting: 32,
    maxActiveResponses: 32,
    headersTimeoutMs: 10 * SECOND_MS,
    archiveRetry: { minMs: 15 * SECOND_MS, maxMs: 5 * 60 * SECOND_MS, factor: 2 },
    archiveAttempts: 6,
    pruneIntervalMs: HOUR_MS,
};
