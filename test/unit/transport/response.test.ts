import { describe, expect, it } from 'vitest';
import { fixedPad, parseAesKey } from '../../../src/transport/dc09-crypto.js';
import { decodeFrames, encodeFrame, type Dc09Item } from '../../../src/transport/dc09-frame.js';
import { classifyResponse, type ExpectedAnswer } from '../../../src/transport/response.js';
import { framed } from '../../helpers/dc09-frames.js';
import { DC09_VECTORS, frameBytes, utc } from '../../helpers/dc09-vectors.js';

const KEY = parseAesKey('000102030405060708090A0B0C0D0E0F', 'hex');
const CLEAR: ExpectedAnswer = { sequence: 3, account: '1234', receiver: null, line: '0', key: null };
const ENCRYPTED: ExpectedAnswer = { sequence: 6, account: '1234', receiver: null, line: '0', key: KEY };

function item(bytes: Buffer): Dc09Item {
  const { items } = decodeFrames(bytes);
  if (items.length !== 1 || items[0] === undefined) throw new Error(`expected one item, got ${items.length}`);
  return items[0];
}

function text(name: string): string {
  const vector = DC09_VECTORS.find((candidate) => candidate.name.startsWith(name));
  if (!vector) throw new Error(`no vector ${name}`);
  return vector.text;
}

describe('classifying an answer against the frame in flight (docs/dc09.md §Answers)', () => {
  it('V6 acknowledges V3', () => {
    expect(classifyResponse(item(frameBytes(text('V6'))), CLEAR)).toMatchObject({ kind: 'ack', headerMismatch: false, arcTime: null });
  });

  it('V10 (*ACK) acknowledges V9 and carries the receiver time', () => {
    expect(classifyResponse(item(frameBytes(text('V10'))), ENCRYPTED)).toMatchObject({ kind: 'ack', arcTime: utc(2025, 6, 1, 13, 45, 13) });
  });

  it('an ACK for another sequence number is stale, not an acknowledgement', () => {
    expect(classifyResponse(item(frameBytes(text('V6'))), { ...CLEAR, sequence: 4 })).toMatchObject({
      kind: 'ignore',
      code: 'HIKARC_TRANSPORT_UNMATCHED_RESPONSE',
    });
  });

  it('an ACK for another account is not ours', () => {
    expect(classifyResponse(item(frameBytes(text('V6'))), { ...CLEAR, account: '1235' })).toMatchObject({
      kind: 'ignore',
      code: 'HIKARC_TRANSPORT_UNMATCHED_RESPONSE',
    });
  });

  it('compares accounts without regard to case', () => {
    expect(classifyResponse(item(framed('"ACK"0003L0#abcd[]')), { ...CLEAR, account: 'ABCD' })).toMatchObject({ kind: 'ack' });
  });

  it('accepts an ACK with other R/L fields, flagged (Home Assistant writes None, docs/dc09.md §Receivers seen in the field)', () => {
    expect(classifyResponse(item(framed('"ACK"0003R9L7#1234[]')), { ...CLEAR, receiver: '0' })).toMatchObject({ kind: 'ack', headerMismatch: true });
    expect(classifyResponse(item(framed('"ACK"0003NoneL0#1234[]')), { ...CLEAR, receiver: '0' })).toMatchObject({ kind: 'ack', quirks: ['receiver-none'] });
  });

  it('a clear ACK does not acknowledge an encrypted frame, nor an *ACK a clear one', () => {
    expect(classifyResponse(item(framed('"ACK"0006L0#1234[]')), ENCRYPTED)).toMatchObject({ kind: 'ignore', code: 'HIKARC_TRANSPORT_UNMATCHED_RESPONSE' });
    expect(classifyResponse(item(frameBytes(text('V10'))), { ...ENCRYPTED, key: null })).toMatchObject({
      kind: 'ignore',
      code: 'HIKARC_TRANSPORT_UNMATCHED_RESPONSE',
    });
  });

  it('an *ACK under another key is not an acknowledgement', () => {
    expect(classifyResponse(item(frameBytes(text('V10'))), { ...ENCRYPTED, key: parseAesKey('FF'.repeat(16), 'hex') })).toMatchObject({
      kind: 'ignore',
      code: 'HIKARC_DC09_DECRYPT_FAILED',
    });
  });

  it('an *ACK with an extended block or data still counts when seq and account match', () => {
    const ack = encodeFrame(
      {
        token: 'ACK',
        sequence: 6,
        receiver: null,
        line: '0',
        account: '1234',
        accountMark: '#',
        data: '',
        extended: [{ id: 'X', value: '1' }],
        timestamp: utc(2025, 6, 1, 0, 0, 0),
      },
      { key: KEY, pad: fixedPad('ABCDEF') },
    );
    expect(classifyResponse(item(ack), ENCRYPTED)).toMatchObject({ kind: 'ack' });
  });

  it('V7 is a NAK with the receiver time; a bare "NAK" answers no frame in particular and is ignored', () => {
    expect(classifyResponse(item(frameBytes(text('V7'))), CLEAR)).toMatchObject({ kind: 'nak', arcTime: utc(2025, 6, 1, 13, 45, 40) });
    expect(classifyResponse(item(Buffer.from('"NAK"', 'latin1')), CLEAR)).toMatchObject({ kind: 'ignore', code: 'HIKARC_TRANSPORT_BARE_ANSWER' });
  });

  it('V8 is a DUH for V3; a DUH for another sequence is stale; a bare "DUH" is ignored', () => {
    expect(classifyResponse(item(frameBytes(text('V8'))), CLEAR)).toMatchObject({ kind: 'duh' });
    expect(classifyResponse(item(frameBytes(text('V8'))), { ...CLEAR, sequence: 9 })).toMatchObject({ kind: 'ignore' });
    expect(classifyResponse(item(Buffer.from('"DUH"', 'latin1')), CLEAR)).toMatchObject({ kind: 'ignore', code: 'HIKARC_TRANSPORT_BARE_ANSWER' });
  });

  it('bad frames, empty frames and event frames are not answers', () => {
    expect(classifyResponse(item(Buffer.from('\n\r', 'latin1')), CLEAR)).toMatchObject({ kind: 'ignore', code: 'HIKARC_DC09_EMPTY_FRAME' });
    expect(classifyResponse(item(Buffer.from(frameBytes(text('V6')).toString('latin1').replace('D160', 'D161'), 'latin1')), CLEAR)).toMatchObject({
      kind: 'ignore',
      code: 'HIKARC_DC09_BAD_CRC',
    });
    expect(classifyResponse(item(frameBytes(text('V3'))), CLEAR)).toMatchObject({ kind: 'ignore', code: 'HIKARC_TRANSPORT_UNMATCHED_RESPONSE' });
  });
});
