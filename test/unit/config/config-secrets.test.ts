// Secrets in the configuration: credentials in URLs are refused without being echoed, a JSON
// syntax error is located by line and column without the text around it, and a file holding
// secrets that others can read gets a warning from check-config and run.

import { chmodSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from '../../../src/cli.js';
import { redactConfig, loadConfig } from '../../../src/config/load.js';
import { createLogger, redactUrlCredentials } from '../../../src/log.js';
import { startFakeHikReceiver, type FakeHikReceiver } from '../../helpers/fake-hik-receiver.js';
import { runCommand } from '../../helpers/run-cli.js';
import { tempDir, writeTempFile, writeTempJson } from '../../helpers/temp-files.js';
import { waitFor } from '../../helpers/wait-for.js';

const SECRET = 's3cret-Pa55';

describe('credentials in URLs', () => {
  it.each([
    ['receiver.url', { receiver: { url: `http://admin:${SECRET}@10.0.0.5`, username: 'a', password: 'b' } }],
    ['receiver.url', { receiver: { url: `https://admin:${SECRET}@[fe80::1`, username: 'a', password: 'b' } }],
    ['arc.primary', { arc: { primary: `tcp://arc:${SECRET}@10.0.0.9:5000` } }],
    ['arc.secondary', { arc: { primary: 'tcp://10.0.0.9:5000', secondary: `udp://${SECRET}@10.0.0.9:5001` } }],
  ])('check-config refuses credentials in %s, naming the key and never echoing the value', async (key, config) => {
    const run = await runCommand(['check-config', writeTempJson(config)]);
    expect(run.code).toBe(78);
    expect(run.stderr).toMatch(new RegExp(`${key.replace('.', '\\.')}: .*(credentials|must be)`));
    expect(run.stderr + run.stdout).not.toContain(SECRET);
  });

  it('run refuses them from the environment too, without echoing them', async () => {
    const run = await runCommand(
      ['run', '--config', writeTempJson({ receiver: { username: 'a', password: 'b', account: 'AAAA' }, arc: { primary: 'tcp://127.0.0.1:9' } })],
      {
        HIK_ARC_RECEIVER_URL: `http://admin:${SECRET}@127.0.0.1:1`,
      },
    );
    expect(run.code).toBe(78);
    expect(run.stderr).toMatch(/receiver\.url: must not carry credentials/);
    expect(run.stderr + run.stdout).not.toContain(SECRET);
  });

  it('userinfo is redacted wherever a URL is shown', () => {
    expect(redactUrlCredentials(`http://admin:${SECRET}@10.0.0.5/ISAPI`)).toBe('http://[redacted]@10.0.0.5/ISAPI');
    expect(redactUrlCredentials(`connect to tcp://u:p@ss@arc:5000 failed`)).not.toContain('p@ss');
    expect(redactUrlCredentials('http://10.0.0.5:80')).toBe('http://10.0.0.5:80');
    const shown = JSON.stringify(
      redactConfig(loadConfig({ overrides: { 'receiver.url': 'http://10.0.0.5', 'receiver.username': 'u', 'receiver.password': SECRET } })),
    );
    expect(shown).toContain('http://10.0.0.5');
    expect(shown).not.toContain(SECRET);
  });

  it('log lines never carry the credentials of a URL, in a field or an object inside one', () => {
    const lines: string[] = [];
    const logger = createLogger({
      level: 'info',
      destination: new Writable({ write: (chunk: Buffer, _encoding, done) => (lines.push(chunk.toString('utf8')), done()) }),
    });
    logger.warn(
      { err: `connect to http://admin:${SECRET}@10.0.0.5 failed`, detail: { url: `https://admin:${SECRET}@10.0.0.5/ISAPI` }, port: 80 },
      'receiver unreachable',
    );
    expect(lines.join('')).not.toContain(SECRET);
    expect(lines.join('')).toContain('http://[redacted]@10.0.0.5');
    expect(JSON.parse(lines[0] ?? '{}')).toMatchObject({ port: 80, detail: { url: 'https://[redacted]@10.0.0.5/ISAPI' } });
  });
});

describe('config files that are not JSON', () => {
  it.each([
    ['a bare word', `{\n  "receiver": {\n    "password": ${SECRET}\n  }\n}\n`, 'line 3, column 17'],
    ['a missing comma', `{\n  "receiver": {\n    "password": "${SECRET}"\n    "username": "admin"\n  }\n}\n`, 'line 4, column 5'],
    ['a trailing comma', `{"arc": {"key": "${SECRET}",}}`, 'line 1, column 31'],
    ['the end of the file inside a string', `{"receiver": {"password": "${SECRET}`, 'line 1, column 39'],
  ])('%s: line and column, never the text around it', async (_name, text, where) => {
    const run = await runCommand(['check-config', writeTempFile(text, '.json')]);
    expect(run.code).toBe(78);
    expect(run.stderr).toMatch(/HIKARC_CONFIG_UNREADABLE/);
    expect(run.stderr).toContain(where);
    expect(run.stderr).not.toContain(SECRET);
    expect(run.stderr).not.toContain('s3cret');
  });
});

describe('a config file holding secrets that others can read', () => {
  function fileWith(config: unknown, mode: number): string {
    const file = writeTempJson(config);
    chmodSync(file, mode);
    return file;
  }

  it('check-config warns, naming the file, the mode and the secrets it holds', async () => {
    const file = fileWith({ receiver: { password: SECRET }, arc: { key: '000102030405060708090A0B0C0D0E0F' } }, 0o644);
    const run = await runCommand(['check-config', file]);
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(/HIKARC_CONFIG_FILE_READABLE/);
    expect(run.stderr).toContain(file);
    expect(run.stderr).toMatch(/0644/);
    expect(run.stderr).toMatch(/receiver\.password, arc\.key/);
    expect(run.stderr + run.stdout).not.toContain(SECRET);
  });

  it('no warning for mode 0600, nor for a readable file without secrets', async () => {
    expect((await runCommand(['check-config', fileWith({ receiver: { password: SECRET } }, 0o600)])).stderr).toBe('');
    expect((await runCommand(['check-config', fileWith({ receiver: { account: 'AAAA' } }, 0o644)])).stderr).toBe('');
  });

  describe('run', () => {
    let fake: FakeHikReceiver | undefined;
    afterEach(async () => {
      await fake?.close();
      fake = undefined;
    });

    it('logs the warning at start and runs on', async () => {
      fake = await startFakeHikReceiver({ heartbeatIntervalMs: 200 });
      const file = fileWith(
        {
          receiver: { url: fake.url, username: 'admin', password: 'hik12345', account: 'AAAA' },
          arc: { primary: 'tcp://127.0.0.1:9' },
          store: { path: join(tempDir(), `secrets-${process.pid}.db`) },
          http: { listen: '' },
        },
        0o640,
      );
      const stdout = new PassThrough();
      let text = '';
      stdout.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
      const controller = new AbortController();
      const exit = runCli(['run', '--config', file], { stdout, stderr: new PassThrough(), env: {}, signal: controller.signal });
      const receiver = fake;
      await waitFor(() => receiver.subscribeCount() === 1, 10_000, 'the subscription');
      controller.abort();
      expect(await exit).toBe(0);
      const lines = text
        .split('\n')
        .filter((line) => line !== '')
        .map((line) => JSON.parse(line) as Record<string, unknown>);
      const warning = lines.find((line) => line['code'] === 'HIKARC_CONFIG_FILE_READABLE');
      expect(warning).toMatchObject({ level: 'warn', file, mode: '0640', secrets: ['receiver.password'] });
      expect(text).not.toContain('hik12345');
    });
  });
});
