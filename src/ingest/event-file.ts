// Reads captured event files for translate and replay, recognising the format by content: a raw
// multipart capture of the subscription stream (bytes as received, optionally with the HTTP
// response head), JSON lines, pretty-printed documents one after another, or a JSON array.

import { BYTE, isJsonWhitespace } from '../bytes.js';
import { HikArcError } from '../errors.js';
import { splitDocuments } from '../vendor-json/json-scan.js';
import { boundaryFromCapture, boundaryFromContentType, MultipartParser } from './multipart-parser.js';

export type EventFileFormat = 'multipart' | 'json';

export type EventFileItem =
  | { readonly kind: 'document'; readonly index: number; readonly text: string }
  | { readonly kind: 'skipped'; readonly index: number; readonly detail: string }
  | { readonly kind: 'quarantined'; readonly index: number; readonly error: HikArcError; readonly sample: string };

export interface EventFile {
  readonly format: EventFileFormat;
  readonly items: readonly EventFileItem[];
}

const SAMPLE_CHARS = 200;

function firstNonSpace(bytes: Buffer): number {
  let i = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
  while (i < bytes.length && isJsonWhitespace(bytes[i] as number)) i++;
  return i;
}

function sampleOf(bytes: Uint8Array): string {
  return Buffer.from(bytes.subarray(0, SAMPLE_CHARS)).toString('utf8');
}

// `curl -i` style captures start with the response head; the boundary is in its Content-Type.
function splitHttpHead(bytes: Buffer, start: number): { boundary: string | undefined; body: Buffer } {
  if (bytes.subarray(start, start + 5).toString('latin1') !== 'HTTP/') return { boundary: undefined, body: bytes.subarray(start) };
  const crlf = bytes.indexOf('\r\n\r\n', start);
  const lf = bytes.indexOf('\n\n', start);
  const headEnd = crlf >= 0 && (lf < 0 || crlf < lf) ? crlf + 4 : lf >= 0 ? lf + 2 : -1;
  if (headEnd < 0) return { boundary: undefined, body: Buffer.alloc(0) };
  const head = bytes.subarray(start, headEnd).toString('latin1');
  const contentType = /^content-type:\s*(.+)$/im.exec(head)?.[1];
  return { boundary: contentType ? boundaryFromContentType(contentType) : undefined, body: bytes.subarray(headEnd) };
}

function readMultipart(body: Buffer, boundary: string): EventFile {
  const parser = new MultipartParser(boundary);
  const items: EventFileItem[] = [];
  for (const event of [...parser.push(body), ...parser.end()]) {
    const index = items.length;
    if (event.type === 'part') items.push({ kind: 'document', index, text: event.part.body.toString('utf8') });
    else if (event.type === 'skipped') items.push({ kind: 'skipped', index, detail: `${event.contentType} part of ${event.bytes} bytes` });
    else items.push({ kind: 'quarantined', index, error: event.error, sample: sampleOf(event.sample) });
  }
  return { format: 'multipart', items };
}

function readJson(bytes: Buffer): EventFile {
  const items: EventFileItem[] = [];
  const { spans, junk } = splitDocuments(bytes);
  const ordered = [...spans.map((span) => ({ span, isJunk: false })), ...junk.map((span) => ({ span, isJunk: true }))].sort(
    (a, b) => a.span.start - b.span.start,
  );
  for (const { span, isJunk } of ordered) {
    const slice = bytes.subarray(span.start, span.end);
    if (isJunk) {
      items.push({
        kind: 'quarantined',
        index: items.length,
        error: new HikArcError('HIKARC_EVENT_UNPARSEABLE', 'text outside any JSON document'),
        sample: sampleOf(slice),
      });
    } else if (slice[0] === BYTE.OPEN_BRACKET && span.complete) {
      // An array of documents: each element on its own, so one broken element costs only itself.
      const inner = splitDocuments(slice.subarray(1, slice.length - 1));
      const parts = [...inner.spans.map((s) => ({ s, isJunk: false })), ...inner.junk.map((s) => ({ s, isJunk: true }))].sort((a, b) => a.s.start - b.s.start);
      for (const { s, isJunk: innerJunk } of parts) {
        const element = slice.subarray(1 + s.start, 1 + s.end);
        const text = Buffer.from(element).toString('utf8');
        if (innerJunk && /^[\s,]*$/.test(text)) continue;
        if (innerJunk) {
          items.push({
            kind: 'quarantined',
            index: items.length,
            error: new HikArcError('HIKARC_EVENT_UNPARSEABLE', 'array element that is not an object'),
            sample: sampleOf(element),
          });
        } else {
          items.push({ kind: 'document', index: items.length, text });
        }
      }
    } else {
      items.push({ kind: 'document', index: items.length, text: Buffer.from(slice).toString('utf8') });
    }
  }
  return { format: 'json', items };
}

/** Throws HIKARC_EVENT_FILE_UNRECOGNISED when the bytes are neither format. */
export function readEventFile(bytes: Buffer, name: string): EventFile {
  const start = firstNonSpace(bytes);
  if (start >= bytes.length) {
    throw new HikArcError('HIKARC_EVENT_FILE_UNRECOGNISED', `${name} is empty`);
  }
  const { boundary: headBoundary, body } = splitHttpHead(bytes, start);
  const bodyStart = firstNonSpace(body);
  const lead = body.subarray(bodyStart, bodyStart + 2).toString('latin1');
  if (lead === '--') {
    const boundary = headBoundary ?? boundaryFromCapture(body.subarray(bodyStart));
    if (boundary === undefined) throw new HikArcError('HIKARC_EVENT_FILE_UNRECOGNISED', `${name}: cannot find the multipart boundary`);
    return readMultipart(body.subarray(bodyStart), boundary);
  }
  if (headBoundary !== undefined) return readMultipart(body, headBoundary);
  // A capture whose first part came without its delimiter (docs/hik-receiver.md §Multipart quirks) still has them later.
  const laterBoundary = lead.startsWith('{') ? boundaryFromCapture(body.subarray(bodyStart)) : undefined;
  if (laterBoundary !== undefined) return readMultipart(body.subarray(bodyStart), laterBoundary);
  if (lead.startsWith('{') || lead.startsWith('[')) return readJson(body.subarray(bodyStart));
  throw new HikArcError(
    'HIKARC_EVENT_FILE_UNRECOGNISED',
    `${name} is not an event file: expected a multipart capture (starting with --boundary) or JSON documents, found ${JSON.stringify(sampleOf(body.subarray(bodyStart, bodyStart + 40)))}`,
  );
}
