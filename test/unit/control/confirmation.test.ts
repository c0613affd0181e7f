// Which panel events confirm or refute a command (Appendix D.1), batch by batch, and whether a
// status read back shows the command's target.

import { describe, expect, it } from 'vitest';
import type { ControlCommand } from '../../../src/control/commands.js';
import { ConfirmationTracker, expectationFor, isFromPanel, matchEvent, statusShowsTarget, type PanelIdentity } from '../../../src/control/confirmation.js';
import { decodeEventDocument, type VendorEvent } from '../../../src/ingest/index.js';

const PANEL: PanelIdentity = { devIndex: 'C0FFEE00-0001-4000-8000-000000000001', account: '2001', serial: 'DS-1' };

function cid(
  code: string,
  subSys: number,
  zoneNo: number,
  device: Record<string, unknown> = { devIndex: 'c0ffee00-0001-4000-8000-000000000001' },
): VendorEvent {
  const decoded = decodeEventDocument(
    JSON.stringify({ EventNotificationAlert: { eventType: 'CIDAlarm', ...device, CIDAlarm: { CIDCode: code, subSys, zoneNo } } }),
  );
  if (decoded.kind !== 'event') throw new Error('fixture');
  return decoded.event;
}

describe('events that confirm', () => {
  const arm: ControlCommand = { action: 'arm', partition: 1, mode: 'away' };

  it('away arming of the partition, from this panel', () => {
    const expectation = expectationFor(arm, 1);
    expect(matchEvent(expectation, PANEL, cid('3401', 1, 0))).toMatchObject({ kind: 'confirms', code: '3401', partition: 1 });
    expect(matchEvent(expectation, PANEL, cid('3441', 1, 0)).kind).toBe('unrelated'); // stay, not away
    expect(matchEvent(expectation, PANEL, cid('3401', 2, 0)).kind).toBe('unrelated'); // another partition
    expect(matchEvent(expectation, PANEL, cid('3401', 0, 0)).kind).toBe('confirms'); // subSys 0: all reports
    expect(matchEvent(expectation, PANEL, cid('3401', 1, 0, { devIndex: 'another' })).kind).toBe('unrelated');
    expect(matchEvent(expectation, PANEL, cid('1822', 1, 0))).toMatchObject({ kind: 'refutes', code: '1822' });
  });

  it('by account or serial when the event has no devIndex', () => {
    expect(isFromPanel(PANEL, cid('1401', 1, 0, { deviceID: '2001' }))).toBe(true);
    expect(isFromPanel(PANEL, cid('1401', 1, 0, { deviceSerial: 'ds-1' }))).toBe(true);
    expect(isFromPanel(PANEL, cid('1401', 1, 0, { deviceID: '2002' }))).toBe(false);
  });

  it('codes per command', () => {
    expect(expectationFor({ action: 'arm', partition: 1, mode: 'stay' }, 1).confirms).toContain('3441');
    expect(expectationFor({ action: 'disarm', partition: 1 }, 1).confirms).toEqual(['1401']);
    expect(expectationFor({ action: 'clear-alarm', partition: 'all' }, 1).confirms).toEqual(['1406']);
    expect(expectationFor({ action: 'bypass-restore', zones: [2] }, 1)).toMatchObject({ confirms: ['3570'], zones: [3] });
    expect(expectationFor({ action: 'deactivate', zones: [2], mode: 'off', permanent: false }, 0).confirms).toContain('3571');
    expect(expectationFor({ action: 'relay', relays: [0], on: true }, 1)).toMatchObject({ confirms: [], refutes: ['1460'] });
  });

  it('a batch is confirmed once every zone has reported, event zones offset from control ids', () => {
    const tracker = new ConfirmationTracker(expectationFor({ action: 'bypass', zones: [2, 4] }, 1), PANEL);
    expect(tracker.offer(cid('1570', 1, 2))).toBe(false); // control zone 1: not asked for
    expect(tracker.offer(cid('1570', 1, 3))).toBe(true);
    expect(tracker.state).toBe('waiting');
    expect(tracker.offer(cid('1570', 2, 5))).toBe(true);
    expect(tracker.state).toBe('confirmed');
    expect(tracker.offer(cid('1570', 2, 5))).toBe(false); // settled
  });

  it('with offset 0 the event zones are the control ids', () => {
    const tracker = new ConfirmationTracker(expectationFor({ action: 'bypass', zones: [2] }, 0), PANEL);
    expect(tracker.offer(cid('1570', 1, 3))).toBe(false);
    expect(tracker.offer(cid('1570', 1, 2))).toBe(true);
    expect(tracker.state).toBe('confirmed');
  });

  it('arming failed refutes at once', () => {
    const tracker = new ConfirmationTracker(expectationFor({ action: 'arm', partition: 'all', mode: 'away' }, 1), PANEL);
    expect(tracker.offer(cid('1822', 2, 0))).toBe(true);
    expect(tracker.state).toBe('refuted');
  });
});

describe('statusShowsTarget', () => {
  const partitions = [
    { id: 1, arming: 'away' as const, alarm: false, enabled: true },
    { id: 2, arming: 'arming' as const, alarm: true, enabled: true },
    { id: 3, arming: 'disarm' as const, alarm: false, enabled: false },
  ];

  it('partitions: reached, in progress (exit delay), not reached; all means the enabled ones', () => {
    expect(statusShowsTarget({ action: 'arm', partition: 1, mode: 'away' }, { partitions })).toBe('reached');
    expect(statusShowsTarget({ action: 'arm', partition: 2, mode: 'away' }, { partitions })).toBe('in-progress');
    expect(statusShowsTarget({ action: 'arm', partition: 1, mode: 'stay' }, { partitions })).toBe('not-reached');
    expect(statusShowsTarget({ action: 'arm', partition: 'all', mode: 'away' }, { partitions })).toBe('in-progress');
    expect(statusShowsTarget({ action: 'disarm', partition: 3 }, { partitions })).toBe('reached');
    expect(statusShowsTarget({ action: 'clear-alarm', partition: 2 }, { partitions })).toBe('not-reached');
    expect(statusShowsTarget({ action: 'disarm', partition: 9 }, { partitions })).toBe('unknown');
  });

  it('zones and relays', () => {
    const zones = [
      {
        id: 3,
        name: null,
        status: 'online',
        alarm: false,
        bypassed: true,
        armed: false,
        partition: 1,
        partitions: [],
        tamper: null,
        oneTimeDeactivationMode: 'lidOnly',
        deactivationMode: null,
      },
      {
        id: 5,
        name: null,
        status: 'online',
        alarm: false,
        bypassed: false,
        armed: false,
        partition: 1,
        partitions: [],
        tamper: null,
        oneTimeDeactivationMode: null,
        deactivationMode: null,
      },
    ];
    expect(statusShowsTarget({ action: 'bypass', zones: [3] }, { zones })).toBe('reached');
    expect(statusShowsTarget({ action: 'bypass', zones: [3, 5] }, { zones })).toBe('not-reached');
    expect(statusShowsTarget({ action: 'bypass-restore', zones: [5] }, { zones })).toBe('reached');
    expect(statusShowsTarget({ action: 'deactivate', zones: [3], mode: 'lidOnly', permanent: false }, { zones })).toBe('reached');
    expect(statusShowsTarget({ action: 'deactivate', zones: [5], mode: 'entirely', permanent: true }, { zones })).toBe('unknown');
    const peripherals = [{ kind: 'relay', id: 0, seq: null, name: null, status: 'on', tamper: null, charge: null }];
    expect(statusShowsTarget({ action: 'relay', relays: [0], on: true }, { peripherals })).toBe('reached');
    expect(statusShowsTarget({ action: 'relay', relays: [0], on: false }, { peripherals })).toBe('not-reached');
    expect(statusShowsTarget({ action: 'relay', relays: [1], on: true }, { peripherals })).toBe('unknown');
  });
});
