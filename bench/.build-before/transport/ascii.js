// Byte constants and hex helpers shared by the DC-09 codec. The codec works on Buffers (DC-09
// docs/dc09.md §Bytes on the wire: lengths and CRCs are over bytes), so these read and write bytes, never strings.
export { BYTE } from '../bytes.js';
const UPPER_HEX = '0123456789ABCDEF';
const UPPER_HEX_BYTES = Buffer.from(UPPER_HEX, 'latin1');
// Value of each byte as a hex digit, or -1. Both cases: receivers send lower-case hex (docs/dc09.md §Encryption).
const HEX_VALUE = (() => {
    const table = new Int8Array(256).fill(-1);
    for (let i = 0; i < 16; i++) {
        table[UPPER_HEX.charCodeAt(i)] = i;
        table[UPPER_HEX.toLowerCase().charCodeAt(i)] = i;
    }
    return table;
})();
export function hexValue(byte) {
    return HEX_VALUE[byte] ?? -1;
}
/** True when text is `min` to `max` hex digits, either case. */
export function isHexDigits(text, min, max) {
    if (text.length < min || text.length > max)
        return false;
    for (let i = 0; i < text.length; i++)
        if (hexValue(text.charCodeAt(i)) < 0)
            return false;
    return true;
}
export function isDigit(byte) {
    return byte >= 0x30 && byte <= 0x39;
}
export function isLowerHexLetter(byte) {
    return byte >= 0x61 && byte <= 0x66;
}
/** Unsigned value of `count` hex digits at `offset`, or -1 when any is not a hex digit. */
export function readHex(bytes, offset, count) {
    let value = 0;
    for (let i = 0; i < count; i++) {
        const digit = hexValue(bytes[offset + i] ?? -1);
        if (digit < 0)
            return -1;
        value = value * 16 + digit;
    }
    return value;
}
/** Writes `value` as `width` upper-case hex digits (zero-padded) at `offset`. */
export function writeHex(target, offset, value, width) {
    let rest = value;
    for (let i = width - 1; i >= 0; i--) {
        target[offset + i] = UPPER_HEX_BYTES[rest & 0x0f];
        rest >>>= 4;
    }
}
/** Writes every byte of `source` as two upper-case hex digits at `offset`; returns the end offset. */
export function writeHexBytes(target, offset, source) {
    let at = offset;
    for (let i = 0; i < source.length; i++) {
        const byte = source[i];
        target[at++] = UPPER_HEX_BYTES[byte >>> 4];
        target[at++] = UPPER_HEX_BYTES[byte & 0x0f];
    }
    return at;
}
/** Decimal digits at `offset`, or -1 when any is not a digit. */
export function readDecimal(bytes, offset, count) {
    let value = 0;
    for (let i = 0; i < count; i++) {
        const byte = bytes[offset + i] ?? -1;
        if (!isDigit(byte))
            return -1;
        value = value * 10 + (byte - 0x30);
    }
    return value;
}
/** Writes `value` as `width` decimal digits (zero-padded) at `offset`. */
export function writeDecimal(target, offset, value, width) {
    let rest = value;
    for (let i = width - 1; i >= 0; i--) {
        target[offset + i] = 0x30 + (rest % 10);
        rest = Math.floor(rest / 10);
    }
}
/**
 * Writes text whose characters are all Latin-1 (checked by the caller) one byte each at `offset`;
 * returns the offset after it. Frame fields are a few dozen bytes: a loop beats a Buffer.write call.
 */
export function writeLatin1(target, offset, text) {
    for (let i = 0; i < text.length; i++)
        target[offset + i] = text.charCodeAt(i);
    return offset + text.length;
}
export function indexOfByte(bytes, byte, from, to = bytes.length) {
    for (let i = from; i < to; i++)
        if (bytes[i] === byte)
            return i;
    return -1;
}
/** Printable text of some bytes for logs and error details: control bytes become `<0xNN>`. */
export function printable(bytes, max = 120) {
    let out = '';
    const end = Math.min(bytes.length, max);
    for (let i = 0; i < end; i++) {
        const byte = bytes[i];
        out += byte >= 0x20 && byte < 0x7f ? String.fromCharCode(byte) : `<0x${UPPER_HEX[byte >>> 4]}${UPPER_HEX[byte & 0x0f]}>`;
    }
    return bytes.length > max ? `${out}...` : out;
}
