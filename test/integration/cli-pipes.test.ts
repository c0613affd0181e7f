// A command whose reader goes away (`| head`, `| true`) ends quietly with exit 0, as Unix tools do:
// no "uncaught exception", no stack trace, no exit 70.

import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { storeWithDeadLetters } from '../helpers/dead-letter-store.js';
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
    const { path } = await storeWithDeadLetters('pipe-dead', 1000);
    const run = piped(['dead-letters', '--json', '--config', writeTempJson({ store: { path } })], 'head -n 1 >/dev/null');
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
  });

  it('a real failure still exits non-zero behind a pipe', () => {
    const run = piped(['translate', '/nonexistent/file'], 'cat >/dev/null');
    expect(run.status).toBe(1);
  });
});
