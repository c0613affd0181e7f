// A store held in memory: no durability, for tests, the simulator and one-shot commands (send). It
// passes the same contract suite as SQLite, and it can be told to fail its commits the way a disk
// does (full, locked, slow), so the rules for a misbehaving store are tested without root.

import type { LoadedState, OutboxStorage, PendingKey, StorageBatch, StoredRow } from './outbox-storage.js';
import { StoreError, type StoreErrorCode } from './store-error.js';

export type MemoryStorageFault =
  | { readonly kind: 'none' }
  | { readonly kind: 'fail'; readonly code: StoreErrorCode }
  | { readonly kind: 'slow'; readonly ms: number };

export class MemoryStorage implements OutboxStorage {
  readonly description = 'memory';
  private readonly rows = new Map<number, StoredRow>();
  private readonly attachments = new Map<number, string>();
  private readonly counters = new Map<string, number>();
  private cleanStop = true;
  private maxId = 0;
  fault: MemoryStorageFault = { kind: 'none' };
  /** Commits made, for tests. */
  commits = 0;

  load(): LoadedState {
    const pending: PendingKey[] = [];
    for (const row of [...this.rows.values()].sort((a, b) => a.id - b.id)) {
      if (row.state === 'pending')
        pending.push({ id: row.id, destination: row.destination, account: row.account, nextAttemptAt: row.nextAttemptAt, sequence: row.sequence });
    }
    return { pending, maxId: this.maxId, counters: [...this.counters], cleanStop: this.cleanStop };
  }

  commit(batch: StorageBatch): void | Promise<void> {
    const fault = this.fault;
    if (fault.kind === 'fail') throw new StoreError(fault.code, `memory store: simulated ${fault.code}`);
    if (fault.kind === 'slow') {
      return new Promise<void>((resolve, reject) => {
        setTimeout(() => {
          try {
            this.apply(batch);
            resolve();
          } catch (error) {
            reject(error);
          }
        }, fault.ms);
      });
    }
    this.apply(batch);
  }

  read(id: number): StoredRow | undefined {
    const row = this.rows.get(id);
    return row === undefined ? undefined : { ...row };
  }

  readAttachment(id: number): string | null {
    return this.attachments.get(id) ?? null;
  }

  deadLetters(limit: number): StoredRow[] {
    return [...this.rows.values()]
      .filter((row) => row.state === 'dead')
      .sort((a, b) => a.id - b.id)
      .slice(0, limit)
      .map((row) => ({ ...row }));
  }

  countDead(destination: string): number {
    let count = 0;
    for (const row of this.rows.values()) if (row.state === 'dead' && row.destination === destination) count++;
    return count;
  }

  pendingIfChangedElsewhere(): PendingKey[] | null {
    return null;
  }

  pruneDelivered(before: number): number {
    let removed = 0;
    for (const [id, row] of this.rows) {
      if (row.state === 'delivered' && (row.deliveredAt ?? 0) < before) {
        this.rows.delete(id);
        this.attachments.delete(id);
        removed++;
      }
    }
    return removed;
  }

  close(): void {
    // Nothing to release: a reopened outbox on this storage sees everything committed.
  }

  /** Everything committed, for tests: the rows as a crash would leave them. */
  snapshot(): StoredRow[] {
    return [...this.rows.values()].sort((a, b) => a.id - b.id).map((row) => ({ ...row }));
  }

  private apply(batch: StorageBatch): void {
    for (const row of batch.inserts) {
      if (this.rows.has(row.id)) throw new StoreError('HIKARC_STORE_FAILED', `memory store: row ${row.id} exists`);
    }
    for (const { attachment, ...row } of batch.inserts) {
      this.rows.set(row.id, row);
      if (attachment !== null) this.attachments.set(row.id, attachment);
      if (row.id > this.maxId) this.maxId = row.id;
    }
    for (const row of batch.updates) {
      const stored = this.rows.get(row.id);
      if (stored !== undefined) {
        this.rows.set(row.id, {
          ...stored,
          state: row.state,
          attempts: row.attempts,
          nextAttemptAt: row.nextAttemptAt,
          lastError: row.lastError,
          deliveredAt: row.deliveredAt,
          deliveredVia: row.deliveredVia,
        });
      }
    }
    for (const row of batch.rewrites) if (this.rows.has(row.id)) this.rows.set(row.id, { ...row });
    for (const [key, last] of batch.counters) this.counters.set(key, last);
    if (batch.cleanStop !== undefined) this.cleanStop = batch.cleanStop;
    this.commits++;
  }
}
