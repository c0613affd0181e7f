import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  boundaryFromCapture,
  boundaryFromContentType,
  MultipartParser,
  parseMultipart,
  type MultipartEvent,
  type MultipartParserOptions,
} from '../../../src/ingest/multipart-parser.js';

// What a test compares: the part bodies as text with their defects, skipped parts and quarantine codes.
type Seen =
  | { readonly part: string; readonly type: string | null; readonly defects: readonly string[] }
  | { readonly skipped: string; readonly bytes: number }
  | { readonly quarantined: string };

function seen(events: readonly MultipartEvent[]): Seen[] {
  return events.map((event) => {
    if (event.type === 'part') return { part: event.part.body.toString('utf8'), type: event.part.contentType, defects: [...event.part.defects].sort() };
    if (event.type === 'skipped') return { skipped: event.contentType, bytes: event.bytes };
    return { quarantined: event.error.code };
  });
}

// Every vector runs with the fast lane on and off (src/ingest/multipart-fast-lane.ts): both must
// give the same parts, so the fast lane can be removed without changing what is read.
const LANES = [{ fastLane: true }, { fastLane: false }] as const;

function whole(bytes: Buffer, boundary: string, options?: MultipartParserOptions): Seen[] {
  const [on, off] = LANES.map((lane) => seen(parseMultipart(bytes, boundary, { ...options, ...lane })));
  expect(off, 'fast lane off').toEqual(on);
  return on as Seen[];
}

function byteByByte(bytes: Buffer, boundary: string, options?: MultipartParserOptions): Seen[] {
  const parser = new MultipartParser(boundary, options);
  const events: MultipartEvent[] = [];
  for (let i = 0; i < bytes.length; i++) events.push(...parser.push(bytes.subarray(i, i + 1)));
  events.push(...parser.end());
  return seen(events);
}

function splitAt(bytes: Buffer, at: number, boundary: string, options?: MultipartParserOptions): Seen[] {
  const parser = new MultipartParser(boundary, options);
  return seen([...parser.push(bytes.subarray(0, at)), ...parser.push(bytes.subarray(at)), ...parser.end()]);
}

/** Asserts the vector gives `expected` whole, byte by byte, and split at every position, fast lane on and off. */
function expectEveryChunking(bytes: Buffer, boundary: string, expected: readonly Seen[], options?: MultipartParserOptions): void {
  expect(whole(bytes, boundary, options)).toEqual(expected);
  for (const lane of LANES) {
    const laneOptions = { ...options, ...lane };
    expect(byteByByte(bytes, boundary, laneOptions), `fastLane ${lane.fastLane}`).toEqual(expected);
    for (let at = 1; at < bytes.length; at++) {
      const result = splitAt(bytes, at, boundary, laneOptions);
      if (JSON.stringify(result) !== JSON.stringify(expected)) {
        expect({ fastLane: lane.fastLane, splitAt: at, result }).toEqual({ fastLane: lane.fastLane, splitAt: at, result: expected });
      }
    }
  }
}

const JSON_TYPE = 'application/json; charset="UTF-8"';
const A = '{"EventNotificationAlert":{"eventType":"CIDAlarm","CIDAlarm":{"CIDCode":"1103"}}}';
const B = '{"EventNotificationAlert":{"eventType":"heartBeat","dataTime":"2018-12-26T19:39:21+08:00"}}';

function framed(body: string, headers = `Content-Type: ${JSON_TYPE}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n`): string {
  return `--boundary\r\n${headers}\r\n${body}\r\n`;
}

const part = (body: string, defects: string[] = [], type: string | null = JSON_TYPE): Seen => ({ part: body, type, defects: defects.sort() });

describe('the fast lane', () => {
  it('releases the parts of a burst once a clean part has taught it the headers, and nothing when off', () => {
    const burst = Buffer.from(framed(A) + framed(B) + framed(A) + framed(B) + '--boundary\r\n');
    const on = new MultipartParser('boundary');
    const off = new MultipartParser('boundary', { fastLane: false });
    const parts = (parser: MultipartParser): Seen[] => seen(parser.push(burst));
    expect(parts(off)).toEqual(parts(on));
    expect(on.fastLaneParts).toBeGreaterThan(0);
    expect(off.fastLaneParts).toBe(0);
  });
});

describe('multipart vectors (each whole, byte by byte and split at every position, fast lane on and off)', () => {
  it('two well-formed parts with CRLF', () => {
    expectEveryChunking(Buffer.from(framed(A) + framed(B)), 'boundary', [part(A), part(B)]);
  });

  it('LF-only line ends', () => {
    const text = `--boundary\nContent-Type: application/json\nContent-Length: ${A.length}\n\n${A}\n--boundary\nContent-Type: application/json\n\n${B}\n`;
    expectEveryChunking(Buffer.from(text), 'boundary', [part(A, [], 'application/json'), part(B, ['no content-length'], 'application/json')]);
  });

  it("the guide's chapter 5 example as printed (pretty JSON, trailing comma, inexact Content-Length)", () => {
    const bytes = readFileSync(new URL('../../fixtures/guide-subscription-example.multipart', import.meta.url));
    const result = whole(bytes, 'boundary');
    expect(result).toHaveLength(3);
    expect(result[0]).toEqual(part('{"SubscribeDeviceMgmtRsp":{"id":5939}}'));
    expect(result.every((entry) => 'part' in entry)).toBe(true);
    expect(String((result[1] as { part: string }).part)).toMatch(/^\{[\s\S]*"devStatusChanged"[\s\S]*\}$/);
    expect(String((result[2] as { part: string }).part)).toMatch(/"heartBeat"/);
    expectEveryChunking(bytes, 'boundary', result);
  });

  it('a custom boundary', () => {
    const text = framed(A).replace('--boundary', '--hikboundary') + framed(B).replace('--boundary', '--hikboundary');
    expectEveryChunking(Buffer.from(text), 'hikboundary', [part(A), part(B)]);
  });

  it('delimiter glued to the end of a body', () => {
    const text = `--boundary\r\nContent-Type: ${JSON_TYPE}\r\n\r\n{"broken":{"a":1}--boundary\r\nContent-Type: ${JSON_TYPE}\r\nContent-Length: ${B.length}\r\n\r\n${B}\r\n`;
    expectEveryChunking(Buffer.from(text), 'boundary', [part('{"broken":{"a":1}', ['delimiter glued to body', 'no content-length']), part(B)]);
  });

  it('a complete body glued to the next delimiter', () => {
    const text = `--boundary\r\nContent-Type: ${JSON_TYPE}\r\nContent-Length: ${A.length}\r\n\r\n${A}--boundary\r\nContent-Type: ${JSON_TYPE}\r\nContent-Length: ${B.length}\r\n\r\n${B}\r\n`;
    expectEveryChunking(Buffer.from(text), 'boundary', [part(A), part(B)]);
  });

  it('first part without delimiter and headers', () => {
    expectEveryChunking(Buffer.from(`${A}\r\n${framed(B)}`), 'boundary', [part(A, ['no leading delimiter', 'no headers', 'no content-length'], null), part(B)]);
  });

  it('first part with headers but without delimiter', () => {
    const text = `Content-Type: ${JSON_TYPE}\r\nContent-Length: ${A.length}\r\n\r\n${A}\r\n${framed(B)}`;
    expectEveryChunking(Buffer.from(text), 'boundary', [part(A, ['no leading delimiter']), part(B)]);
  });

  it('a delimiter straight followed by a body (no headers)', () => {
    expectEveryChunking(Buffer.from(`--boundary\r\n${A}\r\n--boundary${B}\r\n`), 'boundary', [
      part(A, ['no headers', 'no content-length'], null),
      part(B, ['no headers', 'no content-length'], null),
    ]);
  });

  it('duplicated delimiter lines', () => {
    const text = `--boundary\r\n--boundary\r\nContent-Type: ${JSON_TYPE}\r\nContent-Length: ${A.length}\r\n\r\n${A}\r\n--boundary\r\n${framed(B)}`;
    expectEveryChunking(Buffer.from(text), 'boundary', [part(A, ['duplicate delimiter']), part(B, ['duplicate delimiter'])]);
  });

  it('Content-Length missing', () => {
    expectEveryChunking(Buffer.from(framed(A, `Content-Type: ${JSON_TYPE}\r\n`) + framed(B)), 'boundary', [part(A, ['no content-length']), part(B)]);
  });

  it('Content-Length short', () => {
    expectEveryChunking(Buffer.from(framed(A, `Content-Type: ${JSON_TYPE}\r\nContent-Length: 20\r\n`) + framed(B)), 'boundary', [
      part(A, ['content-length mismatch']),
      part(B),
    ]);
  });

  it('Content-Length long: the part is released at its closing brace, not held for bytes that never come', () => {
    const bytes = Buffer.from(framed(A, `Content-Type: ${JSON_TYPE}\r\nContent-Length: 5000\r\n`));
    const parser = new MultipartParser('boundary');
    // no end(): on a live stream the part must come out before anything else arrives
    expect(seen(parser.push(bytes))).toEqual([part(A, ['content-length mismatch'])]);
    expectEveryChunking(Buffer.from(framed(A, `Content-Type: ${JSON_TYPE}\r\nContent-Length: 5000\r\n`) + framed(B)), 'boundary', [
      part(A, ['content-length mismatch']),
      part(B),
    ]);
  });

  it('Content-Length not a number', () => {
    expectEveryChunking(Buffer.from(framed(A, `Content-Type: ${JSON_TYPE}\r\nContent-Length: abc\r\n`)), 'boundary', [part(A, ['no content-length'])]);
  });

  it('a JSON body with braces and the boundary word inside strings', () => {
    const body = '{"EventNotificationAlert":{"eventType":"VMD","eventDescription":"a } b { \\" c","channelName":"--boundary-less"}}';
    expectEveryChunking(Buffer.from(framed(body) + framed(B)), 'boundary', [part(body), part(B)]);
  });

  it('a body whose braces never balance ends at the next delimiter', () => {
    const broken = '{"EventNotificationAlert":{"eventType":"PIR"';
    expectEveryChunking(Buffer.from(framed(broken) + framed(B)), 'boundary', [part(broken), part(B)]);
  });

  it('an image part with Content-Length is skipped and counted, CR/LF and braces inside it do not matter', () => {
    const image = Buffer.concat([
      Buffer.from([0xff, 0xd8, 0xff, 0xe0]),
      Buffer.from('\r\n{\r\n\r\n--bound\r\n}'),
      Buffer.alloc(64, 0x7b),
      Buffer.from([0xff, 0xd9]),
    ]);
    const bytes = Buffer.concat([
      Buffer.from(framed(A)),
      Buffer.from(`--boundary\r\nContent-Type: image/jpeg\r\nContent-Disposition: attachment; filename="pic.jpg"\r\nContent-Length: ${image.length}\r\n\r\n`),
      image,
      Buffer.from(`\r\n${framed(B)}`),
    ]);
    expectEveryChunking(bytes, 'boundary', [part(A), { skipped: 'image/jpeg', bytes: image.length }, part(B)]);
  });

  it('an image part whose Content-Length is too long does not swallow the alarm after it', () => {
    const image = Buffer.concat([Buffer.from([0xff, 0xd8]), Buffer.alloc(40, 0x55), Buffer.from([0xff, 0xd9])]);
    const bytes = Buffer.concat([
      Buffer.from(`--boundary\r\nContent-Type: image/jpeg\r\nContent-Length: ${image.length + 500}\r\n\r\n`),
      image,
      Buffer.from(`\r\n${framed(A)}${framed(B)}`),
    ]);
    expectEveryChunking(bytes, 'boundary', [{ skipped: 'image/jpeg', bytes: image.length }, part(A), part(B)]);
  });

  it('an image part whose Content-Length is too short leaves no stray bytes', () => {
    const image = Buffer.concat([Buffer.from([0xff, 0xd8]), Buffer.alloc(40, 0x55), Buffer.from([0xff, 0xd9])]);
    const bytes = Buffer.concat([Buffer.from(`--boundary\r\nContent-Type: image/jpeg\r\nContent-Length: 10\r\n\r\n`), image, Buffer.from(`\r\n${framed(A)}`)]);
    expectEveryChunking(bytes, 'boundary', [{ skipped: 'image/jpeg', bytes: image.length }, part(A)]);
  });

  it('an image part without Content-Length', () => {
    const image = Buffer.concat([Buffer.from([0xff, 0xd8]), Buffer.alloc(30, 0x0a), Buffer.from([0xff, 0xd9])]);
    const bytes = Buffer.concat([Buffer.from(`--boundary\r\nContent-Type: image/jpeg\r\n\r\n`), image, Buffer.from(`\r\n${framed(A)}`)]);
    expectEveryChunking(bytes, 'boundary', [{ skipped: 'image/jpeg', bytes: image.length }, part(A)]);
  });

  it('a JSON alarm under another Content-Type is read as JSON, with the defect content-type mismatch', () => {
    const bytes = Buffer.from(
      framed(A, `Content-Type: application/octet-stream\r\nContent-Length: ${A.length}\r\n`) +
        framed(`\r\n ${B}`, 'Content-Type: text/html\r\n') +
        framed(A, `Content-Type: image/jpeg\r\nContent-Length: ${A.length}\r\n`),
    );
    expectEveryChunking(bytes, 'boundary', [
      part(A, ['content-type mismatch'], 'application/octet-stream'),
      part(B, ['content-type mismatch', 'no content-length'], 'text/html'),
      part(A, ['content-type mismatch'], 'image/jpeg'),
    ]);
  });

  it('a part under another Content-Type that does not start with { is still skipped', () => {
    const bytes = Buffer.from(framed('<html>{"not":"an event"}</html>', 'Content-Type: text/html\r\n') + framed(A));
    expectEveryChunking(bytes, 'boundary', [{ skipped: 'text/html', bytes: 31 }, part(A)]);
  });

  it('non-UTF-8 bytes inside a JSON body are kept as bytes', () => {
    const body = Buffer.concat([
      Buffer.from('{"EventNotificationAlert":{"eventType":"IO","channelName":"Zone '),
      Buffer.from([0xc4, 0xff, 0xfe]),
      Buffer.from('"}}'),
    ]);
    const bytes = Buffer.concat([Buffer.from(`--boundary\r\nContent-Type: ${JSON_TYPE}\r\nContent-Length: ${body.length}\r\n\r\n`), body, Buffer.from('\r\n')]);
    const events = parseMultipart(bytes, 'boundary');
    expect(events).toHaveLength(1);
    expect(events[0]?.type === 'part' && events[0].part.body.equals(body)).toBe(true);
    expectEveryChunking(bytes, 'boundary', seen(events));
  });

  it('a BOM before a header-less body', () => {
    const bytes = Buffer.concat([Buffer.from('--boundary\r\n'), Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(`${A}\r\n${framed(B)}`)]);
    const result = whole(bytes, 'boundary');
    expect(result).toHaveLength(2);
    expect('part' in (result[0] as object) && (result[0] as { part: string }).part.endsWith(A)).toBe(true);
    expect(result[1]).toEqual(part(B));
    expectEveryChunking(bytes, 'boundary', result);
  });

  it('a header line without colon is tolerated', () => {
    const text = `--boundary\r\nX-Junk\r\nContent-Type: ${JSON_TYPE}\r\nContent-Length: ${A.length}\r\n\r\n${A}\r\n`;
    expectEveryChunking(Buffer.from(text), 'boundary', [part(A, ['header line without colon'])]);
  });

  it('stray bytes between parts are quarantined, the parts around them kept', () => {
    expectEveryChunking(Buffer.from(`${framed(A)}garbage line\r\n${framed(B)}`), 'boundary', [
      part(A),
      { quarantined: 'HIKARC_MULTIPART_STRAY_BYTES' },
      part(B),
    ]);
  });

  it('a close delimiter and a new stream after it', () => {
    expectEveryChunking(Buffer.from(`${framed(A)}--boundary--\r\n${framed(B)}`), 'boundary', [part(A), part(B)]);
  });

  it('an empty part', () => {
    expectEveryChunking(Buffer.from(`--boundary\r\nContent-Type: ${JSON_TYPE}\r\nContent-Length: 0\r\n\r\n\r\n${framed(A)}`), 'boundary', [part(A)]);
  });

  it('the stream ends inside a JSON part: quarantined as truncated', () => {
    const text = framed(A) + `--boundary\r\nContent-Type: ${JSON_TYPE}\r\nContent-Length: ${B.length}\r\n\r\n${B.slice(0, 30)}`;
    expectEveryChunking(Buffer.from(text), 'boundary', [part(A), { quarantined: 'HIKARC_MULTIPART_TRUNCATED_PART' }]);
  });

  it('the stream ends inside part headers: quarantined as truncated', () => {
    expectEveryChunking(Buffer.from(`${framed(A)}--boundary\r\nContent-Type: appl`), 'boundary', [part(A), { quarantined: 'HIKARC_MULTIPART_TRUNCATED_PART' }]);
  });

  it('a JSON part over the size cap is quarantined and the next part kept', () => {
    const big = `{"EventNotificationAlert":{"eventType":"VMD","pad":"${'x'.repeat(300)}"}}`;
    expectEveryChunking(Buffer.from(framed(big) + framed(A)), 'boundary', [{ quarantined: 'HIKARC_MULTIPART_PART_TOO_LARGE' }, part(A)], { maxPartBytes: 200 });
  });

  it('an endless header block is quarantined and the next part kept', () => {
    const junk = Array.from({ length: 2000 }, (_, i) => `X-Line-${i}: ${'y'.repeat(10)}`).join('\r\n');
    const bytes = Buffer.from(`--boundary\r\n${junk}\r\n${framed(A)}`);
    expect(whole(bytes, 'boundary')).toEqual([{ quarantined: 'HIKARC_MULTIPART_HEADERS_TOO_LARGE' }, part(A)]);
    expect(byteByByte(bytes, 'boundary')).toEqual([{ quarantined: 'HIKARC_MULTIPART_HEADERS_TOO_LARGE' }, part(A)]);
  });
});

describe('the guide examples fixture (subscription response and 32 events, framed as the receiver does)', () => {
  const bytes = readFileSync(new URL('../../fixtures/guide-examples.multipart', import.meta.url));

  it('yields 33 parts, no quarantine, in order', () => {
    const result = whole(bytes, 'boundary');
    expect(result).toHaveLength(33);
    expect(result.every((entry) => 'part' in entry)).toBe(true);
    expect((result[0] as { part: string }).part).toBe('{"SubscribeDeviceMgmtRsp":{"id":5939}}');
    const types = result.slice(1).map((entry) => /"eventType"\s*:\s*"([^"]+)"/.exec((entry as { part: string }).part)?.[1]);
    expect(types[0]).toBe('cancelVoiceTalkEvent');
    expect(types).toContain('heartBeat');
    expect(types.filter((type) => type === undefined)).toEqual([]);
  });

  it('gives the same parts byte by byte and split at every position', () => {
    const expected = whole(bytes, 'boundary');
    for (const lane of LANES) {
      expect(byteByByte(bytes, 'boundary', lane)).toEqual(expected);
      for (let at = 1; at < bytes.length; at += 1) {
        const parser = new MultipartParser('boundary', lane);
        const count = parser.push(bytes.subarray(0, at)).length + parser.push(bytes.subarray(at)).length + parser.end().length;
        if (count !== expected.length) expect({ ...lane, at, count }).toEqual({ ...lane, at, count: expected.length });
      }
    }
  });
});

describe('abandonPart', () => {
  it('quarantines the JSON part in progress with what arrived of it, skips the rest and keeps the next part', () => {
    const parser = new MultipartParser('boundary');
    const slow = `{"EventNotificationAlert":{"eventType":"VMD","pad":"${'x'.repeat(2000)}"}}`;
    const bytes = Buffer.from(framed(slow) + framed(A));
    const cut = 1000;
    expect(seen(parser.push(bytes.subarray(0, cut)))).toEqual([]);
    expect(parser.inPart).toBe(true);
    const abandoned = parser.abandonPart('HIKARC_MULTIPART_PART_TOO_SLOW', 'too slow');
    expect(seen(abandoned)).toEqual([{ quarantined: 'HIKARC_MULTIPART_PART_TOO_SLOW' }]);
    expect(abandoned[0]?.type === 'quarantined' && abandoned[0].sample.toString('utf8')).toMatch(/^\{"EventNotificationAlert"/);
    // once only for the same part
    expect(parser.abandonPart('HIKARC_MULTIPART_PART_TOO_SLOW', 'too slow')).toEqual([]);
    expect(seen([...parser.push(bytes.subarray(cut)), ...parser.end()])).toEqual([part(A)]);
  });

  it('an image in progress is reported once and skipped to its end, never listed as skipped too', () => {
    const parser = new MultipartParser('boundary');
    const bytes = Buffer.concat([Buffer.from('--boundary\r\nContent-Type: image/jpeg\r\n\r\n'), Buffer.alloc(3000, 0xd8), Buffer.from(`\r\n${framed(A)}`)]);
    parser.push(bytes.subarray(0, 1500));
    expect(seen(parser.abandonPart('HIKARC_MULTIPART_PART_TOO_SLOW', 'too slow'))).toEqual([{ quarantined: 'HIKARC_MULTIPART_PART_TOO_SLOW' }]);
    expect(seen([...parser.push(bytes.subarray(1500)), ...parser.end()])).toEqual([part(A)]);
  });

  it('does nothing between parts', () => {
    const parser = new MultipartParser('boundary');
    parser.push(Buffer.from(framed(A)));
    expect(parser.inPart).toBe(false);
    expect(parser.abandonPart('HIKARC_MULTIPART_PART_TOO_SLOW', 'too slow')).toEqual([]);
  });
});

describe('part bodies', () => {
  it('are views that later bytes never overwrite: parts held across many pushes stay as released', () => {
    const bodies = Array.from({ length: 300 }, (_, n) => `{"EventNotificationAlert":{"eventType":"CIDAlarm","n":${n},"pad":"${'x'.repeat(n % 97)}"}}`);
    const bytes = Buffer.from(bodies.map((body) => framed(body)).join(''));
    const parser = new MultipartParser('boundary');
    const held: MultipartEvent[] = [];
    // Chunks of varying size, so the window fills, empties and moves to fresh backings many times.
    for (let at = 0, size = 1; at < bytes.length; at += size, size = (size * 7) % 1500 || 1) held.push(...parser.push(bytes.subarray(at, at + size)));
    held.push(...parser.end());
    expect(seen(held)).toEqual(bodies.map((body) => part(body)));
  });
});

describe('robustness', () => {
  it('random bytes and random mutations of real streams give only typed events, never a throw', () => {
    let seed = 12345;
    const random = (): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const base = Buffer.from(framed(A) + framed(B) + framed(A));
    for (let round = 0; round < 300; round++) {
      const bytes = round % 2 === 0 ? Buffer.from(Array.from({ length: 400 }, () => Math.floor(random() * 256))) : Buffer.from(base);
      if (round % 2 === 1) for (let i = 0; i < 8; i++) bytes[Math.floor(random() * bytes.length)] = Math.floor(random() * 256);
      const parser = new MultipartParser('boundary', { maxPartBytes: 1024 });
      const events: MultipartEvent[] = [];
      let at = 0;
      while (at < bytes.length) {
        const size = 1 + Math.floor(random() * 40);
        events.push(...parser.push(bytes.subarray(at, at + size)));
        at += size;
      }
      events.push(...parser.end());
      for (const event of events) expect(['part', 'skipped', 'quarantined']).toContain(event.type);
    }
  });
});

describe('boundaries', () => {
  it.each([
    ['multipart/mixed; boundary=boundary', 'boundary'],
    ['multipart/mixed; boundary="hik boundary"', 'hik boundary'],
    ['multipart/mixed;boundary=--abc; charset=utf-8', 'abc'],
    ['Multipart/Mixed; BOUNDARY=xyz', 'xyz'],
    ['multipart/mixed', 'boundary'],
    [undefined, 'boundary'],
    ['multipart/mixed; boundary=""', 'boundary'],
  ])('from Content-Type %s', (header, expected) => {
    expect(boundaryFromContentType(header)).toBe(expected);
  });

  it('from a capture', () => {
    expect(boundaryFromCapture(Buffer.from('\r\n--hikboundary\r\nContent-Type: x\r\n'))).toBe('hikboundary');
    expect(boundaryFromCapture(Buffer.from('{"a":1}'))).toBeUndefined();
  });
});
