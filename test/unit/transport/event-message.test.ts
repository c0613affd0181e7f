import { describe, expect, it } from 'vitest';
import { decodeFrame, encodeFrame } from '../../../src/transport/dc09-frame.js';
import { eventTemplate, supervisionTemplate, videoLinkBlock, type HeaderSettings } from '../../../src/transport/event-message.js';
import { hikLinkAlarm } from '../../../src/translate/index.js';

const ADM: HeaderSettings = { format: 'adm-cid', receiverNumber: '0', linePrefix: '0' };
const alarm = { account: '1234', admCid: '#1234|1130 01 015', siaDcs: '#1234|Nri1/BA015', videoUrl: null };

describe('the [V] verification block (docs/dc09.md §Payloads)', () => {
  it('is absent without a link', () => {
    expect(videoLinkBlock(null)).toEqual({ kind: 'none' });
    expect(videoLinkBlock('')).toEqual({ kind: 'none' });
  });

  it('carries a plain link', () => {
    expect(videoLinkBlock('http://10.0.0.5/clip?id=7')).toEqual({
      kind: 'included',
      block: { id: 'V', value: 'http://10.0.0.5/clip?id=7' },
      truncatedFrom: null,
    });
  });

  it.each([
    ['[', 'http://a/[x]'],
    [']', 'http://a/x]'],
    ['|', 'http://a/x|y'],
    ['CR', 'http://a/x\r'],
    ['non-ASCII', 'http://a/é'],
  ])('is left out when the link holds %s', (_name, url) => {
    expect(videoLinkBlock(url)).toMatchObject({ kind: 'omitted' });
  });

  it('is capped at 256 bytes', () => {
    const exact = `http://a/${'x'.repeat(247)}`;
    expect(videoLinkBlock(exact)).toMatchObject({ kind: 'included', truncatedFrom: null });
    const long = `http://a/${'x'.repeat(300)}`;
    const decision = videoLinkBlock(long);
    expect(decision).toMatchObject({ kind: 'included', truncatedFrom: long.length });
    expect(decision.kind === 'included' && decision.block.value).toBe(long.slice(0, 256));
  });
});

describe('message templates', () => {
  it('uses the ADM-CID or SIA-DCS payload by arc.format, with R, L and the account', () => {
    expect(eventTemplate(alarm, ADM, 12, { kind: 'none' })).toEqual({
      token: 'ADM-CID',
      sequence: 12,
      receiver: '0',
      line: '0',
      account: '1234',
      accountMark: '#',
      data: '#1234|1130 01 015',
      extended: [],
    });
    expect(eventTemplate(alarm, { format: 'sia-dcs', receiverNumber: '12', linePrefix: 'A' }, 1, videoLinkBlock('http://x/1'))).toMatchObject({
      token: 'SIA-DCS',
      receiver: '12',
      line: 'A',
      data: '#1234|Nri1/BA015',
      extended: [{ id: 'V', value: 'http://x/1' }],
    });
  });

  it('encodes the translate stage output as a frame that decodes to it', () => {
    const link = hikLinkAlarm('aaaa', 'fault');
    const frame = encodeFrame({ ...eventTemplate(link, ADM, 5, videoLinkBlock(link.videoUrl)), timestamp: 0 });
    const decoded = decodeFrame(frame);
    expect(decoded.ok && decoded.value).toMatchObject({ token: 'ADM-CID', sequence: 5, account: 'AAAA', data: '#AAAA|1350 00 000' });
  });

  it('builds the NULL link test with sequence 0000 and empty data (V5)', () => {
    expect(supervisionTemplate('1234', ADM)).toEqual({
      token: 'NULL',
      sequence: 0,
      receiver: '0',
      line: '0',
      account: '1234',
      accountMark: '#',
      data: '',
      extended: [],
    });
  });
});
