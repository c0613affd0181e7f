// The unit's EnvironmentFile read as systemd reads it, and check-config validating with it.

import { chmodSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseEnvironmentFile } from '../../../src/config/env-file.js';
import { takeGlobalFlags } from '../../../src/commands/env-files.js';
import { runCommand } from '../../helpers/run-cli.js';
import { writeTempFile, writeTempJson } from '../../helpers/temp-files.js';

describe('parseEnvironmentFile', () => {
  it('reads systemd EnvironmentFile syntax: comments, quotes, escapes, continuations', () => {
    const file = [
      '# secrets for hik-arc',
      '; another comment',
      '',
      '  PLAIN = value with spaces   ',
      "SINGLE='it''s # not a comment \\n'",
      'DOUBLE="say \\"hi\\" \\\\ \\$HOME"',
      'CONTINUED=first\\',
      'second',
      'EMPTY=',
      'CRLF=yes\r',
      'REPEATED=one',
      'REPEATED=two',
    ].join('\n');
    expect(parseEnvironmentFile(file)).toEqual({
      variables: {
        PLAIN: 'value with spaces',
        SINGLE: 'its # not a comment \\n',
        DOUBLE: 'say "hi" \\ $HOME',
        CONTINUED: 'firstsecond',
        EMPTY: '',
        CRLF: 'yes',
        REPEATED: 'two',
      },
      problems: [],
    });
  });

  it('names the line of what systemd would ignore, never its text', () => {
    const parsed = parseEnvironmentFile('hunter2\nexport A=1\nB="open\n');
    expect(parsed.variables).toEqual({});
    expect(parsed.problems).toEqual([
      'line 1: no "=", not an assignment; ignored',
      'line 2: the text before "=" is not a variable name; ignored',
      'line 3: a quote is not closed; B ignored',
    ]);
    expect(parsed.problems.join()).not.toContain('hunter2');
  });
});

describe('hik-arc check-config --env-file', () => {
  const config = { receiver: { url: 'http://127.0.0.1:8080', username: 'admin', account: 'AAAA' }, arc: { primary: 'tcp://127.0.0.1:9999' } };

  it('counts the secrets of the environment file, and never prints them', async () => {
    const envFile = writeTempFile('# unit environment\nHIK_ARC_RECEIVER_PASSWORD="pa ss\\"word"\nHIK_ARC_ARC_KEY=000102030405060708090A0B0C0D0E0F\n', '.env');
    chmodSync(envFile, 0o600);
    const without = await runCommand(['check-config', writeTempJson(config), '--for', 'run']);
    expect(without.code).toBe(78);
    expect(without.stderr).toContain('receiver.password');
    const run = await runCommand(['check-config', writeTempJson(config), '--for', 'run', '--env-file', envFile, '--print']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/complete for run/);
    expect(run.stdout).not.toContain('pa ss');
    expect(run.stdout).not.toContain('0E0F');
  });

  it('validates the variables of the file and warns about its mode and bad lines', async () => {
    const envFile = writeTempFile('HIK_ARC_RECEIVER_PASSWORD=hunter2\nHIK_ARC_ARC_ATTEMPTS=many\nnonsense hunter2\n', '.env');
    chmodSync(envFile, 0o644);
    const run = await runCommand(['check-config', writeTempJson(config), '--env-file', envFile]);
    expect(run.code).toBe(78);
    expect(run.stderr).toContain('arc.attempts');
    expect(run.stderr).toMatch(/line 3: no "="/);
    expect(run.stderr).toMatch(/HIKARC_CONFIG_FILE_READABLE.*HIK_ARC_RECEIVER_PASSWORD.*0644/);
    expect(run.stderr).not.toContain('hunter2');
    const missing = await runCommand(['check-config', writeTempJson(config), '--env-file', '/nonexistent/env']);
    expect(missing.code).toBe(78);
    expect(missing.stderr).toContain('cannot read environment file /nonexistent/env');
  });
});

describe('--env-file on any command', () => {
  it('lays the file over the environment of the command', async () => {
    const envFile = writeTempFile('HIK_ARC_STORE_PATH="/nowhere/hik-arc.db"\n', '.env');
    const run = await runCommand(['dead-letters', `--env-file=${envFile}`]);
    expect(run.code).toBe(78);
    expect(run.stderr).toContain('store.path /nowhere/hik-arc.db (from HIK_ARC_STORE_PATH)');
  });

  it('takes --pretty and --env-file out of the arguments, and nothing after --', () => {
    expect(takeGlobalFlags(['--json', '--env-file', 'a', '--pretty', '--env-file=b', '--', '--pretty'])).toEqual({
      args: ['--json', '--', '--pretty'],
      pretty: true,
      envFiles: ['a', 'b'],
    });
  });
});
