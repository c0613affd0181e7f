import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { HikArcError } from '../../../src/errors.js';
import { readEventFile, type EventFile } from '../../../src/ingest/event-file.js';

const A = '{"EventNotificationAlert":{"eventType":"CIDAlarm","CIDAlarm":{"CIDCode":"1103"}}}';
const B = '{"EventNotificationAlert":{"eventType":"PIR","devIndex":"x"}}';

function summary(file: EventFile): string[] {
  return file.items.map((item) => (item.kind === 'document' ? item.text : `${item.kind}`));
}

function part(body: string, boundary = 'boundary'): string {
  return `--${boundary}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}\r\n`;
}

describe('readEventFile', () => {
  it('reads the guide fixture capture as multipart', () => {
    const file = readEventFile(readFileSync(new URL('../../fixtures/guide-examples.multipart', import.meta.url)), 'guide');
    expect(file.format).toBe('multipart');
    expect(file.items).toHaveLength(33);
    expect(file.items.every((item) => item.kind === 'document')).toBe(true);
  });

  it('a capture with the HTTP response head takes the boundary from its Content-Type', () => {
    const text = `HTTP/1.1 200 OK\r\nContent-Type: multipart/mixed; boundary="hik"\r\nConnection: close\r\n\r\n${part(A, 'hik')}${part(B, 'hik')}`;
    const file = readEventFile(Buffer.from(text), 'head');
    expect(file.format).toBe('multipart');
    expect(summary(file)).toEqual([A, B]);
  });

  it('a capture whose first part has no delimiter is still multipart', () => {
    const file = readEventFile(Buffer.from(`${A}\r\n${part(B)}`), 'headless');
    expect(file.format).toBe('multipart');
    expect(summary(file)).toEqual([A, B]);
  });

  it('a capture with an image part reports it as skipped', () => {
    const text = `${part(A)}--boundary\r\nContent-Type: image/jpeg\r\nContent-Length: 4\r\n\r\n\xff\xd8\xff\xd9\r\n${part(B)}`;
    const file = readEventFile(Buffer.from(text, 'latin1'), 'image');
    expect(summary(file)).toEqual([A, 'skipped', B]);
  });

  it('JSON lines, with a BOM and a junk line', () => {
    const file = readEventFile(Buffer.from(`\uFEFF${A}\nnot json\n${B}\n`), 'lines');
    expect(file.format).toBe('json');
    expect(summary(file)).toEqual([A, 'quarantined', B]);
  });

  it('pretty-printed documents one after another', () => {
    const pretty = (text: string): string => JSON.stringify(JSON.parse(text), null, 2);
    const file = readEventFile(Buffer.from(`${pretty(A)}\n\n${pretty(B)}`), 'pretty');
    expect(summary(file)).toEqual([pretty(A), pretty(B)]);
  });

  it('a JSON array: each element on its own, a bad element costs only itself', () => {
    const file = readEventFile(Buffer.from(`[${A}, 42, ${B}]`), 'array');
    expect(summary(file)).toEqual([A, 'quarantined', B]);
  });

  it.each([
    ['an empty file', ''],
    ['whitespace only', '  \r\n'],
    ['plain text', 'hello world'],
  ])('%s is not an event file', (_name, text) => {
    expect(() => readEventFile(Buffer.from(text), 'x')).toThrow(HikArcError);
    try {
      readEventFile(Buffer.from(text), 'x');
    } catch (error) {
      expect((error as HikArcError).code).toBe('HIKARC_EVENT_FILE_UNRECOGNISED');
    }
  });
});
