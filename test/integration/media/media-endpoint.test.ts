// The media endpoint through real loopback sockets: links issued by the pipeline hook, opened with
// an HTTP client, the files fetched from the fake receiver behind Digest with its faults (401 with
// lock signals, 404, a slow trickle, a reset mid-file, something that is not media), tokens valid,
// expired, altered or for another alarm, Range, concurrent downloads, and the archive's disk cap.

import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Agent, request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { systemClock, type Clock } from '../../../src/clock.js';
import { AuthGuard } from '../../../src/ingest/index.js';
import { createLogger } from '../../../src/log.js';
import { createMediaStage, MEDIA_DEFAULTS, MediaStore, signMediaToken, type MediaSettings, type MediaStage } from '../../../src/media/index.js';
import { MetricsRegistry } from '../../../src/metrics.js';
import { Translator, type AlarmMessage } from '../../../src/translate/index.js';
import { decodeEventDocument, StaticAccountDirectory, type VendorEvent } from '../../../src/ingest/index.js';
import { fakeJpeg, fakeMp4 } from '../../helpers/fake-hik-media.js';
import { startFakeHikReceiver, type FakeHikReceiver } from '../../helpers/fake-hik-receiver.js';
import { counted } from '../../helpers/metric-values.js';
import { tempDir } from '../../helpers/temp-files.js';
import { waitFor } from '../../helpers/wait-for.js';

const PASSWORD = 'hik12345';
const SECRET = 'media-secret-for-tests-0123456789abcdef';
const PUBLIC_URL = 'https://hik-arc.arc.example:9443';
const CLIP = fakeMp4(2 * 1024 * 1024);
const PICTURE = fakeJpeg(40_000);

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
});

/** The system clock, with wall time that a test can move on (link expiry). */
function shiftedClock(): Clock & { shift(ms: number): void } {
  let offset = 0;
  return {
    now: () => Date.now() + offset,
    monotonic: () => systemClock.monotonic(),
    setTimer: (ms, fn) => systemClock.setTimer(ms, fn),
    shift: (ms) => void (offset += ms),
  };
}

interface Rig {
  readonly hik: FakeHikReceiver;
  readonly stage: MediaStage;
  readonly guard: AuthGuard;
  readonly metrics: MetricsRegistry;
  readonly clock: ReturnType<typeof shiftedClock>;
  readonly logs: string[];
  readonly dir: string;
  /** The alarm as the pipeline hook leaves it. */
  alarm(document: Record<string, unknown>): AlarmMessage;
  /** GET (or HEAD) of a link at the endpoint's real address. */
  open(link: string, headers?: Record<string, string>, method?: 'GET' | 'HEAD'): Promise<{ status: number; headers: Record<string, string>; body: Buffer }>;
}

let rigCount = 0;

async function rig(overrides: Partial<MediaSettings> = {}): Promise<Rig> {
  const hik = await startFakeHikReceiver({
    password: PASSWORD,
    media: { '/clip/1.mp4': { body: CLIP, contentType: 'video/mp4' }, '/pic/1.jpg': { body: PICTURE, contentType: 'image/jpeg' } },
  });
  cleanups.push(() => hik.close());
  rigCount++;
  const dir = join(tempDir(), `media-${process.pid}-${rigCount}`);
  const settings: MediaSettings = {
    listen: '127.0.0.1:0',
    publicUrl: PUBLIC_URL,
    tls: null,
    secret: SECRET,
    linkTtlMs: 72 * 3_600_000,
    archive: false,
    dir,
    storePath: join(dir, 'hik-arc.db'),
    retentionMs: 30 * 86_400_000,
    maxDiskBytes: 64 * 1024 * 1024,
    maxFileBytes: 16 * 1024 * 1024,
    maxConcurrent: 2,
    fetchTimeoutMs: 5_000,
    receiver: { url: hik.url, username: 'admin', password: PASSWORD, authRetryMs: 60_000 },
    ...MEDIA_DEFAULTS,
    ...overrides,
  };
  const logs: string[] = [];
  const logger = createLogger({ level: 'info', destination: { write: (line: string) => void logs.push(line) } });
  const metrics = new MetricsRegistry();
  const clock = shiftedClock();
  const guard = new AuthGuard(60_000);
  const stage = createMediaStage({ settings, guard, clock, logger, metrics });
  await stage.start();
  cleanups.push(() => stage.stop());
  const translator = new Translator({
    settings: { fallbackAccount: 'FFFF', unknownEvent: 'forward', inactive: 'drop', repeatWindowSec: 0 },
    hikAccount: 'AAAA',
    directory: new StaticAccountDirectory({}),
  });
  const base = (): string => `http://${stage.address ?? ''}`;
  return {
    hik,
    stage,
    guard,
    metrics,
    clock,
    logs,
    dir,
    alarm(document) {
      const decoded = decodeEventDocument(JSON.stringify({ EventNotificationAlert: document }));
      if (decoded.kind !== 'event') throw new Error('fixture');
      const translation = translator.translate(decoded.event);
      if (!translation.forwarded) throw new Error('fixture not forwarded');
      return stage.beforeStore(translation.message, decoded.event as VendorEvent);
    },
    async open(link, headers = {}, method = 'GET') {
      const response = await request(`${base()}${link.slice(PUBLIC_URL.length)}`, { method, headers });
      const body = Buffer.from(await response.body.arrayBuffer());
      return { status: response.statusCode, headers: response.headers as Record<string, string>, body };
    },
  };
}

const VIDEO_REVIEW = {
  eventType: 'videoReview',
  deviceID: '1234',
  VideoReview: { HikCIDParams: { CIDCode: '1103', ZoneNo: 1, videoURL: '/clip/1.mp4' } },
  pictureURL: '/pic/1.jpg',
};

function linkOf(message: AlarmMessage): string {
  if (message.videoUrl === null || !message.videoUrl.startsWith(`${PUBLIC_URL}/v1/media/`)) throw new Error(`no media link: ${String(message.videoUrl)}`);
  return message.videoUrl;
}

function receiverNamed(text: string, hik: FakeHikReceiver): boolean {
  const { host } = new URL(hik.url);
  return text.includes(host) || text.includes(PASSWORD);
}

describe('media links', () => {
  it('serve the clip with its type, length and tag, fetched once and kept, and log who opened it', async () => {
    const { hik, alarm, open, logs, metrics } = await rig();
    const message = alarm(VIDEO_REVIEW);
    const link = linkOf(message);
    expect(link.length).toBeLessThanOrEqual(256);

    const first = await open(link);
    expect(first.status).toBe(200);
    expect(first.headers['content-type']).toBe('video/mp4');
    expect(first.headers['content-length']).toBe(String(CLIP.length));
    expect(first.headers['accept-ranges']).toBe('bytes');
    expect(first.headers['etag']).toMatch(/^"sha256-[0-9a-f]{64}"$/);
    expect(first.headers['x-content-type-options']).toBe('nosniff');
    expect(first.body.equals(CLIP)).toBe(true);

    const again = await open(link);
    expect(again.body.equals(CLIP)).toBe(true);
    expect(hik.media.requested).toEqual(['/clip/1.mp4']);

    const picture = await open(`${link}/1`);
    expect(picture.status).toBe(200);
    expect(picture.headers['content-type']).toBe('image/jpeg');
    expect(picture.body.equals(PICTURE)).toBe(true);

    const access = logs.map((line) => JSON.parse(line) as Record<string, unknown>).filter((line) => line['msg'] === 'media request');
    expect(access).toHaveLength(3);
    expect(access[0]).toMatchObject({
      client: '127.0.0.1',
      method: 'GET',
      item: 0,
      account: '1234',
      cid: 'E130',
      status: 200,
      bytes: CLIP.length,
      source: 'receiver',
    });
    expect(access[1]).toMatchObject({ status: 200, bytes: CLIP.length, source: 'kept' });
    expect(await counted(metrics, 'hik_arc_media_fetched_total', { trigger: 'request' })).toBe(2);
    expect(await counted(metrics, 'hik_arc_media_served_bytes_total')).toBeGreaterThan(0);

    for (const response of [first, again, picture]) expect(receiverNamed(JSON.stringify(response.headers), hik)).toBe(false);
    expect(logs.filter((line) => receiverNamed(line, hik))).toEqual([]);
  });

  it('answers single ranges with 206, a range past the end with 416, and HEAD without a body', async () => {
    const { alarm, open } = await rig();
    const link = linkOf(alarm(VIDEO_REVIEW));
    const part = await open(link, { range: 'bytes=1000-1999' });
    expect(part.status).toBe(206);
    expect(part.headers['content-range']).toBe(`bytes 1000-1999/${CLIP.length}`);
    expect(part.headers['content-length']).toBe('1000');
    expect(part.body.equals(CLIP.subarray(1000, 2000))).toBe(true);

    const tail = await open(link, { range: 'bytes=-100' });
    expect(tail.status).toBe(206);
    expect(tail.body.equals(CLIP.subarray(CLIP.length - 100))).toBe(true);

    const past = await open(link, { range: `bytes=${CLIP.length}-` });
    expect(past.status).toBe(416);
    expect(past.headers['content-range']).toBe(`bytes */${CLIP.length}`);

    const stale = await open(link, { range: 'bytes=0-9', 'if-range': '"sha256-another"' });
    expect(stale.status).toBe(200);
    expect(stale.body.length).toBe(CLIP.length);
    const fresh = await open(link, { range: 'bytes=0-9', 'if-range': part.headers['etag'] ?? '' });
    expect(fresh.status).toBe(206);

    const head = await open(link, {}, 'HEAD');
    expect(head.status).toBe(200);
    expect(head.headers['content-length']).toBe(String(CLIP.length));
    expect(head.body.length).toBe(0);
  });

  it('refuses expired, altered, malformed and unknown tokens with a reason, and tokens for another alarm', async () => {
    const { alarm, open, clock, hik } = await rig();
    const link = linkOf(alarm(VIDEO_REVIEW));
    const other = linkOf(alarm({ ...VIDEO_REVIEW, deviceID: '5678' }));
    const token = link.slice(link.lastIndexOf('/') + 1);
    const [id, expires, mac] = token.split('.') as [string, string, string];
    const otherId = other.slice(other.lastIndexOf('/') + 1).split('.')[0] as string;

    const forAnother = await open(`${PUBLIC_URL}/v1/media/${otherId}.${expires}.${mac}`);
    expect(forAnother.status).toBe(403);
    expect(forAnother.headers['x-hik-arc-error']).toBe('HIKARC_MEDIA_TOKEN_INVALID');
    const longer = await open(`${PUBLIC_URL}/v1/media/${id}.${Number(expires) + 3_600}.${mac}`);
    expect(longer.status).toBe(403);
    const altered = await open(`${PUBLIC_URL}/v1/media/${id}.${expires}.${mac.startsWith('A') ? 'B' : 'A'}${mac.slice(1)}`);
    expect(altered.status).toBe(403);
    expect(altered.body.toString()).toMatch(/signature does not match/);
    const cut = await open(link.slice(0, -5));
    expect(cut.status).toBe(400);
    expect(cut.body.toString()).toMatch(/copy the whole \[V\] link/);
    const unknown = await open(`${PUBLIC_URL}/v1/media/${signMediaToken(SECRET, { mediaId: 999, expiresAtSec: Number(expires) })}`);
    expect(unknown.status).toBe(404);
    expect(unknown.headers['x-hik-arc-error']).toBe('HIKARC_MEDIA_UNKNOWN');
    const noItem = await open(`${link}/7`);
    expect(noItem.status).toBe(404);

    clock.shift(73 * 3_600_000);
    const expired = await open(link);
    expect(expired.status).toBe(410);
    expect(expired.headers['x-hik-arc-error']).toBe('HIKARC_MEDIA_TOKEN_EXPIRED');
    expect(expired.body.toString()).toMatch(new RegExp(`expired at .*hik-arc media link --alarm ${id}`));
    // none of these reached the receiver
    expect(hik.media.requested).toEqual([]);
  });

  it('says what the receiver did: 404, a reset mid-file, a slow trickle, something that is not media, a file too large', async () => {
    const { hik, alarm, open, dir } = await rig({ fetchTimeoutMs: 1_500, maxFileBytes: 4 * 1024 * 1024 });
    const link = linkOf(alarm(VIDEO_REVIEW));

    hik.media.setFault('/clip/1.mp4', { type: 'not-found' });
    const missing = await open(link);
    expect(missing.status).toBe(404);
    expect(missing.headers['x-hik-arc-error']).toBe('HIKARC_MEDIA_RECEIVER_NOT_FOUND');
    expect(missing.body.toString()).toMatch(/still be coming from the camera/);

    hik.media.setFault('/clip/1.mp4', { type: 'reset', afterBytes: 1024 * 1024 });
    const reset = await open(link);
    expect(reset.status).toBe(502);
    expect(reset.headers['x-hik-arc-error']).toBe('HIKARC_MEDIA_RECEIVER_FAILED');
    expect(reset.body.toString()).toMatch(/broke off after \d+ of 2097152 bytes/);

    hik.media.setFault('/clip/1.mp4', { type: 'trickle', chunkBytes: 16 * 1024, intervalMs: 50 });
    const slow = await open(link);
    expect(slow.status).toBe(504);
    expect(slow.headers['x-hik-arc-error']).toBe('HIKARC_MEDIA_RECEIVER_TIMEOUT');

    hik.media.setFault('/clip/1.mp4', {
      type: 'status',
      status: 200,
      contentType: 'application/xml',
      body: '<?xml version="1.0"?><ConfigurationData><user>admin</user></ConfigurationData>',
    });
    const notMedia = await open(link);
    expect(notMedia.status).toBe(502);
    expect(notMedia.headers['x-hik-arc-error']).toBe('HIKARC_MEDIA_NOT_MEDIA');
    expect(notMedia.body.toString()).not.toContain('ConfigurationData');

    // nothing partial was kept or served; once the receiver behaves, the link works
    expect(existsSync(join(dir, 'media-1-0.mp4'))).toBe(false);
    hik.media.setFault('/clip/1.mp4', null);
    const ok = await open(link);
    expect(ok.status).toBe(200);
    expect(ok.body.equals(CLIP)).toBe(true);

    hik.media.add('/clip/long.mp4', { body: fakeMp4(5 * 1024 * 1024, 9), contentType: 'video/mp4' });
    const long = linkOf(alarm({ ...VIDEO_REVIEW, VideoReview: { HikCIDParams: { CIDCode: '1103', ZoneNo: 2, videoURL: '/clip/long.mp4' } } }));
    const large = await open(long);
    expect(large.status).toBe(502);
    expect(large.headers['x-hik-arc-error']).toBe('HIKARC_MEDIA_TOO_LARGE');
    for (const response of [missing, reset, slow, notMedia, large])
      expect(receiverNamed(`${JSON.stringify(response.headers)}${response.body.toString()}`, hik)).toBe(false);
  });

  it('stops at lock signals on a 401, shares the lock-out with ingest, and sends no further login', async () => {
    const { hik, alarm, open, guard } = await rig();
    const link = linkOf(alarm(VIDEO_REVIEW));
    hik.setAuthFault({ type: 'lock-info', status: 401, attemptsLeft: 0, locked: true });
    const locked = await open(link);
    expect(locked.status).toBe(503);
    expect(locked.headers['x-hik-arc-error']).toBe('HIKARC_DIGEST_LOCKED');
    expect(locked.body.toString()).toMatch(/cannot log in to the receiver/);
    expect(guard.gate(0).kind).toBe('locked');
    const logins = hik.failedLogins();
    const again = await open(link);
    expect(again.status).toBe(503);
    expect(hik.failedLogins()).toBe(logins);
  });

  it('fetches a clip once for many concurrent downloads, and no more than media.maxConcurrent files at once', async () => {
    const { hik, alarm, open } = await rig({ maxConcurrent: 2 });
    const link = linkOf(alarm(VIDEO_REVIEW));
    const same = await Promise.all(Array.from({ length: 4 }, () => open(link)));
    for (const response of same) {
      expect(response.status).toBe(200);
      expect(response.body.equals(CLIP)).toBe(true);
    }
    expect(hik.media.requested.filter((path) => path === '/clip/1.mp4')).toHaveLength(1);

    const clips = Array.from({ length: 5 }, (_, i) => {
      hik.media.add(`/clip/c${i}.mp4`, { body: fakeMp4(512 * 1024, 20 + i), contentType: 'video/mp4' });
      return linkOf(alarm({ ...VIDEO_REVIEW, VideoReview: { HikCIDParams: { CIDCode: '1103', ZoneNo: 10 + i, videoURL: `/clip/c${i}.mp4` } } }));
    });
    const distinct = await Promise.all(clips.map((clip) => open(clip)));
    expect(distinct.map((response) => response.status)).toEqual([200, 200, 200, 200, 200]);
    expect(hik.media.maxActive).toBeLessThanOrEqual(2);
  });
});

describe('media archive', () => {
  it("fetches each alarm's media as it arrives and keeps the folder under its cap, oldest alarm first", async () => {
    const { hik, alarm, open, metrics, dir } = await rig({ archive: true, maxDiskBytes: 100_000, maxFileBytes: 50_000 });
    const links: string[] = [];
    for (let i = 0; i < 3; i++) {
      hik.media.add(`/pic/a${i}.jpg`, { body: fakeJpeg(40_000, 30 + i), contentType: 'image/jpeg' });
      links.push(linkOf(alarm({ eventType: 'doorOpen', deviceID: '1234', pictureURL: `/pic/a${i}.jpg`, channelID: i + 1 })));
      await waitFor(
        async () => hik.media.requested.includes(`/pic/a${i}.jpg`) && (await counted(metrics, 'hik_arc_media_fetched_total', { trigger: 'archive' })) === i + 1,
        5_000,
        `archive of picture ${i}`,
      );
    }
    expect(await counted(metrics, 'hik_arc_media_evicted_total', { reason: 'cap' })).toBe(1);
    expect(await metrics.value('hik_arc_media_disk_bytes')).toBe(80_000);
    expect(existsSync(join(dir, '1-0.jpg'))).toBe(false);
    expect(existsSync(join(dir, '3-0.jpg'))).toBe(true);
    // the newest are served from the folder, the evicted one is fetched from the receiver again
    expect((await open(links[2] as string)).status).toBe(200);
    expect(hik.media.requested.filter((path) => path === '/pic/a2.jpg')).toHaveLength(1);
    expect((await open(links[0] as string)).status).toBe(200);
    expect(hik.media.requested.filter((path) => path === '/pic/a0.jpg')).toHaveLength(2);
  });

  it('tries again while the receiver does not have the clip yet, and keeps it once it appears', async () => {
    const { hik, alarm, metrics, logs } = await rig({ archive: true, archiveRetry: { minMs: 100, maxMs: 200, factor: 2 } });
    hik.media.setFault('/clip/late.mp4', { type: 'not-found' });
    alarm({ ...VIDEO_REVIEW, VideoReview: { HikCIDParams: { CIDCode: '1103', ZoneNo: 3, videoURL: '/clip/late.mp4' } }, pictureURL: undefined });
    await waitFor(() => hik.media.requested.filter((path) => path === '/clip/late.mp4').length >= 2, 5_000, 'a second archive attempt');
    expect(logs.some((line) => line.includes('"msg":"media not archived yet; trying again"'))).toBe(true);
    hik.media.setFault('/clip/late.mp4', null);
    hik.media.add('/clip/late.mp4', { body: fakeMp4(100_000, 44), contentType: 'video/mp4' });
    await waitFor(async () => (await counted(metrics, 'hik_arc_media_fetched_total', { trigger: 'archive' })) === 1, 5_000, 'the clip archived');
    expect(await counted(metrics, 'hik_arc_media_fetch_failures_total', { code: 'HIKARC_MEDIA_RECEIVER_NOT_FOUND' })).toBeGreaterThan(0);
  });
});

describe('media retention', () => {
  it('removes kept files and references past media.retentionDays; their links then answer 404', async () => {
    const { alarm, open, metrics, dir } = await rig({ archive: true, retentionMs: 400, pruneIntervalMs: 100 });
    const link = linkOf(alarm({ eventType: 'doorOpen', deviceID: '1234', pictureURL: '/pic/1.jpg' }));
    await waitFor(() => existsSync(join(dir, '1-0.jpg')), 5_000, 'the picture archived');
    expect((await open(link)).status).toBe(200);
    await waitFor(() => !existsSync(join(dir, '1-0.jpg')), 5_000, 'the picture removed past retention');
    const gone = await open(link);
    expect(gone.status).toBe(404);
    expect(gone.headers['x-hik-arc-error']).toBe('HIKARC_MEDIA_UNKNOWN');
    expect(await counted(metrics, 'hik_arc_media_evicted_total', { reason: 'retention' })).toBe(1);
  });
});

describe('media stage stop', () => {
  it('breaks off a slow archive download at once and leaves the item due for the next start', async () => {
    const { hik, alarm, stage, dir } = await rig({ archive: true, fetchTimeoutMs: 60_000 });
    hik.media.setFault('/clip/1.mp4', { type: 'trickle', chunkBytes: 1024, intervalMs: 100 });
    alarm(VIDEO_REVIEW);
    await waitFor(() => hik.media.requested.includes('/clip/1.mp4'), 5_000, 'the archive download to start');
    const started = Date.now();
    await stage.stop();
    expect(Date.now() - started).toBeLessThan(3_000);
    const store = new MediaStore({ path: join(dir, 'hik-arc.db') });
    cleanups.push(async () => store.close());
    expect(store.item(1, 0)).toMatchObject({ file: null, archiveAttempts: 1 });
    expect(store.item(1, 0)?.archiveDueAt).not.toBeNull();
  });
});

describe('media endpoint over TLS', () => {
  const CERT = 'test/fixtures/media-tls/cert.pem';

  it('serves links over HTTPS with media.tlsCert and media.tlsKey', async () => {
    const { alarm, stage } = await rig({ tls: { certFile: CERT, keyFile: 'test/fixtures/media-tls/key.pem' } });
    const link = linkOf(alarm(VIDEO_REVIEW));
    const port = (stage.address ?? '').split(':').pop() ?? '';
    const agent = new Agent({ connect: { ca: readFileSync(CERT) } });
    cleanups.push(() => agent.close());
    const response = await request(`https://localhost:${port}${link.slice(PUBLIC_URL.length)}`, { dispatcher: agent, headers: { range: 'bytes=0-99' } });
    expect(response.statusCode).toBe(206);
    expect(Buffer.from(await response.body.arrayBuffer()).equals(CLIP.subarray(0, 100))).toBe(true);
    // plain HTTP to the TLS port gets no media
    await expect(request(`http://127.0.0.1:${port}${link.slice(PUBLIC_URL.length)}`).then((plain) => plain.statusCode)).rejects.toThrow();
  });

  it('does not start with a key that does not belong to the certificate', async () => {
    await expect(rig({ tls: { certFile: CERT, keyFile: 'test/fixtures/media-tls/other-key.pem' } })).rejects.toMatchObject({
      code: 'HIKARC_MEDIA_LISTEN_FAILED',
    });
  });
});
