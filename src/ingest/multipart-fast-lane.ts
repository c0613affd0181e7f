// Fast path of the multipart parser (docs/hik-receiver.md §Multipart quirks). Why it exists: a
// receiver sends the same header bytes on every part but the Content-Length digits, and in a burst
// part after part follows in one chunk. Matching those bytes against a template learnt from a
// clean part releases each part in one step, where the general path changes state four times per
// part; it halves the parser's time in a burst (npm run bench, multipart stage). It gives exactly
// what the general path gives (same body, type, no defects); anything else — other headers, a
// wrong length, bytes still missing — goes the general way. How to remove it: construct the parser
// with `{ fastLane: false }` (every multipart vector runs both ways), or delete this module and its
// two calls in multipart-parser.ts.

import type { MultipartEvent, PartDefect } from './multipart-parser.js';

interface PartTemplate {
  /** CRLF after the delimiter, then the header bytes up to the Content-Length digits. */
  readonly prefix: Buffer;
  /** The header bytes after the digits, through the blank line. */
  readonly suffix: Buffer;
  readonly contentType: string;
}

/** Where a body of `length` bytes at `bodyStart` ends in a real delimiter: the body and the offset after that delimiter. */
export type BodyAt = (buffer: Buffer, bodyStart: number, length: number) => { readonly body: Buffer; readonly next: number } | null;

// Shared by every part of the fast lane, which has none by definition.
const NO_DEFECTS: readonly PartDefect[] = Object.freeze([]);
const CRLF = Buffer.from('\r\n', 'latin1');

function startsWith(buffer: Buffer, at: number, pattern: Buffer): boolean {
  return buffer.length - at >= pattern.length && buffer.compare(pattern, 0, pattern.length, at, at + pattern.length) === 0;
}

export class MultipartFastLane {
  private template: PartTemplate | null = null;
  /** Parts released by the fast lane (tests check it engages). */
  parts = 0;

  constructor(
    private readonly maxPartBytes: number,
    private readonly bodyAt: BodyAt,
  ) {}

  /** A clean part's header block (`digits` is where its Content-Length value sits) becomes the template. */
  learn(headerBlock: Buffer, digits: { readonly start: number; readonly end: number }, contentType: string): void {
    this.template = {
      prefix: Buffer.concat([CRLF, headerBlock.subarray(0, digits.start)]),
      suffix: Buffer.from(headerBlock.subarray(digits.end)),
      contentType,
    };
  }

  /** Right after a delimiter: releases the parts that match the template, one after another; the bytes they took (0 for none). */
  take(buffer: Buffer, events: MultipartEvent[]): number {
    if (this.template === null) return 0;
    let consumed = 0;
    for (let next = this.partAt(this.template, buffer, 0, events); next > 0; next = this.partAt(this.template, buffer, next, events)) consumed = next;
    return consumed;
  }

  private partAt(template: PartTemplate, buffer: Buffer, from: number, events: MultipartEvent[]): number {
    if (!startsWith(buffer, from, template.prefix)) return 0;
    const digitsStart = from + template.prefix.length;
    let at = digitsStart;
    while (at < buffer.length && at - digitsStart <= 10 && (buffer[at] as number) >= 0x30 && (buffer[at] as number) <= 0x39) at++;
    if (at === digitsStart || at - digitsStart > 10) return 0;
    const length = Number(buffer.toString('latin1', digitsStart, at));
    if (length === 0 || length > this.maxPartBytes || !startsWith(buffer, at, template.suffix)) return 0;
    const found = this.bodyAt(buffer, at + template.suffix.length, length);
    if (found === null) return 0;
    events.push({ type: 'part', part: { contentType: template.contentType, contentLength: length, body: found.body, defects: NO_DEFECTS } });
    this.parts++;
    return found.next;
  }
}
