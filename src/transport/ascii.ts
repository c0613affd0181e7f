// Byte constants and hex helpers shared by the DC-09 codec. The codec works on Buffers (DC-09
// docs/dc09.md §Bytes on the wire: lengths and CRCs are over bytes), so these read and write bytes, never strings.

export { BYTE } from '../bytes.js';

const UPPER_HEX = '0123456789ABCDEF';
const UPPER_HEX_BYTES = Buffer.from(UPPER_HEX, 'latin1');

// Value of each byte as a hex digit, or -1. Both cases: receivers send lower-case hex (docs/dc09.md §Encryption).
const HEX_VALUE: Int8Array = (() => {
  const table = new Int8Array(256).fill(-1);
  for (let i = 0; i < 16; i++) {
    table[UPPER_HEX.charCodeAt(i)] = i;
    table[UPPER_HEX.toLowerCase().charCodeAt(i)] = i;
  }
  return table;
})();

export function hexValue(byte: number): number {
  return HEX_VALUE[byte] ?? -1;
}

/** True when text is `min` to `max` hex digits, either case. */
export function isHexDigits(text: string, min: number, max: number): boolean {
  if (text.length < min || text.length > max) return false;
  for (let i = 0; i < text.length; i++) if (hexValue(text.charCodeAt(i)) < 0) return false;
  return true;
}

export function isDigit(byte: number): boolean {
  return byte >= 0x30 && byte <= 0x39;
}

export function isLowerHexLetter(byte: number): boolean {
  return byte >= 0x61 && byte <= 0x66;
}

/** Unsigned value of `count` hex digits at `offset`, or -1 when any is not a hex digit. */
export function readHex(bytes: Uint8Array, offset: number, count: number): number {
  let value = 0;
  for (let i = 0; i < count; i++) {
    const digit = hexValue(bytes[offset + i] ?? -1);
    if (digit < 0) return -1;
    value = value * 16 + digit;
  }
  return value;
}

/** Writes `value` as `width` upper-case hex digits (zero-padded) at `offset`. */
export function writeHex(target: Buffer, offset: number, value: number, width: number): void {
  let rest = value;
  for (let i = width - 1; i >= 0; i--) {
    target[offset + i] = UPPER_HEX_BYTES[rest & 0x0f] as number;
    rest >>>= 4;
  }
}

/** Writes every byte of `source` as two upper-case hex digits at `offset`; returns the end offset. */
export function writeHexBytes(target: Buffer, offset: number, source: Uint8Array): number {
  let at = offset;
  for (let i = 0; i < source.length; i++) {
    const byte = source[i] as number;
    target[at++] = UPPER_HEX_BYTES[byte >>> 4] as number;
    target[at++] = UPPER_HEX_BYTES[byte & 0x0f] as number;
  }
  return at;
}

/** Decimal digits at `offset`, or -1 when any is not a digit. */
export function readDecimal(bytes: Uint8Array, offset: number, count: number): number {
  let value = 0;
  for (let i = 0; i < count; i++) {
    const byte = bytes[offset + i] ?? -1;
    if (!isDigit(byte)) return -1;
    value = value * 10 + (byte - 0x30);
  }
  return value;
}

/** Writes `value` as `width` decimal digits (zero-padded) at `offset`. */
export function writeDecimal(target: Buffer, offset: number, value: number, width: number): void {
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
export function writeLatin1(target: Buffer, offset: number, text: string): number {
  for (let i = 0; i < text.length; i++) target[offset + i] = text.charCodeAt(i);
  return offset + text.length;
}

export function indexOfByte(bytes: Uint8Array, byte: number, from: number, to: number = bytes.length): number {
  for (let i = from; i < to; i++) if (bytes[i] === byte) return i;
  return -1;
}

/** Printable text of some bytes for logs and error details: control bytes become `<0xNN>`. */
export function printable(bytes: Uint8Array, max = 120): string {
  let out = '';
  const end = Math.min(bytes.length, max);
  for (let i = 0; i < end; i++) {
    const byte = bytes[i] as number;
    out += byte >= 0x20 && byte < 0x7f ? String.fromCharCode(byte) : `<0x${UPPER_HEX[byte >>> 4]}${UPPER_HEX[byte & 0x0f]}>`;
  }
  return bytes.length > max ? `${out}...` : out;
}
