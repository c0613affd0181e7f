// The installed entry point as a real process: what an installer types.

import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { writeTempFile, writeTempJson } from '../helpers/temp-files.js';

function hikArc(args: string[], env: Record<string, string> = {}): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, ['bin/hik-arc.js', ...args], { encoding: 'utf8', env: { ...process.env, ...env }, timeout: 30_000 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('bin/hik-arc.js', () => {
  it('translates the bundled guide capture with the demo config', () => {
    const result = hikArc(['translate', '--config', 'config/demo.json', 'test/fixtures/guide-examples.multipart']);
    expect(result.status).toBe(0);
    const lines = result.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines).toHaveLength(32);
    expect(lines.filter((line) => line['forwarded'] === true)).toHaveLength(31);
  });

  it('prints 328 table rows', () => {
    const result = hikArc(['tables', '--json']);
    expect(result.status).toBe(0);
    expect((JSON.parse(result.stdout) as unknown[]).length).toBe(328);
  });

  it('exits 78 on a bad config and 64 on a bad command line', () => {
    expect(hikArc(['translate', '--config', writeTempJson({ translate: { repeatWindowSec: -5 } }), writeTempFile('{}')]).status).toBe(78);
    expect(hikArc(['translate', '--no-such-flag']).status).toBe(64);
    expect(hikArc(['frobnicate']).status).toBe(64);
  });

  it('exits non-zero for a file that is not an event file', () => {
    const result = hikArc(['translate', writeTempFile('just some text\n')], { HIK_ARC_LOG_LEVEL: 'silent' });
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/not an event file/);
  });
});
