// The direct reading of an alert must accept exactly what the zod schema accepts, so that zod, which
// runs only when the direct reading fails, names every defect; and read what zod's output reads.

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseMultipart } from '../../../src/ingest/multipart-parser.js';
import { parseTolerantJson } from '../../../src/vendor-json/tolerant-json.js';
import { salvageAlert } from '../../../src/ingest/alert-salvage.js';
import { ALERT_FIELDS, CID_FIELDS, type FieldKind } from '../../../src/ingest/alert-fields.js';
import { alertShape, projectAlert, readAlert, validateAlert } from '../../../src/ingest/vendor-event.js';
import { buildCorpus } from '../../../bench/corpus.js';

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
  return parts.flatMap((event) => (event.type === 'part' ? [alertOf(event.part.body.toString('utf8'))] : []));
}

describe('alert fast path', () => {
  it('agrees with the zod schema on every guide example and the benchmark corpus', () => {
    const alerts = [...guideAlerts(), ...buildCorpus(300, { seed: 7 }).bodies.map(alertOf)];
    expect(alerts.length).toBeGreaterThan(300);
    let accepted = 0;
    for (const alert of alerts) {
      const zod = alertShape.safeParse(projectAlert(alert));
      const direct = readAlert(alert, 'none', []);
      expect(direct !== undefined).toBe(zod.success);
      if (!zod.success) continue;
      accepted++;
      expect(direct).toEqual(readAlert(zod.data, 'none', []));
    }
    expect(accepted).toBeGreaterThan(300);
  });

  const rejected: ReadonlyArray<readonly [string, Record<string, unknown>]> = [
    ['a zone that is not an integer', { eventType: 'IO', zoneNo: '1a' }],
    ['a fractional channel', { eventType: 'IO', channelID: 1.5 }],
    ['an integer past 2^53', { eventType: 'IO', activePostCount: 2 ** 60 }],
    ['an object where text belongs', { eventType: { name: 'IO' } }],
    ['a boolean where text belongs', { eventType: 'IO', status: true }],
    ['CIDAlarm that is not an object', { eventType: 'CIDAlarm', CIDAlarm: 'E130' }],
    ['VideoReview that is an array', { eventType: 'IO', VideoReview: [] }],
    ['a bad field inside HikCIDParams', { eventType: 'IO', VideoReview: { HikCIDParams: { ZoneNo: 'x' } } }],
    ['a bad field inside CIDAlarm', { eventType: 'CIDAlarm', CIDAlarm: { CIDCode: 1130, subSys: [] } }],
  ];
  for (const [what, alert] of rejected) {
    it(`leaves ${what} to the zod path, which names it`, () => {
      expect(alertShape.safeParse(projectAlert(alert)).success).toBe(false);
      const untouched: string[] = [];
      expect(readAlert(alert, 'none', untouched)).toBeUndefined();
      expect(untouched).toEqual([]);
      const defects: string[] = [];
      const validated = validateAlert(alert, defects);
      expect(defects.length).toBeGreaterThan(0);
      expect(readAlert(validated, 'none', [])).toBeDefined();
    });
  }

  // A value no conversion accepts for the kind: were a listed field not read by the direct path,
  // the alert carrying it would be read instead of being left to zod.
  const unreadable: Readonly<Record<FieldKind, unknown>> = { text: { not: 'text' }, integer: 'x' };
  const listedPlaces: ReadonlyArray<readonly [string, Readonly<Record<string, FieldKind>>, (field: string, value: unknown) => Record<string, unknown>]> = [
    ['the alert', ALERT_FIELDS, (field, value) => ({ eventType: 'IO', [field]: value })],
    ['CIDAlarm', CID_FIELDS, (field, value) => ({ eventType: 'CIDAlarm', CIDAlarm: { [field]: value } })],
    ['VideoReview.HikCIDParams', CID_FIELDS, (field, value) => ({ eventType: 'IO', VideoReview: { HikCIDParams: { [field]: value } } })],
  ];
  for (const [place, fields, alertWith] of listedPlaces) {
    it(`reads every listed field of ${place} on both paths`, () => {
      for (const [field, kind] of Object.entries(fields)) {
        const alert = alertWith(field, unreadable[kind]);
        expect(alertShape.safeParse(projectAlert(alert)).success, field).toBe(false);
        expect(readAlert(alert, 'none', []), field).toBeUndefined();
      }
    });
  }

  it('converts as the zod path does: integer strings, trimmed text, empty text as none, numbers as text', () => {
    const alert = { eventType: ' VMD ', channelID: ' 7 ', status: '', deviceID: 1234, CIDAlarm: { CIDCode: 1130, zoneNo: '-1' } };
    const projected = projectAlert(alert);
    expect(projected).toEqual(alertShape.parse(projected));
    const defects: string[] = [];
    expect(validateAlert(alert, defects)).toMatchObject({ eventType: 'VMD', channelID: 7, status: null, deviceID: '1234', CIDAlarm: { CIDCode: '1130', zoneNo: -1 } });
    expect(defects).toEqual([]);
    expect(readAlert(alert, 'none', defects)).toMatchObject({ eventType: 'VMD', channelId: 7, status: null, deviceId: '1234', cidAlarm: { cidCode: '1130', zoneNo: -1 } });
    expect(defects).toEqual([]);
  });
});
