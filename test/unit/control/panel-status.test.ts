// Panel status documents (guide 7.12-7.14, A.2, A.44, A.46, A.47) normalized to what an operator
// reads, and the zones that keep a partition from arming.

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { isFaultedZone, parseExDevStatus, parseSubSystems, parseZonePage, summarizeZones, zonesBlockingArming } from '../../../src/control/panel-status.js';

describe('parseSubSystems', () => {
  it('reads arming and alarm per partition, sorted, tolerating strings for booleans', () => {
    const text =
      '{"SubSysList":[{"SubSys":{"id":2,"arming":"away","alarm":"true","enabled":true}},{"SubSys":{"id":1,"arming":"disarm","alarm":false}},{"SubSys":{"id":"3","arming":"armedSomehow"}}]}';
    expect(parseSubSystems(text)).toEqual([
      { id: 1, arming: 'disarm', alarm: false, enabled: null },
      { id: 2, arming: 'away', alarm: true, enabled: true },
      { id: 3, arming: 'unknown', alarm: null, enabled: null },
    ]);
  });

  it('reads the A.44 template (empty values, a missing comma)', () => {
    const template = '{\n  "SubSysList":[{\n    "SubSys":{\n      "id":1,\n      "arming":"stay"\n      "alarm":"",\n      "enabled":true\n    }\n   }]\n}';
    expect(parseSubSystems(template)).toEqual([{ id: 1, arming: 'stay', alarm: null, enabled: true }]);
  });

  it('refuses a document that is not a partition list instead of reporting no partitions', () => {
    expect(() => parseSubSystems('{"statusCode":1}')).toThrow(expect.objectContaining({ code: 'HIKARC_CONTROL_BAD_ANSWER' }));
    expect(() => parseSubSystems('garbage')).toThrow(expect.objectContaining({ code: 'HIKARC_CONTROL_BAD_ANSWER' }));
  });
});

describe('parseZonePage', () => {
  const zone = (id: number, extra: Record<string, unknown> = {}) => ({
    Zone: { id, name: `Zone ${id + 1}`, status: 'online', bypassed: false, armed: false, alarm: false, subSystemNo: 1, ...extra },
  });

  it('reads a ZoneSearch page and its MORE', () => {
    const page = parseZonePage(
      JSON.stringify({
        ZoneSearch: { searchID: 's', responseStatusStrg: 'MORE', numOfMatches: 2, totalMatches: 5, ZoneList: [zone(0), zone(1, { status: 'trigger' })] },
      }),
    );
    expect(page.more).toBe(true);
    expect(page.totalMatches).toBe(5);
    expect(page.zones.map((z) => [z.id, z.status])).toEqual([
      [0, 'online'],
      [1, 'trigger'],
    ]);
    expect(parseZonePage(JSON.stringify({ ZoneSearch: { responseStatusStrg: 'OK', ZoneList: [] } })).more).toBe(false);
    expect(parseZonePage(JSON.stringify({ ZoneSearch: { responseStatusStrg: 'NO MATCH' } })).zones).toEqual([]);
  });

  it('reads a whole ZoneList (the GET of chapter 6), the partition from linkageSubSystem when there is no subSystemNo', () => {
    const page = parseZonePage(JSON.stringify({ ZoneList: [{ Zone: { id: 4, bypassed: 'true', linkageSubSystem: [2, 3] } }] }));
    expect(page.more).toBe(false);
    expect(page.zones[0]).toMatchObject({ id: 4, bypassed: true, partition: 2, partitions: [2, 3] });
  });
});

describe('parseExDevStatus', () => {
  it('lists relays, sirens and the other peripherals', () => {
    const text =
      '{"ExDevStatus":{"OutputList":[{"Output":{"id":0,"name":"Gate","status":"on"}}],"SirenList":[{"Siren":{"id":1,"status":"off","tamperEvident":true}}],"KeypadList":[{"Keypad":{"id":1,"seq":"Q1","status":"offline"}}]}}';
    expect(parseExDevStatus(text)).toEqual([
      { kind: 'relay', id: 0, seq: null, name: 'Gate', status: 'on', tamper: null, charge: null },
      { kind: 'siren', id: 1, seq: null, name: null, status: 'off', tamper: true, charge: null },
      { kind: 'keypad', id: 1, seq: 'Q1', name: null, status: 'offline', tamper: null, charge: null },
    ]);
  });

  it('reads the A.2 template as printed in the guide (comments removed)', () => {
    const template = readFileSync(new URL('../../fixtures/guide-exdevstatus-template.json', import.meta.url), 'utf8');
    expect(parseExDevStatus(template).map((peripheral) => peripheral.kind)).toEqual([
      'outputModule',
      'relay',
      'siren',
      'repeater',
      'cardReader',
      'extension',
      'keypad',
      'remote',
    ]);
  });
});

describe('zones an operator must know about', () => {
  const zones = parseZonePage(
    JSON.stringify({
      ZoneList: [
        { Zone: { id: 0, status: 'online', subSystemNo: 1 } },
        { Zone: { id: 1, status: 'trigger', subSystemNo: 1 } },
        { Zone: { id: 2, status: 'breakDown', bypassed: true, subSystemNo: 1 } },
        { Zone: { id: 3, status: 'online', alarm: true, subSystemNo: 2 } },
        { Zone: { id: 4, status: 'offline', linkageSubSystem: [1, 2] } },
      ],
    }),
  ).zones;

  it('faulted: open, broken, offline, in alarm or tampered', () => {
    expect(zones.filter(isFaultedZone).map((zone) => zone.id)).toEqual([1, 2, 3, 4]);
  });

  it('blocking arming: faulted, not bypassed, in the partition', () => {
    expect(zonesBlockingArming(zones, 1).map((zone) => zone.id)).toEqual([1, 4]);
    expect(zonesBlockingArming(zones, 2).map((zone) => zone.id)).toEqual([3, 4]);
    expect(zonesBlockingArming(zones, 'all').map((zone) => zone.id)).toEqual([1, 3, 4]);
  });

  it('summary', () => {
    expect(summarizeZones(zones)).toEqual({ total: 5, open: 1, faulted: 4, alarm: 1, bypassed: 1 });
  });
});
