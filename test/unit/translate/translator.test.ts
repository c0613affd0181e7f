// Each translation rule of the foundation issue (§4), one family or rule per block.

import { describe, expect, it } from 'vitest';
import type { TranslateSettings } from '../../../src/translate/index.js';
import { MetricsRegistry } from '../../../src/metrics.js';
import { StaticAccountDirectory } from '../../../src/ingest/account-directory.js';
import { Translator, hikLinkAlarm, type AlarmMessage, type Translation } from '../../../src/translate/translator.js';
import { decodeEventDocument, type VendorEvent } from '../../../src/ingest/vendor-event.js';
import { ManualClock } from '../../helpers/manual-clock.js';
import { counted } from '../../helpers/metric-values.js';
import { pino } from 'pino';

const SETTINGS: TranslateSettings = { fallbackAccount: '', unknownEvent: 'forward', inactive: 'drop', repeatWindowSec: 60 };

function event(alert: Record<string, unknown>): VendorEvent {
  const decoded = decodeEventDocument(JSON.stringify({ EventNotificationAlert: { eventState: 'active', activePostCount: 1, ...alert } }));
  if (decoded.kind !== 'event') throw new Error(`not an event: ${decoded.kind}`);
  return decoded.event;
}

interface Setup {
  readonly settings?: Partial<TranslateSettings>;
  readonly accounts?: Record<string, string>;
  readonly hikAccount?: string;
}

function translator(setup: Setup = {}): { translator: Translator; clock: ManualClock; metrics: MetricsRegistry } {
  const clock = new ManualClock();
  const metrics = new MetricsRegistry();
  return {
    translator: new Translator({
      settings: { ...SETTINGS, fallbackAccount: '1111', ...setup.settings },
      hikAccount: setup.hikAccount ?? '',
      directory: new StaticAccountDirectory(setup.accounts ?? {}),
      clock,
      metrics,
    }),
    clock,
    metrics,
  };
}

function forwarded(translation: Translation): AlarmMessage {
  if (!translation.forwarded) throw new Error(`not forwarded: ${translation.reason} (${translation.detail})`);
  return translation.message;
}

function translateOne(alert: Record<string, unknown>, setup: Setup = {}): Translation {
  return translator(setup).translator.translate(event(alert));
}

describe('CIDAlarm (security-control table)', () => {
  it('maps the Hik code, partition subSys and zone zoneNo', () => {
    const message = forwarded(translateOne({ eventType: 'CIDAlarm', CIDAlarm: { CIDCode: '1130', subSys: 2, zoneNo: 17 } }));
    expect(message).toMatchObject({ cid: 'E130', sia: 'BA', partition: 2, zone: 17, admCid: '#1111|1130 02 017', siaDcs: '#1111|Nri2/BA017' });
  });

  it('takes partition 0 when subSys is absent and the zone from CIDParam when zoneNo is absent', () => {
    const message = forwarded(translateOne({ eventType: 'CIDAlarm', CIDAlarm: { CIDCode: '1110', CIDParam: '1,-1,23,1,1,1,0,NONE' } }));
    expect(message).toMatchObject({ cid: 'E111', sia: 'FA', partition: 0, zone: 23, user: null, admCid: '#1111|1111 00 023' });
  });

  it('uses zone 0 when neither zoneNo nor the CIDParam zone (-1) is given', () => {
    const message = forwarded(translateOne({ eventType: 'CIDAlarm', CIDAlarm: { CIDCode: '1301', CIDParam: '-1,-1,-1,-1,-1,-1,-1,NONE' } }));
    expect(message).toMatchObject({ cid: 'E301', sia: 'AT', zone: 0, admCid: '#1111|1301 00 000' });
  });

  it('reports the user instead of the zone for open/close codes (CID 400-499)', () => {
    const disarm = forwarded(translateOne({ eventType: 'CIDAlarm', CIDAlarm: { CIDCode: '1401', subSys: 1, zoneNo: 5, CIDParam: '1,7,5,1,1,1,0,installer' } }));
    expect(disarm).toMatchObject({ cid: 'E401', sia: 'OP', user: 7, zone: 5, admCid: '#1111|1401 01 007', siaDcs: '#1111|Nri1/OP007' });
    const arm = forwarded(translateOne({ eventType: 'CIDAlarm', CIDAlarm: { CIDCode: '3401', subSys: 1, CIDParam: '2,12,-1,1,1,1,0,app' } }));
    expect(arm).toMatchObject({ cid: 'R401', sia: 'CL', user: 12, admCid: '#1111|3401 01 012' });
  });

  it('treats exactly 400-499 as open/close: 400 reports the user, 570 (bypass) the zone', () => {
    const arming = forwarded(translateOne({ eventType: 'CIDAlarm', CIDAlarm: { CIDCode: '3400', zoneNo: 6, CIDParam: '1,9,6,1,1,1,0,u' } }));
    expect(arming).toMatchObject({ cid: 'R400', admCid: '#1111|3400 00 009' });
    const bypass = forwarded(translateOne({ eventType: 'CIDAlarm', CIDAlarm: { CIDCode: '1570', zoneNo: 6, CIDParam: '1,9,6,1,1,1,0,u' } }));
    expect(bypass).toMatchObject({ cid: 'E570', admCid: '#1111|1570 00 006' });
  });

  it('keeps the zone for open/close codes when no user is known', () => {
    const message = forwarded(translateOne({ eventType: 'CIDAlarm', CIDAlarm: { CIDCode: '3403', subSys: 3, zoneNo: 4, CIDParam: '-1,-1,4,1,1,1,0,NONE' } }));
    expect(message).toMatchObject({ cid: 'R403', user: null, admCid: '#1111|3403 03 004' });
  });

  it('does not report the user for non open/close codes', () => {
    const message = forwarded(translateOne({ eventType: 'CIDAlarm', CIDAlarm: { CIDCode: '1103', zoneNo: 9, CIDParam: '1,3,9,1,1,1,0,x' } }));
    expect(message.admCid).toBe('#1111|1130 00 009');
    expect(message.user).toBe(3);
  });

  it('follows the D.1 table, not the release-note typo, for 3786', () => {
    expect(forwarded(translateOne({ eventType: 'CIDAlarm', CIDAlarm: { CIDCode: '3786' } }))).toMatchObject({ cid: 'R153', sia: 'KJ' });
  });

  it('derives a code missing from the table from its digits, with SIA UA/UR, and counts it', async () => {
    const { translator: t, metrics } = translator();
    const alarm = forwarded(t.translate(event({ eventType: 'CIDAlarm', CIDAlarm: { CIDCode: '1999', zoneNo: 3 } })));
    expect(alarm).toMatchObject({ cid: 'E999', sia: 'UA', admCid: '#1111|1999 00 003', description: 'Unknown Hik code 1999' });
    const restore = forwarded(t.translate(event({ eventType: 'CIDAlarm', CIDAlarm: { CIDCode: '3999', zoneNo: 3 } })));
    expect(restore).toMatchObject({ cid: 'R999', sia: 'UR', admCid: '#1111|3999 00 003' });
    expect(await counted(metrics, 'hik_arc_translate_warnings_total', { code: 'HIKARC_TRANSLATE_UNKNOWN_CODE' })).toBe(2);
  });

  it('sends a CID alarm without a usable code as general alarm 140 rather than losing it', () => {
    expect(forwarded(translateOne({ eventType: 'CIDAlarm', CIDAlarm: { zoneNo: 2 } }))).toMatchObject({ cid: 'E140', sia: 'UA', zone: 2 });
    expect(forwarded(translateOne({ eventType: 'CIDAlarm', CIDAlarm: { CIDCode: 'x12' } }))).toMatchObject({ cid: 'E140', sia: 'UA' });
  });

  it('sends numbers that do not fit Contact ID as 0 and counts them', async () => {
    const { translator: t, metrics } = translator();
    const message = forwarded(t.translate(event({ eventType: 'CIDAlarm', CIDAlarm: { CIDCode: '1130', subSys: 120, zoneNo: 1000 } })));
    expect(message.admCid).toBe('#1111|1130 00 000');
    expect(await counted(metrics, 'hik_arc_translate_warnings_total', { code: 'HIKARC_TRANSLATE_FIELD_OUT_OF_RANGE' })).toBe(2);
  });
});

describe('videoReview', () => {
  it('maps HikCIDParams.CIDCode with its partition, zone and video link', () => {
    const message = forwarded(
      translateOne({
        eventType: 'videoReview',
        VideoReview: { protocolType: 'HikCIDProtocol', HikCIDParams: { CIDCode: '1130', subSys: 1, ZoneNo: 6, videoURL: '/alarm/video/1.mp4' } },
      }),
    );
    expect(message).toMatchObject({ cid: 'E130', sia: 'BA', partition: 1, zone: 6, videoUrl: '/alarm/video/1.mp4', admCid: '#1111|1130 01 006' });
  });
});

describe('encoding-device events', () => {
  it('maps the 17 D.2 eventTypes case-insensitively', () => {
    expect(forwarded(translateOne({ eventType: 'vmd', channelID: 3 }))).toMatchObject({ cid: 'E901', sia: 'VB' });
    expect(forwarded(translateOne({ eventType: 'FIELDDETECTION' }))).toMatchObject({ cid: 'E905', sia: 'VF' });
  });

  it('takes the zone from HikCIDParams, then ZoneNo, then inputIOPortID, then channelID, then 0', () => {
    const base = { eventType: 'IO' };
    expect(forwarded(translateOne({ ...base, VideoReview: { HikCIDParams: { ZoneNo: 4 } }, ZoneNo: 5, inputIOPortID: 6, channelID: 7 })).zone).toBe(4);
    expect(forwarded(translateOne({ ...base, ZoneNo: 5, inputIOPortID: 6, channelID: 7 })).zone).toBe(5);
    expect(forwarded(translateOne({ ...base, inputIOPortID: 6, channelID: 7 })).zone).toBe(6);
    expect(forwarded(translateOne({ ...base, channelID: '7' })).zone).toBe(7);
    expect(forwarded(translateOne(base)).zone).toBe(0);
  });

  it('takes the partition from HikCIDParams.subSys, then top-level subSys, then 0', () => {
    expect(forwarded(translateOne({ eventType: 'VMD', VideoReview: { HikCIDParams: { subSys: 3 } }, subSys: 4 })).partition).toBe(3);
    expect(forwarded(translateOne({ eventType: 'VMD', subSys: 4 })).partition).toBe(4);
    expect(forwarded(translateOne({ eventType: 'VMD' })).partition).toBe(0);
  });

  it('takes the verification link from HikCIDParams or the top level, and ignores placeholders', () => {
    expect(forwarded(translateOne({ eventType: 'VMD', VideoReview: { HikCIDParams: { videoURL: 'rtsp://r/1' } }, videoURL: 'rtsp://r/2' })).videoUrl).toBe(
      'rtsp://r/1',
    );
    expect(forwarded(translateOne({ eventType: 'VMD', videoURL: 'rtsp://r/2' })).videoUrl).toBe('rtsp://r/2');
    expect(forwarded(translateOne({ eventType: 'VMD', VideoReview: { HikCIDParams: { videoURL: '...' } } })).videoUrl).toBeNull();
  });

  it('drops eventState inactive by default and sends it as a restore with translate.inactive restore', () => {
    const dropped = translateOne({ eventType: 'VMD', eventState: 'inactive' });
    expect(dropped).toMatchObject({ forwarded: false, reason: 'inactive' });
    const restored = forwarded(translateOne({ eventType: 'VMD', eventState: ' Inactive ', ZoneNo: 2 }, { settings: { inactive: 'restore' } }));
    expect(restored).toMatchObject({ cid: 'R901', sia: 'VB', admCid: '#1111|3901 00 002' });
  });
});

describe('PIR', () => {
  it('is security-control 1774 (E774 AX) with encoding partition/zone, and 3774 when it ends', () => {
    expect(forwarded(translateOne({ eventType: 'PIR', VideoReview: { HikCIDParams: { subSys: 1, ZoneNo: 8 } } }))).toMatchObject({
      cid: 'E774',
      sia: 'AX',
      description: 'PIR Alarm',
      admCid: '#1111|1774 01 008',
    });
    expect(forwarded(translateOne({ eventType: 'PIR', eventState: 'inactive', ZoneNo: 8 }))).toMatchObject({ cid: 'R774', sia: 'CZ' });
  });
});

describe('radar and access-control', () => {
  it('maps their tables with zone = channelID', () => {
    expect(forwarded(translateOne({ eventType: 'fallingDown', channelID: '2' }))).toMatchObject({ cid: 'E700', sia: 'RA', zone: 2, partition: 0 });
    expect(forwarded(translateOne({ eventType: 'requestVoiceTalkEvent', channelID: 1 }))).toMatchObject({ cid: 'E800', sia: 'DA', zone: 1 });
    expect(forwarded(translateOne({ eventType: 'cancelVoiceTalkEvent' }))).toMatchObject({ cid: 'R800', sia: 'NA', zone: 0 });
  });

  it('drops an inactive radar event by default', () => {
    expect(translateOne({ eventType: 'respireAbnormal', eventState: 'inactive' })).toMatchObject({ forwarded: false, reason: 'inactive' });
  });
});

describe('device and platform status', () => {
  const cases: ReadonlyArray<readonly [string, string, string, string]> = [
    ['devStatusChanged', 'online', 'R350', 'ON'],
    ['devStatusChanged', 'OFFLINE', 'E350', 'OF'],
    ['deviceKeyStateChanged', 'normal', 'R500', 'KR'],
    ['deviceKeyStateChanged', ' abnormal', 'E500', 'KA'],
    ['hppConnectionStatusChanged', 'normal', 'R600', 'RA'],
    ['hppConnectStateChanged', 'abnormal', 'E600', 'HA'],
    ['deviceHPPNetworkChanged', 'normal', 'R400', 'DN'],
    ['deviceHPPNetworkChanged', 'abnormal', 'E400', 'DA'],
  ];
  it.each(cases)('%s status %j → %s %s, partition 0 zone 0', (eventType, status, cid, sia) => {
    const message = forwarded(translateOne({ eventType, status, devIndex: 'dev-1', channelID: 5 }));
    expect(message).toMatchObject({ cid, sia, partition: 0, zone: 0 });
  });

  it('maps devicedeleted', () => {
    expect(forwarded(translateOne({ eventType: 'devicedeleted', devIndex: 'dev-1' }))).toMatchObject({ cid: 'E349', sia: 'OD' });
  });

  it('forwards a status it does not know as a general alarm', () => {
    expect(forwarded(translateOne({ eventType: 'devStatusChanged', status: 'sleeping' }))).toMatchObject({ cid: 'E140', sia: 'UA' });
  });

  it('uses receiver.account for receiver-level events without a devIndex', () => {
    const message = forwarded(translateOne({ eventType: 'hppConnectionStatusChanged', status: 'abnormal' }, { hikAccount: 'aaaa' }));
    expect(message.account).toBe('AAAA');
  });
});

describe('heartbeat, unknown events and repeats', () => {
  it('never forwards a heartbeat', () => {
    expect(translateOne({ eventType: 'heartBeat' })).toEqual({ forwarded: false, reason: 'heartbeat', eventType: 'heartBeat', detail: 'receiver heartbeat' });
  });

  it('forwards an unknown eventType as general alarm 140 with the type in the text, or drops it when configured', () => {
    expect(forwarded(translateOne({ eventType: 'smokeDetected', channelID: 2 }))).toMatchObject({
      cid: 'E140',
      sia: 'UA',
      description: 'Unknown event smokeDetected',
      admCid: '#1111|1140 00 002',
    });
    expect(translateOne({ eventType: 'smokeDetected' }, { settings: { unknownEvent: 'drop' } })).toMatchObject({ forwarded: false, reason: 'unknown-event' });
  });

  it('does not forward a repeat of a durative alarm within the window, but the first of a series and count 1 always', async () => {
    const { translator: t, clock } = translator();
    const alarm = (count: number | null): Translation =>
      t.translate(event({ eventType: 'VMD', channelID: 1, activePostCount: count === null ? undefined : String(count) }));
    expect(alarm(5).forwarded).toBe(true); // first seen of a series, whatever its count
    expect(alarm(6)).toMatchObject({ forwarded: false, reason: 'repeat' });
    await clock.advance(59_000);
    expect(alarm(7)).toMatchObject({ forwarded: false, reason: 'repeat' });
    expect(alarm(1).forwarded).toBe(true); // count 1 is a new alarm
    expect(alarm(null).forwarded).toBe(true); // as is an event without a count
    await clock.advance(60_000);
    expect(alarm(8).forwarded).toBe(true); // the window has passed since the last forward
  });

  it('keeps repeats of different zones, partitions or accounts apart', () => {
    const { translator: t } = translator({ accounts: { a: '2222' } });
    expect(t.translate(event({ eventType: 'VMD', channelID: 1, activePostCount: 3 })).forwarded).toBe(true);
    expect(t.translate(event({ eventType: 'VMD', channelID: 2, activePostCount: 3 })).forwarded).toBe(true);
    expect(t.translate(event({ eventType: 'VMD', channelID: 1, subSys: 1, activePostCount: 3 })).forwarded).toBe(true);
    expect(t.translate(event({ eventType: 'VMD', channelID: 1, devIndex: 'a', activePostCount: 3 })).forwarded).toBe(true);
  });

  it('turns repeat suppression off with a window of 0', () => {
    const { translator: t } = translator({ settings: { repeatWindowSec: 0 } });
    expect(t.translate(event({ eventType: 'VMD', activePostCount: 2 })).forwarded).toBe(true);
    expect(t.translate(event({ eventType: 'VMD', activePostCount: 3 })).forwarded).toBe(true);
  });
});

describe('account resolution', () => {
  it('uses deviceID first (it is the accountID), upper-cased', () => {
    const message = forwarded(translateOne({ eventType: 'VMD', deviceID: 'abc123', devIndex: 'dev-1' }, { accounts: { 'dev-1': '2222' } }));
    expect(message.account).toBe('ABC123');
    expect(message.admCid.startsWith('#ABC123|')).toBe(true);
  });

  it('maps devIndex (any case) and then the device serial through the directory', () => {
    expect(forwarded(translateOne({ eventType: 'VMD', devIndex: 'C5F2860E-8946' }, { accounts: { 'c5f2860e-8946': '2222' } })).account).toBe('2222');
    expect(forwarded(translateOne({ eventType: 'VMD', devIndex: 'other', deviceSerial: 'E60250720' }, { accounts: { E60250720: '3333' } })).account).toBe(
      '3333',
    );
  });

  it('skips a deviceID that is not a DC-09 account and says so when nothing else matches', () => {
    expect(forwarded(translateOne({ eventType: 'VMD', deviceID: 'NOT-HEX', devIndex: 'dev-1' }, { accounts: { 'dev-1': '2222' } })).account).toBe('2222');
    const unroutable = translateOne({ eventType: 'VMD', deviceID: 'NOT-HEX' }, { settings: { fallbackAccount: '' } });
    expect(unroutable).toMatchObject({ forwarded: false, reason: 'no-account' });
    if (!unroutable.forwarded) expect(unroutable.detail).toContain('deviceID "NOT-HEX" is not 3-16 hex digits');
  });

  it('falls back to translate.fallbackAccount, else keeps the event as unroutable with its codes', () => {
    expect(forwarded(translateOne({ eventType: 'VMD', devIndex: 'unknown' })).account).toBe('1111');
    const unroutable = translateOne(
      { eventType: 'CIDAlarm', devIndex: 'unknown', CIDAlarm: { CIDCode: '1130', zoneNo: 3 } },
      { settings: { fallbackAccount: '' } },
    );
    expect(unroutable).toMatchObject({ forwarded: false, reason: 'no-account', codes: { code: '130', zone: 3 } });
  });
});

describe('hikLinkAlarm', () => {
  it('builds E350/YC for the fault and R350/YK for the restore on the receiver account', () => {
    expect(hikLinkAlarm('aaab', 'fault')).toMatchObject({ cid: 'E350', sia: 'YC', admCid: '#AAAB|1350 00 000', siaDcs: '#AAAB|Nri0/YC000' });
    expect(hikLinkAlarm('AAAB', 'restore')).toMatchObject({ cid: 'R350', sia: 'YK', admCid: '#AAAB|3350 00 000', siaDcs: '#AAAB|Nri0/YK000' });
  });
});

describe('outcome counters', () => {
  it('counts every outcome so nothing disappears without a trace', async () => {
    const { translator: t, metrics } = translator({ settings: { fallbackAccount: '' } });
    t.translate(event({ eventType: 'heartBeat' }));
    t.translate(event({ eventType: 'VMD', devIndex: 'x' }));
    t.translate(event({ eventType: 'VMD', deviceID: '1234' }));
    for (const outcome of ['heartbeat', 'no-account', 'forwarded']) {
      expect(await counted(metrics, 'hik_arc_translate_events_total', { outcome })).toBe(1);
    }
  });
});

describe('log levels of vendor document repairs', () => {
  it('a repair is expected: info, counted by hik_arc_parse_repairs_total; a salvage lost fields: warn', async () => {
    const lines: Array<Record<string, unknown>> = [];
    const logger = pino({ level: 'info' }, { write: (line: string) => lines.push(JSON.parse(line) as Record<string, unknown>) });
    const metrics = new MetricsRegistry();
    const t = new Translator({
      settings: { ...SETTINGS, fallbackAccount: '1111' },
      hikAccount: '',
      directory: new StaticAccountDirectory({}),
      clock: new ManualClock(),
      metrics,
      logger,
    });
    t.translateText('{"EventNotificationAlert":{"eventType":"devStatusChanged","status":"online",},}');
    t.translateText('{"EventNotificationAlert":{"eventType":"CIDAlarm" "CIDAlarm":{"CIDCode":"1130" "zoneNo":7, "subSys":2,, ]]');
    expect(lines.filter((line) => String(line['msg']).startsWith('vendor document')).map((line) => [line['level'], line['repair']])).toEqual([
      [30, 'repaired'],
      [40, 'salvaged'],
    ]);
    expect(await metrics.value('hik_arc_parse_repairs_total', { level: 'repaired' })).toBe(1);
    expect(await metrics.value('hik_arc_parse_repairs_total', { level: 'salvaged' })).toBe(1);
  });
});
