// The one reader of a vendor alert: driven by the field table, it reads every listed field by its
// kind, names each field it cannot read, and never loses the alarm over one bad field.

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { buildCorpus } from '../../../bench/corpus.js';
import { ALERT_FIELDS, CID_FIELDS, type FieldKind } from '../../../src/ingest/alert-fields.js';
import { salvageAlert } from '../../../src/ingest/alert-salvage.js';
import { parseMultipart } from '../../../src/ingest/multipart-parser.js';
import { readAlert } from '../../../src/ingest/vendor-event.js';
import { parseTolerantJson } from '../../../src/vendor-json/tolerant-json.js';

function alertOf(text: string): Record<string, unknown> {
  const parsed = parseTolerantJson(text);
  // the guide's one unrepairable example goes through salvage, as the decoder does
  const value = parsed.ok ? parsed.value : salvageAlert(text);
  if (value === undefined) throw new Error(`not even salvageable: ${text.slice(0, 80)}`);
  const wrapped = value['EventNotificationAlert'];
  return typeof wrapped === 'object' && wrapped !== null ? (wrapped as Record<string, unknown>) : value;
}

function guideAlerts(): Record<string, unknown>[] {
  const parts = parseMultipart(readFileSync('test/fixtures/guide-examples.multipart'), 'boundary');
  // The subscription's own answer is in the capture too; it is no alert.
  return parts
    .flatMap((event) => (event.type === 'part' ? [alertOf(event.part.body.toString('utf8'))] : []))
    .filter((alert) => !('SubscribeDeviceMgmtRsp' in alert));
}

describe('the alert reader', () => {
  it('reads every guide example and the benchmark corpus without a field defect', () => {
    const alerts = [...guideAlerts(), ...buildCorpus(300, { seed: 7 }).bodies.map(alertOf)];
    expect(alerts.length).toBeGreaterThan(300);
    for (const alert of alerts) {
      const defects: string[] = [];
      const event = readAlert(alert, 'none', defects);
      expect(event.eventType, JSON.stringify(alert).slice(0, 80)).not.toBe('');
      expect(
        defects.filter((defect) => defect.endsWith('; ignored')),
        JSON.stringify(alert).slice(0, 120),
      ).toEqual([]);
    }
  });

  const badValues: ReadonlyArray<readonly [string, Record<string, unknown>, string]> = [
    ['a zone that is not an integer', { eventType: 'IO', zoneNo: '1a' }, 'zoneNo: "1a" is not an integer; ignored'],
    ['a fractional channel', { eventType: 'IO', channelID: 1.5 }, 'channelID: 1.5 is not an integer; ignored'],
    ['an integer past 2^53', { eventType: 'IO', activePostCount: 2 ** 60 }, `activePostCount: ${2 ** 60} is not an integer; ignored`],
    ['an object where text belongs', { eventType: 'IO', devIndex: { name: 'x' } }, 'devIndex: an object is not text; ignored'],
    ['a boolean where text belongs', { eventType: 'IO', status: true }, 'status: true is not text; ignored'],
    ['CIDAlarm that is not an object', { eventType: 'CIDAlarm', CIDAlarm: 'E130' }, 'CIDAlarm: "E130" is not an object; ignored'],
    ['VideoReview that is a list', { eventType: 'IO', VideoReview: [] }, 'VideoReview: a list is not an object; ignored'],
    [
      'a bad field inside HikCIDParams',
      { eventType: 'IO', VideoReview: { HikCIDParams: { ZoneNo: 'x' } } },
      'VideoReview.HikCIDParams.ZoneNo: "x" is not an integer; ignored',
    ],
    ['a bad field inside CIDAlarm', { eventType: 'CIDAlarm', CIDAlarm: { CIDCode: 1130, subSys: [] } }, 'CIDAlarm.subSys: a list is not an integer; ignored'],
  ];
  for (const [what, alert, defect] of badValues) {
    it(`names ${what} and reads the rest`, () => {
      const defects: string[] = [];
      const event = readAlert(alert, 'none', defects);
      expect(defects).toEqual([defect]);
      expect(event.eventType).toBe(alert['eventType']);
    });
  }

  // A value no conversion accepts for the kind: every listed field must be read, and named.
  const unreadable: Readonly<Record<FieldKind, unknown>> = { text: { not: 'text' }, integer: 'x' };
  const listedPlaces: ReadonlyArray<
    readonly [string, string, Readonly<Record<string, FieldKind>>, (field: string, value: unknown) => Record<string, unknown>]
  > = [
    ['the alert', '', ALERT_FIELDS, (field, value) => ({ eventType: 'IO', [field]: value })],
    ['CIDAlarm', 'CIDAlarm.', CID_FIELDS, (field, value) => ({ eventType: 'CIDAlarm', CIDAlarm: { [field]: value } })],
    [
      'VideoReview.HikCIDParams',
      'VideoReview.HikCIDParams.',
      CID_FIELDS,
      (field, value) => ({ eventType: 'IO', VideoReview: { HikCIDParams: { [field]: value } } }),
    ],
  ];
  for (const [place, prefix, fields, alertWith] of listedPlaces) {
    it(`reads every listed field of ${place}`, () => {
      for (const [field, kind] of Object.entries(fields)) {
        if (place === 'the alert' && field === 'eventType') continue;
        const defects: string[] = [];
        readAlert(alertWith(field, unreadable[kind]), 'none', defects);
        expect(defects, field).toEqual([`${prefix}${field}: ${kind === 'text' ? 'an object is not text' : '"x" is not an integer'}; ignored`]);
      }
    });
  }

  it('converts integer strings, trims text, takes empty text as none and numbers as text', () => {
    const defects: string[] = [];
    const event = readAlert({ eventType: ' VMD ', channelID: ' 7 ', status: '', deviceID: 1234, CIDAlarm: { CIDCode: 1130, zoneNo: '-1' } }, 'none', defects);
    expect(event).toMatchObject({ eventType: 'VMD', channelId: 7, status: null, deviceId: '1234', cidAlarm: { cidCode: '1130', zoneNo: -1 } });
    expect(defects).toEqual([]);
  });

  it('says when the eventType is missing', () => {
    const defects: string[] = [];
    expect(readAlert({ zoneNo: 3 }, 'none', defects)).toMatchObject({ eventType: '', zoneNo: 3 });
    expect(defects).toEqual(['eventType missing']);
  });
});
