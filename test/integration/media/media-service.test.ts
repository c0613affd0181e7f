// hik-arc run with media links, end to end on loopback: the fake receiver streams the guide's
// video-verification example (A.29) with a real clip path, the DC-09 frame's [V] block carries the
// signed link, the link opens at the media endpoint, and the receiver's password and address appear
// in no DC-09 frame, no log line and no response header. A retransmission after a restart carries
// the same link, which still opens.

import { join } from 'node:path';
import { request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/load.js';
import { createLogger } from '../../../src/log.js';
import { startService, type RunningService } from '../../../src/service/service.js';
import { Dc09Receiver, parseFault, type FrameRecord } from '../../../src/transport/index.js';
import { fakeMp4 } from '../../helpers/fake-hik-media.js';
import { fixtureDocuments, startFakeHikReceiver, type FakeHikReceiver } from '../../helpers/fake-hik-receiver.js';
import { tempDir } from '../../helpers/temp-files.js';
import { waitFor } from '../../helpers/wait-for.js';

const PASSWORD = 'hik-receiver-pw-7731';
const SECRET = 'media-secret-for-tests-0123456789abcdef';
const PUBLIC_URL = 'https://hik-arc.arc.example:9443';
const CLIP_PATH = '/ISAPI/ContentMgmt/download/clip-1.mp4';
const CLIP = fakeMp4(1024 * 1024, 5);

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
});

/** The guide's video-verification example (A.29) with a clip path where the guide has "...". */
function videoVerification(url = CLIP_PATH): string {
  const example = fixtureDocuments().find((document) => document.includes('"eventType":"videoReview"'));
  if (example === undefined) throw new Error('the guide example is missing from the fixture');
  return example.replace('"videoURL":"..."', `"videoURL":"${url}"`);
}

async function startArc(fault?: string): Promise<{ arc: Dc09Receiver; records: FrameRecord[] }> {
  const records: FrameRecord[] = [];
  const parsed = fault === undefined ? undefined : parseFault(fault);
  const arc = await Dc09Receiver.start({
    listen: [{ transport: 'tcp', host: '127.0.0.1', port: 0 }],
    ...(parsed === undefined ? {} : { fault: parsed }),
    onFrame: (record) => void records.push(record),
  });
  cleanups.push(() => arc.stop());
  return { arc, records };
}

async function startHikArc(hik: FakeHikReceiver, arc: Dc09Receiver, store: string, logs: string[]): Promise<RunningService> {
  const config = loadConfig({
    overrides: {
      'receiver.url': hik.url,
      'receiver.username': 'admin',
      'receiver.password': PASSWORD,
      'receiver.account': 'AAAA',
      'receiver.heartbeatTimeoutSec': 5,
      'arc.primary': arc.url('tcp'),
      'arc.ackTimeoutMs': 500,
      'arc.attempts': 1,
      'translate.fallbackAccount': 'FFFF',
      'store.path': store,
      'http.listen': '',
      'media.listen': '127.0.0.1:0',
      'media.publicUrl': PUBLIC_URL,
      'media.secret': SECRET,
    },
  });
  const logger = createLogger({ level: 'debug', destination: { write: (line: string) => void logs.push(line) } });
  const service = await startService({ config, logger });
  cleanups.push(async () => void (await service.stop()));
  return service;
}

function videoLink(records: readonly FrameRecord[]): string | undefined {
  return records.flatMap((record) => record.extended).find((block) => block.id === 'V')?.value;
}

async function open(service: RunningService, link: string): Promise<{ status: number; headers: string; body: Buffer }> {
  const response = await request(`http://${service.mediaAddress ?? ''}${link.slice(PUBLIC_URL.length)}`);
  return { status: response.statusCode, headers: JSON.stringify(response.headers), body: Buffer.from(await response.body.arrayBuffer()) };
}

describe('hik-arc run with media.listen', { timeout: 60_000 }, () => {
  it('puts a signed link in the [V] block that opens the clip, and never shows the receiver login or address', async () => {
    const rtspOfReceiver = (hik: FakeHikReceiver): string => `rtsp://${new URL(hik.url).host}/Streaming/Channels/101`;
    const hik = await startFakeHikReceiver({ password: PASSWORD, heartbeatIntervalMs: 300, media: { [CLIP_PATH]: { body: CLIP, contentType: 'video/mp4' } } });
    cleanups.push(() => hik.close());
    hik.pushEvents(videoVerification(), videoVerification(rtspOfReceiver(hik)).replace('"ZoneNo":1,', '"ZoneNo":2,'));
    const { arc, records } = await startArc();
    const logs: string[] = [];
    const service = await startHikArc(hik, arc, join(tempDir(), `media-service-${process.pid}.db`), logs);

    await waitFor(() => records.filter((record) => record.response === 'ACK').length === 2, 20_000, 'both alarms acknowledged');
    const link = videoLink(records);
    expect(link).toMatch(/^https:\/\/hik-arc\.arc\.example:9443\/v1\/media\/\d+\.\d+\.[A-Za-z0-9_-]{22}$/);
    // the alarm whose only link names the receiver over RTSP goes out without one
    expect(records.find((record) => record.data?.endsWith('002'))?.extended).toEqual([]);

    const opened = await open(service, link as string);
    expect(opened.status).toBe(200);
    expect(opened.body.equals(CLIP)).toBe(true);

    const { host } = new URL(hik.url);
    const secretsIn = (text: string): string[] => [PASSWORD, host].filter((secret) => text.includes(secret));
    expect(records.flatMap((record) => secretsIn(JSON.stringify(record)))).toEqual([]);
    expect(secretsIn(opened.headers)).toEqual([]);
    expect(logs.filter((line) => secretsIn(line).length > 0)).toEqual([]);
    expect(logs.some((line) => line.includes('"msg":"media request"') && line.includes('"status":200'))).toBe(true);
  });

  it('sends the same link again after a restart, and it still opens', async () => {
    const hik = await startFakeHikReceiver({ password: PASSWORD, heartbeatIntervalMs: 300, media: { [CLIP_PATH]: { body: CLIP, contentType: 'video/mp4' } } });
    cleanups.push(() => hik.close());
    hik.pushEvents(videoVerification());
    const store = join(tempDir(), `media-restart-${process.pid}.db`);
    const refusing = await startArc('nak');
    const first = await startHikArc(hik, refusing.arc, store, []);
    await waitFor(() => videoLink(refusing.records) !== undefined, 20_000, 'a refused attempt with its link');
    const before = videoLink(refusing.records);
    await first.stop();

    const { arc, records } = await startArc();
    const second = await startHikArc(hik, arc, store, []);
    await waitFor(() => records.some((record) => record.response === 'ACK'), 20_000, 'the alarm delivered after the restart');
    expect(videoLink(records)).toBe(before);
    const opened = await open(second, before as string);
    expect(opened.status).toBe(200);
    expect(opened.body.equals(CLIP)).toBe(true);
  });
});
