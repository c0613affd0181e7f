// SIA DC-09 frames as bytes (docs/dc09.md §Frame layout):
//   <LF><CRC><0LLL>"<id>"<seq>[R<rcvr>]L<pref>#<acct>[<data>][<x>...]<_timestamp><CR>
// Encoding writes straight into one Buffer; decoding never throws on input bytes and returns a typed
// error instead. Decoding is tolerant where real receivers deviate (docs/dc09.md §Answers, §Receivers seen in the field) and
// records each deviation as a quirk so it can be logged.

import { isDc09Account, isDc09HexField } from './dc09-fields.js';
import {
  BYTE,
  hexValue,
  indexOfByte,
  isHexDigits,
  isLowerHexLetter,
  readDecimal,
  readHex,
  writeDecimal,
  writeHex,
  writeHexBytes,
  writeLatin1,
} from './ascii.js';
import { crc16Arc } from './crc16.js';
import { AES_BLOCK_BYTES, decryptBlocks, encryptBlocks, padLength, type PadSource } from './dc09-crypto.js';
import { Dc09Error, fail, ok, type Result } from './transport-errors.js';
import { DC09_TIMESTAMP_LENGTH, readDc09Timestamp, writeDc09Timestamp } from './dc09-timestamp.js';

/** ID tokens without quotes or the `*` of encryption (docs/dc09.md §Frame layout). */
export const DC09_TOKENS = ['SIA-DCS', 'ADM-CID', 'NULL', 'ACK', 'NAK', 'DUH', 'RSP'] as const;
export type Dc09Token = (typeof DC09_TOKENS)[number];

export const MAX_SEQUENCE = 9999;
/** `0LLL`: the body is at most 0x0FFF bytes (docs/dc09.md §Frame layout). */
export const MAX_BODY_BYTES = 0x0fff;
/** LF, CRC, length, body, CR. */
export const MAX_FRAME_BYTES = 1 + 4 + 4 + MAX_BODY_BYTES + 1;
const BODY_START = 9;

/** One extended-data block `[<id><value>]`, e.g. `[V<url>]` (docs/dc09.md §Payloads). */
export interface Dc09Block {
  /** One upper-case letter. */
  readonly id: string;
  readonly value: string;
}

export interface Dc09Header {
  readonly token: Dc09Token;
  readonly sequence: number;
  /** R field digits; null when the frame has no R field. */
  readonly receiver: string | null;
  /** L field digits (the account prefix). */
  readonly line: string;
  /** Account digits; `''` only in a decoded NAK that omits it. */
  readonly account: string;
  /** `#` before a real account; `A` before the pseudo-account of a NAK (`"NAK"0000R0L0A0[]`). */
  readonly accountMark: '#' | 'A';
}

export interface Dc09Content {
  readonly data: string;
  readonly extended: readonly Dc09Block[];
  /** Epoch milliseconds of the UTC timestamp; null when the frame has none. */
  readonly timestamp: number | null;
}

/** What is encoded: header and clear content. Encryption is an encode option, not a field. */
export interface Dc09Message extends Dc09Header, Dc09Content {}

export const DC09_QUIRKS = {
  LOWERCASE_HEX: 'lowercase-hex',
  CRC_INCLUDES_CR: 'crc-includes-cr',
  RECEIVER_NONE: 'receiver-none',
  EMPTY_LINE: 'empty-line',
  FIELD_ORDER: 'field-order',
  NO_ACCOUNT: 'no-account',
  NO_PAD_TERMINATOR: 'no-pad-terminator',
  BYTES_AFTER_TIMESTAMP: 'bytes-after-timestamp',
  /** A clear ACK to an encrypted frame, taken only where arc.deviations allows it (response.ts). */
  CLEAR_ACK: 'clear-ack',
} as const;
export type Dc09Quirk = (typeof DC09_QUIRKS)[keyof typeof DC09_QUIRKS];

interface FrameBase extends Dc09Header {
  /** Tolerated deviations from the standard, for logging; empty for a clean frame. */
  readonly quirks: readonly Dc09Quirk[];
}

export interface PlainFrame extends FrameBase, Dc09Content {
  readonly encrypted: false;
}

/** An encrypted frame before decryption: the header is clear, the rest is hex ciphertext. */
export interface SealedFrame extends FrameBase {
  readonly encrypted: true;
  /** The hex text after `[`, as received. */
  readonly ciphertext: Buffer;
}

/** An encrypted frame after decryption. */
export interface OpenedFrame extends FrameBase, Dc09Content {
  readonly encrypted: true;
  readonly pad: string;
}

export type Dc09Frame = PlainFrame | SealedFrame;
export type ReadableFrame = PlainFrame | OpenedFrame;

export interface EncodeOptions {
  /** AES key: the frame is sent as `"*<id>"` with the encrypted region (docs/dc09.md §Encryption). */
  readonly key?: Uint8Array | null;
  /** Pad bytes for an encrypted frame; a fresh random pad per frame in production. */
  readonly pad?: PadSource;
}

/** Shared by every frame decoded without a deviation. */
export const NO_QUIRKS: readonly Dc09Quirk[] = Object.freeze([]);

function isBlockId(id: string): boolean {
  return id.length === 1 && id.charCodeAt(0) >= 0x41 && id.charCodeAt(0) <= 0x5a;
}
// Printable ASCII and Latin-1 letters (Windows-1252 text fields, docs/dc09.md §Bytes on the wire), minus the
// brackets that delimit data and blocks. CR/LF would split the frame on the wire.
function isFrameCharacter(code: number): boolean {
  return code >= 0x20 && code !== BYTE.OPEN_BRACKET && code !== BYTE.CLOSE_BRACKET && (code <= 0x7e || code >= 0xa0) && code <= 0xff;
}

function isFrameText(text: string): boolean {
  for (let i = 0; i < text.length; i++) if (!isFrameCharacter(text.charCodeAt(i))) return false;
  return true;
}

function invalid(message: string): Dc09Error {
  return new Dc09Error('HIKARC_DC09_INVALID_MESSAGE', message);
}

// What encodeFrame checks before it writes anything.
function checkHeader(message: Dc09Message, encrypted: boolean): Dc09Error | undefined {
  if (!DC09_TOKENS.includes(message.token)) return invalid(`unknown DC-09 token "${String(message.token)}"`);
  if (encrypted && message.token === 'NAK') return invalid('a NAK is never encrypted (DC-09 2013 §5.5.1.8)');
  if (!Number.isInteger(message.sequence) || message.sequence < 0 || message.sequence > MAX_SEQUENCE) {
    return invalid(`sequence ${message.sequence} is not 0000-9999`);
  }
  if (message.receiver !== null && !isDc09HexField(message.receiver)) return invalid(`receiver "${message.receiver}" is not 1-6 hex digits`);
  if (!isDc09HexField(message.line)) return invalid(`line prefix "${message.line}" is not 1-6 hex digits`);
  const validAccount = message.accountMark === 'A' ? isHexDigits(message.account, 1, 16) : isDc09Account(message.account);
  if (!validAccount) return invalid(`account "${message.account}" is not 3-16 hex digits`);
  if (message.timestamp !== null && !Number.isFinite(message.timestamp)) return invalid('timestamp is not a finite time');
  if (encrypted && message.timestamp === null) return invalid('an encrypted frame needs a timestamp (DC-09 2013 §5.4.4)');
  return undefined;
}

function checkContent(message: Dc09Content): Dc09Error | undefined {
  if (!isFrameText(message.data)) return invalid('data holds a bracket, a control byte or a character outside Latin-1');
  for (const block of message.extended) {
    if (!isBlockId(block.id)) return invalid(`extended block id "${block.id}" is not one upper-case letter`);
    if (!isFrameText(block.value)) return invalid(`extended block ${block.id} holds a bracket, a control byte or a character outside Latin-1`);
  }
  return undefined;
}

/** Why `message` cannot be encoded, or undefined when it can. */
export function checkMessage(message: Dc09Message, encrypted: boolean): Dc09Error | undefined {
  return checkHeader(message, encrypted) ?? checkContent(message);
}

// `"<*><token>"<seq>[R<rcvr>]L<line><#|A><acct>[`
function headerLength(message: Dc09Message, encrypted: boolean): number {
  const receiver = message.receiver === null ? 0 : 1 + message.receiver.length;
  return (encrypted ? 1 : 0) + message.token.length + 2 + 4 + receiver + 1 + message.line.length + 1 + message.account.length + 1;
}

function writeHeader(target: Buffer, offset: number, message: Dc09Message, encrypted: boolean): number {
  let at = offset;
  target[at++] = BYTE.QUOTE;
  if (encrypted) target[at++] = BYTE.STAR;
  at = writeLatin1(target, at, message.token);
  target[at++] = BYTE.QUOTE;
  writeDecimal(target, at, message.sequence, 4);
  at += 4;
  if (message.receiver !== null) {
    target[at++] = BYTE.R;
    at = writeLatin1(target, at, message.receiver);
  }
  target[at++] = BYTE.L;
  at = writeLatin1(target, at, message.line);
  target[at++] = message.accountMark === 'A' ? BYTE.A : BYTE.HASH;
  at = writeLatin1(target, at, message.account);
  target[at++] = BYTE.OPEN_BRACKET;
  return at;
}

function contentLength(message: Dc09Content): number {
  let length = message.data.length + 1;
  for (const block of message.extended) length += 3 + block.value.length;
  return message.timestamp === null ? length : length + DC09_TIMESTAMP_LENGTH;
}

// `<data>][<x>...]<_timestamp>`: the same bytes in clear frames and inside the encrypted region.
// The text was checked by checkContent (Latin-1 frame text, one byte per character).
function writeContent(target: Buffer, offset: number, message: Dc09Content): number {
  let at = writeLatin1(target, offset, message.data);
  target[at++] = BYTE.CLOSE_BRACKET;
  for (const block of message.extended) {
    target[at++] = BYTE.OPEN_BRACKET;
    target[at++] = block.id.charCodeAt(0);
    at = writeLatin1(target, at, block.value);
    target[at++] = BYTE.CLOSE_BRACKET;
  }
  if (message.timestamp !== null) {
    writeDc09Timestamp(target, at, message.timestamp);
    at += DC09_TIMESTAMP_LENGTH;
  }
  return at;
}

/**
 * The frame bytes of `message`, LF to CR. Throws Dc09Error `HIKARC_DC09_INVALID_MESSAGE` when a
 * field cannot be sent (callers check with checkMessage first to turn that into a result).
 */
export function encodeFrame(message: Dc09Message, options?: EncodeOptions): Buffer {
  const key = options?.key ?? null;
  const encrypted = key !== null;
  const problem = checkMessage(message, encrypted);
  if (problem) throw problem;
  const header = headerLength(message, encrypted);
  const content = contentLength(message);

  let region: Buffer | null = null;
  if (encrypted) {
    // 2013 §5.4.4.3: pad, then the pipe that ends it, then data; pad length 1..16 to whole blocks.
    const rest = 1 + content;
    const pad = padLength(rest);
    const plaintext = Buffer.allocUnsafe(pad + rest);
    if (!options?.pad) throw invalid('an encrypted frame needs a pad source');
    options.pad(plaintext, 0, pad);
    for (let i = 0; i < pad; i++) {
      const byte = plaintext[i];
      if (byte === BYTE.PIPE || byte === BYTE.OPEN_BRACKET || byte === BYTE.CLOSE_BRACKET) throw invalid('a pad byte is |, [ or ] (DC-09 2013 §5.4.4.2)');
    }
    plaintext[pad] = BYTE.PIPE;
    writeContent(plaintext, pad + 1, message);
    region = encryptBlocks(key, plaintext);
  }
  const bodyLength = header + (region === null ? content : region.length * 2);
  if (bodyLength > MAX_BODY_BYTES) throw invalid(`the frame body has ${bodyLength} bytes; DC-09 allows ${MAX_BODY_BYTES}`);

  const frame = Buffer.allocUnsafe(BODY_START + bodyLength + 1);
  frame[0] = BYTE.LF;
  const contentStart = writeHeader(frame, BODY_START, message, encrypted);
  const end = region === null ? writeContent(frame, contentStart, message) : writeHexBytes(frame, contentStart, region);
  frame[end] = BYTE.CR;
  writeHex(frame, 1, crc16Arc(frame, BODY_START, end), 4);
  writeHex(frame, 5, bodyLength, 4);
  return frame;
}

// ---------------------------------------------------------------------------------------------
// Decoding

const TOKEN_BY_TEXT: ReadonlyMap<string, Dc09Token> = new Map(DC09_TOKENS.map((token) => [token, token]));
// The longest token with its `*` and both quotes.
const MAX_TOKEN_BYTES = 10;
const NONE = Buffer.from('None', 'latin1');

function withQuirk(quirks: Dc09Quirk[] | null, quirk: Dc09Quirk): Dc09Quirk[] {
  const list = quirks ?? [];
  if (!list.includes(quirk)) list.push(quirk);
  return list;
}

function hexRunEnd(bytes: Uint8Array, from: number, to: number): number {
  let at = from;
  while (at < to && hexValue(bytes[at] as number) >= 0) at++;
  return at;
}

// End of the hex digits of an R or L field. The NAK pseudo-account `A0` is hex as well, so when
// the run is not followed by the next header field (`L0A0[`, `L0R0A0[`), it ends at its first A
// (docs/dc09.md §Answers).
function fieldEnd(bytes: Uint8Array, from: number, to: number): number {
  const run = hexRunEnd(bytes, from, to);
  const next = bytes[run];
  if (next === BYTE.HASH || next === BYTE.L || next === BYTE.R) return run;
  const pseudo = indexOfByte(bytes, BYTE.A, from, run);
  return pseudo < 0 ? run : pseudo;
}

function text(bytes: Uint8Array, start: number, end: number): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset + start, end - start).toString('latin1');
}

interface ParsedContent {
  readonly content: Dc09Content;
  readonly trailing: boolean;
}

/**
 * `<data>][<x>...]<_timestamp>` between `start` and `end`. Bytes after the timestamp are an error
 * in a clear frame; inside a decrypted region they are tolerated (ioBroker.sia appends a PKCS#7
 * block to its *ACK, docs/dc09.md §Encryption "Encrypted responses").
 */
function parseContent(bytes: Uint8Array, start: number, end: number, allowTrailing: boolean): Result<ParsedContent> {
  const close = indexOfByte(bytes, BYTE.CLOSE_BRACKET, start, end);
  if (close < 0) return fail('HIKARC_DC09_BAD_DATA', 'the data is not closed by ]');
  if (indexOfByte(bytes, BYTE.OPEN_BRACKET, start, close) >= 0) return fail('HIKARC_DC09_BAD_DATA', 'the data holds a [');
  const data = text(bytes, start, close);
  let at = close + 1;
  let extended: Dc09Block[] | null = null;
  while (at < end && bytes[at] === BYTE.OPEN_BRACKET) {
    const blockEnd = indexOfByte(bytes, BYTE.CLOSE_BRACKET, at + 1, end);
    if (blockEnd < 0) return fail('HIKARC_DC09_BAD_DATA', 'an extended block is not closed by ]');
    const id = bytes[at + 1] as number;
    if (blockEnd === at + 1 || id < 0x41 || id > 0x5a) return fail('HIKARC_DC09_BAD_DATA', 'an extended block does not start with an upper-case letter');
    if (indexOfByte(bytes, BYTE.OPEN_BRACKET, at + 1, blockEnd) >= 0) return fail('HIKARC_DC09_BAD_DATA', 'an extended block holds a [');
    (extended ??= []).push({ id: String.fromCharCode(id), value: text(bytes, at + 2, blockEnd) });
    at = blockEnd + 1;
  }
  let timestamp: number | null = null;
  if (at < end && bytes[at] === BYTE.UNDERSCORE) {
    const ms = readDc09Timestamp(bytes, at);
    if (ms === undefined || at + DC09_TIMESTAMP_LENGTH > end) {
      return fail('HIKARC_DC09_BAD_TIMESTAMP', `"${text(bytes, at, Math.min(end, at + DC09_TIMESTAMP_LENGTH))}" is not a real _HH:MM:SS,MM-DD-YYYY time`);
    }
    timestamp = ms;
    at += DC09_TIMESTAMP_LENGTH;
  }
  if (at < end && !allowTrailing) return fail('HIKARC_DC09_BAD_DATA', 'unexpected bytes after the data, blocks and timestamp');
  return ok({ content: { data, extended: extended ?? [], timestamp }, trailing: at < end });
}

interface ParsedHeader {
  readonly header: Dc09Header;
  readonly encrypted: boolean;
  /** Offset of the `[` that opens the data. */
  readonly open: number;
  readonly quirks: Dc09Quirk[] | null;
}

function parseHeader(bytes: Uint8Array, start: number, end: number, inherited: Dc09Quirk[] | null): Result<ParsedHeader> {
  let quirks = inherited;
  if (bytes[start] !== BYTE.QUOTE) return fail('HIKARC_DC09_BAD_TOKEN', 'the body does not start with a quoted ID token');
  const closeQuote = indexOfByte(bytes, BYTE.QUOTE, start + 1, Math.min(end, start + MAX_TOKEN_BYTES));
  if (closeQuote < 0) return fail('HIKARC_DC09_BAD_TOKEN', 'the ID token has no closing quote');
  const encrypted = bytes[start + 1] === BYTE.STAR;
  const tokenText = text(bytes, start + (encrypted ? 2 : 1), closeQuote);
  const token = TOKEN_BY_TEXT.get(tokenText);
  if (token === undefined) return fail('HIKARC_DC09_BAD_TOKEN', `unknown ID token "${tokenText}"`, { token: tokenText });

  let at = closeQuote + 1;
  const sequence = readDecimal(bytes, at, 4);
  if (sequence < 0 || at + 4 > end) return fail('HIKARC_DC09_BAD_HEADER', 'the sequence number is not 4 decimal digits');
  at += 4;

  let receiver: string | null = null;
  let line: string | null = null;
  // R and L: each at most once; L before R is pysiaalarm's generic NAK (docs/dc09.md §Answers).
  for (;;) {
    const byte = bytes[at];
    if (byte === BYTE.R && receiver === null) {
      const digitsEnd = fieldEnd(bytes, at + 1, end);
      if (digitsEnd === at + 1 || digitsEnd - at - 1 > 6) return fail('HIKARC_DC09_BAD_HEADER', 'the R field is not 1-6 hex digits');
      receiver = text(bytes, at + 1, digitsEnd);
      if (line !== null) quirks = withQuirk(quirks, DC09_QUIRKS.FIELD_ORDER);
      at = digitsEnd;
    } else if (byte === 0x4e && receiver === null && line === null && Buffer.compare(NONE, bytes.subarray(at, at + 4)) === 0) {
      // Home Assistant writes Python's None where the R field goes (docs/dc09.md §Receivers seen in the field).
      quirks = withQuirk(quirks, DC09_QUIRKS.RECEIVER_NONE);
      at += 4;
    } else if (byte === BYTE.L && line === null) {
      const lineEnd = fieldEnd(bytes, at + 1, end);
      if (lineEnd - at - 1 > 6) return fail('HIKARC_DC09_BAD_HEADER', 'the L field has more than 6 hex digits');
      line = text(bytes, at + 1, lineEnd);
      if (line === '') quirks = withQuirk(quirks, DC09_QUIRKS.EMPTY_LINE);
      at = lineEnd;
    } else {
      break;
    }
  }
  if (line === null) return fail('HIKARC_DC09_BAD_HEADER', 'the L field (account prefix) is missing');

  let account = '';
  let accountMark: '#' | 'A' = '#';
  if (bytes[at] === BYTE.A && token !== 'NAK') return fail('HIKARC_DC09_BAD_HEADER', 'the #account field is missing');
  if (bytes[at] === BYTE.HASH || bytes[at] === BYTE.A) {
    accountMark = bytes[at] === BYTE.HASH ? '#' : 'A';
    const digitsEnd = hexRunEnd(bytes, at + 1, end);
    const digits = digitsEnd - at - 1;
    if (accountMark === '#' ? digits < 3 || digits > 16 : digits < 1 || digits > 16) {
      return fail('HIKARC_DC09_BAD_HEADER', `the account is not ${accountMark === '#' ? '3' : '1'}-16 hex digits`);
    }
    account = text(bytes, at + 1, digitsEnd);
    at = digitsEnd;
  } else if (token === 'NAK') {
    // SIAbroker leaves the A0 pseudo-account out of its NAK (docs/dc09.md §Answers).
    quirks = withQuirk(quirks, DC09_QUIRKS.NO_ACCOUNT);
  } else {
    return fail('HIKARC_DC09_BAD_HEADER', 'the #account field is missing');
  }
  if (bytes[at] !== BYTE.OPEN_BRACKET || at >= end) return fail('HIKARC_DC09_BAD_HEADER', 'the header is not followed by [');
  return ok({ header: { token, sequence, receiver, line, account, accountMark }, encrypted, open: at, quirks });
}

/**
 * Decodes one frame, LF to CR inclusive. Checks length and CRC (accepting ELDES's variant that
 * counts the CR, docs/dc09.md §Bytes on the wire) and the header; an encrypted frame comes back sealed, to be opened
 * with openFrame and the account's key.
 */
export function decodeFrame(bytes: Uint8Array): Result<Dc09Frame> {
  const last = bytes.length - 1;
  if (bytes.length < 2 || bytes[0] !== BYTE.LF || bytes[last] !== BYTE.CR) return fail('HIKARC_DC09_FRAMING', 'a frame starts with LF and ends with CR');
  if (bytes.length === 2) return fail('HIKARC_DC09_EMPTY_FRAME', 'an empty LF CR frame');
  if (bytes.length < BODY_START + 1) return fail('HIKARC_DC09_BAD_LENGTH', 'the frame is too short for its CRC and length fields');
  const crc = readHex(bytes, 1, 4);
  if (crc < 0) return fail('HIKARC_DC09_BAD_CRC', 'the CRC field is not 4 hex digits');
  const declared = readHex(bytes, 5, 4);
  if (declared < 0) return fail('HIKARC_DC09_BAD_LENGTH', 'the length field is not 4 hex digits');
  let quirks: Dc09Quirk[] | null = null;
  for (let i = 1; i < BODY_START; i++) {
    if (isLowerHexLetter(bytes[i] as number)) {
      quirks = withQuirk(quirks, DC09_QUIRKS.LOWERCASE_HEX);
      break;
    }
  }
  const actual = last - BODY_START;
  if (declared === actual + 1 && crc16Arc(bytes, BODY_START, last + 1) === crc) {
    quirks = withQuirk(quirks, DC09_QUIRKS.CRC_INCLUDES_CR);
  } else if (declared !== actual) {
    return fail('HIKARC_DC09_BAD_LENGTH', `the length field says ${declared} bytes, the body has ${actual}`, { declared, actual });
  } else {
    const computed = crc16Arc(bytes, BODY_START, last);
    if (computed !== crc) return fail('HIKARC_DC09_BAD_CRC', 'the CRC does not match the body', { received: crc, computed });
  }

  const parsed = parseHeader(bytes, BODY_START, last, quirks);
  if (!parsed.ok) return parsed;
  const { header, encrypted, open } = parsed.value;
  quirks = parsed.value.quirks;
  if (encrypted) {
    return ok({ ...header, encrypted: true, ciphertext: Buffer.from(bytes.subarray(open + 1, last)), quirks: quirks ?? NO_QUIRKS });
  }
  const content = parseContent(bytes, open + 1, last, false);
  if (!content.ok) return content;
  return ok({ ...header, ...content.value.content, encrypted: false, quirks: quirks ?? NO_QUIRKS });
}

function decryptFailed(message: string): Result<OpenedFrame> {
  return fail('HIKARC_DC09_DECRYPT_FAILED', message);
}

/**
 * The clear content of a frame: a plain frame as it is, an encrypted one decrypted with `key`. The
 * decrypted region is searched, not sliced from the end: the pad terminator may be missing
 * (pysiaalarm, fioletoven *ACK) and junk may follow the timestamp (ioBroker.sia), docs/dc09.md §Encryption.
 */
export function openFrame(frame: Dc09Frame, key: Uint8Array | null): Result<ReadableFrame> {
  if (!frame.encrypted) return ok(frame);
  if (key === null) return fail('HIKARC_DC09_KEY_MISMATCH', 'an encrypted frame arrived and no key is set for it');
  const hex = frame.ciphertext;
  if (hex.length === 0 || hex.length % (AES_BLOCK_BYTES * 2) !== 0) {
    return decryptFailed(`the encrypted region has ${hex.length} hex digits, not a whole number of 16-byte blocks`);
  }
  const cipher = Buffer.allocUnsafe(hex.length / 2);
  let quirks: Dc09Quirk[] | null = frame.quirks.length === 0 ? null : [...frame.quirks];
  for (let i = 0; i < cipher.length; i++) {
    const high = hexValue(hex[2 * i] as number);
    const low = hexValue(hex[2 * i + 1] as number);
    if (high < 0 || low < 0) return decryptFailed('the encrypted region is not hex');
    cipher[i] = high * 16 + low;
  }
  for (let i = 0; i < hex.length; i++) {
    if (isLowerHexLetter(hex[i] as number)) {
      quirks = withQuirk(quirks, DC09_QUIRKS.LOWERCASE_HEX);
      break;
    }
  }
  const plain = decryptBlocks(key, cipher);
  // The pad is 1..16 bytes, so its terminating pipe is within the first 17 bytes.
  const pipe = indexOfByte(plain, BYTE.PIPE, 0, Math.min(plain.length, AES_BLOCK_BYTES + 1));
  let contentStart: number;
  let padEnd: number;
  if (pipe >= 0) {
    padEnd = pipe;
    contentStart = pipe + 1;
  } else {
    // Without the pipe only an empty-data answer (`<pad>]_ts`) can be read: the pad runs to `]`.
    const close = indexOfByte(plain, BYTE.CLOSE_BRACKET, 0, Math.min(plain.length, AES_BLOCK_BYTES + 1));
    if (close < 0) return decryptFailed('no pad terminator in the decrypted region (wrong key?)');
    quirks = withQuirk(quirks, DC09_QUIRKS.NO_PAD_TERMINATOR);
    padEnd = close;
    contentStart = close;
  }
  const content = parseContent(plain, contentStart, plain.length, true);
  if (!content.ok) return decryptFailed(`the decrypted region is not <pad>|<data>]<timestamp>: ${content.error.message} (wrong key?)`);
  if (content.value.content.timestamp === null) return decryptFailed('the decrypted region has no timestamp, which encryption requires (wrong key?)');
  if (content.value.trailing) quirks = withQuirk(quirks, DC09_QUIRKS.BYTES_AFTER_TIMESTAMP);
  const { ciphertext: _ciphertext, ...header } = frame;
  return ok({ ...header, ...content.value.content, pad: text(plain, 0, padEnd), quirks: quirks ?? NO_QUIRKS });
}

// ---------------------------------------------------------------------------------------------
// Streams: TCP delivers bytes, not frames.

export type BareToken = 'NAK' | 'DUH';

export type Dc09Item =
  | { readonly kind: 'frame'; readonly frame: Dc09Frame; readonly raw: Buffer }
  /** pysiaalarm answers an unknown account with the five bytes `"NAK"` (or `"DUH"`), docs/dc09.md §Receivers seen in the field. */
  | { readonly kind: 'bare'; readonly token: BareToken; readonly raw: Buffer }
  | { readonly kind: 'error'; readonly error: Dc09Error; readonly raw: Buffer };

export interface DecodedStream {
  readonly items: Dc09Item[];
  /** Bytes of an incomplete frame, to be prefixed to the next chunk. */
  readonly rest: Buffer;
}

const BARE = [Buffer.from('"NAK"', 'latin1'), Buffer.from('"DUH"', 'latin1')] as const;
const BARE_BYTES = 5;

function bareAt(bytes: Uint8Array, at: number): BareToken | undefined {
  if (at + BARE_BYTES > bytes.length) return undefined;
  for (const bare of BARE) {
    if (Buffer.compare(bare, bytes.subarray(at, at + BARE_BYTES)) === 0) return bare === BARE[0] ? 'NAK' : 'DUH';
  }
  return undefined;
}

function couldBecomeBare(bytes: Uint8Array, at: number): boolean {
  const length = bytes.length - at;
  if (length >= BARE_BYTES) return false;
  return BARE.some((bare) => Buffer.compare(bare.subarray(0, length), bytes.subarray(at)) === 0);
}

function copy(bytes: Uint8Array, start: number, end: number): Buffer {
  return Buffer.from(bytes.subarray(start, end));
}

/**
 * Splits received bytes into frames (LF ... CR), bare NAK/DUH answers and errors for bytes that
 * belong to no frame; returns the incomplete tail. One read may hold several frames (ioBroker.sia
 * writes its NAK twice) and a frame may arrive in pieces (docs/dc09.md §Answers).
 */
export function decodeFrames(bytes: Uint8Array): DecodedStream {
  const items: Dc09Item[] = [];
  let at = 0;
  while (at < bytes.length) {
    if (bytes[at] !== BYTE.LF) {
      const bare = bareAt(bytes, at);
      if (bare !== undefined) {
        items.push({ kind: 'bare', token: bare, raw: copy(bytes, at, at + BARE_BYTES) });
        at += BARE_BYTES;
        continue;
      }
      const nextLf = indexOfByte(bytes, BYTE.LF, at);
      if (nextLf < 0 && couldBecomeBare(bytes, at)) break;
      const strayEnd = nextLf < 0 ? bytes.length : nextLf;
      items.push({
        kind: 'error',
        error: new Dc09Error('HIKARC_DC09_FRAMING', `${strayEnd - at} bytes outside an LF ... CR frame`),
        raw: copy(bytes, at, strayEnd),
      });
      at = strayEnd;
      continue;
    }
    const limit = Math.min(bytes.length, at + MAX_FRAME_BYTES + 1);
    const cr = indexOfByte(bytes, BYTE.CR, at + 1, limit);
    // A second LF before the CR means the first frame was cut off: resynchronise on the later LF.
    const innerLf = indexOfByte(bytes, BYTE.LF, at + 1, cr < 0 ? limit : cr);
    if (innerLf >= 0) {
      items.push({ kind: 'error', error: new Dc09Error('HIKARC_DC09_FRAMING', 'a frame without its CR'), raw: copy(bytes, at, innerLf) });
      at = innerLf;
      continue;
    }
    if (cr < 0) {
      if (limit - at <= MAX_FRAME_BYTES) break;
      items.push({ kind: 'error', error: new Dc09Error('HIKARC_DC09_FRAME_TOO_LARGE', `no CR within ${MAX_FRAME_BYTES} bytes`), raw: copy(bytes, at, limit) });
      at = limit;
      continue;
    }
    const raw = copy(bytes, at, cr + 1);
    const decoded = decodeFrame(raw);
    items.push(decoded.ok ? { kind: 'frame', frame: decoded.value, raw } : { kind: 'error', error: decoded.error, raw });
    at = cr + 1;
  }
  return { items, rest: copy(bytes, at, bytes.length) };
}

/** The items of one UDP datagram: a datagram is whole, so an unfinished frame in it is an error. */
export function decodeDatagram(bytes: Uint8Array): Dc09Item[] {
  const { items, rest } = decodeFrames(bytes);
  if (rest.length > 0) items.push({ kind: 'error', error: new Dc09Error('HIKARC_DC09_FRAMING', 'a datagram ends inside a frame'), raw: rest });
  return items;
}
