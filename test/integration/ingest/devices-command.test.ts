// `hik-arc devices` and `hik-arc translate --config` against the fake receiver through real sockets
// on 127.0.0.1: the device list an installer writes `accounts` from, and translate finding accounts
// as the service does (config accounts, then the receiver's list, then a saved copy).

import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startFakeHikReceiver, type FakeDevice, type FakeHikReceiver } from '../../helpers/fake-hik-receiver.js';
import { freePort } from '../../../src/free-port.js';
import { runCommand } from '../../helpers/run-cli.js';
import { decodeEventDocument } from '../../../src/ingest/index.js';
import { openSqliteOutbox } from '../../../src/outbox/index.js';
import { ARC_DESTINATION, encodeStoredEvent } from '../../../src/service/stored-event.js';
import { tempDir, writeTempFile, writeTempJson } from '../../helpers/temp-files.js';

const PANEL = '2cd6716d-767f-4756-ac55-50276a5e3b4a';
const OVERRIDDEN = 'c5f2860e-8946-45fa-ac51-bd2429a82804';
const UNMAPPED = '0b5e0f7a-0000-4000-8000-000000000003';
const DEVICES: FakeDevice[] = [
  { devIndex: PANEL, devSerial: 'Q12345678', accountID: '1000', devName: 'Shop AX PRO', devStatus: 'online' },
  { devIndex: OVERRIDDEN, devSerial: 'Q87654321', accountID: '1001', devName: 'Warehouse', devStatus: 'offline' },
  { devIndex: UNMAPPED, devSerial: 'E60250720', accountID: 'not-hex', devName: 'Gate', devSource: 7, connectionMode: 4 },
];

// A CID alarm without deviceID: only the device list knows its account.
function alarmFrom(devIndex: string): string {
  return `${JSON.stringify({ EventNotificationAlert: { eventType: 'CIDAlarm', eventState: 'active', devIndex, CIDAlarm: { CIDCode: '1130', zoneNo: 3 } } })}\n`;
}

const receivers: FakeHikReceiver[] = [];
afterEach(async () => {
  for (const receiver of receivers.splice(0)) await receiver.close();
});

async function receiver(): Promise<FakeHikReceiver> {
  const fake = await startFakeHikReceiver({ events: [], devices: DEVICES });
  receivers.push(fake);
  return fake;
}

function config(url: string, extra: Record<string, unknown> = {}): string {
  return writeTempJson({
    receiver: { url, username: 'admin', password: 'hik12345' },
    accounts: { [OVERRIDDEN]: 'beef', 'no-such-serial': '7777' },
    store: { path: join(tempDir(), `devices-${Math.random().toString(16).slice(2)}.db`) },
    log: { level: 'silent' },
    ...extra,
  });
}

describe('hik-arc devices', () => {
  it('lists each device with the account its alarms go out with, and from where', async () => {
    const fake = await receiver();
    const run = await runCommand(['devices', '--config', config(fake.url), '--json']);
    expect(run.code).toBe(0);
    expect(run.lines).toEqual([
      {
        devIndex: PANEL,
        serial: 'Q12345678',
        name: 'Shop AX PRO',
        type: null,
        status: 'online',
        listedAccount: '1000',
        account: '1000',
        accountFrom: 'device list',
        note: null,
      },
      {
        devIndex: OVERRIDDEN,
        serial: 'Q87654321',
        name: 'Warehouse',
        type: null,
        status: 'offline',
        listedAccount: '1001',
        account: 'BEEF',
        accountFrom: 'config accounts',
        note: 'the receiver lists account 1001; config accounts overrides it',
      },
      {
        devIndex: UNMAPPED,
        serial: 'E60250720',
        name: 'Gate',
        type: 'OTAP',
        status: 'online',
        listedAccount: 'not-hex',
        account: null,
        accountFrom: 'none',
        note: expect.stringMatching(/not 3-16 hex digits: its alarms become dead letters/),
      },
    ]);
    expect(run.stderr).toContain('accounts has "no-such-serial", which names no device on the receiver');
    // The password is never echoed.
    expect(run.stdout + run.stderr).not.toContain('hik12345');
  });

  it('prints a table, with the fallback account where the list has none', async () => {
    const fake = await receiver();
    const run = await runCommand(['devices', '--config', config(fake.url, { translate: { fallbackAccount: 'FFFF' } })]);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^DEVINDEX\s+SERIAL\s+NAME\s+TYPE\s+STATUS\s+ACCOUNT\s+FROM$/m);
    expect(run.stdout).toMatch(new RegExp(`^${UNMAPPED}\\s+E60250720\\s+Gate\\s+OTAP\\s+online\\s+FFFF\\s+translate\\.fallbackAccount$`, 'm'));
    expect(run.stdout).toMatch(/^3 device\(s\)$/m);
  });

  it("names the deviceID a device's stored events carry, which the service uses first", async () => {
    const fake = await receiver();
    const store = join(tempDir(), `seen-${Math.random().toString(16).slice(2)}.db`);
    const decoded = decodeEventDocument(
      JSON.stringify({ EventNotificationAlert: { eventType: 'CIDAlarm', devIndex: PANEL, deviceID: '4444', CIDAlarm: { CIDCode: '1130', zoneNo: 1 } } }),
    );
    if (decoded.kind !== 'event') throw new Error('fixture');
    const outbox = openSqliteOutbox({ path: store });
    await outbox.append([
      {
        destination: ARC_DESTINATION,
        account: '4444',
        receivedAt: Date.now(),
        ...encodeStoredEvent({ message: null, event: decoded.event, source: 'stream' }),
      },
    ]);
    await outbox.close();
    const run = await runCommand(['devices', '--config', config(fake.url, { store: { path: store } }), '--json']);
    expect(run.code).toBe(0);
    expect(run.lines[0]).toMatchObject({ devIndex: PANEL, listedAccount: '1000', account: '4444', accountFrom: 'deviceID' });
    expect(run.lines[1]).toMatchObject({ devIndex: OVERRIDDEN, accountFrom: 'config accounts' });
  });

  it('says so, exit 1, when the receiver cannot be reached', async () => {
    const port = await freePort();
    const run = await runCommand(['devices', '--config', config(`http://127.0.0.1:${port}`)]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(
      new RegExp(`the device list could not be read from http://127\\.0\\.0\\.1:${port}: connect ECONNREFUSED .*\\(HIKARC_RECEIVER_DIRECTORY_FAILED\\)`),
    );
  });
});

describe('hik-arc translate --config with a receiver', () => {
  it("maps a device by the receiver's list as run does, instead of saying no-account", async () => {
    const fake = await receiver();
    const events = writeTempFile(alarmFrom(PANEL) + alarmFrom(OVERRIDDEN), '.jsonl');
    const offline = await runCommand(['translate', '--config', writeTempJson({ accounts: { [OVERRIDDEN]: 'beef' }, log: { level: 'silent' } }), events]);
    expect(offline.lines.map((line) => (line as Record<string, unknown>)['reason'] ?? (line as Record<string, unknown>)['account'])).toEqual([
      'no-account',
      'BEEF',
    ]);
    const run = await runCommand(['translate', '--config', config(fake.url), events]);
    expect(run.code).toBe(0);
    expect(run.lines).toEqual([
      expect.objectContaining({ forwarded: true, account: '1000', admCid: '#1000|1130 00 003' }),
      expect.objectContaining({ forwarded: true, account: 'BEEF' }),
    ]);
    expect(run.stderr).toContain("the receiver's device list (3 device(s))");
  });

  it("takes a saved copy (devices --save, or the service's own) when the receiver is not reachable", async () => {
    const fake = await receiver();
    const saved = join(tempDir(), `saved-${Math.random().toString(16).slice(2)}.devices.json`);
    const save = await runCommand(['devices', '--config', config(fake.url), '--save', saved]);
    expect(save.code).toBe(0);
    expect(existsSync(saved)).toBe(true);
    const events = writeTempFile(alarmFrom(PANEL), '.jsonl');
    const port = await freePort();
    const fromFile = await runCommand(['translate', '--config', config(`http://127.0.0.1:${port}`), '--devices', saved, events]);
    expect(fromFile.lines).toEqual([expect.objectContaining({ forwarded: true, account: '1000' })]);

    // No flag, receiver down, no saved copy: config accounts only, and said so.
    const store = join(tempDir(), `svc-${Math.random().toString(16).slice(2)}.db`);
    const down = config(`http://127.0.0.1:${port}`, { store: { path: store } });
    const none = await runCommand(['translate', '--config', down, events]);
    expect(none.lines).toEqual([expect.objectContaining({ forwarded: false, reason: 'no-account' })]);
    expect(none.stderr).toMatch(/could not be read .* and there is no saved copy/);

    // The service's copy next to store.path, as run keeps it.
    writeFileSync(store.replace(/\.db$/, '.devices.json'), readSaved(saved));
    const service = await runCommand(['translate', '--config', down, events]);
    expect(service.lines).toEqual([expect.objectContaining({ forwarded: true, account: '1000' })]);
    expect(service.stderr).toMatch(/using the service's saved device list/);
  });
});

function readSaved(path: string): string {
  return readFileSync(path, 'utf8');
}
