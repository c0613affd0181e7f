// Incremental multipart/mixed parser for the receiver's never-ending subscription body (guide §5.1,
// RFC 2046 §5.1). Pure: bytes in, parts out, no I/O. Built for the framing quirks devices are known
// for (docs/hik-receiver.md §Multipart quirks): the delimiter is searched for anywhere, not only at a line start (bodies
// arrive glued to it: `{...}--boundary`); the first part may have no delimiter or no headers;
// delimiter lines come twice; Content-Length may be missing, short or long; image parts are skipped.
//
// A JSON part is released the moment its outermost braces close (string-aware scan), not when the
// next delimiter arrives: on a quiet stream that comes with the next heartbeat, up to 10 s later,
// too late for an alarm. Content-Length is then checked against where the document really ended
// (missing, short and long lengths are all seen in the field). A body whose braces never balance
// ends at the next delimiter and goes to the tolerant JSON parser as it is.
//
// Inside a body a delimiter only counts when what follows it can follow a delimiter (line end,
// padding, `--`, or a glued `{`), so `--boundary-less` in a device name does not cut an alarm.
// Parts that are not JSON are skipped up to the next delimiter whatever their Content-Length says:
// trusting a too-long length would swallow the alarm behind the image. A part labelled as something
// else (octet-stream, html, even jpeg) whose body starts with `{` is read as JSON all the same, with
// the defect `content-type mismatch`: an alarm is an alarm whatever its label says.
//
// abandonPart() gives up on the part in progress (the stream's owner calls it when one part takes
// too long): it is quarantined and the rest of it skipped, the stream kept.

import { BYTE, isJsonWhitespace } from '../bytes.js';
import { HikArcError, type ErrorCode } from '../errors.js';
import { JsonScanner, isCompleteDocument } from '../vendor-json/json-scan.js';
import { MultipartFastLane } from './multipart-fast-lane.js';

export const DEFAULT_MAX_PART_BYTES = 4 * 1024 * 1024;
const MAX_HEADER_BYTES = 16 * 1024;
const QUARANTINE_SAMPLE_BYTES = 1024;
const DEFAULT_BOUNDARY = 'boundary';

const { CR, LF, SPACE, TAB, DASH, OPEN_BRACE, OPEN_BRACKET, COLON } = BYTE;
const BOM = [0xef, 0xbb, 0xbf] as const;
const BLANK_LINE = Buffer.from('\r\n\r\n', 'latin1');
const DIGITS = /^\d+$/;

export type PartDefect =
  | 'no leading delimiter'
  | 'no headers'
  | 'duplicate delimiter'
  | 'header line without colon'
  | 'no content-length'
  | 'content-length mismatch'
  | 'delimiter glued to body'
  | 'content-type mismatch';

export interface MultipartPart {
  readonly contentType: string | null;
  /** As the part's header said; null when it had none (or not a number). */
  readonly contentLength: number | null;
  /** A view of the parser's bytes, which are never overwritten; copy it to keep it long. */
  readonly body: Buffer;
  readonly defects: readonly PartDefect[];
}

export type MultipartEvent =
  | { readonly type: 'part'; readonly part: MultipartPart }
  | { readonly type: 'skipped'; readonly contentType: string; readonly bytes: number }
  | { readonly type: 'quarantined'; readonly error: HikArcError; readonly sample: Buffer };

export interface MultipartParserOptions {
  readonly maxPartBytes?: number;
  /** The template fast path for bursts (multipart-fast-lane.ts); on unless turned off. */
  readonly fastLane?: boolean;
}

/** Boundary from a Content-Type header, quoted or not; `boundary` when absent (the vendor default). */
export function boundaryFromContentType(contentType: string | null | undefined): string {
  const match = contentType ? /boundary\s*=\s*(?:"([^"]*)"|([^;,\s]+))/i.exec(contentType) : null;
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

/** -1 when `pattern` is not at `at`, 0 when the buffer ends inside it, 1 when it is there. */
function matchAt(buffer: Buffer, at: number, pattern: Buffer): -1 | 0 | 1 {
  for (let i = 0; i < pattern.length; i++) {
    const byte = buffer[at + i];
    if (byte === undefined) return 0;
    if (byte !== pattern[i]) return -1;
  }
  return 1;
}

function isWhitespace(byte: number | undefined): boolean {
  return byte !== undefined && isJsonWhitespace(byte);
}

function isDocumentStart(byte: number | undefined): boolean {
  return byte === OPEN_BRACE || byte === OPEN_BRACKET;
}

type Answer = 'yes' | 'no' | 'more';

/** Whether bytes at `at` are a byte order mark followed by a document, or may be once more arrive. */
function bomThenDocument(bytes: Buffer, at: number): Answer {
  for (let i = 0; i < BOM.length; i++) {
    if (at + i >= bytes.length) return 'more';
    if (bytes[at + i] !== BOM[i]) return 'no';
  }
  if (at + BOM.length >= bytes.length) return 'more';
  return isDocumentStart(bytes[at + BOM.length]) ? 'yes' : 'no';
}

// Parts are released as views of the window, not copies (a copy per part cost as much as finding
// the part). So bytes once written are never overwritten: a full backing is replaced by a fresh one
// holding the live bytes, and the old one lives on only as long as the parts that view it.
const MIN_BACKING_BYTES = 16 * 1024;

/** A growable, append-only byte window: amortised O(1) per byte instead of a concat per chunk. */
class ByteWindow {
  private backing: Buffer = Buffer.alloc(0);
  private start = 0;
  private end = 0;

  get length(): number {
    return this.end - this.start;
  }

  view(): Buffer {
    return this.backing.subarray(this.start, this.end);
  }

  append(chunk: Uint8Array): void {
    if (this.end + chunk.length > this.backing.length) {
      const live = this.length;
      const next = Buffer.allocUnsafe(Math.max((live + chunk.length) * 2, MIN_BACKING_BYTES));
      this.backing.copy(next, 0, this.start, this.end);
      this.backing = next;
      this.start = 0;
      this.end = live;
    }
    this.backing.set(chunk, this.end);
    this.end += chunk.length;
  }

  consume(count: number): void {
    this.start = Math.min(this.end, this.start + count);
  }

  clear(): void {
    this.backing = Buffer.alloc(0);
    this.start = 0;
    this.end = 0;
  }
}

type State = 'preamble' | 'delimiter-line' | 'headers' | 'sniff' | 'body' | 'skip' | 'between';

const IN_PART: ReadonlySet<State> = new Set<State>(['delimiter-line', 'headers', 'sniff', 'body', 'skip']);

export class MultipartParser {
  private readonly delimiter: Buffer;
  private readonly maxPartBytes: number;
  private readonly window = new ByteWindow();
  private state: State = 'preamble';

  // current part
  private headerCount = 0;
  /** The line after the last delimiter was a bare CRLF: the part may teach the fast lane. */
  private plainDelimiterLine = false;
  private readonly fastLane: MultipartFastLane | null;
  private defects: PartDefect[] = [];
  private contentLength: number | null = null;
  private contentType: string | null = null;
  private headerBytes = 0;
  /** Offset in the window from which the next delimiter search starts. */
  private searched = 0;
  private readonly scanner = new JsonScanner();
  private scanned = 0;
  private skippedBytes = 0;
  /** The part being skipped was already quarantined: no `skipped` event for it. */
  private skipQuarantined = false;

  constructor(boundary: string, options: MultipartParserOptions = {}) {
    this.delimiter = Buffer.from(`--${boundary}`, 'latin1');
    this.maxPartBytes = options.maxPartBytes ?? DEFAULT_MAX_PART_BYTES;
    this.fastLane =
      options.fastLane === false ? null : new MultipartFastLane(this.maxPartBytes, (buffer, bodyStart, length) => this.bodyAt(buffer, bodyStart, length));
  }

  /** Parts the fast lane released (0 when it is off). */
  get fastLaneParts(): number {
    return this.fastLane?.parts ?? 0;
  }

  push(chunk: Uint8Array): MultipartEvent[] {
    this.window.append(chunk);
    const events: MultipartEvent[] = [];
    while (this.step(events)) {
      // each step consumes input or changes state; it returns false when it needs more bytes
    }
    return events;
  }

  /** True between a part's delimiter and its end: bytes of one part are arriving. */
  get inPart(): boolean {
    return IN_PART.has(this.state);
  }

  /**
   * Gives up on the part in progress: it is quarantined with `code` (with what arrived of it as the
   * sample) and whatever else of it arrives is skipped up to the next delimiter. Nothing when no
   * part is in progress or it was quarantined already.
   */
  abandonPart(code: ErrorCode, message: string): MultipartEvent[] {
    const events: MultipartEvent[] = [];
    if (!this.inPart || (this.state === 'skip' && this.skipQuarantined)) return events;
    if (this.state === 'skip') {
      this.quarantine(events, code, message, Buffer.alloc(0));
      this.skipQuarantined = true;
      return events;
    }
    const buffer = this.window.view();
    this.quarantine(events, code, message, buffer);
    // A delimiter may be arriving at the end: keep room for it.
    this.consume(Math.max(0, buffer.length - (this.delimiter.length + 1)));
    this.beginSkip(true);
    return events;
  }

  /** The stream ended: release a complete last part, quarantine an incomplete one. */
  end(): MultipartEvent[] {
    const events: MultipartEvent[] = [];
    const buffer = this.window.view();
    if (this.state === 'body') {
      const body = this.trimmedBody(buffer, 0, buffer.length);
      if (body.length > 0 && isCompleteDocument(body)) this.emitPart(events, body, buffer.length);
      else if (body.length > 0) this.quarantine(events, 'HIKARC_MULTIPART_TRUNCATED_PART', 'the stream ended inside a part', body);
    } else if (this.state === 'headers' && buffer.length > 0) {
      this.quarantine(events, 'HIKARC_MULTIPART_TRUNCATED_PART', 'the stream ended inside part headers', buffer);
    } else if (this.state === 'skip' || this.state === 'sniff') {
      this.skippedBytes += buffer.length;
      this.finishSkip(events);
    } else if (this.state === 'between' || this.state === 'preamble') {
      const rest = buffer.toString('latin1').trim();
      if (rest !== '' && !rest.startsWith(this.delimiter.toString('latin1'))) {
        this.quarantine(events, 'HIKARC_MULTIPART_STRAY_BYTES', 'bytes after the last part', buffer);
      }
    }
    this.window.clear();
    this.state = 'preamble';
    return events;
  }

  private consume(count: number): void {
    this.window.consume(count);
    this.searched = Math.max(0, this.searched - count);
  }

  private step(events: MultipartEvent[]): boolean {
    const buffer = this.window.view();
    switch (this.state) {
      case 'preamble':
        return this.stepLineStart(buffer, events, true);
      case 'between':
        return this.stepLineStart(buffer, events, false);
      case 'delimiter-line':
        return this.stepDelimiterLine(buffer, events);
      case 'headers':
        return this.stepHeaders(buffer, events);
      case 'sniff':
        return this.stepSniff(buffer);
      case 'body':
        return this.stepBody(buffer, events);
      case 'skip':
        return this.stepSkip(buffer, events);
    }
  }

  private startPart(): void {
    this.headerCount = 0;
    this.defects = [];
    this.contentLength = null;
    this.contentType = null;
    this.headerBytes = 0;
  }

  private addDefect(...defects: PartDefect[]): void {
    for (const defect of defects) if (!this.defects.includes(defect)) this.defects.push(defect);
  }

  /**
   * What follows a delimiter found inside a body: a line end, padding, the `--` of a close
   * delimiter or a glued document make it real; anything else is text that merely contains it.
   */
  private delimiterFollows(buffer: Buffer, at: number): Answer {
    const next = at + this.delimiter.length;
    const byte = buffer[next];
    if (byte === undefined) return 'more';
    if (isWhitespace(byte) || isDocumentStart(byte)) return 'yes';
    if (byte !== DASH) return 'no';
    const after = buffer[next + 1];
    if (after === undefined) return 'more';
    return after === DASH ? 'yes' : 'no';
  }

  /** First real delimiter at or after `searched`; -1 when none (yet). Updates `searched`. */
  private findDelimiter(buffer: Buffer): number {
    let from = this.searched;
    for (;;) {
      const at = buffer.indexOf(this.delimiter, from);
      if (at < 0) {
        this.searched = Math.max(from, buffer.length - this.delimiter.length + 1);
        return -1;
      }
      const follows = this.delimiterFollows(buffer, at);
      if (follows === 'yes') {
        this.searched = at;
        return at;
      }
      if (follows === 'more') {
        this.searched = at;
        return -1;
      }
      from = at + 1;
    }
  }

  // Before the first delimiter (preamble) or after a part released by its closing brace (between):
  // only line breaks belong here before the next delimiter. A document without framing becomes a
  // part of its own; other bytes are quarantined a line at a time.
  private stepLineStart(buffer: Buffer, events: MultipartEvent[], preamble: boolean): boolean {
    let i = 0;
    while (i < buffer.length && isWhitespace(buffer[i])) i++;
    if (i === buffer.length) {
      this.consume(i);
      return false;
    }
    const delimiter = matchAt(buffer, i, this.delimiter);
    if (delimiter === 0) return false;
    if (delimiter === 1) {
      this.consume(i + this.delimiter.length);
      this.state = 'delimiter-line';
      return true;
    }
    const bom = bomThenDocument(buffer, i);
    if (bom === 'more') return false;
    if (isDocumentStart(buffer[i]) || bom === 'yes') {
      this.consume(i + (bom === 'yes' ? BOM.length : 0));
      this.startPart();
      this.addDefect('no leading delimiter', 'no headers');
      this.beginBody();
      return true;
    }
    if (preamble) {
      // A stream that starts straight with part headers.
      this.consume(i);
      this.startPart();
      this.addDefect('no leading delimiter');
      this.state = 'headers';
      return true;
    }
    const at = buffer.indexOf(this.delimiter, i);
    const lineEnd = buffer.indexOf(LF, i);
    const end = at >= 0 ? at : lineEnd >= 0 ? lineEnd + 1 : -1;
    if (end < 0) {
      if (buffer.length > MAX_HEADER_BYTES) {
        this.quarantine(events, 'HIKARC_MULTIPART_STRAY_BYTES', 'bytes between parts', buffer);
        this.consume(buffer.length);
      }
      return false;
    }
    this.quarantine(events, 'HIKARC_MULTIPART_STRAY_BYTES', 'bytes between parts', buffer.subarray(i, end));
    this.consume(end);
    return true;
  }

  // After `--boundary`: `--` closes the body (a new subscription would start over); otherwise
  // optional transport padding and the line end, or (glued) a body straight away.
  private stepDelimiterLine(buffer: Buffer, events: MultipartEvent[]): boolean {
    const fast = this.fastLane?.take(buffer, events) ?? 0;
    if (fast > 0) {
      this.consume(fast);
      return true;
    }
    let i = 0;
    while (i < buffer.length && (buffer[i] === SPACE || buffer[i] === TAB)) i++;
    const next = buffer[i];
    if (next === undefined) return false;
    const bom = bomThenDocument(buffer, i);
    if (bom === 'more') return false;
    if (isDocumentStart(next) || bom === 'yes') {
      this.consume(i + (bom === 'yes' ? BOM.length : 0));
      this.startPart();
      this.addDefect('no headers');
      this.beginBody();
      return true;
    }
    const lineEnd = buffer.indexOf(LF, i);
    if (lineEnd < 0) {
      if (buffer.length > MAX_HEADER_BYTES) {
        this.consume(buffer.length);
        this.state = 'preamble';
        return true;
      }
      return false;
    }
    const line = buffer.subarray(i, lineEnd).toString('latin1').trim();
    this.plainDelimiterLine = lineEnd === 1 && buffer[0] === CR;
    this.consume(lineEnd + 1);
    this.startPart();
    if (line.startsWith('--')) {
      this.state = 'preamble';
      return true;
    }
    if (line.includes(':')) this.addHeader(line);
    else if (line !== '') this.addDefect('header line without colon');
    this.state = 'headers';
    return true;
  }

  private addHeader(line: string): void {
    const colon = line.indexOf(':');
    this.setHeader(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }

  private setHeader(name: string, value: string): void {
    this.headerCount++;
    if (name === 'content-length') {
      this.contentLength = value.length > 0 && value.length <= 10 && DIGITS.test(value) ? Number(value) : null;
    } else if (name === 'content-type') {
      this.contentType = value;
    }
  }

  // Fast path: the usual case in one pass over the bytes, a header block that ends with a blank line
  // and holds neither a delimiter, nor a blank or indented line, nor a body start. Why: line by line
  // costs a state step and a string per line. Anything unusual goes line by line in stepHeaders,
  // which reads every block correctly on its own: to remove this, return false here.
  private parseHeaderBlock(buffer: Buffer): boolean {
    const blank = buffer.indexOf(BLANK_LINE);
    if (blank < 0 || blank + BLANK_LINE.length > MAX_HEADER_BYTES - this.headerBytes) return false;
    for (let start = 0; start < blank; ) {
      const lineFeed = buffer.indexOf(LF, start);
      const end = lineFeed < 0 || lineFeed > blank ? blank : lineFeed;
      const first = buffer[start];
      if (end - start < 2 || isDocumentStart(first) || first === BOM[0] || first === SPACE || first === TAB) return false;
      if (matchAt(buffer, start, this.delimiter) === 1) return false;
      start = end + 1;
    }
    let digits: { start: number; end: number } | null = null;
    for (let start = 0; start < blank; ) {
      const lineFeed = buffer.indexOf(LF, start);
      const next = lineFeed < 0 || lineFeed > blank ? blank : lineFeed;
      const end = buffer[next - 1] === CR ? next - 1 : next;
      const colon = buffer.indexOf(COLON, start);
      if (colon < 0 || colon >= end) this.addDefect('header line without colon');
      else {
        const name = buffer.toString('latin1', start, colon).trim().toLowerCase();
        const value = buffer.toString('latin1', colon + 1, end).trim();
        this.setHeader(name, value);
        if (name === 'content-length' && this.contentLength !== null) {
          const valueStart = buffer.indexOf(value, colon + 1, 'latin1');
          digits = { start: valueStart, end: valueStart + value.length };
        }
      }
      start = next + 1;
    }
    // A clean part (bare CRLF after the delimiter, no defects, a JSON type) teaches the fast lane.
    if (
      this.fastLane !== null &&
      this.plainDelimiterLine &&
      digits !== null &&
      this.defects.length === 0 &&
      this.contentType !== null &&
      isJsonType(this.contentType)
    ) {
      this.fastLane.learn(buffer.subarray(0, blank + BLANK_LINE.length), digits, this.contentType);
    }
    this.headerBytes += blank + BLANK_LINE.length;
    this.consume(blank + BLANK_LINE.length);
    this.beginBody();
    return true;
  }

  /** The body of `length` bytes at `bodyStart` when a real delimiter follows it (see delimiterAfterBody); for the fast lane. */
  private bodyAt(buffer: Buffer, bodyStart: number, length: number): { body: Buffer; next: number } | null {
    const delimiterAt = this.delimiterAfterBody(buffer, bodyStart, length);
    if (delimiterAt < 0) return null;
    const body = this.trimmedBody(buffer, bodyStart, bodyStart + length);
    return body.length === 0 ? null : { body, next: delimiterAt + this.delimiter.length };
  }

  private stepHeaders(buffer: Buffer, events: MultipartEvent[]): boolean {
    if (this.parseHeaderBlock(buffer)) return true;
    let indent = 0;
    while (buffer[indent] === SPACE || buffer[indent] === TAB) indent++;
    const first = buffer[indent];
    if (first === undefined) return false;
    // A part without headers (or without the blank line after them): the body starts right here.
    const bom = first === BOM[0] ? bomThenDocument(buffer, indent) : 'no';
    if (bom === 'more') return false;
    if (isDocumentStart(first) || bom === 'yes') {
      if (bom === 'yes') this.consume(indent + BOM.length);
      if (this.headerCount === 0) this.addDefect('no headers');
      this.beginBody();
      return true;
    }
    const lineEnd = buffer.indexOf(LF);
    if (lineEnd < 0) {
      if (this.headerBytes + buffer.length > MAX_HEADER_BYTES) return this.headersTooLarge(events, buffer, buffer.length);
      return false;
    }
    this.headerBytes += lineEnd + 1;
    if (this.headerBytes > MAX_HEADER_BYTES) return this.headersTooLarge(events, buffer, lineEnd + 1);
    const raw = buffer.subarray(0, lineEnd);
    const line = raw.toString('latin1').trim();
    this.consume(lineEnd + 1);
    if (matchAt(raw, 0, this.delimiter) === 1) {
      // `--boundary` again before any body: a duplicated delimiter line.
      this.addDefect('duplicate delimiter');
      this.headerCount = 0;
      this.contentLength = null;
      this.contentType = null;
      return true;
    }
    if (line === '') {
      if (this.headerCount === 0 && this.defects.length === 0) return true; // blank line right after the delimiter
      this.beginBody();
      return true;
    }
    if (line.includes(':')) this.addHeader(line);
    else this.addDefect('header line without colon');
    return true;
  }

  private headersTooLarge(events: MultipartEvent[], buffer: Buffer, consumed: number): boolean {
    this.quarantine(events, 'HIKARC_MULTIPART_HEADERS_TOO_LARGE', `part headers exceed ${MAX_HEADER_BYTES} bytes`, buffer.subarray(0, consumed));
    this.consume(consumed);
    this.beginSkip(true);
    return true;
  }

  private beginBody(): void {
    if (!isJsonType(this.contentType)) {
      this.state = 'sniff';
      this.searched = 0;
      return;
    }
    this.beginJsonBody();
  }

  private beginJsonBody(): void {
    this.state = 'body';
    this.searched = 0;
    this.scanner.reset();
    this.scanned = 0;
    if (this.contentLength === null) this.addDefect('no content-length');
  }

  // A part labelled as no JSON: its first byte after any whitespace decides. `{` (or a byte order
  // mark and `{`) is an object, read as JSON; anything else is skipped.
  private stepSniff(buffer: Buffer): boolean {
    let i = 0;
    while (i < buffer.length && isWhitespace(buffer[i])) i++;
    if (i === buffer.length) {
      if (buffer.length <= MAX_HEADER_BYTES) return false;
      this.beginSkip(false);
      return true;
    }
    const bom = bomThenDocument(buffer, i);
    if (bom === 'more') return false;
    if (buffer[i] === OPEN_BRACE || bom === 'yes') {
      if (bom === 'yes') this.consume(i + BOM.length);
      this.addDefect('content-type mismatch');
      this.beginJsonBody();
      return true;
    }
    this.beginSkip(false);
    return true;
  }

  private beginSkip(quarantined: boolean): void {
    this.state = 'skip';
    this.searched = 0;
    this.skippedBytes = 0;
    this.skipQuarantined = quarantined;
  }

  private trimmedBody(buffer: Buffer, from: number, end: number): Buffer {
    let stop = end;
    while (stop > from && isWhitespace(buffer[stop - 1])) stop--;
    let start = from;
    while (start < stop && isWhitespace(buffer[start])) start++;
    return buffer.subarray(start, stop);
  }

  // Fast path: Content-Length exactly right and a real delimiter right behind the body, after an
  // optional line break (a burst: every part but the last of a chunk): the body is what the
  // delimiter path would cut, found without scanning it byte by byte. Returns the delimiter's
  // offset, or -1; also when the body holds an earlier real delimiter, which is not this case. To
  // remove it, return -1: the brace scan finds every such body as well.
  private delimiterAfterBody(buffer: Buffer, bodyStart: number, length: number): number {
    let at = bodyStart + length;
    if (buffer[at] === CR) at++;
    if (buffer[at] === LF) at++;
    if (matchAt(buffer, at, this.delimiter) !== 1 || this.delimiterFollows(buffer, at) !== 'yes') return -1;
    return buffer.indexOf(this.delimiter, bodyStart) === at ? at : -1;
  }

  private stepBody(buffer: Buffer, events: MultipartEvent[]): boolean {
    const length = this.contentLength;
    const confirmed = length === null || length === 0 || this.scanned > 0 ? -1 : this.delimiterAfterBody(buffer, 0, length);
    if (confirmed >= 0) {
      const body = this.trimmedBody(buffer, 0, length as number);
      if (body.length > 0) this.emitPart(events, body, confirmed);
      this.consume(confirmed + this.delimiter.length);
      this.state = 'delimiter-line';
      return true;
    }
    const end = this.scanner.scan(buffer, this.scanned);
    this.scanned = end >= 0 ? end : buffer.length;
    const delimiterAt = this.findDelimiter(buffer);

    // The document closed, unless a delimiter came first (a broken body glued to the next part).
    if (end >= 0 && (delimiterAt < 0 || delimiterAt >= end)) {
      // Content-Length may or may not count the line break before the next delimiter.
      if (this.contentLength !== null && (this.contentLength < end || this.contentLength > end + 2)) this.addDefect('content-length mismatch');
      this.emitPart(events, this.trimmedBody(buffer, 0, end), end);
      this.consume(end);
      this.state = 'between';
      return true;
    }

    if (delimiterAt >= 0) {
      const body = this.trimmedBody(buffer, 0, delimiterAt);
      if (delimiterAt > 0 && buffer[delimiterAt - 1] !== LF) this.addDefect('delimiter glued to body');
      if (this.contentLength !== null && (this.contentLength < body.length || this.contentLength > delimiterAt)) this.addDefect('content-length mismatch');
      if (body.length > 0) this.emitPart(events, body, delimiterAt);
      this.consume(delimiterAt + this.delimiter.length);
      this.state = 'delimiter-line';
      return true;
    }

    // Neither closed nor delimited: once even the smallest body these bytes can hold (less a line
    // break and a partial delimiter) is over the cap, the part is lost anyway.
    if (buffer.length - this.delimiter.length - 1 > this.maxPartBytes) {
      this.quarantine(events, 'HIKARC_MULTIPART_PART_TOO_LARGE', `part exceeds ${this.maxPartBytes} bytes`, buffer);
      const keep = this.delimiter.length + 1;
      this.consume(buffer.length - keep);
      this.beginSkip(true);
      return true;
    }
    return false;
  }

  // Non-JSON parts (images) are counted, not kept, up to the next delimiter.
  private stepSkip(buffer: Buffer, events: MultipartEvent[]): boolean {
    const at = this.findDelimiter(buffer);
    if (at < 0) {
      // keep a partial delimiter and the line break before it
      const keepFrom = Math.max(0, Math.min(this.searched, buffer.length) - 2);
      this.skippedBytes += keepFrom;
      this.consume(keepFrom);
      return false;
    }
    let lineBreak = 0;
    if (buffer[at - 1] === LF) lineBreak = buffer[at - 2] === CR ? 2 : 1;
    this.skippedBytes += at - lineBreak;
    this.consume(at + this.delimiter.length);
    this.finishSkip(events);
    this.state = 'delimiter-line';
    return true;
  }

  private finishSkip(events: MultipartEvent[]): void {
    if (!this.skipQuarantined && this.contentType !== null && !isJsonType(this.contentType)) {
      events.push({ type: 'skipped', contentType: this.contentType, bytes: this.skippedBytes });
    }
  }

  /** A part over the cap is quarantined here too, so the outcome does not depend on chunking. */
  private emitPart(events: MultipartEvent[], body: Buffer, rawLength: number): void {
    if (rawLength > this.maxPartBytes) {
      this.quarantine(events, 'HIKARC_MULTIPART_PART_TOO_LARGE', `part exceeds ${this.maxPartBytes} bytes`, body);
      return;
    }
    events.push({
      type: 'part',
      part: { contentType: this.contentType, contentLength: this.contentLength, body, defects: this.defects },
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
