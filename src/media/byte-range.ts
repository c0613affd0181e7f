// HTTP Range requests for one media file (RFC 9110 §14.1.2 byte ranges, §14.2 Range, §13.1.5
// If-Range, §15.5.17 416). Pure: header text and the file size in, the part to send out. One range
// is served as 206; a header that is malformed, asks for several ranges, or whose If-Range does not
// match is ignored and the whole file is sent (§14.2 lets a server do either), which every player
// handles. Clips are scrubbed with single ranges.

export type RangeSelection =
  | { readonly kind: 'full' }
  /** Inclusive byte positions, as Content-Range writes them. */
  | { readonly kind: 'partial'; readonly start: number; readonly end: number }
  | { readonly kind: 'unsatisfiable' };

const FULL: RangeSelection = { kind: 'full' };
const UNSATISFIABLE: RangeSelection = { kind: 'unsatisfiable' };
const RANGE_SPEC = /^(\d*)-(\d*)$/;

function position(digits: string): number {
  // Past 2^53 a position is beyond any file we keep; Infinity keeps the comparisons right.
  return digits.length > 15 ? Infinity : Number(digits);
}

export interface RangeRequest {
  /** The Range header, if any. */
  readonly range: string | undefined;
  /** The If-Range header, if any. */
  readonly ifRange?: string | undefined;
}

/**
 * What to send of a file of `size` bytes whose strong entity tag is `etag`. If-Range with any other
 * tag, or a date (we send no Last-Modified to compare with), means "send the whole file".
 */
export function selectRange(request: RangeRequest, size: number, etag: string): RangeSelection {
  const header = request.range?.trim();
  if (header === undefined || header === '') return FULL;
  if (request.ifRange !== undefined && request.ifRange.trim() !== etag) return FULL;
  const equals = header.indexOf('=');
  if (equals < 0 || header.slice(0, equals).trim().toLowerCase() !== 'bytes') return FULL;
  const specs = header
    .slice(equals + 1)
    .split(',')
    .map((spec) => spec.trim())
    .filter((spec) => spec !== '');
  if (specs.length !== 1) return FULL;
  const match = RANGE_SPEC.exec(specs[0] as string);
  if (!match) return FULL;
  const [, first = '', last = ''] = match;
  if (first === '' && last === '') return FULL;
  if (first === '') {
    // suffix range: the last N bytes (§14.1.3); a zero-length suffix selects nothing
    const length = position(last);
    if (length === 0 || size === 0) return UNSATISFIABLE;
    return { kind: 'partial', start: Math.max(0, size - length), end: size - 1 };
  }
  const start = position(first);
  const end = last === '' ? Infinity : position(last);
  if (end < start) return FULL; // invalid range-spec: ignored, not refused
  if (start >= size) return UNSATISFIABLE;
  return { kind: 'partial', start, end: Math.min(end, size - 1) };
}

// Content-Range of a 206 (`bytes 0-99/1000`) or of a 416 (`bytes */1000`).
export function contentRange(selection: RangeSelection, size: number): string | undefined {
  if (selection.kind === 'partial') return `bytes ${selection.start}-${selection.end}/${size}`;
  if (selection.kind === 'unsatisfiable') return `bytes */${size}`;
  return undefined;
}
