// One delivering process per outbox file (docs/outbox.md §One process per store). Two `hik-arc run`
// on one store.path would each load the backlog and send it twice, and both would allocate the
// same sequence numbers. The lock is SQLite's own write lock on a small file beside the store
// (`<store.path>.lock`), held for the life of the process: the kernel releases it when the process
// dies, SIGKILL included, so a crash never leaves a stale lock behind. Commands that only read or
// edit the store beside a running service (dead-letters, requeue) do not take it.
import { hostname } from 'node:os';
import Database from 'better-sqlite3';
import { errorMessage } from '../errors.js';
import { StoreError } from './store-error.js';
function describeHolder(path) {
    try {
        const db = new Database(path, { readonly: true, fileMustExist: true, timeout: 1000 });
        try {
            const row = db.prepare("SELECT value FROM meta WHERE key = 'holder'").get();
            if (row === undefined)
                return 'another process';
            const holder = JSON.parse(row.value);
            return `pid ${holder.pid} on ${holder.host}${holder.what === '' ? '' : ` (${holder.what})`}, running since ${holder.since}`;
        }
        finally {
            db.close();
        }
    }
    catch {
        return 'another process';
    }
}
export function acquireStoreLock(storePath) {
    const lockPath = `${storePath}.lock`;
    let db;
    try {
        db = new Database(lockPath, { timeout: 0 });
        // The file needs a page before SQLite takes a write lock on it.
        db.exec('CREATE TABLE IF NOT EXISTS lock (id INTEGER PRIMARY KEY)');
    }
    catch (error) {
        if (error.code === 'SQLITE_BUSY')
            throw inUse(storePath);
        throw new StoreError('HIKARC_STORE_FAILED', `the outbox lock ${lockPath} cannot be opened: ${errorMessage(error)}`, { cause: error });
    }
    try {
        db.exec('BEGIN IMMEDIATE');
    }
    catch (error) {
        db.close();
        if (error.code === 'SQLITE_BUSY')
            throw inUse(storePath);
        throw new StoreError('HIKARC_STORE_FAILED', `the outbox lock ${lockPath} cannot be taken: ${errorMessage(error)}`, { cause: error });
    }
    let released = false;
    return {
        recordHolder(store, what) {
            const holder = { pid: process.pid, host: hostname(), since: new Date().toISOString(), what };
            try {
                store.prepare("INSERT INTO meta (key, value) VALUES ('holder', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value").run(JSON.stringify(holder));
            }
            catch {
                // Only the refusal message of a second process is poorer for it.
            }
        },
        release() {
            if (released)
                return;
            released = true;
            db.close();
        },
    };
}
function inUse(storePath) {
    return new StoreError('HIKARC_STORE_IN_USE', `the outbox ${storePath} is in use by ${describeHolder(storePath)}; two services on one store would send every alarm twice. Stop the other one, or give this one its own store.path`, { detail: { path: storePath } });
}
