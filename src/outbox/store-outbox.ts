// The outbox on top of any OutboxStorage: lanes, claims, sequence numbers, group commit, and the
// rules that keep an alarm from being lost or doubled when the store misbehaves (docs/outbox.md):
//
// - An appended alarm is sent only once its row is committed, with the sequence number allocated
//   in that same commit. Appends of one turn of the event loop share one commit; outcomes gather for
//   up to OUTCOME_FLUSH_MS. One fsync for a burst instead of one per alarm, and no weaker durability.
// - A write that fails (disk full, database locked) is kept and retried with backoff until it
//   lands, newest state winning. An ACK therefore always reaches the disk eventually, and the lanes
//   never hand out an acknowledged alarm again in the meantime.
// - While the store cannot be written, new alarms are held in memory (up to maxUnstored) and are
//   delivered like stored ones, with numbers from the same counters; they are written, with what
//   became of them, as soon as the store takes writes again. At close, what never landed is logged
//   with its whole payload: the journal is its last record.

import { backoffDelay, type BackoffPolicy } from '../backoff.js';
import { systemClock, type CancelTimer, type Clock } from '../clock.js';
import { errorMessage } from '../errors.js';
import { silentLogger, type Logger } from '../log.js';
import { RateLimitedLog } from '../rate-limited-log.js';
import { LaneIndex } from './lanes.js';
import type { CloseReport, NewOutboxEntry, Outbox, OutboxDelivery, OutboxEntry, OutboxFailure, OutboxStats, StoreHealth, StoreState } from './outbox.js';
import type { InsertedRow, OutboxStorage, PendingKey, StorageBatch, StoredRow } from './outbox-storage.js';
import { SEQUENCE_SKIP_AFTER_UNCLEAN_STOP, SequenceCounters } from './sequence.js';
import { StoreError, storeError, storeErrorCode, type StoreErrorCode } from './store-error.js';

/** Rows just stored kept at hand for the claim that follows (payloads of a few hundred bytes: a few MB). */
const RECENT_ROWS = 8_192;
/** Outcomes wait this long for company before they are committed. */
export const OUTCOME_FLUSH_MS = 20;
/** Alarms held in memory while the store cannot be written; past it, append() rejects. */
export const DEFAULT_MAX_UNSTORED = 10_000;
/** A failed write is tried again after 250 ms, growing to 2 s: a freed disk is used within 2 s. */
export const STORE_RETRY: BackoffPolicy = { minMs: 250, maxMs: 2_000, factor: 2 };

export interface StoreOutboxOptions {
  readonly clock?: Clock;
  readonly logger?: Logger;
  readonly maxUnstored?: number;
  readonly retry?: BackoffPolicy;
  /**
   * The process that delivers (hik-arc run, replay, send) allocates sequence numbers. Commands that
   * only edit the store beside a running service (requeue) must not: their counters would run
   * behind the service's. A requeued row then gets its number from the service when it picks it up.
   */
  readonly allocatesSequences?: boolean;
  /** Called once per failed commit, with the store error code (for a metric). */
  readonly onWriteFailure?: (code: string) => void;
}

type MutableRow = { -readonly [K in keyof StoredRow]: StoredRow[K] };

interface Overlay {
  row: MutableRow;
  /** Not yet in the store: the write inserts it. */
  insert: boolean;
  /** Not stored but held in memory because the store failed: in the lanes, sendable, resolved. */
  spilled: boolean;
  /** Bumped on every change; a commit lands the version it wrote. */
  version: number;
  /** The state the store holds for the row (for counting dead letters); null when not stored. */
  storedState: StoredRow['state'] | null;
  /** Account, payload or sequence changed too: the write rewrites the whole row. */
  rewrite: boolean;
  /** Written with the insert, then dropped from memory. */
  attachment: string | null;
}

interface Ticket {
  readonly ids: ReadonlyArray<readonly [number, number]>; // [id, version needed]
  /** An append: it resolves as soon as its rows are in the lanes (stored, or held when the store fails). */
  readonly append: boolean;
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
}

function toEntry(row: StoredRow): OutboxEntry {
  return {
    id: row.id,
    destination: row.destination,
    account: row.account,
    receivedAt: row.receivedAt,
    payload: row.payload,
    state: row.state,
    attempts: row.attempts,
    lastError: row.lastError,
    sequence: row.sequence,
  };
}

export class StoreOutbox implements Outbox {
  private readonly storage: OutboxStorage;
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly limitedLog: RateLimitedLog;
  private readonly maxUnstored: number;
  private readonly retry: BackoffPolicy;
  private readonly allocatesSequences: boolean;
  private readonly onWriteFailure: ((code: string) => void) | undefined;
  private readonly lanes = new LaneIndex();
  private readonly counters: SequenceCounters;
  private nextId: number;
  // Rows whose latest state is not in the store yet, by id (insertion order = id order for inserts).
  private readonly overlay = new Map<number, Overlay>();
  // Rows that land in the lanes once committed (requeued dead letters, rows picked up by refresh).
  private readonly laneOnLanding = new Set<number>();
  private readonly landed = new Map<number, number>();
  private tickets: Ticket[] = [];
  private readonly claimed = new Map<number, OutboxEntry>();
  // Rows committed a moment ago, as committed: the claim that follows reads them from here.
  private readonly recent = new Map<number, StoredRow>();
  private health: StoreHealth;
  private commitRunning = false;
  private flushQueued = false;
  private cancelFlushTimer: CancelTimer | null = null;
  private cancelRetryTimer: CancelTimer | null = null;
  private failedCommits = 0;
  // The clean-stop mark the next commit writes: false (this run is under way) first, true at close.
  private cleanStopPending: boolean | undefined = false;
  private immediateScheduled = false;
  private closed = false;
  private storageClosed = false;

  constructor(storage: OutboxStorage, options: StoreOutboxOptions = {}) {
    this.storage = storage;
    this.clock = options.clock ?? systemClock;
    this.logger = options.logger ?? silentLogger;
    this.limitedLog = new RateLimitedLog({ logger: this.logger, clock: this.clock });
    this.maxUnstored = options.maxUnstored ?? DEFAULT_MAX_UNSTORED;
    this.retry = options.retry ?? STORE_RETRY;
    this.allocatesSequences = options.allocatesSequences ?? true;
    this.onWriteFailure = options.onWriteFailure;
    this.health = { state: 'ok', code: null, detail: null, since: this.clock.now() };
    const loaded = storage.load();
    this.nextId = loaded.maxId + 1;
    this.counters = new SequenceCounters(loaded.counters);
    if (!loaded.cleanStop && this.allocatesSequences && this.counters.size > 0) {
      // docs/outbox.md §Sequence numbers: numbers used while the store was down may not be on disk.
      this.counters.skipAll(SEQUENCE_SKIP_AFTER_UNCLEAN_STOP);
      this.logger.warn(
        { skip: SEQUENCE_SKIP_AFTER_UNCLEAN_STOP, counters: this.counters.size },
        'the last run did not stop cleanly: sequence numbers continue a little further on',
      );
    }
    for (const key of loaded.pending) this.adopt(key);
    if (!this.allocatesSequences) this.cleanStopPending = undefined;
    // The first commit of the run marks it unclean until close() says otherwise.
    if (this.allocatesSequences) this.scheduleFlush(0);
  }

  append(entries: readonly NewOutboxEntry[]): Promise<number[]> {
    if (this.closed) return Promise.reject(new StoreError('HIKARC_STORE_FAILED', 'the outbox is closed'));
    if (entries.length === 0) return Promise.resolve([]);
    const ids: number[] = [];
    const needs: Array<[number, number]> = [];
    for (const entry of entries) {
      const id = this.nextId++;
      const dead = entry.deadReason !== undefined;
      const row: MutableRow = {
        id,
        destination: entry.destination,
        account: entry.account,
        state: dead ? 'dead' : 'pending',
        receivedAt: entry.receivedAt,
        payload: entry.payload,
        attempts: 0,
        nextAttemptAt: 0,
        lastError: entry.deadReason ?? null,
        // docs/outbox.md §Sequence numbers: allocated in the commit that stores the alarm.
        sequence: dead || !this.allocatesSequences ? null : this.counters.allocate(entry.destination, entry.account),
        deliveredAt: null,
        deliveredVia: null,
      };
      this.overlay.set(id, { row, insert: true, spilled: false, version: 1, storedState: null, rewrite: false, attachment: entry.attachment ?? null });
      ids.push(id);
      needs.push([id, 1]);
    }
    const done = this.ticket(needs, true).then(() => ids);
    if (this.health.state === 'ok') this.scheduleFlush(0);
    else this.spill();
    return done;
  }

  next(destination: string, limit: number, now: number): OutboxEntry[] {
    const ids = this.lanes.lease(destination, limit, now);
    const entries: OutboxEntry[] = [];
    for (const id of ids) {
      let row: StoredRow | undefined;
      try {
        row = this.currentRow(id);
      } catch (error) {
        this.lanes.release(id);
        this.limitedLog.error(storeErrorCode(error), { id, err: errorMessage(error) }, 'a stored alarm could not be read; it is tried again');
        continue;
      }
      if (row === undefined || row.state !== 'pending' || row.sequence === null) {
        // Changed by another process meanwhile (a requeue undone, a row pruned).
        this.lanes.remove(id);
        continue;
      }
      const entry = toEntry(row);
      this.claimed.set(id, entry);
      entries.push(entry);
    }
    return entries;
  }

  ack(id: number, delivery: OutboxDelivery): Promise<void> {
    this.lanes.remove(id);
    return this.change(id, (row) => {
      row.state = 'delivered';
      row.deliveredAt = delivery.at;
      row.deliveredVia = delivery.via;
      row.attempts += 1;
    });
  }

  fail(id: number, failure: OutboxFailure): Promise<void> {
    if ('dead' in failure) this.lanes.remove(id);
    else this.lanes.reschedule(id, failure.retryAt);
    return this.change(id, (row) => {
      row.attempts += 1;
      row.lastError = failure.reason;
      if ('dead' in failure) row.state = 'dead';
      else row.nextAttemptAt = failure.retryAt;
    });
  }

  release(id: number): void {
    this.claimed.delete(id);
    this.lanes.release(id);
  }

  stats(destination: string): OutboxStats {
    const now = this.clock.now();
    const oldestId = this.lanes.oldestId(destination);
    let oldest: number | null = null;
    if (oldestId !== null) {
      try {
        oldest = this.currentRow(oldestId)?.receivedAt ?? null;
      } catch {
        oldest = null;
      }
    }
    let dead = 0;
    try {
      dead = this.storage.countDead(destination);
    } catch {
      dead = 0;
    }
    let unstored = 0;
    let unwrittenOutcomes = 0;
    for (const overlay of this.overlay.values()) {
      const row = overlay.row;
      if (row.destination !== destination) continue;
      // At risk: held only here and not yet delivered. An ACK or a held row already delivered only
      // waits to be written.
      if (overlay.insert && row.state === 'pending') unstored++;
      else unwrittenOutcomes++;
      if (row.state === 'dead' && overlay.storedState !== 'dead') dead++;
      else if (row.state !== 'dead' && overlay.storedState === 'dead') dead--;
    }
    const { lanes, blocked } = this.lanes.laneCounts(destination, now);
    return { pending: this.lanes.count(destination), oldestPendingReceivedAt: oldest, dead, lanes, blockedLanes: blocked, unstored, unwrittenOutcomes };
  }

  storeHealth(): StoreHealth {
    return this.health;
  }

  nextRetryAt(destination: string): number | null {
    return this.lanes.nextRetryAt(destination);
  }

  retryNow(destination: string): void {
    this.lanes.retryNow(destination);
  }

  deadLetters(limit = 1000): OutboxEntry[] {
    const rows = new Map<number, StoredRow>();
    for (const row of this.storage.deadLetters(limit)) rows.set(row.id, this.overlay.get(row.id)?.row ?? row);
    for (const overlay of this.overlay.values()) if (overlay.row.state === 'dead') rows.set(overlay.row.id, overlay.row);
    return [...rows.values()]
      .filter((row) => row.state === 'dead')
      .sort((a, b) => a.id - b.id)
      .slice(0, limit)
      .map(toEntry);
  }

  attachment(id: number): string | null {
    const overlay = this.overlay.get(id);
    if (overlay?.insert === true) return overlay.attachment;
    return this.storageClosed ? null : this.storage.readAttachment(id);
  }

  async requeue(id: number, replacement?: { readonly account: string; readonly payload: string }): Promise<boolean> {
    const row = this.currentRow(id);
    if (row === undefined || row.state !== 'dead') return false;
    const account = replacement?.account ?? row.account;
    const sameAccount = account.toUpperCase() === row.account.toUpperCase() && row.sequence !== null;
    let sequence = sameAccount ? row.sequence : null;
    if (sequence === null && this.allocatesSequences && account !== '') sequence = this.counters.allocate(row.destination, account);
    this.laneOnLanding.add(id);
    await this.change(
      id,
      (mutable) => {
        mutable.state = 'pending';
        mutable.account = account;
        mutable.payload = replacement?.payload ?? row.payload;
        mutable.nextAttemptAt = 0;
        mutable.lastError = null;
        mutable.sequence = sequence;
      },
      true,
    );
    return true;
  }

  refresh(): void {
    let pending: PendingKey[] | null;
    try {
      pending = this.storage.pendingIfChangedElsewhere();
    } catch (error) {
      this.limitedLog.warn(storeErrorCode(error), { err: errorMessage(error) }, 'the outbox could not be checked for requeued alarms');
      return;
    }
    if (pending === null) return;
    for (const key of pending) {
      // Rows with a write of ours in flight are ours to decide: an ACK not yet on disk must not
      // bring the alarm back.
      if (this.lanes.has(key.id) || this.overlay.has(key.id) || this.laneOnLanding.has(key.id)) continue;
      this.adopt(key);
    }
  }

  pruneDelivered(before: number): number {
    return this.storage.pruneDelivered(before);
  }

  async close(deadlineMs = 0): Promise<CloseReport> {
    if (this.closed) return { unstored: 0, unwrittenOutcomes: 0 };
    // From here append() rejects and close() alone drives the commits.
    this.closed = true;
    this.cancelFlushTimer?.();
    this.cancelFlushTimer = null;
    this.cancelRetryTimer?.();
    this.cancelRetryTimer = null;
    const deadline = this.clock.monotonic() + deadlineMs;
    for (;;) {
      if (this.commitRunning) {
        await new Promise<void>((resolve) => setImmediate(resolve));
        continue;
      }
      // A clean stop is recorded only once every write has landed.
      if (this.overlay.size === 0 && this.allocatesSequences) this.cleanStopPending = true;
      await this.commit();
      if (this.overlay.size === 0 && this.cleanStopPending === undefined) break;
      if (this.health.state === 'ok') continue;
      const wait = Math.min(backoffDelay(this.failedCommits - 1, this.retry), deadline - this.clock.monotonic());
      if (wait <= 0) break;
      await new Promise<void>((resolve) => this.clock.setTimer(wait, resolve));
    }
    const report = this.reportUnwritten();
    this.limitedLog.flush();
    for (const ticket of this.tickets) ticket.resolve();
    this.tickets = [];
    this.storageClosed = true;
    try {
      this.storage.close();
    } catch (error) {
      this.logger.error({ code: storeErrorCode(error), err: errorMessage(error) }, 'the outbox could not be closed cleanly');
    }
    return report;
  }

  // --- internals ---------------------------------------------------------------------------

  /** A pending row from the store (at start or from another process) joins its lane. */
  private adopt(key: PendingKey): void {
    if (key.sequence === null && this.allocatesSequences) {
      // Requeued by a command that does not allocate numbers: the number is ours to give, and it
      // must be on disk before the alarm is sent.
      this.laneOnLanding.add(key.id);
      const sequence = this.counters.allocate(key.destination, key.account);
      void this.change(
        key.id,
        (row) => {
          row.sequence = sequence;
        },
        true,
      );
      return;
    }
    this.lanes.add(key.destination, key.account, key.id, key.nextAttemptAt);
  }

  /** The latest state of a row: ours if a write is pending, else the store's. */
  private currentRow(id: number): StoredRow | undefined {
    const overlay = this.overlay.get(id);
    if (overlay !== undefined) return overlay.row;
    const recent = this.recent.get(id);
    if (recent !== undefined) return recent;
    return this.storageClosed ? undefined : this.storage.read(id);
  }

  private change(id: number, mutate: (row: MutableRow) => void, rewrite = false): Promise<void> {
    let overlay = this.overlay.get(id);
    const claimed = this.claimed.get(id);
    this.claimed.delete(id);
    if (overlay === undefined) {
      let stored: StoredRow | undefined;
      try {
        stored = this.recent.get(id) ?? (this.storageClosed ? undefined : this.storage.read(id));
      } catch {
        stored = claimed === undefined ? undefined : rowFromEntry(claimed);
      }
      if (stored === undefined) {
        // After close (a late answer) or a row pruned meanwhile: the store keeps what it has; an
        // alarm still pending there is sent again, with its number, at the next start.
        this.logger.debug({ id }, 'outcome for a row no longer held; not written');
        return Promise.resolve();
      }
      overlay = { row: { ...stored }, insert: false, spilled: false, version: 0, storedState: stored.state, rewrite: false, attachment: null };
      this.overlay.set(id, overlay);
    }
    mutate(overlay.row);
    overlay.version += 1;
    if (rewrite) overlay.rewrite = true;
    this.recent.delete(id);
    const done = this.ticket([[id, overlay.version]], false);
    if (this.health.state === 'ok') this.scheduleFlush(OUTCOME_FLUSH_MS);
    return done;
  }

  private ticket(ids: ReadonlyArray<readonly [number, number]>, append: boolean): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.tickets.push({ ids, append, resolve, reject });
    });
  }

  private scheduleFlush(delayMs: number): void {
    if (this.closed) return;
    if (this.commitRunning) {
      this.flushQueued = true;
      return;
    }
    if (delayMs === 0) {
      if (this.immediateScheduled) return;
      this.immediateScheduled = true;
      // Appends wait for the next turn of the event loop: a burst parsed from one chunk is one commit.
      setImmediate(() => {
        this.immediateScheduled = false;
        if (!this.closed) void this.commit();
      });
      return;
    }
    if (this.cancelFlushTimer !== null || this.immediateScheduled) return;
    this.cancelFlushTimer = this.clock.setTimer(delayMs, () => {
      this.cancelFlushTimer = null;
      if (!this.closed) void this.commit();
    });
  }

  /** One commit of everything that is waiting; never throws. */
  private async commit(): Promise<void> {
    if (this.commitRunning) {
      this.flushQueued = true;
      return;
    }
    this.flushQueued = false;
    this.cancelFlushTimer?.();
    this.cancelFlushTimer = null;
    const inserts: InsertedRow[] = [];
    const updates: StoredRow[] = [];
    const rewrites: StoredRow[] = [];
    const versions: Array<[number, number, boolean]> = [];
    for (const overlay of this.overlay.values()) {
      if (overlay.insert) inserts.push({ ...overlay.row, attachment: overlay.attachment });
      else (overlay.rewrite ? rewrites : updates).push({ ...overlay.row });
      versions.push([overlay.row.id, overlay.version, overlay.insert]);
    }
    const counters = this.counters.takeDirty();
    const cleanStop = this.cleanStopPending;
    if (inserts.length === 0 && updates.length === 0 && rewrites.length === 0 && counters.length === 0 && cleanStop === undefined) return;
    const batch: StorageBatch = cleanStop === undefined ? { inserts, updates, rewrites, counters } : { inserts, updates, rewrites, counters, cleanStop };
    this.commitRunning = true;
    try {
      await this.storage.commit(batch);
    } catch (error) {
      this.commitRunning = false;
      this.counters.restoreDirty(counters);
      this.commitFailed(storeError('write', error), inserts.length + updates.length);
      return;
    }
    this.commitRunning = false;
    if (cleanStop !== undefined) this.cleanStopPending = undefined;
    for (const [id, version, inserted] of versions) {
      const overlay = this.overlay.get(id);
      if (overlay === undefined) continue;
      if (inserted) {
        overlay.insert = false;
        overlay.attachment = null;
        overlay.storedState = overlay.row.state;
        // A held alarm is in its lane already; a stored one joins it now.
        if (!overlay.spilled && overlay.row.state === 'pending') this.lanes.add(overlay.row.destination, overlay.row.account, id, overlay.row.nextAttemptAt);
        overlay.spilled = false;
      } else {
        overlay.storedState = overlay.row.state;
      }
      overlay.rewrite = false;
      if (this.laneOnLanding.has(id)) {
        this.laneOnLanding.delete(id);
        if (overlay.row.state === 'pending' && overlay.row.sequence !== null)
          this.lanes.add(overlay.row.destination, overlay.row.account, id, overlay.row.nextAttemptAt);
      }
      // A change made while the commit ran keeps the row for the next one; what waited for the
      // version that landed is told so. A row that leaves the overlay needs no note: nothing waits.
      if (overlay.version === version) {
        this.overlay.delete(id);
        // Just stored and about to be claimed: kept at hand, so the claim need not read it back.
        if (inserted && overlay.row.state === 'pending') this.remember(overlay.row);
      } else {
        this.landed.set(id, version);
      }
    }
    this.storeRecovered();
    this.settleTickets();
    if (this.flushQueued) this.scheduleFlush(0);
  }

  private commitFailed(error: StoreError, rows: number): void {
    this.failedCommits += 1;
    this.onWriteFailure?.(error.code);
    const state: StoreState = error.code === 'HIKARC_STORE_FULL' ? 'full' : error.code === 'HIKARC_STORE_LOCKED' ? 'locked' : 'failed';
    this.setHealth(state, error.code, error.message);
    this.limitedLog.error(
      error.code,
      { err: error.message, rows, unstored: this.unstoredCount() },
      'the outbox cannot be written; alarms are held in memory, delivered, and written when it recovers',
    );
    this.spill();
    if (!this.closed) {
      this.cancelRetryTimer?.();
      this.cancelRetryTimer = this.clock.setTimer(backoffDelay(this.failedCommits - 1, this.retry), () => {
        this.cancelRetryTimer = null;
        void this.commit();
      });
    }
  }

  /**
   * Alarms not yet stored join the lanes (held in memory), a whole append at a time, up to
   * maxUnstored; an append that does not fit is refused whole, so its caller keeps all of it.
   */
  private spill(): void {
    let held = 0;
    for (const overlay of this.overlay.values()) if (overlay.spilled) held++;
    const keep: Ticket[] = [];
    for (const ticket of this.tickets) {
      if (!ticket.append) {
        keep.push(ticket);
        continue;
      }
      const waiting = ticket.ids
        .map(([id]) => this.overlay.get(id))
        .filter((overlay): overlay is Overlay => overlay !== undefined && overlay.insert && !overlay.spilled);
      if (waiting.length === 0) {
        keep.push(ticket);
        continue;
      }
      if (held + waiting.length > this.maxUnstored) held -= this.evictDeliveredUnstored(held + waiting.length - this.maxUnstored);
      if (held + waiting.length > this.maxUnstored) {
        for (const overlay of waiting) this.overlay.delete(overlay.row.id);
        ticket.reject(this.heldFullError());
        continue;
      }
      held += waiting.length;
      for (const overlay of waiting) {
        overlay.spilled = true;
        if (overlay.row.state === 'pending') this.lanes.add(overlay.row.destination, overlay.row.account, overlay.row.id, overlay.row.nextAttemptAt);
      }
      keep.push(ticket);
    }
    this.tickets = keep;
    this.settleTickets();
  }

  private heldFullError(): StoreError {
    const code = (this.health.code ?? 'HIKARC_STORE_FAILED') as StoreErrorCode;
    return new StoreError(
      code,
      `the store cannot be written (${this.health.detail ?? 'unknown error'}) and ${this.maxUnstored} alarms are held in memory already`,
    );
  }

  /** Frees room among held alarms that were delivered already (only their audit row is lost). */
  private evictDeliveredUnstored(needed: number): number {
    let freed = 0;
    for (const [id, overlay] of this.overlay) {
      if (freed >= needed) break;
      if (!overlay.insert || overlay.row.state !== 'delivered') continue;
      this.overlay.delete(id);
      freed++;
    }
    if (freed > 0)
      this.limitedLog.warn('HIKARC_STORE_UNSTORED', { evicted: freed }, 'acknowledged alarms held in memory dropped from the audit record to make room');
    return freed;
  }

  private settleTickets(): void {
    if (this.tickets.length === 0) return;
    const keep: Ticket[] = [];
    for (const ticket of this.tickets) {
      const done = ticket.ids.every(([id, version]) => {
        if ((this.landed.get(id) ?? 0) >= version) return true;
        const overlay = this.overlay.get(id);
        if (overlay === undefined) return true;
        return ticket.append && overlay.spilled;
      });
      if (done) ticket.resolve();
      else keep.push(ticket);
    }
    this.tickets = keep;
    // Landed versions are only needed while someone waits for them.
    if (this.tickets.length === 0) this.landed.clear();
    else for (const id of this.landed.keys()) if (!this.overlay.has(id)) this.landed.delete(id);
  }

  // Lanes are claimed oldest first, so the rows worth keeping are the oldest not yet decided: once
  // full, newer rows are read back from the store when their turn comes, instead of pushing out
  // the ones needed next.
  private remember(row: StoredRow): void {
    if (this.recent.size < RECENT_ROWS) this.recent.set(row.id, row);
  }

  private storeRecovered(): void {
    this.failedCommits = 0;
    if (this.health.state === 'ok') return;
    this.setHealth('ok', null, null);
  }

  private setHealth(state: StoreState, code: string | null, detail: string | null): void {
    const from = this.health.state;
    this.health = { state, code, detail, since: from === state ? this.health.since : this.clock.now() };
    if (from === state) return;
    if (state === 'ok') this.logger.info({ from, to: state, unstored: this.unstoredCount() }, 'store state changed');
    else this.logger.error({ from, to: state, code, detail }, 'store state changed');
  }

  private unstoredCount(): number {
    let count = 0;
    for (const overlay of this.overlay.values()) if (overlay.insert) count++;
    return count;
  }

  private reportUnwritten(): CloseReport {
    let unstored = 0;
    let unwrittenOutcomes = 0;
    for (const { row, insert } of this.overlay.values()) {
      if (insert) {
        if (row.state === 'pending') unstored++;
        // docs/outbox.md §Stopping with the store down: the journal is the alarm's last record.
        this.logger.error(
          {
            code: 'HIKARC_STORE_UNSTORED',
            id: row.id,
            account: row.account,
            state: row.state,
            sequence: row.sequence,
            receivedAt: new Date(row.receivedAt).toISOString(),
            deliveredVia: row.deliveredVia,
            payload: row.payload,
          },
          row.state === 'delivered'
            ? 'alarm acknowledged by the ARC but never stored'
            : 'alarm never stored and not acknowledged: this line is its only record',
        );
      } else {
        unwrittenOutcomes++;
      }
    }
    if (unwrittenOutcomes > 0) {
      this.logger.warn(
        { code: this.health.code, unwrittenOutcomes },
        'outcomes not written: those alarms are sent again, with the same sequence numbers, at the next start',
      );
    }
    return { unstored, unwrittenOutcomes };
  }
}

/** A row rebuilt from a claimed entry, when the store cannot even be read. */
function rowFromEntry(entry: OutboxEntry): StoredRow {
  return { ...entry, nextAttemptAt: 0, deliveredAt: null, deliveredVia: null };
}
