import { createCipheriv } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { Dc09Error } from '../../../src/transport/transport-errors.js';
import { createRandomPadSource, fixedPad, parseAesKey } from '../../../src/transport/dc09-crypto.js';
import {
  checkMessage,
  decodeFrame,
  decodeFrames,
  encodeFrame,
  MAX_FRAME_BYTES,
  openFrame,
  type Dc09Frame,
  type Dc09Item,
  type Dc09Message,
  type ReadableFrame,
} from '../../../src/transport/dc09-frame.js';
import { formatDc09Timestamp } from '../../../src/transport/dc09-timestamp.js';
import { bodyOf, framed } from '../../helpers/dc09-frames.js';
import { randomBytes, randomInt, seededRandom } from '../../helpers/dc09-random.js';
import { DC09_VECTORS, frameBytes, utc, type Dc09Vector } from '../../helpers/dc09-vectors.js';

function keyOf(vector: Dc09Vector): Buffer | null {
  return vector.key === undefined ? null : parseAesKey(vector.key.text, vector.key.format);
}

function decoded(bytes: Uint8Array): Dc09Frame {
  const result = decodeFrame(bytes);
  if (!result.ok) throw new Error(`expected a frame, got ${result.error.code}: ${result.error.message}`);
  return result.value;
}

function opened(bytes: Uint8Array, key: Uint8Array | null): ReadableFrame {
  const result = openFrame(decoded(bytes), key);
  if (!result.ok) throw new Error(`expected to open, got ${result.error.code}: ${result.error.message}`);
  return result.value;
}

function errorCode(bytes: Uint8Array, key: Uint8Array | null = null): string {
  const result = decodeFrame(bytes);
  if (!result.ok) return result.error.code;
  const open = openFrame(result.value, key);
  return open.ok ? 'decoded' : open.error.code;
}

function fieldsOf(frame: ReadableFrame): Dc09Message {
  const { token, sequence, receiver, line, account, accountMark, data, extended, timestamp } = frame;
  return { token, sequence, receiver, line, account, accountMark, data, extended, timestamp };
}

function frameItems(items: readonly Dc09Item[]): Dc09Frame[] {
  return items.flatMap((item) => (item.kind === 'frame' ? [item.frame] : []));
}

describe('DC-09 vectors V1-V13 (docs/dc09.md §Test vectors)', () => {
  describe.each(DC09_VECTORS.map((vector) => [vector.name, vector] as const))('%s', (_name, vector) => {
    const bytes = frameBytes(vector.text);
    const key = keyOf(vector);

    it('decodes to its fields', () => {
      const frame = decoded(bytes);
      expect(frame.encrypted).toBe(key !== null);
      expect(frame.quirks).toEqual([]);
      expect(fieldsOf(opened(bytes, key))).toEqual(vector.message);
    });

    it('encodes from its fields to the exact bytes', () => {
      const encoded = encodeFrame(vector.message, { key, ...(vector.pad === undefined ? {} : { pad: fixedPad(vector.pad) }) });
      expect(encoded.toString('hex')).toBe(bytes.toString('hex'));
    });

    it('mirrors: decode then encode gives the same bytes', () => {
      const frame = opened(bytes, key);
      const pad = frame.encrypted ? { pad: fixedPad(frame.pad) } : {};
      expect(encodeFrame(fieldsOf(frame), { key, ...pad }).equals(bytes)).toBe(true);
    });

    it('splits out of a stream whole, byte by byte and at every boundary', () => {
      const stream = Buffer.concat([bytes, bytes]);
      const whole = decodeFrames(stream);
      expect(frameItems(whole.items)).toHaveLength(2);
      expect(whole.rest.length).toBe(0);

      let rest: Buffer = Buffer.alloc(0);
      const byByte: Dc09Frame[] = [];
      for (const byte of stream) {
        const step = decodeFrames(Buffer.concat([rest, Buffer.from([byte])]));
        expect(step.items.filter((item) => item.kind !== 'frame')).toEqual([]);
        byByte.push(...frameItems(step.items));
        rest = step.rest;
      }
      expect(byByte).toEqual(frameItems(whole.items));

      for (let cut = 1; cut < bytes.length; cut++) {
        const first = decodeFrames(bytes.subarray(0, cut));
        expect(first.items).toEqual([]);
        const second = decodeFrames(Buffer.concat([first.rest, bytes.subarray(cut)]));
        expect(frameItems(second.items)).toEqual([decoded(bytes)]);
        expect(second.rest.length).toBe(0);
      }
    });
  });

  it.each(DC09_VECTORS.filter((vector) => vector.plaintext !== undefined).map((vector) => [vector.name, vector] as const))(
    '%s decrypts to the published plaintext',
    (_name, vector) => {
      const frame = opened(frameBytes(vector.text), keyOf(vector));
      if (!frame.encrypted) throw new Error('vector is not encrypted');
      expect(`${frame.pad}|${frame.data}]${formatDc09Timestamp(frame.timestamp ?? Number.NaN)}`).toBe(vector.plaintext);
    },
  );

  it('the length field counts bytes, and the CRC covers exactly the body', () => {
    for (const vector of DC09_VECTORS) {
      const bytes = frameBytes(vector.text);
      const body = bodyOf(bytes);
      expect(Number.parseInt(bytes.subarray(5, 9).toString('latin1'), 16)).toBe(body.length);
    }
  });
});

describe('decode errors carry exact codes', () => {
  const v3 = frameBytes(DC09_VECTORS[2]?.text ?? '');
  const v9 = DC09_VECTORS[8] as Dc09Vector;
  const cases: ReadonlyArray<readonly [string, Buffer, string]> = [
    ['one CRC digit flipped', Buffer.from(v3.toString('latin1').replace('\n0607', '\n0608'), 'latin1'), 'HIKARC_DC09_BAD_CRC'],
    ['CRC not hex', Buffer.from(v3.toString('latin1').replace('\n0607', '\n06G7'), 'latin1'), 'HIKARC_DC09_BAD_CRC'],
    ['length one too small', Buffer.from(v3.toString('latin1').replace('003A"', '0039"'), 'latin1'), 'HIKARC_DC09_BAD_LENGTH'],
    ['length not hex', Buffer.from(v3.toString('latin1').replace('003A"', '00XA"'), 'latin1'), 'HIKARC_DC09_BAD_LENGTH'],
    ['no LF', v3.subarray(1), 'HIKARC_DC09_FRAMING'],
    ['no CR', v3.subarray(0, v3.length - 1), 'HIKARC_DC09_FRAMING'],
    ['empty LF CR', Buffer.from('\n\r', 'latin1'), 'HIKARC_DC09_EMPTY_FRAME'],
    ['too short for CRC and length', Buffer.from('\nBEB9\r', 'latin1'), 'HIKARC_DC09_BAD_LENGTH'],
    ['unknown token', framed('"SIA-XYZ"0001L0#1234[#1234|Nri1/BA015]'), 'HIKARC_DC09_BAD_TOKEN'],
    ['unquoted token', framed('SIA-DCS0001L0#1234[#1234|Nri1/BA015]'), 'HIKARC_DC09_BAD_TOKEN'],
    ['token without closing quote', framed('"SIA-DCS0001L0#1234[]'), 'HIKARC_DC09_BAD_TOKEN'],
    ['3-digit sequence', framed('"SIA-DCS"001L0#1234[#1234|Nri1/BA015]'), 'HIKARC_DC09_BAD_HEADER'],
    ['no L field', framed('"SIA-DCS"0001R1#1234[#1234|Nri1/BA015]'), 'HIKARC_DC09_BAD_HEADER'],
    ['L with 7 digits', framed('"SIA-DCS"0001L1234567#1234[#1234|Nri1/BA015]'), 'HIKARC_DC09_BAD_HEADER'],
    ['R with 7 digits', framed('"SIA-DCS"0001R1234567L0#1234[#1234|Nri1/BA015]'), 'HIKARC_DC09_BAD_HEADER'],
    ['2-digit account', framed('"SIA-DCS"0001L0#12[#12|Nri1/BA015]'), 'HIKARC_DC09_BAD_HEADER'],
    ['17-digit account', framed('"SIA-DCS"0001L0#12345678901234567[]'), 'HIKARC_DC09_BAD_HEADER'],
    ['no account (other panel, docs/dc09.md §Header fields)', framed('"SIA-DCS"0001L[#9999|NBA2]'), 'HIKARC_DC09_BAD_HEADER'],
    ['pseudo-account on an event', framed('"SIA-DCS"0001R0L0A0[]'), 'HIKARC_DC09_BAD_HEADER'],
    ['account not followed by [', framed('"SIA-DCS"0001L0#1234X[]'), 'HIKARC_DC09_BAD_HEADER'],
    ['data not closed', framed('"SIA-DCS"0001L0#1234[#1234|Nri1/BA015'), 'HIKARC_DC09_BAD_DATA'],
    ['[ inside data', framed('"SIA-DCS"0001L0#1234[#1234|Nri1[BA015]'), 'HIKARC_DC09_BAD_DATA'],
    ['extended block with a digit id', framed('"SIA-DCS"0001L0#1234[#1234|Nri1/BA015][1abc]'), 'HIKARC_DC09_BAD_DATA'],
    ['empty extended block', framed('"SIA-DCS"0001L0#1234[#1234|Nri1/BA015][]'), 'HIKARC_DC09_BAD_DATA'],
    ['extended block not closed', framed('"SIA-DCS"0001L0#1234[#1234|Nri1/BA015][Mabc'), 'HIKARC_DC09_BAD_DATA'],
    ['month 13', framed('"SIA-DCS"0001L0#1234[#1234|Nri1/BA015]_13:45:12,13-01-2025'), 'HIKARC_DC09_BAD_TIMESTAMP'],
    ['31 April', framed('"SIA-DCS"0001L0#1234[#1234|Nri1/BA015]_13:45:12,04-31-2025'), 'HIKARC_DC09_BAD_TIMESTAMP'],
    ['truncated timestamp', framed('"SIA-DCS"0001L0#1234[#1234|Nri1/BA015]_13:45:12,06-01-20'), 'HIKARC_DC09_BAD_TIMESTAMP'],
    ['bytes after the timestamp', framed('"SIA-DCS"0001L0#1234[#1234|Nri1/BA015]_13:45:12,06-01-2025X'), 'HIKARC_DC09_BAD_DATA'],
    ['ciphertext of 31 hex digits', framed(`"*SIA-DCS"0001L0#1234[${'A'.repeat(31)}`), 'HIKARC_DC09_DECRYPT_FAILED'],
    ['ciphertext not hex', framed(`"*SIA-DCS"0001L0#1234[${'G'.repeat(32)}`), 'HIKARC_DC09_DECRYPT_FAILED'],
    ['empty ciphertext', framed('"*SIA-DCS"0001L0#1234['), 'HIKARC_DC09_DECRYPT_FAILED'],
  ];
  const key = keyOf(v9);
  it.each(cases)('%s', (_name, bytes, code) => {
    expect(errorCode(bytes, key)).toBe(code);
  });

  it('an encrypted frame with the wrong key is a decrypt error', () => {
    expect(errorCode(frameBytes(v9.text), parseAesKey('FF'.repeat(16), 'hex'))).toBe('HIKARC_DC09_DECRYPT_FAILED');
  });

  it('an encrypted frame with no key is a key mismatch', () => {
    expect(errorCode(frameBytes(v9.text), null)).toBe('HIKARC_DC09_KEY_MISMATCH');
  });

  it('errors are Dc09Error instances, and decoding a bad frame yields no frame', () => {
    const result = decodeFrame(Buffer.from(v3.toString('latin1').replace('\n0607', '\n0608'), 'latin1'));
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error).toBeInstanceOf(Dc09Error);
  });
});

describe('real-world frames (docs/dc09.md §Test vectors) decode', () => {
  const corpus: ReadonlyArray<readonly [string, string, Partial<Dc09Frame> | string]> = [
    [
      'Ajax heartbeat',
      'B40B0039"SIA-DCS"0004L0#AAA[#AAA|Nri0/RP0000]_09:10:30,02-20-2023',
      { token: 'SIA-DCS', sequence: 4, account: 'AAA', data: '#AAA|Nri0/RP0000', timestamp: utc(2023, 2, 20, 9, 10, 30) },
    ],
    [
      'Ajax encrypted',
      '6EDD0075"*SIA-DCS"8959L0#AAA[A99CB4359155815BB119C65A30ED125F79717A05AB0595EC96DCDBE571370C7E20B115644551DDA6FAD3449AB6E73703',
      { token: 'SIA-DCS', encrypted: true, sequence: 8959, account: 'AAA' },
    ],
    [
      'Ajax JC',
      '0EBD0037"SIA-DCS"3048L0#AAA[#AAA|Nri2/JC12]_12:58:23,09-15-2021',
      { sequence: 3048, data: '#AAA|Nri2/JC12', timestamp: utc(2021, 9, 15, 12, 58, 23) },
    ],
    [
      'encrypted ADM-CID',
      'D0850078"*ADM-CID"6879R0L0#123F[64F7ADD9BA9377DBF2C014BC709329BEEE345B5F20C60B7EB9D2C6B8C222666B13D0B4A114B448B0AC555FCC658DB6EE',
      { token: 'ADM-CID', encrypted: true, sequence: 6879, receiver: '0', line: '0', account: '123F' },
    ],
    // The pysiaalarm test vector's length field is wrong (body is 0x2F bytes); ioBroker and fioletoven reject it too.
    ['plain ADM-CID with a wrong length field', '57150047"ADM-CID"0247R4F39L4F39#4F39[#4F39|3401 01 057]', 'HIKARC_DC09_BAD_LENGTH'],
    [
      'ELDES (CRC and length include the CR, §6.1)',
      'F19A002B"ADM-CID"0056L9999#9999[#9999|1900 00 001]',
      { sequence: 56, line: '9999', account: '9999', data: '#9999|1900 00 001', quirks: ['crc-includes-cr'] },
    ],
    [
      'ADM-CID with x-data over UDP',
      'F6F30044"ADM-CID"1447R01L01#0001[#0001|1603 01 000][S13]_04:45:01,08-30-2014',
      { receiver: '01', line: '01', account: '0001', extended: [{ id: 'S', value: '13' }], timestamp: utc(2014, 8, 30, 4, 45, 1) },
    ],
    [
      'Hikvision NULL',
      '821F003A"NULL"0000R0L0#AAAB[#0000|0000 00 000]_18:25:49,07-05-2020',
      { token: 'NULL', sequence: 0, account: 'AAAB', data: '#0000|0000 00 000' },
    ],
    [
      'Hikvision *NULL',
      '76D80055"*NULL"0000R0L0#AAAB[B4BC8B40D0E6D959D6BEA78E88CC0B2155741A3C44FBB96D476A3E557CAD64D9',
      { token: 'NULL', encrypted: true, account: 'AAAB' },
    ],
    ['Pyronix NULL', 'EA740027"NULL"0000L0#1409[]_20:38:07,08-27-2026', { token: 'NULL', receiver: null, account: '1409', data: '' }],
    ['NiftyDC09 ACK', '59890012"ACK"0000L0#1409[]', { token: 'ACK', sequence: 0, account: '1409', timestamp: null }],
    ['SATEL', '80DA0040"SIA-DCS"0002L0#AA1234[#AA1234|Nri2/id15/OP]_10:03:32,06-14-2023', { account: 'AA1234', data: '#AA1234|Nri2/id15/OP' }],
    ['G90B without L digits', '78FC003B"SIA-DCS"0001L#22334455[#22334455|NCQ1]_14:33:53,02-09-2020', { line: '', account: '22334455', quirks: ['empty-line'] }],
    ['fioletoven SIA-DCS with A block', 'F4D20029"SIA-DCS"0001RF3L77#1234[#1234|NRR|Atest]', { receiver: 'F3', line: '77', data: '#1234|NRR|Atest' }],
    ['fioletoven empty SIA-DCS', '96ED0016"SIA-DCS"0001L0#1234[]', { data: '' }],
    [
      'fioletoven NAK',
      'E4410025"NAK"0000R0L0A0[]_16:20:01,09-24-2025',
      { token: 'NAK', accountMark: 'A', account: '0', timestamp: utc(2025, 9, 24, 16, 20, 1) },
    ],
    ['ioBroker NAK', '3C3B0025"NAK"0000R0L0A0[]_15:39:35,05-07-2019', { token: 'NAK', timestamp: utc(2019, 5, 7, 15, 39, 35) }],
    ['Home Assistant ACK with None (§6.5)', '24CC0016"ACK"0000NoneL0#1409[]', { token: 'ACK', receiver: null, account: '1409', quirks: ['receiver-none'] }],
  ];
  it.each(corpus)('%s', (_name, text, expected) => {
    const result = decodeFrame(frameBytes(text));
    if (typeof expected === 'string') {
      expect(result.ok ? 'decoded' : result.error.code).toBe(expected);
      return;
    }
    if (!result.ok) throw new Error(`${result.error.code}: ${result.error.message}`);
    expect(result.value).toMatchObject(expected);
  });
});

describe('tolerant decoding of what real receivers answer (docs/dc09.md §Encryption, §Receivers seen in the field)', () => {
  const key = parseAesKey('000102030405060708090A0B0C0D0E0F', 'hex');
  const ts = utc(2025, 6, 1, 13, 45, 13);

  function encryptedAck(plaintext: Buffer, autoPadding: boolean, lowerCase: boolean): Buffer {
    const cipher = createCipheriv('aes-128-cbc', key, Buffer.alloc(16));
    cipher.setAutoPadding(autoPadding);
    const hex = Buffer.concat([cipher.update(plaintext), cipher.final()]).toString('hex');
    return framed(`"*ACK"0006L0#1234[${lowerCase ? hex : hex.toUpperCase()}`);
  }

  it('accepts lower-case hex in the CRC, length and ciphertext (Eaton, ioBroker)', () => {
    const v9 = DC09_VECTORS[8]?.text ?? '';
    const open = v9.indexOf('[') + 1;
    // The CRC covers the hex text as sent, so lower-case ciphertext has its own CRC.
    const lower = framed(`${v9.slice(8, open)}${v9.slice(open).toLowerCase()}`);
    lower.write(lower.subarray(1, 9).toString('latin1').toLowerCase(), 1, 'latin1');
    expect(lower.subarray(1, 9).toString('latin1')).toMatch(/[a-f]/);
    const frame = opened(lower, key);
    expect(frame.data).toBe('#1234|Nri1/BA015');
    expect(frame.quirks).toContain('lowercase-hex');
  });

  it('reads ioBroker.sia *ACK: 0x00 pad, lower-case hex and an extra PKCS#7 block after the timestamp', () => {
    const plaintext = Buffer.concat([Buffer.alloc(9, 0), Buffer.from(`|]${formatDc09Timestamp(ts)}`, 'latin1')]);
    const frame = opened(encryptedAck(plaintext, true, true), key);
    expect(frame).toMatchObject({ token: 'ACK', sequence: 6, account: '1234', data: '', timestamp: ts });
    expect(frame.quirks).toEqual(expect.arrayContaining(['lowercase-hex', 'bytes-after-timestamp']));
  });

  it('reads pysiaalarm *ACK: a pad of 0 characters and no pipe before ]', () => {
    const plaintext = Buffer.from(`${'0'.repeat(11)}]${formatDc09Timestamp(ts)}`, 'latin1');
    expect(plaintext.length).toBe(32);
    const frame = opened(encryptedAck(plaintext, false, false), key);
    expect(frame).toMatchObject({ token: 'ACK', data: '', timestamp: ts, pad: '00000000000' });
    expect(frame.quirks).toContain('no-pad-terminator');
  });

  it('reads an ACK with a timestamp (fioletoven) and a NAK without an account (SIAbroker)', () => {
    expect(opened(framed('"ACK"0003L0#1234[]_13:45:13,06-01-2025'), null)).toMatchObject({ token: 'ACK', timestamp: ts });
    expect(opened(framed('"NAK"0000R0L0[]_13:45:13,06-01-2025'), null)).toMatchObject({ token: 'NAK', account: '', quirks: ['no-account'] });
  });

  it('reads pysiaalarm NAK with L before R', () => {
    expect(opened(framed('"NAK"0000L0R0A0[]_13:45:13,06-01-2025'), null)).toMatchObject({ token: 'NAK', receiver: '0', line: '0', quirks: ['field-order'] });
  });

  it('splits a NAK written twice in one read, a bare "NAK", and an empty LF CR', () => {
    const nak = frameBytes('AA860025"NAK"0000R0L0A0[]_13:45:40,06-01-2025');
    const { items, rest } = decodeFrames(Buffer.concat([nak, nak, Buffer.from('"NAK"\n\r"DUH"', 'latin1')]));
    expect(items.map((item) => (item.kind === 'error' ? item.error.code : item.kind === 'bare' ? `bare ${item.token}` : item.frame.token))).toEqual([
      'NAK',
      'NAK',
      'bare NAK',
      'HIKARC_DC09_EMPTY_FRAME',
      'bare DUH',
    ]);
    expect(rest.length).toBe(0);
  });

  it('keeps a partial bare "NA" as rest, and reports other stray bytes', () => {
    expect(decodeFrames(Buffer.from('"NA', 'latin1'))).toMatchObject({ items: [], rest: Buffer.from('"NA', 'latin1') });
    const { items, rest } = decodeFrames(Buffer.concat([Buffer.from('junk', 'latin1'), frameBytes('D1600012"ACK"0003L0#1234[]'), Buffer.alloc(3, 0)]));
    expect(items.map((item) => item.kind)).toEqual(['error', 'frame', 'error']);
    expect(items[0]?.kind === 'error' && items[0].error.code).toBe('HIKARC_DC09_FRAMING');
    expect(rest.length).toBe(0);
  });

  it('resynchronises on an LF inside a cut-off frame', () => {
    const ack = frameBytes('D1600012"ACK"0003L0#1234[]');
    const { items } = decodeFrames(Buffer.concat([ack.subarray(0, 10), ack]));
    expect(items.map((item) => (item.kind === 'error' ? item.error.code : item.kind))).toEqual(['HIKARC_DC09_FRAMING', 'frame']);
  });

  it('gives up on a frame with no CR within the longest possible frame', () => {
    const long = Buffer.concat([Buffer.from('\n', 'latin1'), Buffer.alloc(MAX_FRAME_BYTES + 10, 0x41)]);
    const first = decodeFrames(long.subarray(0, MAX_FRAME_BYTES));
    expect(first.items).toEqual([]);
    const { items } = decodeFrames(long);
    expect(items[0]?.kind === 'error' && items[0].error.code).toBe('HIKARC_DC09_FRAME_TOO_LARGE');
  });
});

describe('encoding', () => {
  const base: Dc09Message = {
    token: 'SIA-DCS',
    sequence: 1,
    receiver: '0',
    line: '0',
    account: '1234',
    accountMark: '#',
    data: '#1234|Nri1/BA015',
    extended: [],
    timestamp: null,
  };
  const key = parseAesKey('000102030405060708090A0B0C0D0E0F', 'hex');

  it.each([
    ['account with a letter above F', { account: '12G4' }],
    ['2-digit account', { account: '12' }],
    ['sequence 10000', { sequence: 10_000 }],
    ['negative sequence', { sequence: -1 }],
    ['line of 7 digits', { line: '1234567' }],
    ['empty line', { line: '' }],
    ['receiver not hex', { receiver: 'X' }],
    ['] in data', { data: '#1234|Nri1]BA015' }],
    ['CR in data', { data: '#1234|Nri1/BA015\r' }],
    ['character outside Latin-1', { data: '#1234|Nri1/BA015 €' }],
    ['DEL in data', { data: '#1234|Nri1/BA015\x7f' }],
    ['C1 control in data', { data: '#1234|Nri1/BA015\x85' }],
    ['lower-case block id', { extended: [{ id: 'v', value: 'x' }] }],
    ['two-letter block id', { extended: [{ id: 'VV', value: 'x' }] }],
    ['[ in a block', { extended: [{ id: 'V', value: 'a[b' }] }],
    ['body longer than 0x0FFF', { data: 'x'.repeat(4096) }],
  ] as const)('rejects %s', (_name, change) => {
    expect(() => encodeFrame({ ...base, ...change })).toThrow(expect.objectContaining({ code: 'HIKARC_DC09_INVALID_MESSAGE' }));
  });

  it.each([
    ['] in data', { data: '#1234|Nri1]BA015' }],
    ['character outside Latin-1', { data: '#1234|Nri1/BA015 €' }],
    ['two-letter block id', { extended: [{ id: 'VV', value: 'x' }] }],
    ['[ in a block', { extended: [{ id: 'V', value: 'a[b' }] }],
  ] as const)('names the problem checkMessage names, clear and encrypted: %s', (_name, change) => {
    const message: Dc09Message = { ...base, ...change, timestamp: utc(2025, 6, 1, 13, 45, 12) };
    const named = checkMessage(message, false)?.message;
    expect(named).toMatch(/data|block/);
    expect(() => encodeFrame(message)).toThrow(named);
    expect(() => encodeFrame(message, { key, pad: createRandomPadSource() })).toThrow(named);
  });

  it('rejects an encrypted frame without a timestamp, an encrypted NAK and a pad holding |', () => {
    expect(() => encodeFrame(base, { key, pad: fixedPad('A') })).toThrow(expect.objectContaining({ code: 'HIKARC_DC09_INVALID_MESSAGE' }));
    expect(() => encodeFrame({ ...base, token: 'NAK', timestamp: 0 }, { key, pad: fixedPad('A') })).toThrow(
      expect.objectContaining({ code: 'HIKARC_DC09_INVALID_MESSAGE' }),
    );
    const timed = { ...base, timestamp: utc(2025, 6, 1, 13, 45, 12) };
    expect(() => encodeFrame(timed, { key, pad: fixedPad('ABCDEFGHI|') })).toThrow(expect.objectContaining({ code: 'HIKARC_DC09_INVALID_MESSAGE' }));
  });

  it('counts bytes, not JS characters: Latin-1 text is one byte per character (docs/dc09.md §Bytes on the wire)', () => {
    const frame = encodeFrame({ ...base, extended: [{ id: 'L', value: 'Küche' }] });
    const body = bodyOf(frame);
    expect(Number.parseInt(frame.subarray(5, 9).toString('latin1'), 16)).toBe(body.length);
    expect(opened(frame, null).extended).toEqual([{ id: 'L', value: 'Küche' }]);
  });

  it('a fresh random pad per frame: same fields, different ciphertext, same content', async () => {
    const { createRandomPadSource } = await import('../../../src/transport/dc09-crypto.js');
    const pad = createRandomPadSource();
    const message = { ...base, timestamp: utc(2025, 6, 1, 13, 45, 12) };
    const frames = Array.from({ length: 20 }, () => encodeFrame(message, { key, pad }));
    expect(new Set(frames.map((frame) => frame.toString('latin1'))).size).toBe(frames.length);
    for (const frame of frames) expect(fieldsOf(opened(frame, key))).toEqual(message);
  });
});

describe('seeded random bytes only ever yield typed errors', () => {
  const key = parseAesKey('000102030405060708090A0B0C0D0E0F', 'hex');
  const seeds = [1, 2, 3, 0xdc09];

  function check(input: Buffer): void {
    const { items, rest } = decodeFrames(input);
    let accounted = rest.length;
    for (const item of items) {
      accounted += item.raw.length;
      if (item.kind === 'error') {
        expect(item.error).toBeInstanceOf(Dc09Error);
        expect(item.error.code).toMatch(/^HIKARC_DC09_/);
      }
      if (item.kind === 'frame') {
        const open = openFrame(item.frame, key);
        if (!open.ok) {
          expect(open.error).toBeInstanceOf(Dc09Error);
          expect(open.error.code).toMatch(/^HIKARC_DC09_/);
        }
      }
    }
    // Nothing vanishes: every input byte is in a frame, a bare answer, an error or the rest.
    expect(accounted).toBe(input.length);
  }

  it.each(seeds)('random byte strings, seed %i', (seed) => {
    const random = seededRandom(seed);
    for (let i = 0; i < 3000; i++) {
      const input = randomBytes(random, randomInt(random, 200));
      // Sprinkle LF, CR and quotes so frame boundaries and tokens occur often.
      for (let j = 0; j < input.length; j++) if (random() < 0.08) input[j] = [0x0a, 0x0d, 0x22, 0x5b, 0x5d, 0x7c][randomInt(random, 6)] as number;
      check(input);
    }
  });

  it.each(seeds)('mutated vectors with CRC and length recomputed, seed %i', (seed) => {
    const random = seededRandom(seed);
    const bodies = DC09_VECTORS.map((vector) => bodyOf(frameBytes(vector.text)));
    for (let i = 0; i < 3000; i++) {
      const body = Buffer.from(bodies[randomInt(random, bodies.length)] as Buffer);
      const mutations = 1 + randomInt(random, 4);
      for (let m = 0; m < mutations; m++) body[randomInt(random, body.length)] = randomInt(random, 256);
      const cut = random() < 0.2 ? body.subarray(0, randomInt(random, body.length)) : body;
      check(framed(cut));
    }
  });
});
