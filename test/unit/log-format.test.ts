// Log lines: JSON with the version and hostname for the journal, pino-pretty's form for a person
// (at a terminal, or with --pretty).

import { hostname } from 'node:os';
import { describe, expect, it } from 'vitest';
import { PassThrough } from 'node:stream';
import { createLogger } from '../../src/log.js';
import { commandLogger } from '../../src/commands/command.js';
import { VERSION } from '../../src/version.js';
import { runCommand } from '../helpers/run-cli.js';
import { writeTempFile } from '../helpers/temp-files.js';

const REPAIRABLE = '{"EventNotificationAlert":{"eventType":"devStatusChanged","status":"online",},}\n';

describe('log lines', () => {
  it('carry the version and the hostname as base fields, and keep secrets out', () => {
    const lines: string[] = [];
    const logger = createLogger({ level: 'info', destination: { write: (line: string) => lines.push(line) } });
    logger.info({ password: 'hunter2' }, 'hello');
    expect(JSON.parse(lines[0] ?? '')).toMatchObject({
      level: 'info',
      service: 'hik-arc',
      version: VERSION,
      hostname: hostname(),
      msg: 'hello',
      password: '[redacted]',
    });
  });

  it('are pino-pretty lines with --pretty, JSON without', async () => {
    const file = writeTempFile(REPAIRABLE, '.jsonl');
    const json = await runCommand(['translate', file]);
    expect(json.code).toBe(0);
    const line = json.stderr.split('\n').find((text) => text.includes('vendor document repaired'));
    expect(JSON.parse(line ?? '')).toMatchObject({ level: 'info', command: 'translate', version: VERSION, hostname: hostname() });

    const pretty = await runCommand(['translate', '--pretty', file]);
    expect(pretty.code).toBe(0);
    expect(pretty.stdout).toBe(json.stdout);
    expect(pretty.stderr).toMatch(/^\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}\] INFO: vendor document repaired\n/m);
    expect(pretty.stderr).not.toContain('{"level"');
    // No colour codes when the stream is not a terminal.
    expect(pretty.stderr).not.toContain('\u001b[');
  });

  it('are pretty and coloured when the log stream is a terminal', () => {
    const stderr = Object.assign(new PassThrough(), { isTTY: true });
    let text = '';
    stderr.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
    commandLogger({ stdout: new PassThrough(), stderr, env: {} }, 'info', 'stderr', 'send').warn('at a terminal');
    expect(text).toContain('at a terminal');
    expect(text).toContain('\u001b[');
    expect(text).not.toContain('{"level"');
  });
});
