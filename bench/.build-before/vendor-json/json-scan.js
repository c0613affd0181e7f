// A byte-level scanner that tracks JSON nesting without parsing: it tells where a document that
// starts with `{` or `[` ends. It is string-aware, and because a JSON string cannot span lines it
// closes an open string at a line feed, so one missing quote (`"videoURL: "..."`, seen in the
// vendor guide) does not swallow the rest of the document.
import { BYTE, isJsonWhitespace } from '../bytes.js';
const { QUOTE, BACKSLASH, LF: LINE_FEED, OPEN_BRACE, CLOSE_BRACE, OPEN_BRACKET, CLOSE_BRACKET } = BYTE;
export class JsonScanner {
    depth = 0;
    inString = false;
    escaped = false;
    started = false;
    /** True once an opening brace or bracket has been seen. */
    get hasStarted() {
        return this.started;
    }
    /** True when the scanner is inside an unclosed structure or string. */
    get isOpen() {
        return this.depth > 0 || this.inString;
    }
    reset() {
        this.depth = 0;
        this.inString = false;
        this.escaped = false;
        this.started = false;
    }
    /**
     * Scans bytes[from, to). Returns the index just past the byte that closes the outermost
     * structure, or -1 when the document is not complete yet. Call reset() before the next document.
     */
    scan(bytes, from = 0, to = bytes.length) {
        for (let i = from; i < to; i++) {
            const byte = bytes[i];
            if (this.inString) {
                if (this.escaped)
                    this.escaped = false;
                else if (byte === BACKSLASH)
                    this.escaped = true;
                else if (byte === QUOTE || byte === LINE_FEED)
                    this.inString = false;
                continue;
            }
            if (byte === QUOTE) {
                if (this.started)
                    this.inString = true;
            }
            else if (byte === OPEN_BRACE || byte === OPEN_BRACKET) {
                this.depth++;
                this.started = true;
            }
            else if (byte === CLOSE_BRACE || byte === CLOSE_BRACKET) {
                if (this.depth > 0)
                    this.depth--;
                if (this.started && this.depth === 0)
                    return i + 1;
            }
        }
        return -1;
    }
}
/**
 * True when bytes hold exactly one balanced `{...}` document (surrounding whitespace allowed):
 * the test that the last body of a stream is really complete. quickRepair makes the same test on
 * text before a repair (a test holds the two together).
 */
export function isCompleteDocument(bytes) {
    let start = 0;
    while (start < bytes.length && isJsonWhitespace(bytes[start]))
        start++;
    if (bytes[start] !== OPEN_BRACE)
        return false;
    const end = new JsonScanner().scan(bytes, start);
    if (end < 0)
        return false;
    for (let i = end; i < bytes.length; i++)
        if (!isJsonWhitespace(bytes[i]))
            return false;
    return true;
}
/**
 * Splits a buffer of JSON documents (one per line, pretty-printed one after another, or a single
 * array) into top-level spans. Bytes outside any `{...}`/`[...]` are reported as `junk`. An object
 * that never closes ends where the next object starts a line, so one truncated line of a JSON-lines
 * file costs that line only.
 */
export function splitDocuments(bytes) {
    const spans = [];
    const junk = [];
    const scanner = new JsonScanner();
    let i = 0;
    while (i < bytes.length) {
        const byte = bytes[i];
        if (isJsonWhitespace(byte) || (i === 0 && byte === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf)) {
            i += isJsonWhitespace(byte) ? 1 : 3;
            continue;
        }
        if (byte !== OPEN_BRACE && byte !== OPEN_BRACKET) {
            const junkStart = i;
            while (i < bytes.length && bytes[i] !== OPEN_BRACE && bytes[i] !== OPEN_BRACKET && bytes[i] !== LINE_FEED)
                i++;
            junk.push({ start: junkStart, end: i, complete: true });
            continue;
        }
        scanner.reset();
        const start = i;
        const end = scanner.scan(bytes, start);
        if (end < 0 && byte === OPEN_BRACE && (start === 0 || bytes[start - 1] === LINE_FEED)) {
            // Never closed: a truncated line. It ends where the next object starts a line.
            const cut = nextLineStartingWith(bytes, OPEN_BRACE, start);
            spans.push({ start, end: cut, complete: false });
            i = cut;
            continue;
        }
        if (end < 0) {
            spans.push({ start, end: bytes.length, complete: false });
            break;
        }
        spans.push({ start, end, complete: true });
        i = end;
    }
    return { spans, junk };
}
function nextLineStartingWith(bytes, value, from) {
    for (let i = from + 1; i < bytes.length; i++)
        if (bytes[i] === value && bytes[i - 1] === LINE_FEED)
            return i;
    return bytes.length;
}
