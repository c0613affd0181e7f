// Store failures an operator can act on get their own code (docs/errors.md): a full disk, a lock
// held by another process, a damaged file. Everything else is HIKARC_STORE_FAILED.
import { HikArcError, errorMessage } from '../errors.js';
export class StoreError extends HikArcError {
    name = 'StoreError';
}
// SQLite result codes (primary and extended) by what an operator does about them.
const SQLITE_CODES = [
    [/^SQLITE_FULL/, 'HIKARC_STORE_FULL'],
    [/^SQLITE_(BUSY|LOCKED)/, 'HIKARC_STORE_LOCKED'],
    [/^SQLITE_(CORRUPT|NOTADB)/, 'HIKARC_STORE_CORRUPT'],
];
/** The store code for an error thrown by the database driver. */
export function storeErrorCode(error) {
    if (error instanceof StoreError)
        return error.code;
    const driverCode = error?.code;
    if (typeof driverCode === 'string')
        for (const [pattern, code] of SQLITE_CODES)
            if (pattern.test(driverCode))
                return code;
    return 'HIKARC_STORE_FAILED';
}
export function storeError(operation, error) {
    if (error instanceof StoreError)
        return error;
    const driverCode = error?.code;
    return new StoreError(storeErrorCode(error), `outbox ${operation} failed: ${errorMessage(error)}`, { cause: error, detail: { driverCode } });
}
