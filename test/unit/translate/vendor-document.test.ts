// Parsing broken vendor JSON: every defect kind the guide's own examples show goes through the
// fast path, the repair path or the salvage path, and never loses the alarm fields.

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { normalizeFullWidth, parseTolerantJson } from '../../../src/vendor-json/tolerant-json.js';
import { salvageAlert } from '../../../src/ingest/alert-salvage.js';
import { decodeEventDocument, type VendorEvent } from '../../../src/ingest/vendor-event.js';

function decodeEvent(text: string): VendorEvent {
  const decoded = decodeEventDocument(text);
  if (decoded.kind !== 'event') throw new Error(`expected an event, got ${decoded.kind}: ${decoded.kind === 'error' ? decoded.error.message : ''}`);
  return decoded.event;
}

describe('fast path', () => {
  it('parses valid JSON without marking it repaired', () => {
    const event = decodeEvent('{"EventNotificationAlert":{"eventType":"VMD","channelID":"2"}}');
    expect(event).toMatchObject({ eventType: 'VMD', channelId: 2, repair: 'none', defects: [] });
  });
});

describe('repair path, one test per defect kind', () => {
  it('missing commas', () => {
    const event = decodeEvent('{"EventNotificationAlert":{"eventType":"IO"\n"channelID":"1"\n"VideoReview":{"HikCIDParams":{"ZoneNo":3}}}}');
    expect(event).toMatchObject({ eventType: 'IO', channelId: 1, repair: 'repaired' });
    expect(event.hikCid?.zoneNo).toBe(3);
  });

  it('trailing commas', () => {
    const event = decodeEvent('{"EventNotificationAlert":{"eventType":"devStatusChanged","status":"online",},}');
    expect(event).toMatchObject({ status: 'online', repair: 'repaired' });
  });

  it('full-width comma and colon between tokens, kept inside strings', () => {
    const text = '{"EventNotificationAlert"：{"eventType"："VMD"，"channelName"："门口，摄像机：1"，"channelID":4}}';
    const event = decodeEvent(text);
    expect(event).toMatchObject({ eventType: 'VMD', channelId: 4, repair: 'repaired' });
    expect(event.defects).toContain('full-width punctuation');
    expect(normalizeFullWidth(text)).toContain('"门口，摄像机：1"');
  });

  it('duplicate keys: the last value wins', () => {
    expect(decodeEvent('{"EventNotificationAlert":{"eventType":"VMD","channelID":1,"channelID":2}}').channelId).toBe(2);
  });

  it('numbers sent as strings, only when they are plain integers', () => {
    const event = decodeEvent('{"EventNotificationAlert":{"eventType":"TMA","activePostCount":"101","channelID":" 3 ","subSys":"","ZoneNo":"0x1A"}}');
    expect(event).toMatchObject({ activePostCount: 101, channelId: 3, subSys: null, zoneNo: null });
    // "" and "0x1A" are refused and recorded, never turned into 0 or 26.
    expect(event.defects.join(' ')).toMatch(/subSys/);
    expect(event.defects.join(' ')).toMatch(/ZoneNo/);
  });

  it('stray spaces and case in enum values', () => {
    expect(decodeEvent('{"EventNotificationAlert":{"eventType":" hppConnectionStatusChanged ","status":" Abnormal","eventState":"ACTIVE "}}')).toMatchObject({
      eventType: 'hppConnectionStatusChanged',
      status: 'abnormal',
      eventState: 'active',
    });
  });

  it('bare ... placeholders', () => {
    const event = decodeEvent(
      '{"EventNotificationAlert":{"eventType":"requestVoiceTalkEvent","channelID":"1","VoiceTalkEvent":{"target":{"floorNumber":22，\n...\n}}}}',
    );
    expect(event).toMatchObject({ eventType: 'requestVoiceTalkEvent', channelId: 1, repair: 'repaired' });
  });

  it('a byte order mark', () => {
    expect(decodeEvent('\uFEFF{"EventNotificationAlert":{"eventType":"VMD"}}').eventType).toBe('VMD');
  });
});

describe('salvage path', () => {
  const missingQuote = readFileSync('test/fixtures/guide-examples.multipart', 'utf8')
    .split('--boundary')
    .find((part) => part.includes('"videoURL: "'));

  it('recovers the alarm fields of the guide example with a missing quote (A.18)', () => {
    expect(missingQuote).toBeDefined();
    const body = (missingQuote as string).slice((missingQuote as string).indexOf('{'));
    expect(parseTolerantJson(body).ok).toBe(false);
    const event = decodeEvent(body);
    expect(event).toMatchObject({ eventType: 'VMD', channelId: 1, devIndex: '2cd6716d-767f-4756-ac55-50276a5e3b4a', repair: 'salvaged' });
    expect(event.hikCid).toMatchObject({ subSys: 0, zoneNo: 1 });
  });

  it('puts the CID fields of a salvaged CID alarm where the CID rules look for them', () => {
    const salvaged = salvageAlert('{"EventNotificationAlert":{"eventType":"CIDAlarm" "CIDAlarm":{"CIDCode":"1130" "zoneNo":7, "subSys":2,, ]]');
    expect(salvaged).toEqual({ EventNotificationAlert: { eventType: 'CIDAlarm', CIDAlarm: { CIDCode: '1130', subSys: 2, zoneNo: 7 } } });
  });

  it('salvages a truncated document instead of "completing" it', () => {
    const truncated = '{"EventNotificationAlert":{"eventType":"CIDAlarm","devIndex":"d1","CIDAlarm":{"CIDCode":"1130","zoneNo":4,"CIDDes';
    const parsed = parseTolerantJson(truncated);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.error.code).toBe('HIKARC_EVENT_TRUNCATED');
    const event = decodeEvent(truncated);
    expect(event).toMatchObject({ eventType: 'CIDAlarm', devIndex: 'd1', repair: 'salvaged' });
    expect(event.cidAlarm).toMatchObject({ cidCode: '1130', zoneNo: 4 });
  });

  it('a value cut by the truncation is missing and flagged, never its prefix', () => {
    const number = decodeEvent('{"EventNotificationAlert":{"eventType":"CIDAlarm","CIDAlarm":{"CIDCode":"1130","zoneNo":1');
    expect(number.cidAlarm).toMatchObject({ cidCode: '1130', zoneNo: null });
    expect(number.defects).toContain('zoneNo: value cut by truncation; treated as missing');
    const text = decodeEvent('{"EventNotificationAlert":{"eventType":"CIDAlarm","CIDAlarm":{"zoneNo":5,"CIDCode":"11');
    expect(text.cidAlarm).toMatchObject({ cidCode: null, zoneNo: 5 });
    expect(text.defects).toContain('CIDCode: value cut by truncation; treated as missing');
    // a number that is seen to end is taken, whatever follows
    expect(salvageAlert('{"EventNotificationAlert":{"eventType":"CIDAlarm","CIDAlarm":{"zoneNo":12 "CIDCode":"1130"')).toEqual({
      EventNotificationAlert: { eventType: 'CIDAlarm', CIDAlarm: { CIDCode: '1130', zoneNo: 12 } },
    });
  });

  it('does not repair two glued documents into an array', () => {
    const parsed = parseTolerantJson('{"EventNotificationAlert":{"eventType":"VMD"}}\n{"EventNotificationAlert":{"eventType":"IO"}}');
    expect(parsed.ok).toBe(false);
  });

  it('reports text with no eventType at all as unparseable', () => {
    const decoded = decodeEventDocument('<html>502 Bad Gateway</html>');
    expect(decoded.kind).toBe('error');
    if (decoded.kind === 'error') expect(decoded.error.code).toMatch(/^HIKARC_EVENT_/);
  });
});

describe('document kinds', () => {
  it('accepts an alert without its EventNotificationAlert wrapper (guide A.23 TDA) and says so', () => {
    const event = decodeEvent(readFileSync('test/fixtures/guide-tda-unwrapped.json', 'utf8'));
    expect(event).toMatchObject({ eventType: 'TDA', channelId: 1, activePostCount: 101 });
    expect(event.defects).toContain('no EventNotificationAlert wrapper');
  });

  it('recognises the subscription response and in-stream ResponseStatus as control documents', () => {
    expect(decodeEventDocument('{"SubscribeDeviceMgmtRsp":{"id":"1"}}')).toMatchObject({ kind: 'control', name: 'SubscribeDeviceMgmtRsp' });
    expect(decodeEventDocument('{"statusCode":4,"statusString":"Invalid Operation","subStatusCode":"noMoreTasksCanBeAdded"}')).toMatchObject({
      kind: 'control',
      name: 'ResponseStatus',
    });
  });

  it('rejects a JSON document that is no alert', () => {
    const decoded = decodeEventDocument('{"DeviceInfo":{"model":"x"}}');
    expect(decoded.kind).toBe('error');
    if (decoded.kind === 'error') expect(decoded.error.code).toBe('HIKARC_EVENT_NOT_AN_ALERT');
  });

  it('reads dataTime (heartbeat spelling) as dateTime', () => {
    expect(decodeEvent('{"EventNotificationAlert":{"eventType":"heartBeat","dataTime":"2018-12-26T19:39:21+08:00"}}').dateTime).toBe(
      '2018-12-26T19:39:21+08:00',
    );
  });

  it('parses CIDParam into its eight fields with -1 as none', () => {
    const event = decodeEvent('{"EventNotificationAlert":{"eventType":"CIDAlarm","CIDAlarm":{"CIDCode":"1401","CIDParam":"1,2,-1,1,1,1,0,admin"}}}');
    expect(event.cidAlarm?.cidParam).toEqual({
      userType: 1,
      userNo: 2,
      zoneNo: null,
      keyboardNo: 1,
      videoChanNo: 1,
      dskNo: 1,
      moduleAddr: 0,
      userName: 'admin',
    });
  });

  it('drops a malformed CIDParam with a defect instead of guessing', () => {
    const event = decodeEvent('{"EventNotificationAlert":{"eventType":"CIDAlarm","CIDAlarm":{"CIDCode":"1401","CIDParam":"oops"}}}');
    expect(event.cidAlarm?.cidParam).toBeNull();
    expect(event.defects.join(' ')).toMatch(/CIDParam/);
  });

  it('accepts deviceID and channelID as numbers or strings', () => {
    expect(decodeEvent('{"EventNotificationAlert":{"eventType":"VMD","deviceID":123456,"channelID":1}}')).toMatchObject({ deviceId: '123456', channelId: 1 });
  });
});

describe('media URLs besides videoURL (docs/media.md §2)', () => {
  it('reads picture URLs, CaptureList pictures and the second lens of videoInfoList', () => {
    const event = decodeEvent(
      JSON.stringify({
        EventNotificationAlert: {
          eventType: 'TMPA',
          thermalURL: '/pic/thermal/1.jpg',
          visibleLightURL: ' /pic/visible/1.jpg ',
          CaptureList: [
            { resourcesContentType: 'url', resourcesContent: '/pic/capture/1.jpg' },
            { resourcesContentType: 'binary', resourcesContent: 'AAAA' },
          ],
          VideoReview: {
            HikCIDParams: { videoURL: '/clip/left.mp4', videoInfoList: [{ videoURL: '/clip/right.mp4', cameraPosition: 'right' }, { videoURL: '…' }] },
          },
        },
      }),
    );
    expect(event.hikCid?.videoUrl).toBe('/clip/left.mp4');
    expect(event.mediaUrls).toEqual([
      { kind: 'video', url: '/clip/right.mp4' },
      { kind: 'picture', url: '/pic/visible/1.jpg' },
      { kind: 'picture', url: '/pic/thermal/1.jpg' },
      { kind: 'picture', url: '/pic/capture/1.jpg' },
    ]);
  });

  it('reads the access-control picture URL', () => {
    expect(decodeEvent('{"EventNotificationAlert":{"eventType":"doorOpen","pictureURL":"/acs/pic/5.jpg"}}').mediaUrls).toEqual([
      { kind: 'picture', url: '/acs/pic/5.jpg' },
    ]);
  });

  it("keeps the guide examples' placeholders and lists of the wrong shape as no media, without a defect", () => {
    const event = decodeEvent(
      '{"EventNotificationAlert":{"eventType":"fireDetection","thermalURL":"...","visibleLightURL":"…","CaptureList":"xxxxx","VideoReview":{"HikCIDParams":{"videoInfoList":{"videoURL":"/x"}}}}}',
    );
    expect(event.mediaUrls).toEqual([]);
    expect(event.defects).toEqual([]);
  });
});
