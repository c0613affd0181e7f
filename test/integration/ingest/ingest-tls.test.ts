// https to a receiver with a self-signed certificate, as these receivers ship: a TLS failure has
// its own code and names the settings that fix it; receiver.caFile trusts a PEM, and
// receiver.certFingerprint pins exactly one certificate. Verification is never turned off.

import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/load.js';
import { ingestSettingsFromConfig } from '../../../src/config/stage-settings.js';
import { events, receiverSuite } from './ingest-harness.js';

const fixture = (name: string): string => readFileSync(new URL(`../../fixtures/tls/${name}`, import.meta.url), 'utf8');
const IP_CERT = { key: fixture('receiver-ip.key'), cert: fixture('receiver-ip.crt') };
const FACTORY_CERT = { key: fixture('receiver-factory.key'), cert: fixture('receiver-factory.crt') };
const FACTORY_FINGERPRINT = new X509Certificate(FACTORY_CERT.cert).fingerprint256;
const IP_FINGERPRINT = new X509Certificate(IP_CERT.cert).fingerprint256;

const ALARM = JSON.stringify({
  EventNotificationAlert: { deviceID: '1234', eventType: 'CIDAlarm', eventState: 'active', CIDAlarm: { CIDCode: '1130', zoneNo: 3 } },
});

const { setup } = receiverSuite();

describe('https to the receiver', () => {
  it('a self-signed certificate without settings: its own code, a line naming receiver.caFile and receiver.certFingerprint, and the certificate it saw', async () => {
    const { fake, harness } = await setup({ tls: FACTORY_CERT, events: [ALARM] });
    await harness.waitFor(() => harness.logs.some((line) => line.code === 'HIKARC_RECEIVER_TLS_FAILED'), 'the TLS failure');
    const line = harness.logs.find((entry) => entry.code === 'HIKARC_RECEIVER_TLS_FAILED');
    expect(line?.msg).toMatch(/receiver\.caFile/);
    expect(line?.msg).toMatch(/receiver\.certFingerprint/);
    expect(line).toMatchObject({ level: 'error', presentedFingerprint: FACTORY_FINGERPRINT });
    expect(harness.logs.some((entry) => entry.code === 'HIKARC_RECEIVER_UNREACHABLE')).toBe(false);
    expect(harness.statuses).toContainEqual({ type: 'stream-lost', reason: 'tls', code: 'HIKARC_RECEIVER_TLS_FAILED' });
    expect(fake.requests).toEqual([]);
    expect(events(harness.items)).toEqual([]);
  });

  it('receiver.caFile trusts the receiver certificate', async () => {
    const { harness } = await setup({ tls: IP_CERT, events: [ALARM] }, { settings: { caPem: IP_CERT.cert } });
    await harness.waitFor(() => events(harness.items).length === 1, 'the alarm over https');
    expect(harness.logs.some((entry) => entry.code === 'HIKARC_RECEIVER_TLS_FAILED')).toBe(false);
  });

  it('receiver.caFile still checks the name: a factory certificate without the address fails', async () => {
    const { harness } = await setup({ tls: FACTORY_CERT, events: [ALARM] }, { settings: { caPem: FACTORY_CERT.cert } });
    await harness.waitFor(() => harness.logs.some((line) => line.code === 'HIKARC_RECEIVER_TLS_FAILED'), 'the TLS failure');
    expect(String(harness.logs.find((line) => line.code === 'HIKARC_RECEIVER_TLS_FAILED')?.['reason'])).toMatch(/ALTNAME|IP/i);
    expect(events(harness.items)).toEqual([]);
  });

  it('receiver.certFingerprint pins the certificate: the factory certificate is trusted, in any spelling of the fingerprint', async () => {
    const { harness } = await setup(
      { tls: FACTORY_CERT, events: [ALARM] },
      { settings: { certFingerprint: FACTORY_FINGERPRINT.replace(/:/g, '').toLowerCase() } },
    );
    await harness.waitFor(() => events(harness.items).length === 1, 'the alarm over https');
  });

  it('a pin that does not match is refused, even for a certificate the CA file trusts', async () => {
    const { fake, harness } = await setup({ tls: IP_CERT, events: [ALARM] }, { settings: { caPem: IP_CERT.cert, certFingerprint: FACTORY_FINGERPRINT } });
    await harness.waitFor(() => harness.logs.some((line) => line.code === 'HIKARC_RECEIVER_TLS_FAILED'), 'the TLS failure');
    expect(harness.logs.find((line) => line.code === 'HIKARC_RECEIVER_TLS_FAILED')).toMatchObject({ presentedFingerprint: IP_FINGERPRINT });
    expect(fake.requests).toEqual([]);
  });
});

describe('receiver.caFile and receiver.certFingerprint in the config', () => {
  it('the PEM file is read into the ingest settings and the fingerprint normalised', () => {
    const config = loadConfig({
      overrides: {
        'receiver.url': 'https://10.0.0.5',
        'receiver.username': 'u',
        'receiver.password': 'p',
        'receiver.caFile': new URL('../../fixtures/tls/receiver-ip.crt', import.meta.url).pathname,
        'receiver.certFingerprint': FACTORY_FINGERPRINT.toLowerCase(),
      },
    });
    const settings = ingestSettingsFromConfig(config);
    expect(settings.caPem).toBe(IP_CERT.cert);
    expect(settings.certFingerprint).toBe(FACTORY_FINGERPRINT);
  });

  it.each([
    ['a fingerprint that is not 32 bytes of hex', { 'receiver.certFingerprint': 'AB:CD' }, /^receiver\.certFingerprint: /],
    ['a CA file that does not exist', { 'receiver.caFile': '/nonexistent/ca.pem' }, /^receiver\.caFile: /],
    [
      'a CA file that holds no certificate',
      { 'receiver.caFile': new URL('../../fixtures/guide-tda-unwrapped.json', import.meta.url).pathname },
      /^receiver\.caFile: .*PEM/,
    ],
    [
      'TLS settings with an http:// URL',
      { 'receiver.url': 'http://10.0.0.5', 'receiver.username': 'u', 'receiver.password': 'p', 'receiver.certFingerprint': FACTORY_FINGERPRINT },
      /^receiver\.certFingerprint: .*https/,
    ],
  ])('%s is a config problem', (_name, overrides, problem) => {
    let problems: readonly string[] = [];
    try {
      loadConfig({ overrides });
    } catch (error) {
      problems = (error as { problems: readonly string[] }).problems;
    }
    expect(problems.some((line) => problem.test(line))).toBe(true);
  });
});

describe('hik-arc capture over https', () => {
  it('names the settings and the certificate it saw, and works with the pin', async () => {
    const { mkdtempSync, writeFileSync, rmSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const { runCommand } = await import('../../helpers/run-cli.js');
    const { startFakeHikReceiver } = await import('../../helpers/fake-hik-receiver.js');
    const fake = await startFakeHikReceiver({ tls: FACTORY_CERT, events: [ALARM], heartbeatIntervalMs: 100 });
    const dir = mkdtempSync(join(tmpdir(), 'hik-arc-capture-tls-'));
    try {
      const config = (receiver: Record<string, unknown>): string => {
        const file = join(dir, `config-${Object.keys(receiver).length}.json`);
        writeFileSync(file, JSON.stringify({ receiver: { url: fake.url, username: 'admin', password: 'hik12345', ...receiver }, log: { level: 'silent' } }));
        return file;
      };
      const refused = await runCommand(['capture', '--config', config({}), '--out', join(dir, 'a.multipart'), '--duration', '1']);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain('HIKARC_RECEIVER_TLS_FAILED');
      expect(refused.stderr).toContain(FACTORY_FINGERPRINT);
      const pinned = await runCommand([
        'capture',
        '--config',
        config({ certFingerprint: FACTORY_FINGERPRINT }),
        '--out',
        join(dir, 'b.multipart'),
        '--duration',
        '0.5',
      ]);
      expect(pinned.stderr).toMatch(/wrote \d+ bytes/);
      expect(pinned.code).toBe(0);
    } finally {
      await fake.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
