// Tolerant parsing of one vendor JSON document, for every reader of the receiver's JSON (event
// parts, the device list, control answers). Devices send broken JSON (the API guide's own
// Appendix A examples have missing and trailing commas, full-width `，`/`：`, duplicate keys, bare
// `...` placeholders and a missing quote). Two steps, cheapest first:
//   1. JSON.parse — almost every part on a healthy stream;
//   2. repair — full-width punctuation outside strings to ASCII, then jsonrepair, guarded so that a
//      truncated document or several glued documents are never "completed" into something else.
// What cannot be repaired is salvaged by the reader that knows which fields matter (an alarm's:
// src/ingest/alert-salvage.ts).
import { jsonrepair } from 'jsonrepair';
import { HikArcError, errorMessage } from '../errors.js';
import { BYTE as CHAR, isJsonWhitespace } from '../bytes.js';
// Shared by every document that parsed as sent: nothing to report, nothing to allocate.
const NO_DEFECTS = Object.freeze([]);
const { LF, QUOTE, COMMA, COLON, BACKSLASH, OPEN_BRACE, CLOSE_BRACE, OPEN_BRACKET, CLOSE_BRACKET } = CHAR;
const FULL_WIDTH = {
    '\uFF0C': ',', // ，
    '\uFF1A': ':', // ：
    '\uFF5B': '{', // ｛
    '\uFF5D': '}', // ｝
    '\uFF3B': '[', // ［
    '\uFF3D': ']', // ］
    '\u3000': ' ', // ideographic space
};
const FULL_WIDTH_TEST = /[\uFF0C\uFF1A\uFF5B\uFF5D\uFF3B\uFF3D\u3000]/;
/**
 * Replaces full-width punctuation between tokens with ASCII, leaving it untouched inside string
 * literals (a zone name may legitimately contain `，`). No lenient JSON library handles this.
 */
export function normalizeFullWidth(text) {
    if (!FULL_WIDTH_TEST.test(text))
        return text;
    const parts = [];
    let copyFrom = 0;
    let inString = false;
    let escaped = false;
    for (let i = 0; i < text.length; i++) {
        const code = text.charCodeAt(i);
        if (inString) {
            if (escaped)
                escaped = false;
            else if (code === BACKSLASH)
                escaped = true;
            else if (code === QUOTE || code === LF)
                inString = false;
            continue;
        }
        if (code === QUOTE) {
            inString = true;
            continue;
        }
        if (code < 0x3000)
            continue;
        const ascii = FULL_WIDTH[text[i]];
        if (ascii === undefined)
            continue;
        parts.push(text.slice(copyFrom, i), ascii);
        copyFrom = i + 1;
    }
    if (parts.length === 0)
        return text;
    parts.push(text.slice(copyFrom));
    return parts.join('');
}
/**
 * One string-aware pass for the syntax defects devices produce most (guide Appendix A): a missing
 * comma between a value and the next member, a trailing comma before `}` or `]`. Ten times cheaper
 * than jsonrepair; whatever it cannot fix still goes there. Expects full-width punctuation already
 * normalized. The same pass checks that the text is exactly one balanced object (nesting counted
 * as JsonScanner counts it, a line feed ending a string): undefined when it is not, because no
 * repair may complete a truncated document or merge several into one.
 */
export function quickRepair(text) {
    // Edits are rare: the text is copied in slices between them, never a character at a time.
    const parts = [];
    let copyFrom = 0;
    let depth = 0;
    let i = 0;
    while (i < text.length && isJsonWhitespace(text.charCodeAt(i)))
        i++;
    if (text.charCodeAt(i) !== OPEN_BRACE)
        return undefined;
    // Whether the last significant character outside strings ended a value, and where (in text) a
    // comma that may turn out to be trailing stands. Only whitespace can follow it before a `}` or
    // `]` drops it, so no edit lies between that comma and the bracket.
    let valueEnded = false;
    let pendingComma = -1;
    for (; i < text.length; i++) {
        const code = text.charCodeAt(i);
        if (isJsonWhitespace(code))
            continue;
        if (code === QUOTE) {
            // a missing comma between a value and this string
            if (valueEnded) {
                parts.push(text.slice(copyFrom, i), ',');
                copyFrom = i;
            }
            pendingComma = -1;
            // The string ends at its closing quote, or at a line feed when that quote is missing.
            let escaped = false;
            for (i++; i < text.length; i++) {
                const inner = text.charCodeAt(i);
                if (escaped)
                    escaped = false;
                else if (inner === BACKSLASH)
                    escaped = true;
                else if (inner === QUOTE || inner === LF)
                    break;
            }
            valueEnded = text.charCodeAt(i) === QUOTE;
            continue;
        }
        if (code === CLOSE_BRACE || code === CLOSE_BRACKET) {
            // a trailing comma: drop it
            if (pendingComma >= 0) {
                parts.push(text.slice(copyFrom, pendingComma));
                copyFrom = pendingComma + 1;
            }
            pendingComma = -1;
            valueEnded = true;
            if (depth > 0)
                depth--;
            if (depth === 0)
                break;
            continue;
        }
        if (code === COMMA) {
            pendingComma = i;
            valueEnded = false;
            continue;
        }
        pendingComma = -1;
        if (code === OPEN_BRACE || code === OPEN_BRACKET) {
            // a missing comma between a value and this object or array
            if (valueEnded) {
                parts.push(text.slice(copyFrom, i), ',');
                copyFrom = i;
            }
            depth++;
            valueEnded = false;
            continue;
        }
        // numbers, true, false, null end a value; a colon does not
        valueEnded = code !== COLON;
    }
    // Not closed, or more than whitespace after the close.
    if (i >= text.length)
        return undefined;
    for (let rest = i + 1; rest < text.length; rest++)
        if (!isJsonWhitespace(text.charCodeAt(rest)))
            return undefined;
    if (parts.length === 0)
        return text;
    parts.push(text.slice(copyFrom));
    return parts.join('');
}
/** A JSON object: not null, not an array. */
export function isPlainObject(value) {
    return typeof value === 'object' && value !== null && !Array.isArray(value);
}
export function stripBom(text) {
    return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}
/** Parses one JSON object document, repairing it when it must. Arrays are not documents here. */
// JSON.parse of a broken document throws a SyntaxError whose stack trace nobody reads; capturing
// it costs more than the parse. The limit is restored before anything else can run.
function parseOrUndefined(text) {
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    try {
        return JSON.parse(text);
    }
    catch {
        return undefined;
    }
    finally {
        Error.stackTraceLimit = limit;
    }
}
export function parseTolerantJson(input) {
    const text = stripBom(input).trim();
    const direct = parseOrUndefined(text);
    if (direct !== undefined) {
        if (isPlainObject(direct))
            return { ok: true, value: direct, repair: 'none', defects: NO_DEFECTS };
        return { ok: false, error: new HikArcError('HIKARC_EVENT_NOT_AN_ALERT', 'the document is JSON but not an object') };
    }
    const defects = [];
    const normalized = normalizeFullWidth(text);
    if (normalized !== text)
        defects.push('full-width punctuation');
    // jsonrepair closes unterminated documents and wraps glued documents in an array; both would turn
    // a cut or mixed part into a plausible-looking wrong alarm, so only a balanced single object is
    // repaired at all.
    const quick = quickRepair(normalized);
    if (quick === undefined) {
        return {
            ok: false,
            error: new HikArcError('HIKARC_EVENT_TRUNCATED', 'the document is not one balanced JSON object (truncated or several documents)'),
        };
    }
    const quickValue = parseOrUndefined(quick);
    if (isPlainObject(quickValue)) {
        if (quick !== normalized)
            defects.push('syntax repaired');
        return { ok: true, value: quickValue, repair: 'repaired', defects };
    }
    try {
        const value = JSON.parse(jsonrepair(normalized));
        if (isPlainObject(value)) {
            defects.push('syntax repaired');
            return { ok: true, value, repair: 'repaired', defects };
        }
        return { ok: false, error: new HikArcError('HIKARC_EVENT_UNPARSEABLE', 'the repaired document is not a JSON object') };
    }
    catch (error) {
        return {
            ok: false,
            error: new HikArcError('HIKARC_EVENT_UNPARSEABLE', `the document cannot be repaired: ${errorMessage(error)}`, { cause: error }),
        };
    }
}
// Salvage looks for every scalar an alarm needs; the alert's own ones stay at the top, the rest
// (partition, zone, code, link) go into the CID block.
