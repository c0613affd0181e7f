// DC-09 encryption (docs/dc09.md §Encryption): AES-128/192/256 in CBC mode with an all-zero IV, no PKCS#7, the
// region `<pad>|<data>]...<timestamp>` padded to whole blocks by a 1-16 byte pad that never holds
// `|`, `[` or `]` (2013 §5.4.4.2-3). One cipher object per message: CBC state must not carry over
// from one message to the next (the pysiaalarm ≤0.3.3 bug, docs/dc09.md §Encryption "Decryption gotchas").
import { createCipheriv, createDecipheriv, randomFillSync } from 'node:crypto';
import { Dc09Error } from './transport-errors.js';
export const AES_BLOCK_BYTES = 16;
export const KEY_FORMATS = ['hex', 'ascii'];
const ZERO_IV = Buffer.alloc(AES_BLOCK_BYTES);
const HEX_KEY = /^(?:[0-9A-Fa-f]{32}|[0-9A-Fa-f]{48}|[0-9A-Fa-f]{64})$/;
const PRINTABLE = /^[\x20-\x7e]*$/;
function algorithm(key) {
    switch (key.length) {
        case 16:
            return 'aes-128-cbc';
        case 24:
            return 'aes-192-cbc';
        case 32:
            return 'aes-256-cbc';
        default:
            throw new Dc09Error('HIKARC_DC09_INVALID_KEY', `an AES key has 16, 24 or 32 bytes, not ${key.length}`);
    }
}
/**
 * Key bytes from the configured text. `hex` is the standard's binary key (Hikvision, ioBroker,
 * North Latitude); `ascii` uses the characters themselves, as pysiaalarm / Home Assistant do
 * (docs/dc09.md §Encryption "Key format trap"). The message never contains the key.
 */
export function parseAesKey(text, format) {
    if (format === 'hex') {
        if (!HEX_KEY.test(text))
            throw new Dc09Error('HIKARC_DC09_INVALID_KEY', `a hex AES key is 32, 48 or 64 hex digits; this one has ${text.length} characters`);
        return Buffer.from(text, 'hex');
    }
    if (!PRINTABLE.test(text) || ![16, 24, 32].includes(text.length)) {
        throw new Dc09Error('HIKARC_DC09_INVALID_KEY', `an ASCII AES key is 16, 24 or 32 printable characters; this one has ${text.length}`);
    }
    return Buffer.from(text, 'latin1');
}
/** Pad length for `restLength` bytes after the pad: 1..16, a full block when already aligned. */
export function padLength(restLength) {
    return AES_BLOCK_BYTES - (restLength % AES_BLOCK_BYTES);
}
// No PKCS#7 either way (docs/dc09.md §Encryption): ioBroker.sia's extra block comes from leaving it on.
function run(cipher, input) {
    cipher.setAutoPadding(false);
    const head = cipher.update(input);
    const tail = cipher.final();
    return tail.length === 0 ? head : Buffer.concat([head, tail]);
}
/** AES-CBC, zero IV, no padding; `plaintext` must be whole blocks. */
export function encryptBlocks(key, plaintext) {
    return run(createCipheriv(algorithm(key), key, ZERO_IV), plaintext);
}
/** Inverse of encryptBlocks; throws when `ciphertext` is not whole blocks. */
export function decryptBlocks(key, ciphertext) {
    return run(createDecipheriv(algorithm(key), key, ZERO_IV), ciphertext);
}
// Alphanumeric pads: legal (any byte but | [ ]), and they survive receivers that decode the
// plaintext as text before looking for the pipe (docs/dc09.md §Encryption "Our pad choice").
const PAD_ALPHABET = Buffer.from('ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789', 'latin1');
// Largest multiple of the alphabet size below 256: bytes above it are skipped so every character is
// equally likely.
const PAD_ACCEPT_BELOW = 256 - (256 % PAD_ALPHABET.length);
const RANDOM_POOL_BYTES = 4096;
/** Fresh CSPRNG pad bytes per message, drawn from a pooled buffer so encoding stays allocation-light. */
export function createRandomPadSource() {
    const pool = Buffer.allocUnsafe(RANDOM_POOL_BYTES);
    let used = RANDOM_POOL_BYTES;
    return (target, offset, length) => {
        let written = 0;
        while (written < length) {
            if (used === RANDOM_POOL_BYTES) {
                randomFillSync(pool);
                used = 0;
            }
            const byte = pool[used++];
            if (byte < PAD_ACCEPT_BELOW)
                target[offset + written++] = PAD_ALPHABET[byte % PAD_ALPHABET.length];
        }
    };
}
/** A fixed pad, for reproducing published vectors only: a real message needs a fresh pad. */
export function fixedPad(pad) {
    const bytes = Buffer.from(pad, 'latin1');
    return (target, offset, length) => {
        if (length !== bytes.length)
            throw new RangeError(`fixed pad has ${bytes.length} bytes, the frame needs ${length}`);
        bytes.copy(target, offset);
    };
}
