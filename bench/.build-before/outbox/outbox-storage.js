// What a backend must do to carry the outbox: keep rows and counters, and commit a batch of writes
// all or nothing. Everything else - lanes, claims, sequence allocation, group commit, retrying a
// failed write until it lands, holding alarms in memory while the store is down - is written once,
// in StoreOutbox, on top of this. SQLite (one node) and memory (tests, one-shot commands) implement
// it here; a PostgreSQL backend for a redundant pair implements the same (docs/outbox.md).
export {};
