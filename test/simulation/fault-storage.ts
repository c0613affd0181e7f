// A fault-injecting decorator over any OutboxStorage (the contract of src/outbox/outbox-storage.ts):
// commits fail as on a full disk or a held lock, or take their time, on the run's simulated clock.
// One decorator per process incarnation over the one storage of the run: when the process
// "crashes" its decorator dies, so a write the dead process still attempts never lands - exactly
// what a SIGKILL leaves behind. It also tells the harness what was committed, for the invariants.

import type { LoadedState, OutboxStorage, PendingKey, StorageBatch, StoredRow } from '../../src/outbox/outbox-storage.js';
import { StoreError } from '../../src/outbox/store-error.js';
import type { SimClock } from './sim-clock.js';

export const STORE_FAULTS = ['full', 'locked', 'slow'] as const;
export type StoreFault = (typeof STORE_FAULTS)[number];

export interface StoreEpisode {
  readonly kind: StoreFault;
  readonly from: number;
  readonly to: number;
  /** slow: each commit takes up to this long. */
  readonly maxDelayMs: number;
}

export interface CommitObserver {
  /** A batch landed in the store (called before the commit returns). */
  onCommitted(batch: StorageBatch, incarnation: number): void;
  trace(line: string): void;
}

export class FaultStorage implements OutboxStorage {
  readonly description: string;
  private alive = true;
  /** A commit failed and none has landed since: alarms may be held in memory. */
  failing = false;
  /** Fails every commit from now on, whatever the episodes say (a disk full at the stop). */
  forcedFull = false;

  constructor(
    private readonly inner: OutboxStorage,
    private readonly clock: SimClock,
    private readonly owner: number,
    private readonly episodes: readonly StoreEpisode[],
    private readonly random: () => number,
    private readonly observer: CommitObserver,
  ) {
    this.description = `simulated ${inner.description}`;
  }

  /** The process died: nothing it writes from now on lands. */
  kill(): void {
    this.alive = false;
  }

  private active(kind: StoreFault): StoreEpisode | undefined {
    const now = this.clock.time;
    return this.episodes.find((episode) => episode.kind === kind && now >= episode.from && now < episode.to);
  }

  load(): LoadedState {
    return this.inner.load();
  }

  commit(batch: StorageBatch): void | Promise<void> {
    if (!this.alive) throw new StoreError('HIKARC_STORE_FAILED', 'the process is dead');
    if (this.forcedFull || this.active('full')) return this.fail('HIKARC_STORE_FULL', 'database or disk is full');
    if (this.active('locked')) return this.fail('HIKARC_STORE_LOCKED', 'database is locked');
    const slow = this.active('slow');
    if (slow === undefined) {
      this.apply(batch);
      return;
    }
    const delay = Math.floor(this.random() * slow.maxDelayMs);
    return new Promise<void>((resolve, reject) => {
      this.clock.setTimer(this.owner, delay, () => {
        if (!this.alive) return;
        try {
          this.apply(batch);
          resolve();
        } catch (error) {
          reject(error);
        }
      });
    });
  }

  private fail(code: 'HIKARC_STORE_FULL' | 'HIKARC_STORE_LOCKED', detail: string): never {
    this.failing = true;
    throw new StoreError(code, `simulated store: ${detail}`);
  }

  private apply(batch: StorageBatch): void {
    this.inner.commit(batch);
    this.failing = false;
    this.observer.onCommitted(batch, this.owner);
  }

  read(id: number): StoredRow | undefined {
    return this.inner.read(id);
  }

  readAttachment(id: number): string | null {
    return this.inner.readAttachment(id);
  }

  deadLetters(limit: number): StoredRow[] {
    return this.inner.deadLetters(limit);
  }

  countDead(destination: string): number {
    return this.inner.countDead(destination);
  }

  pendingIfChangedElsewhere(): PendingKey[] | null {
    return this.inner.pendingIfChangedElsewhere();
  }

  pruneDelivered(before: number): number {
    return this.inner.pruneDelivered(before);
  }

  close(): void {
    // The run's storage outlives every process: the next incarnation opens the same one.
    if (!this.alive) return;
  }
}
