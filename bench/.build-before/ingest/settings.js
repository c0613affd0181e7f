// Everything the ingest stage is tuned by, in milliseconds. The config derives it
// (config/stage-settings.ts); tests pass their own (heartbeat timeouts in the hundreds of milliseconds).
import { basename, dirname, extname, join } from 'node:path';
const SECOND_MS = 1000;
export const INGEST_DEFAULTS = {
    unknownDeviceRefreshMinMs: 60 * SECOND_MS,
    unknownDeviceWaitMs: 3 * SECOND_MS,
    requestTimeoutMs: 10 * SECOND_MS,
    stopTimeoutMs: 10 * SECOND_MS,
    consumerRetryBackoff: { minMs: 100, maxMs: 5 * SECOND_MS, factor: 2 },
    directoryPageSize: 50,
    queueHighWater: 10_000,
    warnBurst: 5,
    warnWindowMs: 10 * SECOND_MS,
};
/** The last good device list lives next to the outbox: `hik-arc.db` → `hik-arc.devices.json`. */
export function directoryCachePathFor(storePath) {
    if (storePath === '' || storePath === ':memory:')
        return null;
    return join(dirname(storePath), `${basename(storePath, extname(storePath))}.devices.json`);
}
