// Range selection against RFC 9110 §14, byte for byte, including the forms players send while an
// operator scrubs a clip and the ones a server must ignore rather than refuse.

import { describe, expect, it } from 'vitest';
import { contentRange, selectRange } from '../../../src/media/byte-range.js';

const SIZE = 10_000;
const ETAG = '"sha256-abc"';
const select = (range: string | undefined, ifRange?: string): ReturnType<typeof selectRange> => selectRange({ range, ifRange }, SIZE, ETAG);

describe('selectRange', () => {
  it.each([
    ['bytes=0-499', 0, 499],
    ['bytes=500-999', 500, 999],
    ['bytes=9500-', 9500, 9999],
    ['bytes=-500', 9500, 9999],
    ['bytes=0-0', 0, 0],
    ['bytes=9999-', 9999, 9999],
    ['bytes=0-', 0, 9999],
    // past the end: clamped (§14.1.2)
    ['bytes=9000-20000', 9000, 9999],
    ['bytes=-20000', 0, 9999],
    ['bytes=0-99999999999999999999', 0, 9999],
    // unit case and spaces are allowed (§14.1, OWS)
    ['Bytes = 100-199 ', 100, 199],
    ['bytes=100-199,', 100, 199],
  ])('%s is bytes %d-%d', (range, start, end) => {
    expect(select(range)).toEqual({ kind: 'partial', start, end });
  });

  it.each([['bytes=10000-'], ['bytes=10000-10001'], ['bytes=-0'], ['bytes=99999999999999999999-']])('%s cannot be satisfied (416)', (range) => {
    expect(select(range)).toEqual({ kind: 'unsatisfiable' });
  });

  it.each([
    [undefined],
    [''],
    ['bytes=500-100'],
    ['bytes=abc'],
    ['bytes=-'],
    ['bytes'],
    ['items=0-10'],
    ['bytes=1-2-3'],
    ['bytes=0x10-20'],
    // several ranges: the whole file, not multipart/byteranges
    ['bytes=0-10,20-30'],
    ['bytes=0-0,-1'],
  ])('%s sends the whole file', (range) => {
    expect(select(range)).toEqual({ kind: 'full' });
  });

  it('honours If-Range only with our strong tag', () => {
    expect(select('bytes=0-9', ETAG)).toEqual({ kind: 'partial', start: 0, end: 9 });
    expect(select('bytes=0-9', '"sha256-other"')).toEqual({ kind: 'full' });
    expect(select('bytes=0-9', `W/${ETAG}`)).toEqual({ kind: 'full' });
    expect(select('bytes=0-9', 'Tue, 01 Jul 2025 10:00:00 GMT')).toEqual({ kind: 'full' });
  });

  it('has nothing to give of an empty file', () => {
    expect(selectRange({ range: 'bytes=0-' }, 0, ETAG)).toEqual({ kind: 'unsatisfiable' });
    expect(selectRange({ range: 'bytes=-5' }, 0, ETAG)).toEqual({ kind: 'unsatisfiable' });
  });
});

describe('contentRange', () => {
  it('writes 206 and 416 forms', () => {
    expect(contentRange({ kind: 'partial', start: 0, end: 499 }, SIZE)).toBe('bytes 0-499/10000');
    expect(contentRange({ kind: 'unsatisfiable' }, SIZE)).toBe('bytes */10000');
    expect(contentRange({ kind: 'full' }, SIZE)).toBeUndefined();
  });
});
