// The ASCII bytes the parsers and codecs look for, named once. They are byte values and UTF-16
// code units alike (all below 0x80), so a Buffer scan and a charCodeAt scan share them.
export const BYTE = {
    TAB: 0x09,
    LF: 0x0a,
    CR: 0x0d,
    SPACE: 0x20,
    QUOTE: 0x22,
    HASH: 0x23,
    STAR: 0x2a,
    COMMA: 0x2c,
    DASH: 0x2d,
    COLON: 0x3a,
    A: 0x41,
    L: 0x4c,
    R: 0x52,
    OPEN_BRACKET: 0x5b,
    BACKSLASH: 0x5c,
    CLOSE_BRACKET: 0x5d,
    UNDERSCORE: 0x5f,
    OPEN_BRACE: 0x7b,
    PIPE: 0x7c,
    CLOSE_BRACE: 0x7d,
};
/** JSON's insignificant whitespace (RFC 8259 §2): space, tab, line feed, carriage return. */
export function isJsonWhitespace(code) {
    return code === BYTE.SPACE || code === BYTE.TAB || code === BYTE.LF || code === BYTE.CR;
}
