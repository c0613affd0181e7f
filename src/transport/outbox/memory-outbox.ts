// An outbox held in memory: no durability, for tests and for tools that need the pipeline without a
// store. It passes the same conformance suite as the SQLite outbox.

import type { NewOutboxEntry, Outbox, OutboxDelivery, OutboxEntry, OutboxFailure, OutboxStats } from './outbox.js';
import { PendingIndex } from './pending-index.js';

type MutableEntry = { -readonly [K in keyof OutboxEntry]: OutboxEntry[K] };

export class MemoryOutbox implements Outbox {
  private readonly entries = new Map<number, MutableEntry>();
  private readonly index = new PendingIndex();
  private nextId = 1;

  async append(entries: readonly NewOutboxEntry[]): Promise<number[]> {
    return entries.map((entry) => {
      const id = this.nextId++;
      const dead = entry.deadReason !== undefined;
      this.entries.set(id, {
        id,
        destination: entry.destination,
        account: entry.account,
        receivedAt: entry.receivedAt,
        payload: entry.payload,
        state: dead ? 'dead' : 'pending',
        attempts: 0,
        lastError: entry.deadReason ?? null,
        sequences: {},
      });
      if (!dead) this.index.add(entry.destination, entry.account, id);
      return id;
    });
  }

  next(destination: string, limit: number, now: number): OutboxEntry[] {
    return this.index.lease(destination, limit, now).flatMap((id) => {
      const entry = this.entries.get(id);
      return entry ? [{ ...entry }] : [];
    });
  }

  async ack(id: number, _delivery: OutboxDelivery): Promise<void> {
    const entry = this.entries.get(id);
    if (!entry) return;
    entry.state = 'delivered';
    entry.attempts += 1;
    this.index.remove(id);
  }

  async fail(id: number, failure: OutboxFailure): Promise<void> {
    const entry = this.entries.get(id);
    if (!entry) return;
    entry.attempts += 1;
    entry.lastError = failure.reason;
    if ('dead' in failure) {
      entry.state = 'dead';
      this.index.remove(id);
    } else {
      this.index.reschedule(id, failure.retryAt);
    }
  }

  release(id: number): void {
    this.index.release(id);
  }

  async recordSequence(id: number, path: string, sequence: number): Promise<void> {
    const entry = this.entries.get(id);
    if (entry) entry.sequences = { ...entry.sequences, [path]: sequence };
  }

  stats(destination: string): OutboxStats {
    const oldestId = this.index.oldestId(destination);
    let dead = 0;
    for (const entry of this.entries.values()) if (entry.state === 'dead' && entry.destination === destination) dead++;
    return {
      pending: this.index.count(destination),
      oldestPendingReceivedAt: oldestId === null ? null : (this.entries.get(oldestId)?.receivedAt ?? null),
      dead,
    };
  }

  nextRetryAt(destination: string): number | null {
    return this.index.nextRetryAt(destination);
  }

  retryNow(destination: string): void {
    this.index.retryNow(destination);
  }

  deadLetters(limit = 1000): OutboxEntry[] {
    return [...this.entries.values()].filter((entry) => entry.state === 'dead').slice(0, limit).map((entry) => ({ ...entry }));
  }

  async requeue(id: number, replacement?: { readonly account: string; readonly payload: string }): Promise<boolean> {
    const entry = this.entries.get(id);
    if (!entry || entry.state !== 'dead') return false;
    entry.state = 'pending';
    entry.lastError = null;
    if (replacement) {
      entry.account = replacement.account;
      entry.payload = replacement.payload;
    }
    this.index.add(entry.destination, entry.account, id);
    return true;
  }

  refresh(): void {
    // Nothing outside this process can change it.
  }

  async close(): Promise<void> {
    // Nothing to release.
  }
}
