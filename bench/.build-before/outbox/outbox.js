// The store-and-forward outbox: every alarm is written here before it is sent anywhere, and leaves
// only on the ARC's ACK (or as a dead letter with its reason). The contract below is all that the
// delivery core knows of a store: sequence allocation, claims and outcomes go through it, so a
// backend (SQLite for one node, PostgreSQL for a redundant pair) only has to keep rows
// (docs/outbox.md). Every backend passes test/unit/outbox/outbox-contract.ts.
//
// Lanes: entries of one (destination, account) are handed out strictly in append order, one at a
// time, so an ARC sees an account's alarms in the order they happened. A failed entry blocks only
// its own lane, and only until its retry time.
export const STORE_STATES = ['ok', 'full', 'locked', 'failed'];
