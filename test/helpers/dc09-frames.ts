// Builds frames around a hand-written body with a correct CRC and length, so a test can aim at one
// field's error without tripping the CRC check first.

import { crc16Arc } from '../../src/transport/crc16.js';

function hex4(value: number): string {
  return value.toString(16).toUpperCase().padStart(4, '0');
}

/** LF, CRC-16/ARC and length of `body`, the body, CR. */
export function framed(body: string | Buffer): Buffer {
  const bytes = typeof body === 'string' ? Buffer.from(body, 'latin1') : body;
  return Buffer.concat([Buffer.from(`\n${hex4(crc16Arc(bytes))}${hex4(bytes.length)}`, 'latin1'), bytes, Buffer.from('\r', 'latin1')]);
}

/** The body of a frame (between the length field and the CR). */
export function bodyOf(frame: Buffer): Buffer {
  return frame.subarray(9, frame.length - 1);
}
