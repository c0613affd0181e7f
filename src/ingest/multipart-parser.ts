// Incremental multipart/mixed parser for the receiver's never-ending subscription body (guide §5.1,
// RFC 2046 §5.1). Pure: bytes in, parts out, no I/O. Built for the framing quirks devices are known
// for (ingest notes §A.3): the delimiter is searched for anywhere, not only at a line start (bodies
// arrive glued to it: `{...}--boundary`); the first part may have no delimiter or no headers;
// delimiter lines come twice; Content-Length may be missing, short or long; image parts are skipped.
//
// A JSON part is released the moment its outermost braces close (string-aware scan), not when the
// next delimiter arrives: on a quiet stream that comes with the next heartbeat, up to 10 s later,
// too late for an alarm. Content-Length is then checked against where the document really ended
// (missing, short and long lengths are all seen in the field). A body whose braces never balance
// ends at the next delimiter and goes to the tolerant JSON parser as it is.

import { HikArcError, type ErrorCode } from '../errors.js';
import { JsonScanner, isCompleteDocument } from '../translate/json-scan.js';

export const DEFAULT_MAX_PART_BYTES = 4 * 1024 * 1024;
const MAX_HEADER_BYTES = 16 * 1024;
const QUARANTINE_SAMPLE_BYTES = 1024;
const DEFAULT_BOUNDARY = 'boundary';

const CR = 0x0d;
const LF = 0x0a;
const OPEN_BRACE = 0x7b;
const OPEN_BRACKET = 0x5b;
const BLANK_LINE_CRLF = Buffer.from('\r\n\r\n', 'latin1');
const BLANK_LINE_LF = Buffer.from('\n\n', 'latin1');

export type PartDefect =
  | 'no leading delimiter'
  | 'no headers'
  | 'duplicate delimiter'
  | 'header line without colon'
  | 'no content-length'
  | 'content-length mismatch'
  | 'delimiter glued to body';

export interface MultipartPart {
  /** Header names lower-cased. */
  readonly headers: ReadonlyMap<string, string>;
  readonly contentType: string | null;
  /** A view into the parser's input (never written to again); copy it to keep it for long. */
  readonly body: Buffer;
  readonly defects: readonly PartDefect[];
}

export type MultipartEvent =
  | { readonly type: 'part'; readonly part: MultipartPart }
  | { readonly type: 'skipped'; readonly contentType: string; readonly bytes: number }
  | { readonly type: 'quarantined'; readonly error: HikArcError; readonly sample: Buffer };

export interface MultipartParserOptions {
  readonly maxPartBytes?: number;
}

/** Boundary from a Content-Type header, quoted or not; `boundary` when absent (the vendor default). */
export function boundaryFromContentType(contentType: string | null | undefined): string {
  const match = contentType ? /boundary\s*=\s*(?:"([^"]+)"|([^;,\s]+))/i.exec(contentType) : null;
  const boundary = (match?.[1] ?? match?.[2] ?? DEFAULT_BOUNDARY).replace(/^--/, '');
  return boundary === '' ? DEFAULT_BOUNDARY : boundary;
}

/** Boundary of a raw capture file: the first line that starts with `--`. */
export function boundaryFromCapture(bytes: Buffer): string | undefined {
  const text = bytes.subarray(0, 4096).toString('latin1');
  const match = /^--([^\r\n]+?)\s*$/m.exec(text);
  if (!match?.[1]) return undefined;
  return match[1].replace(/--$/, '');
}

function isJsonType(contentType: string | null): boolean {
  return contentType === null || /json|text\/plain/i.test(contentType);
}

function isWhitespace(byte: number | undefined): boolean {
  return byte === 0x20 || byte === 0x09 || byte === CR || byte === LF;
}

type State = 'preamble' | 'delimiter-line' | 'headers' | 'body' | 'skip' | 'between';

export class MultipartParser {
  private readonly delimiter: Buffer;
  private readonly delimiterText: string;
  private readonly maxPartBytes: number;
  private buffer: Buffer = Buffer.alloc(0);
  private state: State = 'preamble';

  // current part
  private headers = new Map<string, string>();
  private defects: PartDefect[] = [];
  private contentLength: number | null = null;
  private contentType: string | null = null;
  /** Offset in the buffered body up to which the delimiter search has found nothing. */
  private searched = 0;
  private readonly scanner = new JsonScanner();
  private scanned = 0;
  private skippedBytes = 0;
  private headerBytes = 0;

  constructor(boundary: string, options: MultipartParserOptions = {}) {
    this.delimiterText = `--${boundary}`;
    this.delimiter = Buffer.from(this.delimiterText, 'latin1');
    this.maxPartBytes = options.maxPartBytes ?? DEFAULT_MAX_PART_BYTES;
  }

  push(chunk: Uint8Array): MultipartEvent[] {
    const bytes = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    this.buffer = this.buffer.length === 0 ? bytes : Buffer.concat([this.buffer, bytes]);
    const events: MultipartEvent[] = [];
    while (this.step(events)) {
      // each step consumes input or changes state; it returns false when it needs more bytes
    }
    return events;
  }

  /** The stream ended: release a complete last part, quarantine an incomplete one. */
  end(): MultipartEvent[] {
    const events: MultipartEvent[] = [];
    if (this.state === 'body') {
      const body = this.trimmedBody(this.buffer.length);
      if (body.length > 0 && isCompleteDocument(body)) this.emitPart(events, body);
      else if (body.length > 0) this.quarantine(events, 'HIKARC_MULTIPART_TRUNCATED_PART', 'the stream ended inside a part', body);
    } else if (this.state === 'headers' && this.buffer.length > 0) {
      this.quarantine(events, 'HIKARC_MULTIPART_TRUNCATED_PART', 'the stream ended inside part headers', this.buffer);
    } else if (this.state === 'between' || this.state === 'preamble') {
      const rest = this.buffer.toString('latin1').trim();
      if (rest !== '' && !rest.startsWith(this.delimiter.toString('latin1'))) {
        this.quarantine(events, 'HIKARC_MULTIPART_STRAY_BYTES', 'bytes after the last part', this.buffer);
      }
    }
    this.buffer = Buffer.alloc(0);
    this.state = 'preamble';
    return events;
  }

  private consume(count: number): void {
    this.buffer = this.buffer.subarray(count);
  }

  private step(events: MultipartEvent[]): boolean {
    switch (this.state) {
      case 'preamble':
        return this.stepPreamble();
      case 'delimiter-line':
        return this.stepDelimiterLine();
      case 'headers':
        return this.stepHeaders(events);
      case 'body':
        return this.stepBody(events);
      case 'skip':
        return this.stepSkip(events);
      case 'between':
        return this.stepBetween(events);
    }
  }

  private startPart(): void {
    this.headers = new Map();
    this.defects = [];
    this.contentLength = null;
    this.contentType = null;
    this.headerBytes = 0;
  }

  // Before the first delimiter: a stream that starts straight with headers or a body is a part too.
  private stepPreamble(): boolean {
    let i = 0;
    while (i < this.buffer.length && isWhitespace(this.buffer[i])) i++;
    if (i === this.buffer.length) {
      this.consume(i);
      return false;
    }
    const rest = this.buffer.subarray(i);
    if (rest.length < this.delimiter.length) {
      if (this.delimiter.subarray(0, rest.length).equals(rest)) return false;
    } else if (rest.subarray(0, this.delimiter.length).equals(this.delimiter)) {
      this.consume(i + this.delimiter.length);
      this.state = 'delimiter-line';
      return true;
    }
    this.consume(i);
    this.startPart();
    this.defects.push('no leading delimiter');
    this.state = 'headers';
    return true;
  }

  // After `--boundary`: `--` closes the body (a new subscription would start over); otherwise
  // optional transport padding and the line end, or (glued) a body straight away.
  private stepDelimiterLine(): boolean {
    let i = 0;
    while (i < this.buffer.length && (this.buffer[i] === 0x20 || this.buffer[i] === 0x09)) i++;
    const next = this.buffer[i];
    if (next === undefined) return false;
    if (next === OPEN_BRACE || next === OPEN_BRACKET) {
      this.consume(i);
      this.startPart();
      this.defects.push('no headers');
      this.beginBody();
      return true;
    }
    const lineEnd = this.buffer.indexOf(LF, i);
    if (lineEnd < 0) {
      if (this.buffer.length > MAX_HEADER_BYTES) {
        this.consume(this.buffer.length);
        this.state = 'preamble';
        return true;
      }
      return false;
    }
    const line = this.buffer.subarray(i, lineEnd).toString('latin1').trim();
    this.consume(lineEnd + 1);
    this.startPart();
    if (line.startsWith('--')) {
      this.state = 'preamble';
      return true;
    }
    if (line.includes(':')) this.addHeader(line);
    else if (line !== '') this.defects.push('header line without colon');
    this.state = 'headers';
    return true;
  }

  private addHeader(line: string): void {
    const colon = line.indexOf(':');
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    this.headers.set(name, value);
    if (name === 'content-length') {
      this.contentLength = /^\d{1,10}$/.test(value) ? Number(value) : null;
    } else if (name === 'content-type') {
      this.contentType = value;
    }
  }

  // The usual case in one go: a header block that ends with a blank line and holds neither a
  // delimiter nor a body start. Anything unusual goes line by line below.
  private parseHeaderBlock(): boolean {
    const crlf = this.buffer.indexOf(BLANK_LINE_CRLF);
    const end = crlf >= 0 ? crlf + 4 : this.buffer.indexOf(BLANK_LINE_LF) >= 0 ? this.buffer.indexOf(BLANK_LINE_LF) + 2 : -1;
    if (end < 0 || end > MAX_HEADER_BYTES) return false;
    const block = this.buffer.toString('latin1', 0, end);
    if (block.includes(this.delimiterText) || block.includes('\n{') || block.charCodeAt(0) === OPEN_BRACE) return false;
    for (const raw of block.split('\n')) {
      const line = raw.trim();
      if (line === '') continue;
      if (line.includes(':')) this.addHeader(line);
      else this.defects.push('header line without colon');
    }
    this.consume(end);
    this.beginBody();
    return true;
  }

  private stepHeaders(events: MultipartEvent[]): boolean {
    if (this.headers.size === 0 && this.parseHeaderBlock()) return true;
    let indent = 0;
    while (this.buffer[indent] === 0x20 || this.buffer[indent] === 0x09) indent++;
    const first = this.buffer[indent];
    if (first === undefined) return false;
    // A part without headers: the body starts right here.
    if (first === OPEN_BRACE || first === OPEN_BRACKET) {
      if (this.headers.size === 0) this.defects.push('no headers');
      this.beginBody();
      return true;
    }
    const lineEnd = this.buffer.indexOf(LF);
    if (lineEnd < 0) {
      if (this.headerBytes + this.buffer.length > MAX_HEADER_BYTES) {
        this.quarantine(events, 'HIKARC_MULTIPART_HEADERS_TOO_LARGE', `part headers exceed ${MAX_HEADER_BYTES} bytes`, this.buffer);
        this.consume(this.buffer.length);
        this.beginSkip();
        return true;
      }
      return false;
    }
    this.headerBytes += lineEnd + 1;
    const raw = this.buffer.subarray(0, lineEnd);
    const line = raw.toString('latin1').trim();
    if (raw.subarray(0, this.delimiter.length).equals(this.delimiter)) {
      // `--boundary` again before any body: a duplicated delimiter line.
      this.consume(lineEnd + 1);
      this.defects.push('duplicate delimiter');
      this.headers = new Map();
      return true;
    }
    this.consume(lineEnd + 1);
    if (line === '') {
      if (this.headers.size === 0 && this.defects.length === 0) return true; // blank line right after the delimiter
      this.beginBody();
      return true;
    }
    if (line.includes(':')) this.addHeader(line);
    else this.defects.push('header line without colon');
    return true;
  }

  private beginBody(): void {
    if (!isJsonType(this.contentType)) {
      this.beginSkip();
      return;
    }
    this.state = 'body';
    this.searched = 0;
    this.scanner.reset();
    this.scanned = 0;
    if (this.contentLength === null) this.defects.push('no content-length');
  }

  private beginSkip(): void {
    this.state = 'skip';
    this.skippedBytes = 0;
  }

  private trimmedBody(end: number): Buffer {
    let stop = end;
    while (stop > 0 && isWhitespace(this.buffer[stop - 1])) stop--;
    let start = 0;
    while (start < stop && isWhitespace(this.buffer[start])) start++;
    return this.buffer.subarray(start, stop);
  }

  private findDelimiter(): number {
    const from = Math.max(0, this.searched - this.delimiter.length + 1);
    const at = this.buffer.indexOf(this.delimiter, from);
    this.searched = at < 0 ? this.buffer.length : at;
    return at;
  }

  // Content-Length exactly right and the next delimiter already here (a burst: every part but the
  // last of a chunk): release without scanning. Returns the bytes to consume, or -1.
  private lengthConfirmedByDelimiter(): number {
    const length = this.contentLength;
    if (length === null || length === 0 || this.buffer.length < length + this.delimiter.length) return -1;
    let at = length;
    if (this.buffer[at] === CR) at++;
    if (this.buffer[at] === LF) at++;
    if (this.buffer.length < at + this.delimiter.length) return -1;
    for (let i = 0; i < this.delimiter.length; i++) if (this.buffer[at + i] !== this.delimiter[i]) return -1;
    return at;
  }

  private stepBody(events: MultipartEvent[]): boolean {
    const confirmed = this.lengthConfirmedByDelimiter();
    if (confirmed >= 0) {
      this.emitPart(events, this.trimmedBody(this.contentLength as number));
      this.consume(confirmed);
      this.state = 'between';
      return true;
    }
    const end = this.scanner.scan(this.buffer, this.scanned);
    this.scanned = end >= 0 ? end : this.buffer.length;
    if (end >= 0) {
      // The document closed; unless a delimiter came first (a broken body glued to the next part).
      const delimiterAt = this.buffer.indexOf(this.delimiter);
      if (delimiterAt < 0 || delimiterAt >= end) {
        const body = this.trimmedBody(end);
        // Content-Length may or may not count the line break before the next delimiter.
        if (this.contentLength !== null && (this.contentLength < end || this.contentLength > end + 2)) {
          this.defects.push('content-length mismatch');
        }
        this.emitPart(events, body);
        this.consume(end);
        this.state = 'between';
        return true;
      }
    }

    const delimiterAt = this.findDelimiter();
    if (delimiterAt >= 0) {
      const body = this.trimmedBody(delimiterAt);
      if (delimiterAt > 0 && this.buffer[delimiterAt - 1] !== LF) this.defects.push('delimiter glued to body');
      if (this.contentLength !== null && (this.contentLength < body.length || this.contentLength > delimiterAt)) {
        this.defects.push('content-length mismatch');
      }
      if (body.length > 0) this.emitPart(events, body);
      this.consume(delimiterAt + this.delimiter.length);
      this.state = 'delimiter-line';
      return true;
    }

    if (this.buffer.length > this.maxPartBytes) {
      this.quarantine(events, 'HIKARC_MULTIPART_PART_TOO_LARGE', `part exceeds ${this.maxPartBytes} bytes`, this.buffer);
      // keep the tail: the delimiter may have started in it
      this.consume(this.buffer.length - (this.delimiter.length - 1));
      this.beginSkip();
      return true;
    }
    return false;
  }

  // Non-JSON parts (images) are counted, not kept. They end at the next delimiter, whatever their
  // Content-Length says: a long length would otherwise swallow the alarm part that follows, while
  // the chance of a JPEG holding CRLF + `--` + the boundary is negligible.
  private stepSkip(events: MultipartEvent[]): boolean {
    const at = this.buffer.indexOf(this.delimiter);
    if (at < 0) {
      const keep = Math.min(this.buffer.length, this.delimiter.length - 1);
      this.skippedBytes += this.buffer.length - keep;
      this.consume(this.buffer.length - keep);
      return false;
    }
    this.skippedBytes += at;
    this.consume(at + this.delimiter.length);
    this.finishSkip(events);
    this.state = 'delimiter-line';
    return true;
  }

  private finishSkip(events: MultipartEvent[]): void {
    if (this.contentType !== null && !isJsonType(this.contentType)) {
      events.push({ type: 'skipped', contentType: this.contentType, bytes: this.skippedBytes });
    }
  }

  // After a part released by its length: only line breaks belong before the next delimiter.
  private stepBetween(events: MultipartEvent[]): boolean {
    let i = 0;
    while (i < this.buffer.length && isWhitespace(this.buffer[i])) i++;
    if (i === this.buffer.length) {
      this.consume(i);
      return false;
    }
    const rest = this.buffer.subarray(i);
    if (rest.length < this.delimiter.length && this.delimiter.subarray(0, rest.length).equals(rest)) return false;
    if (rest.subarray(0, this.delimiter.length).equals(this.delimiter)) {
      this.consume(i + this.delimiter.length);
      this.state = 'delimiter-line';
      return true;
    }
    // Something other than a delimiter: a following document without framing, or junk.
    this.consume(i);
    if (rest[0] === OPEN_BRACE) {
      this.startPart();
      this.defects.push('no leading delimiter', 'no headers');
      this.beginBody();
      return true;
    }
    const at = this.buffer.indexOf(this.delimiter);
    const end = at < 0 ? (this.buffer.indexOf(LF) < 0 ? -1 : this.buffer.indexOf(LF) + 1) : at;
    if (end < 0) {
      if (this.buffer.length > MAX_HEADER_BYTES) {
        this.quarantine(events, 'HIKARC_MULTIPART_STRAY_BYTES', 'bytes between parts', this.buffer);
        this.consume(this.buffer.length);
      }
      return false;
    }
    this.quarantine(events, 'HIKARC_MULTIPART_STRAY_BYTES', 'bytes between parts', this.buffer.subarray(0, end));
    this.consume(end);
    return true;
  }

  private emitPart(events: MultipartEvent[], body: Buffer): void {
    events.push({
      type: 'part',
      part: { headers: this.headers, contentType: this.contentType, body, defects: this.defects },
    });
  }

  private quarantine(events: MultipartEvent[], code: ErrorCode, message: string, bytes: Buffer): void {
    events.push({
      type: 'quarantined',
      error: new HikArcError(code, message, { detail: { bytes: bytes.length } }),
      sample: Buffer.from(bytes.subarray(0, QUARANTINE_SAMPLE_BYTES)),
    });
  }
}

/** Whole-buffer convenience for captures and tests. */
export function parseMultipart(bytes: Buffer, boundary: string, options: MultipartParserOptions = {}): MultipartEvent[] {
  const parser = new MultipartParser(boundary, options);
  return [...parser.push(bytes), ...parser.end()];
}

