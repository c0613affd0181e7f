// The hash chain of the control audit trail (docs/panel-control.md §8). Each entry's hash covers
// its sequence number, the previous entry's hash and its record in canonical JSON, so changing,
// removing or reordering any entry breaks every hash after it. Pure; the store keeps the rows.

import { createHash } from 'node:crypto';

export const GENESIS_HASH = '0'.repeat(64);

/** JSON with object keys sorted at every depth: one text per value, whoever wrote it. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value ?? null);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, child]) => child !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([key, child]) => `${JSON.stringify(key)}:${canonicalJson(child)}`).join(',')}}`;
}

/** sha256 over `seq`, LF, the previous hash, LF, the canonical record; lower-case hex. */
export function entryHash(seq: number, previousHash: string, record: string): string {
  return createHash('sha256').update(`${seq}\n${previousHash}\n${record}`, 'utf8').digest('hex');
}

export interface ChainRow {
  readonly seq: number;
  readonly record: string;
  readonly prevHash: string;
  readonly hash: string;
}

export type ChainVerdict =
  | { readonly ok: true; readonly entries: number; readonly headHash: string }
  | { readonly ok: false; readonly entries: number; readonly brokenAt: number; readonly problem: string };

/** Checks rows in sequence order from the first entry. */
export function verifyChain(rows: Iterable<ChainRow>): ChainVerdict {
  let expectedSeq = 1;
  let previous = GENESIS_HASH;
  let entries = 0;
  for (const row of rows) {
    entries++;
    if (row.seq !== expectedSeq) return { ok: false, entries, brokenAt: row.seq, problem: `entry ${expectedSeq} is missing (found ${row.seq} next)` };
    if (row.prevHash !== previous) return { ok: false, entries, brokenAt: row.seq, problem: 'its link to the previous entry does not match' };
    if (entryHash(row.seq, row.prevHash, row.record) !== row.hash)
      return { ok: false, entries, brokenAt: row.seq, problem: 'its content does not match its hash' };
    previous = row.hash;
    expectedSeq++;
  }
  return { ok: true, entries, headHash: previous };
}
