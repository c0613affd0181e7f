// Public surface of the outbox stage: the contract, its one implementation over a storage, and the
// two storages (SQLite for the service, memory for tests and one-shot commands).

import { MemoryStorage } from './memory-storage.js';
import { SqliteStorage, type SqliteStorageOptions } from './sqlite-storage.js';
import { StoreOutbox, type StoreOutboxOptions } from './store-outbox.js';

export type {
  CloseReport,
  NewOutboxEntry,
  Outbox,
  OutboxDelivery,
  OutboxEntry,
  OutboxFailure,
  OutboxState,
  OutboxStats,
  StoreHealth,
  StoreState,
} from './outbox.js';
export { STORE_STATES } from './outbox.js';
export type { OutboxStorage, StoredRow, StorageBatch, PendingKey, LoadedState } from './outbox-storage.js';
export { StoreOutbox, DEFAULT_MAX_UNSTORED, OUTCOME_FLUSH_MS, STORE_RETRY, type StoreOutboxOptions } from './store-outbox.js';
export { SqliteStorage, SCHEMA_VERSION, type SqliteStorageOptions } from './sqlite-storage.js';
export { MemoryStorage, type MemoryStorageFault } from './memory-storage.js';
export { OutboxReader, type OutboxRow, type RowProgress } from './outbox-reader.js';
export { StoreError, storeError, storeErrorCode, type StoreErrorCode } from './store-error.js';
export {
  FIRST_SEQUENCE,
  LAST_SEQUENCE,
  SUPERVISION_SEQUENCE,
  SEQUENCE_SKIP_AFTER_UNCLEAN_STOP,
  advanceSequence,
  counterKey,
  isMessageSequence,
  nextSequence,
  SequenceCounters,
} from './sequence.js';

/** The service's outbox: SQLite at `path` (the store is opened, checked and, if asked, locked now). */
export function openSqliteOutbox(options: SqliteStorageOptions & StoreOutboxOptions): StoreOutbox {
  return new StoreOutbox(SqliteStorage.open(options), options);
}

/** An outbox in memory, optionally over a given storage (to reopen it, or to inject store faults). */
export function createMemoryOutbox(options: StoreOutboxOptions & { readonly storage?: MemoryStorage } = {}): StoreOutbox {
  return new StoreOutbox(options.storage ?? new MemoryStorage(), options);
}
