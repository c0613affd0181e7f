// hik-arc translate: every supported file format, detected by content; bad input reported without
// stopping the rest.

import { describe, expect, it } from 'vitest';
import { runCommand } from '../../helpers/run-cli.js';
import { writeTempFile, writeTempJson } from '../../helpers/temp-files.js';

const CONFIG = writeTempJson({ receiver: { account: 'AAAA' }, translate: { fallbackAccount: 'FFFF' }, log: { level: 'silent' } });

const CID = (zone: number): string =>
  JSON.stringify({ EventNotificationAlert: { eventType: 'CIDAlarm', deviceID: '1234', CIDAlarm: { CIDCode: '1130', zoneNo: zone } } });

async function translate(content: string | Buffer, extra: string[] = []): Promise<Awaited<ReturnType<typeof runCommand>>> {
  return runCommand(['translate', '--config', CONFIG, ...extra, writeTempFile(content)]);
}

function admCids(lines: unknown[]): unknown[] {
  return (lines as Array<Record<string, unknown>>).map((line) => line['admCid']);
}

describe('hik-arc translate file formats', () => {
  it('reads JSON lines', async () => {
    const run = await translate(`${CID(1)}\n${CID(2)}\n`);
    expect(run.code).toBe(0);
    expect(admCids(run.lines)).toEqual(['#1234|1130 00 001', '#1234|1130 00 002']);
  });

  it('reads pretty-printed documents one after another', async () => {
    const pretty = (zone: number): string => JSON.stringify(JSON.parse(CID(zone)), null, 2);
    const run = await translate(`${pretty(3)}\n\n${pretty(4)}`);
    expect(admCids(run.lines)).toEqual(['#1234|1130 00 003', '#1234|1130 00 004']);
  });

  it('reads a JSON array, one broken element costing only itself', async () => {
    const run = await translate(
      `[${CID(5)},\n{"EventNotificationAlert":{"eventType":"CIDAlarm" "deviceID":"1234" "CIDAlarm":{"CIDCode":"1130","zoneNo":6,}}},\n${CID(7)}]`,
    );
    expect(admCids(run.lines)).toEqual(['#1234|1130 00 005', '#1234|1130 00 006', '#1234|1130 00 007']);
    expect((run.lines[1] as Record<string, unknown>)['repaired']).toBe(true);
  });

  it('reads a raw multipart capture, with or without the HTTP response head, skipping image parts', async () => {
    const part = (type: string, body: string): string =>
      `--hikboundary\r\nContent-Type: ${type}\r\nContent-Length: ${Buffer.byteLength(body, 'latin1')}\r\n\r\n${body}\r\n`;
    const body =
      part('application/json', '{"SubscribeDeviceMgmtRsp":{"id":"7"}}') +
      part('application/json', CID(8)) +
      part('image/jpeg', '\xff\xd8binary--hik\r\n\xff\xd9') +
      part('application/json', CID(9));
    const plain = await translate(Buffer.from(body, 'latin1'));
    expect(admCids(plain.lines)).toEqual(['#1234|1130 00 008', '#1234|1130 00 009']);
    const withHead = await translate(Buffer.from(`HTTP/1.1 200 OK\r\nContent-Type: multipart/mixed; boundary="hikboundary"\r\n\r\n${body}`, 'latin1'));
    expect(admCids(withHead.lines)).toEqual(['#1234|1130 00 008', '#1234|1130 00 009']);
  });

  it('reports a bad event and goes on with the rest', async () => {
    const run = await translate(`${CID(1)}\n{"EventNotificationAlert":{"no":"type"\n{"DeviceInfo":{}}\n${CID(2)}\n`);
    expect(run.code).toBe(0);
    const lines = run.lines as Array<Record<string, unknown>>;
    expect(lines.map((line) => line['forwarded'])).toEqual([true, false, false, true]);
    expect(lines[1]).toMatchObject({ reason: 'unparseable' });
    expect(lines[2]).toMatchObject({ reason: 'not-an-event' });
  });

  it('exits non-zero with a clear error for a file that is not an event file, after the other files', async () => {
    const good = writeTempFile(`${CID(1)}\n`);
    const bad = writeTempFile('name,zone\nfront door,1\n');
    const run = await runCommand(['translate', '--config', CONFIG, bad, good]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/is not an event file/);
    expect(run.stderr).toMatch(/HIKARC_EVENT_FILE_UNRECOGNISED/);
    expect(admCids(run.lines)).toEqual(['#1234|1130 00 001']);
  });

  it('reports a missing file', async () => {
    const run = await runCommand(['translate', '--config', CONFIG, '/nonexistent/capture.bin']);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/cannot read \/nonexistent\/capture\.bin/);
  });

  it('maps devices with --accounts over the config', async () => {
    const accounts = writeTempJson({ 'dev-9': '9999' });
    const run = await translate(`${JSON.stringify({ EventNotificationAlert: { eventType: 'VMD', devIndex: 'DEV-9' } })}\n`, ['--accounts', accounts]);
    expect((run.lines[0] as Record<string, unknown>)['account']).toBe('9999');
    const bad = await runCommand(['translate', '--accounts', writeTempJson({ 'dev-9': 'zz' }), writeTempFile(CID(1))]);
    expect(bad.code).toBe(78);
  });

  it('needs at least one file', async () => {
    expect((await runCommand(['translate'])).code).toBe(64);
  });

  it('runs without any config file', async () => {
    const run = await runCommand(['translate', writeTempFile(`${CID(1)}\n`)], { HIK_ARC_LOG_LEVEL: 'silent' });
    expect(run.code).toBe(0);
    expect(admCids(run.lines)).toEqual(['#1234|1130 00 001']);
  });
});
