// The DC-09 deviations a destination can be set to (docs/dc09.md §Deviations per destination), byte
// for byte: the expected frames are written out with their CRC-16/ARC and 0LLL length, computed
// apart from our encoder; the two NULL forms are frames recorded from panels.

import { describe, expect, it } from 'vitest';
import { decodeFrames, encodeFrame, type Dc09Item } from '../../../src/transport/dc09-frame.js';
import { deviateTemplate, STANDARD, type DestinationDeviations } from '../../../src/transport/dc09-deviations.js';
import { fixedPad, parseAesKey } from '../../../src/transport/dc09-crypto.js';
import { eventTemplate, stampMessage, supervisionTemplate, type HeaderSettings, type MessageTemplate } from '../../../src/transport/event-message.js';
import { classifyResponse, type ExpectedAnswer } from '../../../src/transport/response.js';
import { utc } from '../../helpers/dc09-vectors.js';

const HEADERS: HeaderSettings = { format: 'adm-cid', receiverNumber: '1', linePrefix: '1' };
const NULL_HEADERS: HeaderSettings = { format: 'adm-cid', receiverNumber: '0', linePrefix: '0' };
const AT = utc(2020, 7, 5, 18, 25, 49);
const KEY = parseAesKey('000102030405060708090A0B0C0D0E0F', 'hex');

function wire(text: string): Buffer {
  return Buffer.from(`\n${text}\r`, 'latin1');
}

function frame(template: MessageTemplate, deviations: Partial<DestinationDeviations>, timestamp: number | null = AT): Buffer {
  return encodeFrame(stampMessage(deviateTemplate(template, { ...STANDARD, ...deviations }), timestamp));
}

const burglary = eventTemplate({ account: '1234', admCid: '#1234|1130 01 015', siaDcs: '#1234|Nri1/BA015', videoUrl: null }, HEADERS, 1, { kind: 'none' });

describe('deviation omitReceiverNumber: no R field', () => {
  it('standard: R is sent', () => {
    expect(frame(burglary, {})).toEqual(wire('8946003D"ADM-CID"0001R1L1#1234[#1234|1130 01 015]_18:25:49,07-05-2020'));
  });

  it('an event without R: two bytes shorter, its own CRC', () => {
    expect(frame(burglary, { omitReceiverNumber: true })).toEqual(wire('87A0003B"ADM-CID"0001L1#1234[#1234|1130 01 015]_18:25:49,07-05-2020'));
  });

  it('a NULL without R is the frame a Pyronix panel sends', () => {
    expect(frame(supervisionTemplate('1409', NULL_HEADERS), { omitReceiverNumber: true }, utc(2026, 8, 27, 20, 38, 7))).toEqual(
      wire('EA740027"NULL"0000L0#1409[]_20:38:07,08-27-2026'),
    );
  });

  it('an encrypted frame keeps its clear header without R', () => {
    const encrypted = encodeFrame(stampMessage(deviateTemplate(burglary, { ...STANDARD, omitReceiverNumber: true }), AT), {
      key: KEY,
      pad: fixedPad('ABCDEFGHI'),
    });
    expect(encrypted.subarray(9, 31).toString('latin1')).toBe('"*ADM-CID"0001L1#1234[');
    const [item] = decodeFrames(encrypted).items;
    expect(item).toMatchObject({ kind: 'frame', frame: { receiver: null, line: '1', account: '1234', encrypted: true } });
  });
});

describe('deviation hikvisionNull: the NULL body of Hikvision panels', () => {
  it('standard: an empty body', () => {
    expect(frame(supervisionTemplate('AAAB', NULL_HEADERS), {})).toEqual(wire('C7780029"NULL"0000R0L0#AAAB[]_18:25:49,07-05-2020'));
  });

  it('the frame a Hikvision panel sends, byte for byte', () => {
    expect(frame(supervisionTemplate('AAAB', NULL_HEADERS), { hikvisionNull: true })).toEqual(
      wire('821F003A"NULL"0000R0L0#AAAB[#0000|0000 00 000]_18:25:49,07-05-2020'),
    );
  });

  it('with omitReceiverNumber as well', () => {
    expect(frame(supervisionTemplate('AAAB', NULL_HEADERS), { hikvisionNull: true, omitReceiverNumber: true })).toEqual(
      wire('B3150038"NULL"0000L0#AAAB[#0000|0000 00 000]_18:25:49,07-05-2020'),
    );
  });

  it('leaves events alone', () => {
    expect(deviateTemplate(burglary, { ...STANDARD, hikvisionNull: true })).toBe(burglary);
  });
});

describe('deviation acceptClearAck: a clear ACK to an encrypted frame', () => {
  const ENCRYPTED: ExpectedAnswer = { sequence: 6, account: '1234', receiver: '0', line: '0', key: KEY };
  const clearAck = wire('10120014"ACK"0006R0L0#1234[]');

  function item(bytes: Buffer): Dc09Item {
    const [decoded] = decodeFrames(bytes).items;
    if (decoded === undefined) throw new Error('no item');
    return decoded;
  }

  it('standard: not an acknowledgement', () => {
    expect(classifyResponse(item(clearAck), ENCRYPTED)).toMatchObject({
      kind: 'ignore',
      code: 'HIKARC_TRANSPORT_UNMATCHED_RESPONSE',
      detail: 'a clear ACK to an encrypted frame',
    });
  });

  it('on: an acknowledgement, marked as the quirk clear-ack', () => {
    expect(classifyResponse(item(clearAck), { ...ENCRYPTED, acceptClearAck: true })).toEqual({
      kind: 'ack',
      arcTime: null,
      headerMismatch: false,
      quirks: ['clear-ack'],
    });
  });

  it('on: still only for our sequence number and account', () => {
    const expected = { ...ENCRYPTED, acceptClearAck: true };
    expect(classifyResponse(item(clearAck), { ...expected, sequence: 7 })).toMatchObject({ kind: 'ignore' });
    expect(classifyResponse(item(clearAck), { ...expected, account: '5678' })).toMatchObject({ kind: 'ignore' });
  });

  it('a clear ACK without R answers a frame sent without R', () => {
    expect(classifyResponse(item(wire('C1700012"ACK"0006L0#1234[]')), { ...ENCRYPTED, receiver: null, acceptClearAck: true })).toMatchObject({
      kind: 'ack',
      headerMismatch: false,
    });
  });

  it('changes nothing for a clear frame', () => {
    expect(classifyResponse(item(clearAck), { ...ENCRYPTED, key: null, acceptClearAck: true })).toEqual({
      kind: 'ack',
      arcTime: null,
      headerMismatch: false,
      quirks: [],
    });
  });
});
