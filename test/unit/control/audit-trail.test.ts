// The control audit trail: canonical JSON and the hash chain (pinned by a vector computed outside
// hik-arc), and the store: append-only, shared by processes, tampering found by verification,
// the per-panel lease and idempotency keys.

import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { canonicalJson, entryHash, GENESIS_HASH, verifyChain } from '../../../src/control/audit-chain.js';
import type { CommandRecord } from '../../../src/control/command-record.js';
import { ControlStore, IDEMPOTENCY_RETENTION_MS } from '../../../src/control/control-store.js';
import { tempDir, writeTempFile } from '../../helpers/temp-files.js';

let files = 0;
function storePath(): string {
  files += 1;
  return join(tempDir(), `audit-${process.pid}-${files}.db`);
}

function record(commandId: string, state: CommandRecord['state'] = 'requested'): CommandRecord {
  return {
    commandId,
    state,
    action: 'disarm',
    command: { action: 'disarm', partition: 1 },
    panel: { devIndex: 'dev-1', account: '2001', serial: null, name: 'Site' },
    operator: 'j.smith',
    reason: 'keyholder on site',
    via: 'cli',
    tokenName: null,
    login: 'alice',
    requestedAt: '2025-06-01T13:45:00.000Z',
    request: { method: 'PUT', path: '/ISAPI/SecurityCP/control/disarm/1?format=json&devIndex=dev-1', body: null },
    answer: null,
    confirmation: null,
    readBack: null,
    blockingZones: null,
    code: null,
    message: null,
  };
}

const T0 = Date.UTC(2025, 5, 1, 13, 45, 0);

describe('the hash chain', () => {
  it('canonical JSON sorts keys at every depth and drops undefined members', () => {
    expect(canonicalJson({ b: [2, { c: null, a: undefined }], a: 1 })).toBe('{"a":1,"b":[2,{"c":null}]}');
  });

  it('hashes seq, the previous hash and the record (vector computed independently)', () => {
    expect(entryHash(1, GENESIS_HASH, '{"a":1,"b":[2,{"c":null}]}')).toBe('c2cdc5bcda856bae2b7a7e85bcd77b86c7139d80d3e558da6cb2b608b7127578');
  });

  it('finds an edit, a removal and a reordering', () => {
    const rows = ['{"n":1}', '{"n":2}', '{"n":3}'].reduce<Array<{ seq: number; record: string; prevHash: string; hash: string }>>((chain, text, index) => {
      const prevHash = chain[index - 1]?.hash ?? GENESIS_HASH;
      chain.push({ seq: index + 1, record: text, prevHash, hash: entryHash(index + 1, prevHash, text) });
      return chain;
    }, []);
    expect(verifyChain(rows)).toMatchObject({ ok: true, entries: 3, headHash: rows[2]?.hash });
    const [first, second, third] = rows as [(typeof rows)[0], (typeof rows)[0], (typeof rows)[0]];
    expect(verifyChain([first, { ...second, record: '{"n":20}' }, third])).toMatchObject({
      ok: false,
      brokenAt: 2,
      problem: 'its content does not match its hash',
    });
    expect(verifyChain([first, third])).toMatchObject({ ok: false, brokenAt: 3 });
    expect(verifyChain([first, { ...third, seq: 2 }, { ...second, seq: 3 }])).toMatchObject({ ok: false, brokenAt: 2 });
  });
});

describe('ControlStore', () => {
  it('appends a chain two connections share, and verifies it', () => {
    const path = storePath();
    const cli = new ControlStore({ path });
    const service = new ControlStore({ path });
    cli.append(T0, 'requested', record('c1'));
    service.append(T0 + 10, 'requested', record('c2'));
    cli.append(T0 + 20, 'answered', record('c1', 'accepted'));
    expect(service.verify()).toMatchObject({ ok: true, entries: 3 });
    expect(cli.entries().map((entry) => [entry.seq, entry.phase, entry.command.commandId])).toEqual([
      [1, 'requested', 'c1'],
      [2, 'requested', 'c2'],
      [3, 'answered', 'c1'],
    ]);
    expect(service.latest('c1')?.command.state).toBe('accepted');
    expect(service.entries({ since: new Date(T0 + 10).toISOString() }).map((entry) => entry.seq)).toEqual([2, 3]);
    expect(service.commandsSince(T0 + 5)).toBe(1);
    cli.close();
    service.close();
  });

  it('refuses UPDATE and DELETE, and finds an edit made around the triggers', () => {
    const path = storePath();
    const store = new ControlStore({ path });
    store.append(T0, 'requested', record('c1'));
    store.append(T0 + 1, 'answered', record('c1', 'accepted'));
    store.append(T0 + 2, 'settled', record('c1', 'confirmed'));
    const editor = new Database(path);
    expect(() => editor.prepare('DELETE FROM control_audit WHERE seq = 2').run()).toThrow(/append-only/);
    expect(() => editor.prepare("UPDATE control_audit SET record = replace(record, 'j.smith', 'nobody') WHERE seq = 2").run()).toThrow(/append-only/);
    editor.exec('DROP TRIGGER control_audit_no_update');
    editor.prepare("UPDATE control_audit SET record = replace(record, 'j.smith', 'nobody') WHERE seq = 2").run();
    editor.close();
    expect(store.verify()).toMatchObject({ ok: false, brokenAt: 2, problem: 'its content does not match its hash' });
    store.close();
  });

  it('never stores the receiver password or a token', () => {
    const path = storePath();
    const store = new ControlStore({ path });
    store.append(T0, 'requested', { ...record('c1'), via: 'api', tokenName: 'arc-automation' });
    store.close();
    const raw = new Database(path);
    const text = JSON.stringify(raw.prepare('SELECT * FROM control_audit').all());
    raw.close();
    expect(text).toContain('arc-automation');
    expect(text).not.toMatch(/hikarc_|password|authorization/i);
  });

  it('leases a panel to one command at a time; a lease left behind ends by itself', () => {
    const path = storePath();
    const one = new ControlStore({ path });
    const two = new ControlStore({ path });
    expect(one.acquirePanel('dev-1', 'c1', T0, T0 + 1000)).toEqual({ ok: true });
    expect(two.acquirePanel('dev-1', 'c2', T0 + 10, T0 + 1010)).toEqual({ ok: false, holder: 'c1', untilMs: T0 + 1000 });
    expect(two.acquirePanel('dev-2', 'c3', T0 + 10, T0 + 1010)).toEqual({ ok: true });
    two.releasePanel('dev-1', 'c2'); // not the holder: no effect
    expect(two.acquirePanel('dev-1', 'c2', T0 + 20, T0 + 1020).ok).toBe(false);
    one.releasePanel('dev-1', 'c1');
    expect(two.acquirePanel('dev-1', 'c2', T0 + 30, T0 + 1030)).toEqual({ ok: true });
    expect(one.acquirePanel('dev-1', 'c4', T0 + 2000, T0 + 3000)).toEqual({ ok: true }); // c2 never released: expired
    one.close();
    two.close();
  });

  it('idempotency keys: new, replay, conflict, per token, forgotten after a day', () => {
    const store = new ControlStore({ path: storePath() });
    expect(store.claimIdempotencyKey('arc', 'k1', 'f1', 'c1', T0)).toEqual({ kind: 'new' });
    expect(store.claimIdempotencyKey('arc', 'k1', 'f1', 'c2', T0 + 1)).toEqual({ kind: 'replay', commandId: 'c1' });
    expect(store.claimIdempotencyKey('arc', 'k1', 'f2', 'c3', T0 + 2)).toEqual({ kind: 'conflict', commandId: 'c1' });
    expect(store.claimIdempotencyKey('other', 'k1', 'f2', 'c4', T0 + 3)).toEqual({ kind: 'new' });
    expect(store.claimIdempotencyKey('arc', 'k1', 'f2', 'c5', T0 + IDEMPOTENCY_RETENTION_MS + 1)).toEqual({ kind: 'new' });
    store.close();
  });

  it('fails closed with HIKARC_CONTROL_AUDIT_FAILED when the file cannot be opened', () => {
    // A directory that cannot exist: its parent is a file.
    const file = writeTempFile('not a directory');
    expect(() => new ControlStore({ path: join(file, 'x.db') })).toThrow(expect.objectContaining({ code: 'HIKARC_CONTROL_AUDIT_FAILED' }));
  });
});
