// Public surface of the outbox stage: the contract, its one implementation over a storage, and the
// two storages (SQLite for the service, memory for tests and one-shot commands).
import { MemoryStorage } from './memory-storage.js';
import { SqliteStorage } from './sqlite-storage.js';
import { StoreOutbox } from './store-outbox.js';
export { STORE_STATES } from './outbox.js';
export { StoreOutbox, DEFAULT_MAX_UNSTORED, OUTCOME_FLUSH_MS, STORE_RETRY } from './store-outbox.js';
export { SqliteStorage, SCHEMA_VERSION } from './sqlite-storage.js';
export { MemoryStorage } from './memory-storage.js';
export { StoreError, storeError, storeErrorCode } from './store-error.js';
export { FIRST_SEQUENCE, LAST_SEQUENCE, SUPERVISION_SEQUENCE, SEQUENCE_SKIP_AFTER_UNCLEAN_STOP, advanceSequence, counterKey, isMessageSequence, nextSequence, SequenceCounters } from './sequence.js';
/** The service's outbox: SQLite at `path` (the store is opened, checked and, if asked, locked now). */
export function openSqliteOutbox(options) {
    return new StoreOutbox(SqliteStorage.open(options), options);
}
/** An outbox in memory, optionally over a given storage (to reopen it, or to inject store faults). */
export function createMemoryOutbox(options = {}) {
    return new StoreOutbox(options.storage ?? new MemoryStorage(), options);
}
