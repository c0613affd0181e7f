import { describe, expect, it } from 'vitest';
import { crc16Arc } from '../../../src/transport/crc16.js';
import { bodyOf } from '../../helpers/dc09-frames.js';
import { randomBytes, randomInt, seededRandom } from '../../helpers/dc09-random.js';
import { DC09_VECTORS, frameBytes } from '../../helpers/dc09-vectors.js';

// CRC-16/ARC bit by bit, straight from the parameters (poly 0x8005 reflected, init 0, no xorout),
// as an independent check of the table-driven implementation.
function bitwiseCrc16Arc(bytes: Uint8Array): number {
  let crc = 0;
  for (const byte of bytes) {
    crc ^= byte;
    for (let bit = 0; bit < 8; bit++) crc = crc & 1 ? (crc >>> 1) ^ 0xa001 : crc >>> 1;
  }
  return crc;
}

describe('CRC-16/ARC (docs/dc09.md §Frame layout)', () => {
  it('has the check value 0xBB3D for "123456789"', () => {
    expect(crc16Arc(Buffer.from('123456789', 'latin1'))).toBe(0xbb3d);
  });

  it('is 0 for no bytes', () => {
    expect(crc16Arc(Buffer.alloc(0))).toBe(0);
  });

  it('matches the CRC field of every vector V1-V13', () => {
    for (const vector of DC09_VECTORS) {
      const frame = frameBytes(vector.text);
      expect(crc16Arc(bodyOf(frame)).toString(16).toUpperCase().padStart(4, '0')).toBe(vector.text.slice(0, 4));
    }
  });

  it('is not CRC-CCITT (a common wrong choice, docs/dc09.md §Frame layout)', () => {
    expect(crc16Arc(Buffer.from('123456789', 'latin1'))).not.toBe(0x29b1);
  });

  it('equals the bitwise definition on seeded random inputs, and honours start and end', () => {
    const random = seededRandom(16);
    for (let i = 0; i < 500; i++) {
      const bytes = randomBytes(random, randomInt(random, 300));
      expect(crc16Arc(bytes)).toBe(bitwiseCrc16Arc(bytes));
      const start = randomInt(random, bytes.length + 1);
      const end = start + randomInt(random, bytes.length - start + 1);
      expect(crc16Arc(bytes, start, end)).toBe(bitwiseCrc16Arc(bytes.subarray(start, end)));
    }
  });
});
