// Panel control's tables in the store file (store.path), through their own connection: the
// hash-chained, append-only audit trail, the per-panel command lease and the API's idempotency
// keys. `hik-arc panel` appends while `hik-arc run` holds the database: SQLite's WAL lets several
// processes share the file, each write takes the write lock (BEGIN IMMEDIATE) and waits for it up
// to the busy timeout. synchronous=FULL: an audit entry is on disk before its command is sent.
// Nothing here ever holds a password or a token (docs/panel-control.md §8).

import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { HikArcError, errorMessage, type ErrorCode } from '../errors.js';
import { canonicalJson, entryHash, GENESIS_HASH, verifyChain, type ChainRow, type ChainVerdict } from './audit-chain.js';
import type { CommandRecord, ConfirmingEvent } from './command-record.js';

/**
 * requested: written before the command is sent; answered: the receiver's answer; no-answer: the
 * outcome is unknown (with the status read back); failed: not carried out; not-sent: refused
 * before sending; observed: `run` saw the panel's event for a command another process (the
 * command line) is waiting on; settled: confirmed, refuted or unconfirmed; late-event: a
 * confirming event after the command had settled.
 */
export const AUDIT_PHASES = ['requested', 'answered', 'no-answer', 'failed', 'not-sent', 'observed', 'settled', 'late-event'] as const;
export type AuditPhase = (typeof AUDIT_PHASES)[number];

export interface AuditEntry {
  readonly seq: number;
  /** UTC, ISO 8601 with milliseconds. */
  readonly at: string;
  readonly phase: AuditPhase;
  readonly command: CommandRecord;
  readonly hash: string;
}

const AUDIT_VERSION = 1;

// The columns beside the record are generated from it, so they cannot be edited on their own; the
// triggers refuse UPDATE and DELETE (a determined editor drops them, and the chain shows the edit).
const SCHEMA = `
CREATE TABLE IF NOT EXISTS control_audit (
  seq INTEGER PRIMARY KEY,
  record TEXT NOT NULL,
  prev_hash TEXT NOT NULL,
  hash TEXT NOT NULL,
  at TEXT GENERATED ALWAYS AS (json_extract(record, '$.at')) VIRTUAL,
  phase TEXT GENERATED ALWAYS AS (json_extract(record, '$.phase')) VIRTUAL,
  command_id TEXT GENERATED ALWAYS AS (json_extract(record, '$.command.commandId')) VIRTUAL
);
CREATE INDEX IF NOT EXISTS control_audit_at ON control_audit (at);
CREATE INDEX IF NOT EXISTS control_audit_command ON control_audit (command_id);
CREATE TRIGGER IF NOT EXISTS control_audit_no_update BEFORE UPDATE ON control_audit
  BEGIN SELECT RAISE(ABORT, 'the control audit trail is append-only'); END;
CREATE TRIGGER IF NOT EXISTS control_audit_no_delete BEFORE DELETE ON control_audit
  BEGIN SELECT RAISE(ABORT, 'the control audit trail is append-only'); END;
CREATE TABLE IF NOT EXISTS control_panel_lease (
  dev_index TEXT PRIMARY KEY,
  command_id TEXT NOT NULL,
  until_ms INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS control_idempotency (
  token_name TEXT NOT NULL,
  key TEXT NOT NULL,
  fingerprint TEXT NOT NULL,
  command_id TEXT NOT NULL,
  created_ms INTEGER NOT NULL,
  PRIMARY KEY (token_name, key)
);
`;

/** Idempotency keys are kept this long: a retry after a day is a new request. */
export const IDEMPOTENCY_RETENTION_MS = 24 * 3600 * 1000;

interface AuditRow {
  seq: number;
  record: string;
  prev_hash: string;
  hash: string;
}

function storeError(code: ErrorCode, operation: string, error: unknown): HikArcError {
  const sqliteCode = (error as { code?: unknown }).code;
  return new HikArcError(code, `control store ${operation} failed: ${errorMessage(error)}`, { cause: error, detail: { sqliteCode } });
}

function toEntry(row: AuditRow): AuditEntry {
  const record = JSON.parse(row.record) as { at: string; phase: AuditPhase; command: CommandRecord };
  return { seq: row.seq, at: record.at, phase: record.phase, command: record.command, hash: row.hash };
}

export type LeaseResult = { readonly ok: true } | { readonly ok: false; readonly holder: string; readonly untilMs: number };

export type IdempotencyClaim =
  | { readonly kind: 'new' }
  | { readonly kind: 'replay'; readonly commandId: string }
  | { readonly kind: 'conflict'; readonly commandId: string };

export interface ControlStoreOptions {
  readonly path: string;
  readonly busyTimeoutMs?: number;
}

export class ControlStore {
  private readonly db: Database.Database;
  private readonly lastRow: Database.Statement<[], { seq: number; hash: string }>;
  private readonly insertRow: Database.Statement<[number, string, string, string]>;

  constructor(options: ControlStoreOptions) {
    try {
      if (options.path !== ':memory:') mkdirSync(dirname(options.path), { recursive: true });
      this.db = new Database(options.path);
      this.db.pragma(`busy_timeout = ${options.busyTimeoutMs ?? 5000}`);
      this.db.pragma('journal_mode = WAL');
      this.db.pragma('synchronous = FULL');
      this.db.exec(SCHEMA);
    } catch (error) {
      throw storeError('HIKARC_CONTROL_AUDIT_FAILED', `open of ${options.path}`, error);
    }
    this.lastRow = this.db.prepare('SELECT seq, hash FROM control_audit ORDER BY seq DESC LIMIT 1');
    this.insertRow = this.db.prepare('INSERT INTO control_audit (seq, record, prev_hash, hash) VALUES (?, ?, ?, ?)');
  }

  /** Appends one entry at the end of the chain; throws HIKARC_CONTROL_AUDIT_FAILED. */
  append(at: number, phase: AuditPhase, command: CommandRecord): AuditEntry {
    const iso = new Date(at).toISOString();
    const record = canonicalJson({ v: AUDIT_VERSION, at: iso, phase, command });
    try {
      const append = this.db.transaction(() => {
        const last = this.lastRow.get();
        const seq = (last?.seq ?? 0) + 1;
        const previous = last?.hash ?? GENESIS_HASH;
        const hash = entryHash(seq, previous, record);
        this.insertRow.run(seq, record, previous, hash);
        return { seq, hash };
      });
      const { seq, hash } = append.immediate();
      return { seq, at: iso, phase, command, hash };
    } catch (error) {
      throw storeError('HIKARC_CONTROL_AUDIT_FAILED', 'audit append', error);
    }
  }

  private guarded<T>(operation: string, run: () => T): T {
    try {
      return run();
    } catch (error) {
      throw storeError('HIKARC_CONTROL_AUDIT_FAILED', operation, error);
    }
  }

  /** Entries at or after `since` (ISO), oldest first. */
  entries(options: { readonly since?: string; readonly limit?: number } = {}): AuditEntry[] {
    return this.guarded('audit read', () =>
      this.db
        .prepare<[string, number], AuditRow>('SELECT seq, record, prev_hash, hash FROM control_audit WHERE at >= ? ORDER BY seq LIMIT ?')
        .all(options.since ?? '', options.limit ?? 100_000)
        .map(toEntry),
    );
  }

  /** The last snapshot of a command: its current record. */
  latest(commandId: string): AuditEntry | undefined {
    const row = this.guarded('audit read', () =>
      this.db
        .prepare<[string], AuditRow>('SELECT seq, record, prev_hash, hash FROM control_audit WHERE command_id = ? ORDER BY seq DESC LIMIT 1')
        .get(commandId),
    );
    return row === undefined ? undefined : toEntry(row);
  }

  /**
   * Commands that may still be waiting for their panel's event: the last entry of each command
   * since `since` (ISO) is its request, its acceptance or an event already observed.
   */
  awaitingConfirmation(since: string): AuditEntry[] {
    return this.guarded('audit read', () =>
      this.db
        .prepare<[string], AuditRow>(
          `SELECT seq, record, prev_hash, hash FROM control_audit a WHERE at >= ? AND phase IN ('requested', 'answered', 'observed')
           AND seq = (SELECT MAX(b.seq) FROM control_audit b WHERE b.command_id = a.command_id) ORDER BY seq`,
        )
        .all(since)
        .map(toEntry)
        .filter((entry) => entry.command.state === 'requested' || entry.command.state === 'accepted'),
    );
  }

  /** The panel events `run` observed for a command of this process, in order. */
  observedEvents(commandId: string): ConfirmingEvent[] {
    return this.guarded('audit read', () =>
      this.db
        .prepare<[string], AuditRow>("SELECT seq, record, prev_hash, hash FROM control_audit WHERE command_id = ? AND phase = 'observed' ORDER BY seq")
        .all(commandId)
        .map(toEntry)
        .flatMap((entry) => (entry.command.confirmation?.source === 'event' ? entry.command.confirmation.events : [])),
    );
  }

  /** Recomputes the whole chain. */
  verify(): ChainVerdict {
    return this.guarded('audit verification', () => {
      const rows = this.db.prepare<[], AuditRow>('SELECT seq, record, prev_hash, hash FROM control_audit ORDER BY seq').iterate();
      function* chain(): Generator<ChainRow> {
        for (const row of rows) yield { seq: row.seq, record: row.record, prevHash: row.prev_hash, hash: row.hash };
      }
      return verifyChain(chain());
    });
  }

  /** Commands requested since `at` (ms), by every process: the shared rate limit. */
  commandsSince(at: number): number {
    const row = this.guarded('audit count', () =>
      this.db.prepare<[string], { n: number }>("SELECT COUNT(*) AS n FROM control_audit WHERE at >= ? AND phase = 'requested'").get(new Date(at).toISOString()),
    );
    return row?.n ?? 0;
  }

  /**
   * Takes the panel for one command until `untilMs` (wall clock, shared by processes). A lease left
   * by a process that died ends by itself.
   */
  acquirePanel(devIndex: string, commandId: string, nowMs: number, untilMs: number): LeaseResult {
    try {
      const acquire = this.db.transaction((): LeaseResult => {
        const held = this.db
          .prepare<[string], { command_id: string; until_ms: number }>('SELECT command_id, until_ms FROM control_panel_lease WHERE dev_index = ?')
          .get(devIndex);
        if (held !== undefined && held.until_ms > nowMs) return { ok: false, holder: held.command_id, untilMs: held.until_ms };
        this.db.prepare('INSERT OR REPLACE INTO control_panel_lease (dev_index, command_id, until_ms) VALUES (?, ?, ?)').run(devIndex, commandId, untilMs);
        return { ok: true };
      });
      return acquire.immediate();
    } catch (error) {
      throw storeError('HIKARC_CONTROL_AUDIT_FAILED', 'panel lease', error);
    }
  }

  releasePanel(devIndex: string, commandId: string): void {
    try {
      this.db.prepare('DELETE FROM control_panel_lease WHERE dev_index = ? AND command_id = ?').run(devIndex, commandId);
    } catch {
      // The lease ends by itself at until_ms.
    }
  }

  /** Records an API idempotency key for a command, or names the command it already belongs to. */
  claimIdempotencyKey(tokenName: string, key: string, fingerprint: string, commandId: string, nowMs: number): IdempotencyClaim {
    try {
      const claim = this.db.transaction((): IdempotencyClaim => {
        this.db.prepare('DELETE FROM control_idempotency WHERE created_ms < ?').run(nowMs - IDEMPOTENCY_RETENTION_MS);
        const held = this.db
          .prepare<[string, string], { fingerprint: string; command_id: string }>(
            'SELECT fingerprint, command_id FROM control_idempotency WHERE token_name = ? AND key = ?',
          )
          .get(tokenName, key);
        if (held !== undefined) return { kind: held.fingerprint === fingerprint ? 'replay' : 'conflict', commandId: held.command_id };
        this.db
          .prepare('INSERT INTO control_idempotency (token_name, key, fingerprint, command_id, created_ms) VALUES (?, ?, ?, ?, ?)')
          .run(tokenName, key, fingerprint, commandId, nowMs);
        return { kind: 'new' };
      });
      return claim.immediate();
    } catch (error) {
      throw storeError('HIKARC_CONTROL_AUDIT_FAILED', 'idempotency key', error);
    }
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}
