// Config contract: defaults, file, HIK_ARC_* overrides, every problem named at once, frozen,
// secrets masked, and no command asked for settings it does not use.

import { describe, expect, it } from 'vitest';
import { loadConfig, redactConfig, requireSettings } from '../../../src/config/load.js';
import { envName, listSettings } from '../../../src/config/schema.js';
import { isDc09Account, isDc09HexField } from '../../../src/transport/dc09-fields.js';
import { ConfigError } from '../../../src/errors.js';
import { runCommand } from '../../helpers/run-cli.js';
import { writeTempFile, writeTempJson } from '../../helpers/temp-files.js';

function problemsOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (error) {
    if (error instanceof ConfigError) return [...error.problems];
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it('runs translate-only settings with no receiver or ARC at all', () => {
    const config = loadConfig({ file: writeTempJson({ receiver: { account: 'AAAA' }, translate: { fallbackAccount: 'FFFF' } }) });
    expect(config.receiver).toMatchObject({ account: 'AAAA', url: '', heartbeatTimeoutSec: 30 });
    expect(config.translate).toEqual({ fallbackAccount: 'FFFF', unknownEvent: 'forward', inactive: 'drop', repeatWindowSec: 60 });
    expect(config.arc).toMatchObject({ primary: '', format: 'adm-cid', receiverNumber: '0', linePrefix: '0', attempts: 3 });
    expect(config.store.path).toBe('./var/hik-arc.db');
    expect(config.http.listen).toBe('127.0.0.1:9309');
  });

  it('is deep-frozen', () => {
    const config = loadConfig({});
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.arc)).toBe(true);
    expect(() => {
      (config.arc as { primary: string }).primary = 'tcp://x:1';
    }).toThrow();
  });

  it('lets HIK_ARC_* variables override the file, converting numbers and the accounts map', () => {
    const file = writeTempJson({ receiver: { heartbeatTimeoutSec: 40 }, arc: { primary: 'tcp://10.0.0.1:5000' } });
    const config = loadConfig({
      file,
      env: { HIK_ARC_RECEIVER_HEARTBEAT_TIMEOUT_SEC: '45', HIK_ARC_ARC_PRIMARY: 'udp://arc.example:6000', HIK_ARC_ACCOUNTS: '{"dev-1":"abc"}' },
    });
    expect(config.receiver.heartbeatTimeoutSec).toBe(45);
    expect(config.arc.primary).toBe('udp://arc.example:6000');
    expect(config.accounts).toEqual({ 'dev-1': 'ABC' });
  });

  it('names every problem in one go', () => {
    const file = writeTempJson({
      receiver: { account: 'XYZ', bogus: 1 },
      arc: { primary: 'tcp://nowhere', attempts: 0, key: 'abc' },
      translate: { fallbackAccount: 'FF', unknownEvent: 'maybe' },
      accounts: { 'dev-1': 'not hex' },
    });
    const problems = problemsOf(() => loadConfig({ file, env: { HIK_ARC_ARC_PASWORD: 'x' } }));
    const keys = [
      'receiver.account',
      'receiver.bogus',
      'arc.primary',
      'arc.attempts',
      'arc.key',
      'translate.fallbackAccount',
      'translate.unknownEvent',
      'accounts',
      'HIK_ARC_ARC_PASWORD',
    ];
    for (const key of keys)
      expect(
        problems.some((problem) => problem.startsWith(`${key}:`)),
        key,
      ).toBe(true);
    expect(problems).toHaveLength(keys.length);
  });

  it('checks the AES key length against its format', () => {
    expect(loadConfig({ overrides: { 'arc.key': '000102030405060708090A0B0C0D0E0F' } }).arc.key).toHaveLength(32);
    expect(loadConfig({ overrides: { 'arc.key': 'AAAAAAAAAAAAAAAA', 'arc.keyFormat': 'ascii' } }).arc.keyFormat).toBe('ascii');
    // The transport's own key parser decides, so config and codec cannot disagree.
    expect(problemsOf(() => loadConfig({ overrides: { 'arc.key': 'AAAAAAAAAAAAAAAA' } }))).toEqual([
      'arc.key: a hex AES key is 32, 48 or 64 hex digits; this one has 16 characters (arc.keyFormat is hex)',
    ]);
  });

  it('reads only whole numbers from the environment, and lets command-line values win over it', () => {
    expect(problemsOf(() => loadConfig({ env: { HIK_ARC_ARC_ATTEMPTS: '3x' } }))).toEqual(['arc.attempts: must be an integer from 1 to 100: value was "3x"']);
    expect(problemsOf(() => loadConfig({ env: { HIK_ARC_CONTROL_ENABLED: 'yes' } }))).toEqual(['control.enabled: must be true or false: value was "yes"']);
    const config = loadConfig({ env: { HIK_ARC_ARC_PRIMARY: 'tcp://10.0.0.1:5000' }, overrides: { 'arc.primary': 'tcp://10.0.0.2:5000' } });
    expect(config.arc.primary).toBe('tcp://10.0.0.2:5000');
  });

  it('gives the stages the canonical form: upper-case hex, a fingerprint as colon pairs, a base URL without a trailing slash', () => {
    const fingerprint = 'ab'.repeat(32);
    const config = loadConfig({
      file: writeTempJson({
        receiver: { account: 'abc', url: 'https://10.0.0.5', username: 'u', password: 'p', certFingerprint: fingerprint },
        arc: { receiverNumber: 'a1' },
        accounts: { 'dev-1': 'def' },
      }),
    });
    expect(config.receiver.account).toBe('ABC');
    expect(config.receiver.certFingerprint).toBe(`${'AB:'.repeat(31)}AB`);
    expect(config.arc.receiverNumber).toBe('A1');
    expect(config.accounts).toEqual({ 'dev-1': 'DEF' });
  });

  it('reports an unreadable or non-JSON file clearly', () => {
    expect(problemsOf(() => loadConfig({ file: '/nonexistent/hik-arc.json' }))[0]).toMatch(/cannot read config file/);
    expect(problemsOf(() => loadConfig({ file: writeTempFile('{ not json', '.json') }))[0]).toMatch(/is not valid JSON/);
  });

  it('names required settings a command needs, with the variable to set', () => {
    const config = loadConfig({});
    const problems = problemsOf(() => requireSettings(config, ['receiver.url', 'arc.primary'], 'run'));
    expect(problems).toEqual([
      'receiver.url: required by "hik-arc run" (set it in the config file or HIK_ARC_RECEIVER_URL)',
      'arc.primary: required by "hik-arc run" (set it in the config file or HIK_ARC_ARC_PRIMARY)',
    ]);
  });

  it('masks secrets when the config is shown', () => {
    const config = loadConfig({ overrides: { 'receiver.password': 'hunter2', 'arc.key': '000102030405060708090A0B0C0D0E0F' } });
    const shown = JSON.stringify(redactConfig(config));
    expect(shown).not.toContain('hunter2');
    expect(shown).not.toContain('000102030405060708090A0B0C0D0E0F');
    expect(shown).toContain('[redacted]');
  });

  it('derives one environment variable name per setting', () => {
    const names = listSettings().map(({ path }) => envName(path));
    expect(new Set(names).size).toBe(names.length);
    expect(envName('translate.fallbackAccount')).toBe('HIK_ARC_TRANSLATE_FALLBACK_ACCOUNT');
  });
});

describe('media settings', () => {
  const SECRET = '0123456789abcdef0123456789abcdef';

  it("are off by default and keep today's [V] block", () => {
    const config = loadConfig({});
    expect(config.media).toMatchObject({
      listen: '',
      publicUrl: '',
      secret: '',
      linkTtlHours: 72,
      archive: false,
      retentionDays: 30,
      maxDiskMB: 2048,
      maxConcurrent: 2,
    });
  });

  it('need a public URL and a secret with a listen address, and TLS when it is not loopback', () => {
    expect(problemsOf(() => loadConfig({ overrides: { 'media.listen': '127.0.0.1:9443' } }))).toEqual([
      'media.publicUrl: needed with media.listen (the base URL the ARC opens the links at)',
      'media.secret: needed with media.listen (it signs the links; e.g. openssl rand -hex 32)',
    ]);
    const loopback = loadConfig({
      overrides: { 'media.listen': '127.0.0.1:9443', 'media.publicUrl': 'https://hik-arc.arc.example:9443/', 'media.secret': SECRET },
    });
    expect(loopback.media.publicUrl).toBe('https://hik-arc.arc.example:9443');
    expect(
      problemsOf(() => loadConfig({ overrides: { 'media.listen': '0.0.0.0:9443', 'media.publicUrl': 'https://a.example', 'media.secret': SECRET } }))[0],
    ).toMatch(/^media\.tlsCert: media\.tlsCert and media\.tlsKey are needed when media\.listen is not a loopback address/);
  });

  it('name a short secret, an unreadable certificate, a link base too long for the [V] block', () => {
    const problems = problemsOf(() =>
      loadConfig({
        overrides: {
          'media.secret': 'short',
          'media.tlsCert': '/nonexistent/cert.pem',
          'media.tlsKey': '/nonexistent/key.pem',
          'media.publicUrl': `https://a.example/${'x'.repeat(200)}`,
        },
      }),
    );
    expect(problems.some((problem) => problem.startsWith('media.secret: must be at least 32 characters'))).toBe(true);
    expect(problems.some((problem) => problem.startsWith('media.tlsCert: must be a readable file'))).toBe(true);
    expect(problems.some((problem) => problem.startsWith('media.publicUrl: must be at most 192 characters'))).toBe(true);
    expect(problemsOf(() => loadConfig({ overrides: { 'media.publicUrl': 'https://user:pw@a.example' } }))[0]).toMatch(
      /^media\.publicUrl: must be a plain base URL/,
    );
    expect(problemsOf(() => loadConfig({ overrides: { 'media.maxFileMB': 500, 'media.maxDiskMB': 100 } }))).toEqual([
      'media.maxFileMB: must not be larger than media.maxDiskMB',
    ]);
  });

  it('read the archive switch and the secret from the environment, and mask the secret', () => {
    const config = loadConfig({ env: { HIK_ARC_MEDIA_ARCHIVE: 'true', HIK_ARC_MEDIA_SECRET: SECRET, HIK_ARC_MEDIA_MAX_DISK_MB: '300' } });
    expect(config.media.archive).toBe(true);
    expect(config.media.maxDiskMB).toBe(300);
    expect(JSON.stringify(redactConfig(config))).not.toContain(SECRET);
  });
});

describe('hik-arc check-config', () => {
  it('accepts a valid file and says which commands it is complete for', async () => {
    const run = await runCommand(['check-config', writeTempJson({ receiver: { account: 'AAAA' }, translate: { fallbackAccount: 'FFFF' } })]);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/valid/);
    expect(run.stdout).toMatch(/complete for translate/);
    expect(run.stdout).toMatch(/not complete for run: missing receiver\.url/);
  });

  it('exits 78 naming every bad key', async () => {
    const run = await runCommand(['check-config', writeTempJson({ arc: { primary: 'ftp://x', attempts: -1 }, log: { level: 'loud' } })]);
    expect(run.code).toBe(78);
    expect(run.stderr).toMatch(/arc\.primary/);
    expect(run.stderr).toMatch(/arc\.attempts/);
    expect(run.stderr).toMatch(/log\.level/);
  });

  it('exits 78 when --for names a command the file is not complete for', async () => {
    const run = await runCommand(['check-config', writeTempJson({}), '--for', 'run']);
    expect(run.code).toBe(78);
    expect(run.stderr).toMatch(/receiver\.url: required by "hik-arc run"/);
  });

  it('never prints secrets', async () => {
    const run = await runCommand([
      'check-config',
      writeTempJson({ receiver: { password: 'hunter2' }, arc: { key: '000102030405060708090A0B0C0D0E0F' } }),
      '--print',
    ]);
    expect(run.code).toBe(0);
    expect(run.stdout).not.toContain('hunter2');
    expect(run.stdout).not.toContain('0E0F');
  });
});

describe('config/example.json', () => {
  it('is a valid config that explains every setting next to its value', async () => {
    const text = (await import('node:fs')).readFileSync('config/example.json', 'utf8');
    expect(() => loadConfig({ file: 'config/example.json' })).not.toThrow();
    const example = JSON.parse(text) as Record<string, unknown>;
    for (const { path } of listSettings()) {
      // Settings nest at any depth (arc.deviations.primary.omitReceiverNumber).
      const parts = path.split('.');
      const name = parts.pop() as string;
      let holder: Record<string, unknown> | undefined = example;
      for (const part of parts) holder = holder?.[part] as Record<string, unknown> | undefined;
      expect(holder !== undefined && name in holder, `${path} present`).toBe(true);
      expect(typeof holder?.[`//${name}`], `${path} explained`).toBe('string');
    }
  });
});

describe('README', () => {
  it('lists every config key', async () => {
    const readme = (await import('node:fs')).readFileSync('README.md', 'utf8');
    for (const { path } of listSettings()) expect(readme, path).toContain(`| \`${path}\` |`);
  });

  it('states the two quick-start commands', async () => {
    const readme = (await import('node:fs')).readFileSync('README.md', 'utf8');
    expect(readme).toContain('npm ci && npm run demo');
    expect(readme).toContain('npm ci && npm test');
  });
});

describe('DC-09 hex fields', () => {
  const accepted = ['123', '1234', 'ABCDEF', 'abcdef', '0123456789ABCDEF'];
  const rejected = ['', '12', '12G4', '12 4', ' 123', '123\n', '12\u0010', '\u0013\u0014\u0015', '１２３', '12345678901234567', 'g00'];
  it.each(accepted)('account %j is 3 to 16 hex digits', (text) => expect(isDc09Account(text)).toBe(true));
  it.each(rejected)('account %j is not', (text) => expect(isDc09Account(text)).toBe(false));
  it('R and L fields are 1 to 6 hex digits', () => {
    expect(['0', 'F', 'a1b2c3'].every(isDc09HexField)).toBe(true);
    expect(['', '1234567', 'x', '\u0010'].some(isDc09HexField)).toBe(false);
  });
});
