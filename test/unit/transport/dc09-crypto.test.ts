import { describe, expect, it } from 'vitest';
import { createRandomPadSource, decryptBlocks, encryptBlocks, fixedPad, padLength, parseAesKey } from '../../../src/transport/dc09-crypto.js';

describe('AES keys (docs/dc09.md §Encryption "Key format trap")', () => {
  it.each([
    ['hex AES-128', '000102030405060708090A0B0C0D0E0F', 'hex', 16],
    ['hex AES-192, lower case', '000102030405060708090a0b0c0d0e0f1011121314151617', 'hex', 24],
    ['hex AES-256', '603DEB1015CA71BE2B73AEF0857D77811F352C073B6108D72D9810A30914DFF4', 'hex', 32],
    ['ASCII AES-128', 'AAAAAAAAAAAAAAAA', 'ascii', 16],
    ['ASCII AES-256', '0123456789abcdef0123456789abcdef', 'ascii', 32],
  ] as const)('reads a %s key', (_name, text, format, bytes) => {
    expect(parseAesKey(text, format).length).toBe(bytes);
  });

  it('an ASCII key uses the character bytes, a hex key the digits', () => {
    expect(parseAesKey('AAAAAAAAAAAAAAAA', 'ascii')).toEqual(Buffer.alloc(16, 0x41));
    expect(parseAesKey('41'.repeat(16), 'hex')).toEqual(Buffer.alloc(16, 0x41));
  });

  it.each([
    ['31 hex digits', 'A'.repeat(31), 'hex'],
    ['40 hex digits', 'A'.repeat(40), 'hex'],
    ['non-hex digits', 'G'.repeat(32), 'hex'],
    ['15 characters', 'A'.repeat(15), 'ascii'],
    ['a control character', `${'A'.repeat(15)}\u0001`, 'ascii'],
    ['a non-ASCII character', `${'A'.repeat(15)}é`, 'ascii'],
  ] as const)('rejects %s and never echoes the key', (_name, text, format) => {
    let thrown: unknown;
    try {
      parseAesKey(text, format);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toMatchObject({ code: 'HIKARC_DC09_INVALID_KEY' });
    expect((thrown as Error).message).not.toContain(text);
  });
});

describe('padding (DC-09 2013 §5.4.4.3)', () => {
  it('pads to whole blocks with 1-16 bytes, a full block when already aligned', () => {
    expect(padLength(1)).toBe(15);
    expect(padLength(15)).toBe(1);
    expect(padLength(16)).toBe(16);
    expect(padLength(32)).toBe(16);
    expect(padLength(38)).toBe(10);
  });

  it('random pads are alphanumeric (never | [ ]), use every character and differ per call', () => {
    const pad = createRandomPadSource();
    const seen = new Set<number>();
    const pads = new Set<string>();
    for (let i = 0; i < 1000; i++) {
      const target = Buffer.alloc(16);
      pad(target, 0, 16);
      pads.add(target.toString('latin1'));
      for (const byte of target) seen.add(byte);
    }
    expect([...seen].every((byte) => /[A-Za-z0-9]/.test(String.fromCharCode(byte)))).toBe(true);
    expect(seen.size).toBe(62);
    expect(pads.size).toBe(1000);
  });

  it('a fixed pad must have the length the frame needs', () => {
    expect(() => fixedPad('ABC')(Buffer.alloc(4), 0, 4)).toThrow(RangeError);
  });
});

describe('AES-CBC with a zero IV and no PKCS#7', () => {
  it('round-trips whole blocks and adds no padding block', () => {
    const key = parseAesKey('000102030405060708090A0B0C0D0E0F', 'hex');
    const plaintext = Buffer.from('ABCDEFGHIJ|#1234|Nri1/BA015]_13:45:12,06-01-2025', 'latin1');
    const ciphertext = encryptBlocks(key, plaintext);
    expect(ciphertext.length).toBe(plaintext.length);
    expect(decryptBlocks(key, ciphertext)).toEqual(plaintext);
  });

  it('refuses input that is not whole blocks', () => {
    const key = parseAesKey('000102030405060708090A0B0C0D0E0F', 'hex');
    expect(() => encryptBlocks(key, Buffer.alloc(17))).toThrow();
  });

  it('a fresh cipher per message: the first block of a later message decrypts correctly (pysiaalarm #21)', () => {
    const key = parseAesKey('000102030405060708090A0B0C0D0E0F', 'hex');
    const first = Buffer.alloc(32, 0x41);
    const second = Buffer.alloc(32, 0x42);
    encryptBlocks(key, first);
    expect(decryptBlocks(key, encryptBlocks(key, second))).toEqual(second);
  });
});
