// Which media URLs of an alarm are fetched from the receiver, and with what request target: the
// receiver's credentials go to receiver.url's origin only (guide 7.1).

import { describe, expect, it } from 'vitest';
import { hikMediaPath } from '../../../src/media/media-source.js';

const RECEIVER = new URL('http://10.0.0.5:8080');

describe('hikMediaPath', () => {
  it.each([
    ['/ISAPI/ContentMgmt/record/video/123.mp4', '/ISAPI/ContentMgmt/record/video/123.mp4'],
    ['pic/alarm 1.jpg'.replace(' ', '_'), '/pic/alarm_1.jpg'],
    ['/picture?id=7&size=big', '/picture?id=7&size=big'],
    ['http://10.0.0.5:8080/clip/9.mp4?token=x', '/clip/9.mp4?token=x'],
    ['HTTP://10.0.0.5:8080/a', '/a'],
    ['/clip/ü.mp4', '/clip/%C3%BC.mp4'],
  ])('%s is %s on the receiver', (raw, path) => {
    expect(hikMediaPath(raw, RECEIVER)).toEqual({ ok: true, path });
  });

  it('puts relative paths under the path prefix of receiver.url', () => {
    expect(hikMediaPath('/clip/1.mp4', new URL('https://proxy.site/hik/'))).toEqual({ ok: true, path: '/hik/clip/1.mp4' });
    expect(hikMediaPath('https://proxy.site/hik/clip/1.mp4', new URL('https://proxy.site/hik'))).toEqual({ ok: true, path: '/hik/clip/1.mp4' });
  });

  it.each([
    ['http://10.0.0.6:8080/clip.mp4', /a host other than receiver.url/],
    ['http://10.0.0.5/clip.mp4', /a host other than receiver.url/],
    ['https://10.0.0.5:8080/clip.mp4', /a host other than receiver.url/],
    ['//evil.example/clip.mp4', /a host other than receiver.url/],
    ['rtsp://10.0.0.5:554/Streaming/Channels/101', /rtsp URL is not fetched/],
    ['http://admin:pw@10.0.0.5:8080/clip.mp4', /credentials/],
    ['/clip 1.mp4', /spaces or control/],
    ['/clip\n.mp4', /spaces or control/],
    ['http://[broken/clip', /cannot be parsed/],
    ['xxxxx', /neither a path nor/],
  ])('%s is not fetched', (raw, reason) => {
    const source = hikMediaPath(raw, RECEIVER);
    expect(source.ok).toBe(false);
    if (!source.ok) expect(source.reason).toMatch(reason);
  });
});
