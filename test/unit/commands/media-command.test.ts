// `hik-arc media link` and `hik-arc media fetch` against a store file and the fake receiver, and
// check-config's remarks about what an operator needs to open a [V] link.

import { copyFileSync, mkdirSync, readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { MediaStore, signMediaToken, verifyMediaToken } from '../../../src/media/index.js';
import { fakeJpeg, fakeMp4 } from '../../helpers/fake-hik-media.js';
import { startFakeHikReceiver, type FakeHikReceiver } from '../../helpers/fake-hik-receiver.js';
import { Dc09Receiver, type FrameRecord } from '../../../src/transport/index.js';
import { runCommand } from '../../helpers/run-cli.js';
import { tempDir, writeTempFile, writeTempJson } from '../../helpers/temp-files.js';

const SECRET = 'media-secret-for-tests-0123456789abcdef';
const PUBLIC_URL = 'https://hik-arc.arc.example:9443';
const CLIP = fakeMp4(200_000, 7);
const PICTURE = fakeJpeg(10_000, 8);

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

let count = 0;

async function site(options: { password?: string } = {}): Promise<{ hik: FakeHikReceiver; config: string; store: string; dir: string }> {
  const hik = await startFakeHikReceiver({
    media: { '/clip/1.mp4': { body: CLIP, contentType: 'video/mp4' }, '/pic/1.jpg': { body: PICTURE, contentType: 'image/jpeg' } },
  });
  cleanups.push(() => hik.close());
  count++;
  const dir = join(tempDir(), `media-command-${process.pid}-${count}`);
  mkdirSync(dir, { recursive: true });
  const store = join(dir, 'hik-arc.db');
  const media = new MediaStore({ path: store });
  media.addReference({
    createdAt: Date.now(),
    account: '1234',
    cid: 'E130',
    zone: 1,
    eventType: 'videoReview',
    items: [
      { kind: 'video', source: '/clip/1.mp4' },
      { kind: 'picture', source: '/pic/1.jpg' },
    ],
    archiveDueAt: null,
  });
  media.close();
  const config = writeTempJson({
    receiver: { url: hik.url, username: 'admin', password: options.password ?? 'hik12345', account: 'AAAA' },
    store: { path: store },
    media: { publicUrl: PUBLIC_URL, secret: SECRET },
    log: { level: 'silent' },
  });
  return { hik, config, store, dir };
}

describe('hik-arc media link', () => {
  it('prints fresh signed links for every item of an alarm', async () => {
    const { config } = await site();
    const run = await runCommand(['media', 'link', '--config', config, '--alarm', '1', '--ttl-hours', '2']);
    expect(run.code).toBe(0);
    const line = run.lines[0] as {
      link: string;
      expiresAt: string;
      items: Array<{ item: number; kind: string; link: string; kept: boolean }>;
      account: string;
    };
    expect(line).toMatchObject({ mediaId: 1, account: '1234', cid: 'E130', eventType: 'videoReview' });
    expect(line.link).toMatch(/^https:\/\/hik-arc\.arc\.example:9443\/v1\/media\/1\.\d+\./);
    expect(line.items.map((item) => [item.kind, item.kept, item.link.endsWith('/1')])).toEqual([
      ['video', false, false],
      ['picture', false, true],
    ]);
    const token = line.link.slice(line.link.lastIndexOf('/') + 1);
    expect(verifyMediaToken(SECRET, token, Date.now() / 1000).kind).toBe('valid');
    expect(Date.parse(line.expiresAt) - Date.now()).toBeGreaterThan(7_000_000);
    expect(Date.parse(line.expiresAt) - Date.now()).toBeLessThan(7_300_000);
    expect(run.stderr).toMatch(/media\.listen is not set/);
  });

  it('reissues an expired link pasted whole, and refuses one this secret did not sign', async () => {
    const { config } = await site();
    const expired = `${PUBLIC_URL}/v1/media/${signMediaToken(SECRET, { mediaId: 1, expiresAtSec: 1_000 })}`;
    const reissued = await runCommand(['media', 'link', '--config', config, '--alarm', expired]);
    expect(reissued.code).toBe(0);
    expect((reissued.lines[0] as { mediaId: number }).mediaId).toBe(1);
    const foreign = await runCommand([
      'media',
      'link',
      '--config',
      config,
      '--alarm',
      signMediaToken('another secret of at least 32 characters!', { mediaId: 1, expiresAtSec: 1_000 }),
    ]);
    expect(foreign.code).toBe(1);
    expect(foreign.stderr).toMatch(/HIKARC_MEDIA_TOKEN_INVALID/);
    const unknown = await runCommand(['media', 'link', '--config', config, '--alarm', '99']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/no media reference 99 is kept.*HIKARC_MEDIA_UNKNOWN/);
  });

  it('needs media.publicUrl and media.secret', async () => {
    const run = await runCommand(['media', 'link', '--config', writeTempJson({}), '--alarm', '1']);
    expect(run.code).toBe(78);
    expect(run.stderr).toMatch(/media\.publicUrl: required by "hik-arc media link"/);
  });
});

describe('hik-arc media fetch', () => {
  const sha256 = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex');

  it('writes a receiver path to a file with its type and fingerprint', async () => {
    const { config } = await site();
    const out = join(tempDir(), `fetched-${process.pid}-${count}.mp4`);
    const run = await runCommand(['media', 'fetch', '--config', config, '--url', '/clip/1.mp4', '--out', out]);
    expect(run.code).toBe(0);
    expect(run.lines[0]).toEqual({ out, bytes: CLIP.length, contentType: 'video/mp4', sha256: sha256(CLIP), source: 'receiver' });
    expect(readFileSync(out).equals(CLIP)).toBe(true);
    const again = await runCommand(['media', 'fetch', '--config', config, '--url', '/clip/1.mp4', '--out', out]);
    expect(again.code).toBe(64);
    expect(again.stderr).toMatch(/exists; give a new file/);
  });

  it('writes an alarm item, from the kept copy when there is one, checking it is intact', async () => {
    const { config, store, dir } = await site();
    const fromReceiver = join(tempDir(), `alarm-${process.pid}-${count}-a.jpg`);
    const run = await runCommand(['media', 'fetch', '--config', config, '--alarm', '1', '--item', '1', '--out', fromReceiver]);
    expect(run.code).toBe(0);
    expect(run.lines[0]).toMatchObject({ mediaId: 1, item: 1, account: '1234', source: 'receiver', contentType: 'image/jpeg', sha256: sha256(PICTURE) });

    mkdirSync(join(dir, 'media'), { recursive: true });
    copyFileSync(fromReceiver, join(dir, 'media', '1-1.jpg'));
    const media = new MediaStore({ path: store });
    media.markStored(1, 1, { file: '1-1.jpg', bytes: PICTURE.length, contentType: 'image/jpeg', sha256: sha256(PICTURE), storedAt: Date.now() });
    media.close();
    const kept = join(tempDir(), `alarm-${process.pid}-${count}-b.jpg`);
    const fromKept = await runCommand(['media', 'fetch', '--config', config, '--alarm', '1', '--item', '1', '--out', kept]);
    expect(fromKept.code).toBe(0);
    expect(fromKept.lines[0]).toMatchObject({ source: 'kept', intact: true, bytes: PICTURE.length });
  });

  it('tries one login only, and says why it failed', async () => {
    const { hik, config } = await site({ password: 'wrong-password' });
    const run = await runCommand(['media', 'fetch', '--config', config, '--url', '/clip/1.mp4', '--out', writeTempFile('', '.mp4') + '.new']);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/HIKARC_DIGEST_REJECTED/);
    expect(hik.failedLogins()).toBe(1);
    const foreign = await runCommand(['media', 'fetch', '--config', config, '--url', 'http://10.9.9.9/clip.mp4', '--out', writeTempFile('', '.mp4') + '.new']);
    expect(foreign.code).toBe(64);
    expect(foreign.stderr).toMatch(/a host other than receiver\.url/);
  });
});

describe('commands that store alarms give them media links as the service does', () => {
  it('hik-arc replay sends the ARC a signed link to a reference in the service store, never the receiver path', async () => {
    const { config, store } = await site();
    const records: FrameRecord[] = [];
    const arc = await Dc09Receiver.start({ listen: [{ transport: 'tcp', host: '127.0.0.1', port: 0 }], onFrame: (record) => void records.push(record) });
    cleanups.push(() => arc.stop());
    const events = writeTempFile(
      `${JSON.stringify({ EventNotificationAlert: { eventType: 'VMD', deviceID: '1234', videoURL: '/clip/1.mp4', channelID: 3 } })}\n`,
      '.jsonl',
    );
    const overrides = writeTempJson({
      ...JSON.parse(readFileSync(config, 'utf8')),
      arc: { primary: arc.url('tcp') },
      media: { listen: '127.0.0.1:9443', publicUrl: PUBLIC_URL, secret: SECRET },
    });
    const run = await runCommand(['replay', '--config', overrides, events]);
    expect(run.code).toBe(0);
    const link = records.flatMap((record) => record.extended).find((block) => block.id === 'V')?.value ?? '';
    expect(link).toMatch(/^https:\/\/hik-arc\.arc\.example:9443\/v1\/media\/2\.\d+\./);
    const media = new MediaStore({ path: store });
    expect(media.reference(2)?.items).toEqual([expect.objectContaining({ kind: 'video', source: '/clip/1.mp4' })]);
    media.close();
  });
});

describe('check-config and media links', () => {
  it('says an operator needs the receiver login to open [V] links while media.listen is not set', async () => {
    const run = await runCommand(['check-config', writeTempJson({})]);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/note: media\.listen is not set, so the \[V\] block carries the receiver's own path .* receiver's admin login/);
  });

  it('describes the links and the archive when they are on', async () => {
    const run = await runCommand([
      'check-config',
      writeTempJson({
        media: { listen: '127.0.0.1:9443', publicUrl: 'http://hik-arc.arc.example:9443', secret: SECRET, archive: true, maxDiskMB: 500, maxFileMB: 100 },
      }),
    ]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('media links: http://hik-arc.arc.example:9443/v1/media/<token>, open for 72 h after the alarm');
    expect(run.stdout).toMatch(/note: media\.publicUrl is http:\/\//);
    expect(run.stdout).toMatch(/media archive: .* for 30 days, at most 500 MB \(oldest first out\)/);
  });
});
