// Which receiver answers are served as pictures or videos, by signature first, then by a declared
// type; everything else (XML, JSON, HTML, SVG, unknown bytes) is not.

import { describe, expect, it } from 'vitest';
import { mediaExtension, servedMediaType, sniffMediaType } from '../../../src/media/media-type.js';

const bytes = (...values: Array<number | string>): Buffer =>
  Buffer.concat(values.map((value) => (typeof value === 'string' ? Buffer.from(value, 'latin1') : Buffer.from([value]))));

describe('sniffMediaType', () => {
  it.each([
    ['JPEG', bytes(0xff, 0xd8, 0xff, 0xe0, 0, 0x10, 'JFIF'), 'image/jpeg'],
    ['PNG', bytes(0x89, 'PNG', 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d, 'IHDR'), 'image/png'],
    ['GIF', bytes('GIF89a', 1, 0, 1, 0), 'image/gif'],
    ['WebP', bytes('RIFF', 0, 0, 0, 0, 'WEBPVP8 '), 'image/webp'],
    ['AVI', bytes('RIFF', 0, 0, 0, 0, 'AVI LIST'), 'video/x-msvideo'],
    ['MP4', bytes(0, 0, 0, 0x20, 'ftypisom', 0, 0, 2, 0), 'video/mp4'],
    ['QuickTime', bytes(0, 0, 0, 0x14, 'ftypqt  '), 'video/quicktime'],
    ['Matroska', bytes(0x1a, 0x45, 0xdf, 0xa3, 0x9f), 'video/x-matroska'],
    ['Hikvision IMKH', bytes('IMKH', 1, 1, 0, 0), 'video/mp2p'],
    ['MPEG-PS', bytes(0, 0, 1, 0xba, 0x44), 'video/mp2p'],
    ['MPEG-TS', Buffer.concat([bytes(0x47), Buffer.alloc(187), bytes(0x47)]), 'video/mp2t'],
  ])('%s', (_name, head, type) => {
    expect(sniffMediaType(head)).toBe(type);
  });

  it('knows nothing of text or short heads', () => {
    for (const head of [
      Buffer.from('<?xml version="1.0"?><DeviceInfo>'),
      Buffer.from('{"statusCode":1}'),
      Buffer.from('<html>'),
      bytes(0xff, 0xd8),
      Buffer.alloc(0),
    ]) {
      expect(sniffMediaType(head)).toBeUndefined();
    }
  });
});

describe('servedMediaType', () => {
  it('prefers the signature to a wrong or generic declaration', () => {
    expect(servedMediaType('application/octet-stream', bytes(0xff, 0xd8, 0xff, 0xdb))).toBe('image/jpeg');
    expect(servedMediaType('text/html', bytes(0, 0, 0, 0x18, 'ftypmp42'))).toBe('video/mp4');
  });

  it('takes a declared picture or video type when the signature is unknown', () => {
    expect(servedMediaType('video/H264; charset=binary', Buffer.from('....'))).toBe('video/h264');
    expect(servedMediaType('image/x-hik', Buffer.from('....'))).toBe('image/x-hik');
  });

  it('serves nothing else', () => {
    expect(servedMediaType('application/xml', Buffer.from('<?xml version="1.0"?><ConfigurationData>'))).toBeUndefined();
    expect(servedMediaType('application/octet-stream', Buffer.from('binary config export'))).toBeUndefined();
    expect(servedMediaType('image/svg+xml', Buffer.from('<svg onload="alert(1)">'))).toBeUndefined();
    expect(servedMediaType(undefined, Buffer.from('hello'))).toBeUndefined();
  });

  it('names files by type', () => {
    expect(mediaExtension('video/mp4')).toBe('mp4');
    expect(mediaExtension('image/jpeg')).toBe('jpg');
    expect(mediaExtension('video/h264')).toBe('bin');
  });
});
