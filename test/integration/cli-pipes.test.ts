// A command whose reader goes away (`| head`, `| true`) ends quietly with exit 0, as Unix tools do:
// no "uncaught exception", no stack trace, no exit 70.

import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ARC_DESTINATION, encodeStoredEvent } from '../../src/service/stored-event.js';
import { decodeEventDocument } from '../../src/ingest/index.js';
import { openSqliteOutbox } from '../../src/outbox/index.js';
import { tempDir, writeTempJson } from '../helpers/temp-files.js';

let runs = 0;

/** Runs `hik-arc ARGS | READER` in bash; the exit status of hik-arc and what it wrote to stderr. */
function piped(args: readonly string[], reader: string): { status: number; stderr: string } {
  runs += 1;
  const errFile = join(tempDir(), `pipe-${process.pid}-${runs}.err`);
  const quoted = args.map((arg) => `'${arg.replace(/'/g, `'\\''`)}'`).join(' ');
  const result = spawnSync('bash', ['-c', `"${process.execPath}" bin/hik-arc.js ${quoted} 2>'${errFile}' | ${reader}; echo "status=\${PIPESTATUS[0]}"`], {
    encoding: 'utf8',
    env: { ...process.env, HIK_ARC_LOG_LEVEL: 'silent' },
    timeout: 60_000,
  });
  const status = /status=(\d+)/.exec(result.stdout)?.[1];
  return { status: Number(status), stderr: readFileSync(errFile, 'utf8') };
}

const CAPTURE = 'test/fixtures/guide-examples.multipart';

describe('EPIPE on stdout', { timeout: 60_000 }, () => {
  it('translate … | head -1', () => {
    const run = piped(['translate', '--config', 'config/demo.json', ...Array.from({ length: 40 }, () => CAPTURE)], 'head -n 1 >/dev/null');
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
  });

  it('tables | true', () => {
    const run = piped(['tables'], 'true');
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
  });

  it('dead-letters --json | head -1', async () => {
    const path = join(tempDir(), `pipe-dead-${process.pid}.db`);
    const decoded = decodeEventDocument(
      JSON.stringify({ EventNotificationAlert: { eventType: 'CIDAlarm', devIndex: 'new-panel', CIDAlarm: { CIDCode: '1130', zoneNo: 4 } } }),
    );
    if (decoded.kind !== 'event') throw new Error('fixture');
    const outbox = openSqliteOutbox({ path });
    const stored = encodeStoredEvent({ message: null, event: decoded.event, source: 'stream' });
    await outbox.append(
      Array.from({ length: 1000 }, (_, i) => ({
        destination: ARC_DESTINATION,
        account: '',
        receivedAt: Date.UTC(2026, 0, 1) + i,
        ...stored,
        deadReason: 'no-account: no account for device new-panel',
      })),
    );
    await outbox.close();
    const run = piped(['dead-letters', '--json', '--config', writeTempJson({ store: { path } })], 'head -n 1 >/dev/null');
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
  });

  it('a real failure still exits non-zero behind a pipe', () => {
    const run = piped(['translate', '/nonexistent/file'], 'cat >/dev/null');
    expect(run.status).toBe(1);
  });
});
