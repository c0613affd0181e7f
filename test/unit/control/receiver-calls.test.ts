// The SecurityCP requests byte for byte (guide 7.5-7.14, A.36-A.38, A.45): method, request target
// (which is also the Digest uri) and body.

import { describe, expect, it } from 'vitest';
import type { ControlCommand } from '../../../src/control/commands.js';
import { ALL_PARTITIONS_ID, commandCall, exDevStatusCall, subSystemsCall, zoneListCall, zoneSearchCall } from '../../../src/control/hik-calls.js';

const DEV = '2cd6716d-767f-4756-ac55-50276a5e3b4a';
const Q = `format=json&devIndex=${DEV}`;

describe('command requests', () => {
  const cases: Array<[string, ControlCommand, { method: string; path: string; body?: string }]> = [
    ['arm away', { action: 'arm', partition: 1, mode: 'away' }, { method: 'PUT', path: `/ISAPI/SecurityCP/control/arm/1?ways=away&${Q}` }],
    [
      'arm stay, every partition',
      { action: 'arm', partition: 'all', mode: 'stay' },
      { method: 'PUT', path: `/ISAPI/SecurityCP/control/arm/0xffffffff?ways=stay&${Q}` },
    ],
    ['disarm', { action: 'disarm', partition: 2 }, { method: 'PUT', path: `/ISAPI/SecurityCP/control/disarm/2?${Q}` }],
    ['clear alarm', { action: 'clear-alarm', partition: 'all' }, { method: 'PUT', path: `/ISAPI/SecurityCP/control/clearAlarm/0xffffffff?${Q}` }],
    ['bypass', { action: 'bypass', zones: [3, 5] }, { method: 'PUT', path: `/ISAPI/SecurityCP/control/bypass?${Q}`, body: '{"List":[{"id":3},{"id":5}]}' }],
    [
      'bypass restore',
      { action: 'bypass-restore', zones: [0] },
      { method: 'PUT', path: `/ISAPI/SecurityCP/control/bypassRecover?${Q}`, body: '{"List":[{"id":0}]}' },
    ],
    [
      'deactivate until disarmed',
      { action: 'deactivate', zones: [3], mode: 'lidOnly', permanent: false },
      { method: 'PUT', path: `/ISAPI/SecurityCP/control/deactivation?${Q}`, body: '{"List":[{"id":3,"oneTimeDeactivationMode":"lidOnly"}]}' },
    ],
    [
      'deactivate permanently',
      { action: 'deactivate', zones: [3, 4], mode: 'entirely', permanent: true },
      {
        method: 'PUT',
        path: `/ISAPI/SecurityCP/control/deactivation?${Q}`,
        body: '{"List":[{"id":3,"deactivationMode":"entirely"},{"id":4,"deactivationMode":"entirely"}]}',
      },
    ],
    [
      'relays on',
      { action: 'relay', relays: [0, 1], on: true },
      { method: 'POST', path: `/ISAPI/SecurityCP/control/outputs?${Q}`, body: '{"OutputsCtrl":{"switch":"open","List":[{"id":0},{"id":1}]}}' },
    ],
    [
      'relay off',
      { action: 'relay', relays: [2], on: false },
      { method: 'POST', path: `/ISAPI/SecurityCP/control/outputs?${Q}`, body: '{"OutputsCtrl":{"switch":"close","List":[{"id":2}]}}' },
    ],
  ];
  it.each(cases)('%s', (_name, command, expected) => {
    expect(commandCall('', DEV, command)).toEqual(expected);
  });

  it('keeps the path prefix of receiver.url and escapes the devIndex', () => {
    expect(commandCall('/hik', 'a b&c', { action: 'disarm', partition: 1 }).path).toBe('/hik/ISAPI/SecurityCP/control/disarm/1?format=json&devIndex=a%20b%26c');
  });

  it('writes the all-partitions id as the guide does', () => {
    expect(ALL_PARTITIONS_ID).toBe('0xffffffff');
  });
});

describe('status requests', () => {
  it('partitions, zones (POST page and GET list) and peripherals', () => {
    expect(subSystemsCall('', DEV)).toEqual({ method: 'GET', path: `/ISAPI/SecurityCP/status/subSystems?${Q}` });
    expect(zoneSearchCall('', DEV, 'search-1', 30, 30)).toEqual({
      method: 'POST',
      path: `/ISAPI/SecurityCP/status/zones?${Q}`,
      body: '{"ZoneCond":{"searchID":"search-1","searchResultPosition":30,"maxResults":30}}',
    });
    expect(zoneListCall('', DEV)).toEqual({ method: 'GET', path: `/ISAPI/SecurityCP/status/zones?${Q}` });
    expect(exDevStatusCall('', DEV)).toEqual({ method: 'GET', path: `/ISAPI/SecurityCP/status/exDevStatus?${Q}` });
  });
});
