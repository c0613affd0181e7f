import { describe, expect, it } from 'vitest';
import { HikArcError } from '../../../src/errors.js';
import type { MultipartEvent } from '../../../src/ingest/multipart-parser.js';
import { classifyStreamEvent, decodePartText, hadInvalidUtf8 } from '../../../src/ingest/stream-items.js';

function part(body: string | Buffer): MultipartEvent {
  return { type: 'part', part: { contentLength: null, contentType: 'application/json', body: Buffer.isBuffer(body) ? body : Buffer.from(body), defects: [] } };
}

describe('classifyStreamEvent', () => {
  it.each([
    ['a number id (guide §5.1 example)', '{"SubscribeDeviceMgmtRsp":{"id":5939}}', '5939'],
    ['a string id (guide A.43)', '{"SubscribeDeviceMgmtRsp":{"id":"1"}}', '1'],
    ['an id with spaces', '{"SubscribeDeviceMgmtRsp":{"id":" 7 "}}', '7'],
    ['no id', '{"SubscribeDeviceMgmtRsp":{}}', null],
    ['a broken document', '{"SubscribeDeviceMgmtRsp":{"id":12,}}', '12'],
  ])('subscription response with %s', (_name, text, id) => {
    expect(classifyStreamEvent(part(text))).toEqual({ kind: 'subscription-id', id });
  });

  it('recognises heartbeats by eventType in any case, with dataTime (A.12, docs/hik-receiver.md §Stream liveness)', () => {
    const item = classifyStreamEvent(part('{"EventNotificationAlert":{"dataTime":"2018-12-26T19:39:21+08:00","eventType":"heartBeat"}}'));
    expect(item.kind).toBe('heartbeat');
    expect(classifyStreamEvent(part('{"EventNotificationAlert":{"eventType":"HEARTBEAT"}}')).kind).toBe('heartbeat');
  });

  it('an event keeps its raw text', () => {
    const text = '{"EventNotificationAlert":{"eventType":"CIDAlarm","devIndex":"x","CIDAlarm":{"CIDCode":"1103"}}}';
    const item = classifyStreamEvent(part(text));
    expect(item).toMatchObject({ kind: 'event', raw: text, event: { eventType: 'CIDAlarm', devIndex: 'x' } });
  });

  it('a ResponseStatus inside the stream', () => {
    const item = classifyStreamEvent(part('{"ResponseStatus":{"statusCode":4,"statusString":"Invalid Operation","subStatusCode":"notSupport"}}'));
    expect(item).toMatchObject({ kind: 'status', status: { statusCode: 4, subStatusCode: 'notSupport' } });
  });

  it('an undecodable part is quarantined with its bytes', () => {
    const item = classifyStreamEvent(part('{"Other":1}'));
    expect(item.kind).toBe('quarantined');
    expect(item.kind === 'quarantined' && item.error.code).toBe('HIKARC_EVENT_NOT_AN_ALERT');
    expect(item.kind === 'quarantined' && item.sample.toString()).toBe('{"Other":1}');
  });

  it('passes skipped and quarantined multipart events through', () => {
    expect(classifyStreamEvent({ type: 'skipped', contentType: 'image/jpeg', bytes: 9 })).toEqual({ kind: 'skipped', contentType: 'image/jpeg', bytes: 9 });
    const error = new HikArcError('HIKARC_MULTIPART_STRAY_BYTES', 'x');
    expect(classifyStreamEvent({ type: 'quarantined', error, sample: Buffer.from('x') })).toEqual({ kind: 'quarantined', error, sample: Buffer.from('x') });
  });

  it('bytes that are not UTF-8 are replaced and the event says so', () => {
    const body = Buffer.concat([Buffer.from('{"EventNotificationAlert":{"eventType":"IO","channelName":"Caf'), Buffer.from([0xe9]), Buffer.from('"}}')]);
    const item = classifyStreamEvent(part(body));
    expect(item.kind).toBe('event');
    expect(item.kind === 'event' && hadInvalidUtf8(item.event)).toBe(true);
    expect(decodePartText(Buffer.from('Café'))).toEqual({ text: 'Café', replaced: false });
    expect(decodePartText(Buffer.from([0x41, 0xff]))).toEqual({ text: 'A\uFFFD', replaced: true });
    expect(decodePartText(Buffer.from([0xe5, 0x8f, 0xb0, 0xe2]))).toEqual({ text: '台\uFFFD', replaced: true });
    // U+FFFD the sender wrote itself is text, not a replacement.
    expect(decodePartText(Buffer.from('zone \uFFFD 1'))).toEqual({ text: 'zone \uFFFD 1', replaced: false });
    expect(decodePartText(Buffer.from('{"a":1}'))).toEqual({ text: '{"a":1}', replaced: false });
  });
});
