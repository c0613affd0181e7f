import { describe, expect, it } from 'vitest';
import { fixedPad, parseAesKey } from '../../../src/transport/dc09-crypto.js';
import { decodeFrames, openFrame, type Dc09Item } from '../../../src/transport/dc09-frame.js';
import { answerItem, DEFAULT_TIMESTAMP_WINDOW, NO_FAULT, parseFault, type ArcFault, type ArcAnswerPolicy } from '../../../src/transport/arc-answer.js';
import { framed } from '../../helpers/dc09-frames.js';
import { DC09_VECTORS, frameBytes, utc } from '../../helpers/dc09-vectors.js';

const KEY = parseAesKey('000102030405060708090A0B0C0D0E0F', 'hex');
const OPEN: ArcAnswerPolicy = { key: null, accounts: null, window: null };
const V3_TIME = utc(2025, 6, 1, 13, 45, 12);
const pad = fixedPad('abcdefghij');

function vector(name: string): Buffer {
  const found = DC09_VECTORS.find((candidate) => candidate.name.startsWith(name));
  if (!found) throw new Error(`no vector ${name}`);
  return frameBytes(found.text);
}

function item(bytes: Buffer): Dc09Item {
  const [first] = decodeFrames(bytes).items;
  if (!first) throw new Error('no item');
  return first;
}

function answer(bytes: Buffer, policy: ArcAnswerPolicy = OPEN, now = V3_TIME, fault: ArcFault = NO_FAULT) {
  return answerItem(item(bytes), policy, fault, now, 'tcp', pad);
}

describe('the built-in receiver answers like an ARC (docs/dc09.md §Test receiver, §Answers)', () => {
  it('acknowledges V3 with exactly V6', () => {
    const result = answer(vector('V3'));
    expect(result.response?.equals(vector('V6'))).toBe(true);
    expect(result.record).toEqual({
      transport: 'tcp',
      token: 'SIA-DCS',
      encrypted: false,
      seq: '0003',
      receiver: null,
      line: '0',
      account: '1234',
      data: '#1234|Nri1/BA015',
      extended: [],
      timestamp: '2025-06-01T13:45:12.000Z',
      response: 'ACK',
      error: null,
    });
    expect(Object.keys(result.record)).toEqual([
      'transport',
      'token',
      'encrypted',
      'seq',
      'receiver',
      'line',
      'account',
      'data',
      'extended',
      'timestamp',
      'response',
      'error',
    ]);
  });

  it('acknowledges V9 with exactly V10 (same pad and time)', () => {
    const result = answer(vector('V9'), { ...OPEN, key: KEY }, utc(2025, 6, 1, 13, 45, 13));
    expect(result.response?.toString('latin1')).toBe(vector('V10').toString('latin1'));
  });

  it('a random-padded *ACK decrypts with the key', () => {
    const result = answerItem(item(vector('V9')), { ...OPEN, key: KEY }, NO_FAULT, V3_TIME, 'udp', fixedPad('0123456789'));
    const [ack] = decodeFrames(result.response ?? Buffer.alloc(0)).items;
    const opened = ack?.kind === 'frame' ? openFrame(ack.frame, KEY) : undefined;
    expect(opened?.ok && opened.value).toMatchObject({ token: 'ACK', encrypted: true, sequence: 6, timestamp: V3_TIME });
  });

  it('answers an unknown account with exactly V7 (NAK with the receiver time)', () => {
    const result = answer(vector('V3'), { ...OPEN, accounts: new Set(['9999']) }, utc(2025, 6, 1, 13, 45, 40));
    expect(result.response?.equals(vector('V7'))).toBe(true);
    expect(result.record.error?.code).toBe('HIKARC_DC09_UNKNOWN_ACCOUNT');
  });

  it('answers a malformed payload with exactly V8 (DUH)', () => {
    const result = answer(framed('"SIA-DCS"0003L0#1234[#1234|XBA015]_13:45:12,06-01-2025'));
    expect(result.response?.equals(vector('V8'))).toBe(true);
    expect(result.record.error?.code).toBe('HIKARC_DC09_UNSUPPORTED_MESSAGE');
  });

  it.each([
    ['ADM-CID with a 2-digit zone', '"ADM-CID"0001L0#1234[#1234|1130 01 15]'],
    ['ADM-CID with qualifier 2', '"ADM-CID"0001L0#1234[#1234|2130 01 015]'],
    ['empty SIA-DCS', '"SIA-DCS"0001L0#1234[]'],
  ])('DUH for %s', (_name, body) => {
    expect(answer(framed(body)).record.response).toBe('DUH');
  });

  it('acknowledges NULL, with or without a Hikvision-style body', () => {
    expect(answer(vector('V5')).record.response).toBe('ACK');
    expect(answer(framed('"NULL"0000R0L0#AAAB[#0000|0000 00 000]')).record.response).toBe('ACK');
  });

  it('does not answer a bad CRC, stray bytes, or an answer token (no loops between receivers)', () => {
    const badCrc = Buffer.from(vector('V3').toString('latin1').replace('0607', '0608'), 'latin1');
    expect(answer(badCrc)).toMatchObject({ response: null, record: { response: null, error: { code: 'HIKARC_DC09_BAD_CRC' } } });
    expect(answer(Buffer.from('junk', 'latin1'))).toMatchObject({ response: null, record: { error: { code: 'HIKARC_DC09_FRAMING' } } });
    expect(answer(vector('V6'))).toMatchObject({ response: null, record: { token: 'ACK', error: { code: 'HIKARC_DC09_UNSUPPORTED_MESSAGE' } } });
  });

  it('NAKs a clear frame when a key is set, an encrypted one without, and a wrong key', () => {
    expect(answer(vector('V3'), { ...OPEN, key: KEY }).record).toMatchObject({ response: 'NAK', error: { code: 'HIKARC_DC09_KEY_MISMATCH' } });
    expect(answer(vector('V9')).record).toMatchObject({ response: 'NAK', error: { code: 'HIKARC_DC09_KEY_MISMATCH' } });
    expect(answer(vector('V9'), { ...OPEN, key: parseAesKey('11'.repeat(16), 'hex') }).record).toMatchObject({
      response: 'NAK',
      error: { code: 'HIKARC_DC09_DECRYPT_FAILED' },
    });
  });

  it('checks the timestamp window -40/+20 s (docs/dc09.md §Timestamps), and can skip it', () => {
    const policy = { ...OPEN, window: DEFAULT_TIMESTAMP_WINDOW };
    expect(answer(vector('V3'), policy, V3_TIME + 39_000).record.response).toBe('ACK');
    expect(answer(vector('V3'), policy, V3_TIME + 41_000).record).toMatchObject({ response: 'NAK', error: { code: 'HIKARC_DC09_TIMESTAMP_WINDOW' } });
    expect(answer(vector('V3'), policy, V3_TIME - 19_000).record.response).toBe('ACK');
    expect(answer(vector('V3'), policy, V3_TIME - 21_000).record.response).toBe('NAK');
    expect(answer(vector('V3'), OPEN, V3_TIME + 600_000).record.response).toBe('ACK');
    expect(answer(vector('V1'), policy, V3_TIME + 600_000).record.response).toBe('ACK');
  });

  it('applies faults', () => {
    expect(answer(vector('V3'), OPEN, V3_TIME, { kind: 'nak' })).toMatchObject({ close: false, record: { response: 'NAK' } });
    expect(answer(vector('V3'), OPEN, V3_TIME, { kind: 'duh' }).response?.equals(vector('V8'))).toBe(true);
    expect(answer(vector('V3'), OPEN, V3_TIME, { kind: 'silent' })).toMatchObject({ response: null, close: false, record: { response: null } });
    expect(answer(vector('V3'), OPEN, V3_TIME, { kind: 'close' })).toMatchObject({ response: null, close: true });
    expect(answer(vector('V3'), OPEN, V3_TIME, { kind: 'delay', ms: 250 })).toMatchObject({ delayMs: 250, record: { response: 'ACK' } });
  });

  it('applies the faults of bogus receivers: bare tokens, wrong fields, garbage, an early ACK, a NAK with a far-off time', () => {
    expect(answer(vector('V3'), OPEN, V3_TIME, { kind: 'bare-duh' }).response?.toString('latin1')).toBe('"DUH"');
    expect(answer(vector('V3'), OPEN, V3_TIME, { kind: 'bare-nak' }).response?.toString('latin1')).toBe('"NAK"');
    expect(answer(vector('V3'), OPEN, V3_TIME, { kind: 'garbage' }).response?.toString('latin1')).toContain('no DC-09 frame');
    expect(answer(vector('V3'), OPEN, V3_TIME, { kind: 'wrong-seq' }).response?.toString('latin1')).toContain('"ACK"0004');
    expect(answer(vector('V3'), OPEN, V3_TIME, { kind: 'wrong-account' }).response?.toString('latin1')).toContain('#FFFF');
    const early = answer(vector('V3'), OPEN, V3_TIME, { kind: 'early-ack' });
    expect(early.response?.toString('latin1')).toContain('"ACK"0003');
    expect(early.followUp?.toString('latin1')).toContain('"ACK"0004');
    expect(answer(vector('V3'), OPEN, V3_TIME, { kind: 'nak-at', time: Date.UTC(2016, 0, 1) }).response?.toString('latin1')).toContain('_00:00:00,01-01-2016');
  });

  it('applies a fault for some accounts only; the first that applies wins', () => {
    const silentFor1234 = parseFault('silent@1234');
    expect(answer(vector('V3'), OPEN, V3_TIME, silentFor1234).record.response).toBeNull();
    expect(
      answerItem(item(vector('V3')), OPEN, [parseFault('nak@9999') as ArcFault, parseFault('delay=10') as ArcFault], V3_TIME, 'tcp', fixedPad('0')).delayMs,
    ).toBe(10);
    expect(answerItem(item(vector('V3')), OPEN, [parseFault('silent@5678') as ArcFault], V3_TIME, 'tcp', fixedPad('0')).record.response).toBe('ACK');
  });

  it('parses fault names', () => {
    expect(['nak', 'duh', 'silent', 'close', 'delay=1500', 'bare-duh', 'hangup'].map(parseFault)).toEqual([
      { kind: 'nak' },
      { kind: 'duh' },
      { kind: 'silent' },
      { kind: 'close' },
      { kind: 'delay', ms: 1500 },
      { kind: 'bare-duh' },
      { kind: 'hangup' },
    ]);
    expect(parseFault('silent@1234,abcd')).toEqual({ kind: 'silent', accounts: new Set(['1234', 'ABCD']) });
    expect(parseFault('nak-at=2016-01-01T00:00:00Z')).toEqual({ kind: 'nak-at', time: Date.UTC(2016, 0, 1) });
    expect(parseFault('delay=')).toBeUndefined();
    expect(parseFault('drop')).toBeUndefined();
    expect(parseFault('silent@12')).toBeUndefined();
    expect(parseFault('nak-at=soon')).toBeUndefined();
  });
});
