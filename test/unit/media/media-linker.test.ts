// The link hook: which URLs of an alarm become items, what the [V] block then carries (the signed
// link, or nothing, never a receiver URL once links are on), and that the pipeline runs it once per
// alarm before the store, so a store retry does not issue a second link.

import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../../src/log.js';
import { alarmMediaUrls, MediaStore, verifyMediaToken } from '../../../src/media/index.js';
import { MediaLinker } from '../../../src/media/media-linker.js';
import { MetricsRegistry } from '../../../src/metrics.js';
import { RateLimitedLog } from '../../../src/rate-limited-log.js';
import { MemoryStorage, StoreOutbox, type NewOutboxEntry } from '../../../src/outbox/index.js';
import { Pipeline } from '../../../src/service/pipeline.js';
import { decodeStoredAlarm } from '../../../src/service/stored-event.js';
import { Translator, type AlarmMessage } from '../../../src/translate/index.js';
import { decodeEventDocument, StaticAccountDirectory, type VendorEvent } from '../../../src/ingest/index.js';
import { ManualClock } from '../../helpers/manual-clock.js';
import { counted } from '../../helpers/metric-values.js';

const SECRET = 'media-secret-for-tests-0123456789abcdef';
const RECEIVER = new URL('http://10.0.0.5:8080');

function translated(alert: Record<string, unknown>): { message: AlarmMessage; event: VendorEvent } {
  const decoded = decodeEventDocument(JSON.stringify({ EventNotificationAlert: { deviceID: '1234', ...alert } }));
  if (decoded.kind !== 'event') throw new Error('fixture');
  const translation = new Translator({
    settings: { fallbackAccount: '', unknownEvent: 'forward', inactive: 'drop', repeatWindowSec: 0 },
    hikAccount: 'AAAA',
    directory: new StaticAccountDirectory({}),
  }).translate(decoded.event);
  if (!translation.forwarded) throw new Error('fixture not forwarded');
  return { message: translation.message, event: decoded.event };
}

function linker(options: { signing?: boolean; store?: MediaStore } = {}): {
  linker: MediaLinker;
  store: MediaStore;
  clock: ManualClock;
  metrics: MetricsRegistry;
} {
  const store = options.store ?? new MediaStore({ path: ':memory:' });
  const clock = new ManualClock();
  const metrics = new MetricsRegistry();
  const made = new MediaLinker({
    store,
    hikUrl: RECEIVER,
    signing: options.signing === false ? null : { publicUrl: 'https://hik-arc.arc.example:9443', secret: SECRET, ttlMs: 72 * 3_600_000 },
    archive: false,
    clock,
    logger: silentLogger,
    warnings: new RateLimitedLog({ logger: silentLogger, clock }),
    metrics,
  });
  return { linker: made, store, clock, metrics };
}

describe('alarmMediaUrls', () => {
  it('puts the [V] clip first, then the other clips and pictures, each once', () => {
    const { message, event } = translated({
      eventType: 'TMPA',
      videoURL: '/clip/top.mp4',
      thermalURL: '/pic/t.jpg',
      VideoReview: { HikCIDParams: { videoURL: '/clip/hik.mp4', videoInfoList: [{ videoURL: '/clip/hik.mp4' }, { videoURL: '/clip/right.mp4' }] } },
    });
    expect(message.videoUrl).toBe('/clip/hik.mp4');
    expect(alarmMediaUrls(message, event)).toEqual([
      { kind: 'video', url: '/clip/hik.mp4' },
      { kind: 'video', url: '/clip/top.mp4' },
      { kind: 'video', url: '/clip/right.mp4' },
      { kind: 'picture', url: '/pic/t.jpg' },
    ]);
  });
});

describe('MediaLinker', () => {
  it('replaces the receiver path with a signed link to a stored reference that expires with media.linkTtlHours', () => {
    const { linker: hook, store, clock } = linker();
    const { message, event } = translated({
      eventType: 'videoReview',
      VideoReview: { HikCIDParams: { CIDCode: '1130', ZoneNo: 4, videoURL: 'http://10.0.0.5:8080/clip/9.mp4' } },
      pictureURL: '/pic/9.jpg',
    });
    const linked = hook.link(message, event);
    const link = linked.videoUrl ?? '';
    expect(link).toMatch(/^https:\/\/hik-arc\.arc\.example:9443\/v1\/media\/1\.\d+\.[A-Za-z0-9_-]{22}$/);
    expect({ ...linked, videoUrl: message.videoUrl }).toEqual(message);
    const check = verifyMediaToken(SECRET, link.slice(link.lastIndexOf('/') + 1), clock.now() / 1000);
    expect(check).toEqual({ kind: 'valid', claims: { mediaId: 1, expiresAtSec: Math.floor(clock.now() / 1000) + 72 * 3600 } });
    expect(store.reference(1)).toMatchObject({
      account: '1234',
      cid: 'E130',
      zone: 4,
      items: [
        { item: 0, kind: 'video', source: '/clip/9.mp4', file: null },
        { item: 1, kind: 'picture', source: '/pic/9.jpg', file: null },
      ],
    });
  });

  it('sends no link rather than a receiver URL it cannot fetch, once links are on', async () => {
    const { linker: hook, store, metrics } = linker();
    const { message, event } = translated({ eventType: 'VMD', videoURL: 'rtsp://10.0.0.5:554/Streaming/Channels/101' });
    expect(hook.link(message, event).videoUrl).toBeNull();
    expect(store.reference(1)).toBeUndefined();
    expect(await counted(metrics, 'hik_arc_media_links_total', { outcome: 'unsupported' })).toBe(1);
  });

  it('links to a picture when the clip is not fetchable, and leaves alarms without media alone', () => {
    const { linker: hook, store } = linker();
    const { message, event } = translated({ eventType: 'VMD', videoURL: 'http://camera.site/clip.mp4', pictureURL: '/pic/1.jpg' });
    expect(hook.link(message, event).videoUrl).toMatch(/\/v1\/media\/1\./);
    expect(store.reference(1)?.items).toEqual([expect.objectContaining({ kind: 'picture', source: '/pic/1.jpg' })]);
    const plain = translated({ eventType: 'CIDAlarm', CIDAlarm: { CIDCode: '1130', zoneNo: 1 } });
    expect(hook.link(plain.message, plain.event)).toBe(plain.message);
  });

  it('keeps the [V] block as translated when only the archive is on', () => {
    const { linker: hook, store } = linker({ signing: false });
    const { message, event } = translated({ eventType: 'VMD', videoURL: '/clip/1.mp4' });
    expect(hook.link(message, event)).toBe(message);
    expect(store.reference(1)?.items).toHaveLength(1);
  });

  it('sends the alarm without a link when the reference cannot be stored', async () => {
    const store = new MediaStore({ path: ':memory:' });
    store.close();
    const { linker: hook, metrics } = linker({ store });
    const { message, event } = translated({ eventType: 'VMD', videoURL: '/clip/1.mp4' });
    expect(hook.link(message, event).videoUrl).toBeNull();
    expect(await counted(metrics, 'hik_arc_media_links_total', { outcome: 'failed' })).toBe(1);
  });
});

describe('the pipeline hook', () => {
  it('runs once per alarm before the store, and a store retry keeps the same link', async () => {
    const { linker: hook } = linker();
    let calls = 0;
    class FlakyOutbox extends StoreOutbox {
      failures = 1;
      readonly stored: NewOutboxEntry[] = [];
      constructor() {
        super(new MemoryStorage());
      }
      override async append(entries: readonly NewOutboxEntry[]): Promise<number[]> {
        if (this.failures-- > 0) throw new Error('disk full');
        this.stored.push(...entries);
        return super.append(entries);
      }
    }
    const outbox = new FlakyOutbox();
    const pipeline = new Pipeline({
      outbox,
      translator: new Translator({
        settings: { fallbackAccount: '', unknownEvent: 'forward', inactive: 'drop', repeatWindowSec: 60 },
        hikAccount: 'AAAA',
        directory: new StaticAccountDirectory({}),
      }),
      wake: () => undefined,
      clock: new ManualClock(),
      logger: silentLogger,
      metrics: new MetricsRegistry(),
      beforeStore: (message, event) => {
        calls++;
        return hook.link(message, event);
      },
    });
    const { event } = translated({ eventType: 'VMD', videoURL: '/clip/1.mp4' });
    const key = {};
    await expect(pipeline.acceptEvent(event, 0, 'stream', key)).rejects.toThrow('disk full');
    const accepted = await pipeline.acceptEvent(event, 0, 'stream', key);
    expect(calls).toBe(1);
    expect(accepted.translation.forwarded && accepted.translation.message.videoUrl).toMatch(/\/v1\/media\/1\./);
    expect(decodeStoredAlarm(outbox.stored[0]?.payload ?? '')?.message?.videoUrl).toBe(
      accepted.translation.forwarded ? accepted.translation.message.videoUrl : '',
    );
  });
});
