// Replay of the 32 EventNotificationAlert examples of the vendor guide's Appendix A, framed as the
// receiver streams them. Every expectation below was worked out by hand from the rules and
// Appendix D, not copied from our output.

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { runCommand } from '../../helpers/run-cli.js';
import { writeTempJson } from '../../helpers/temp-files.js';

const CAPTURE = 'test/fixtures/guide-examples.multipart';

interface Expected {
  readonly section: string;
  readonly eventType: string;
  readonly cid: string;
  readonly sia: string;
  readonly zone: number;
  readonly account: string;
  /** The guide prints this example as invalid JSON. */
  readonly broken: boolean;
  readonly user?: number;
}

// Config of the example: receiver.account AAAA, translate.fallbackAccount FFFF, no accounts map.
const EXPECTED: readonly (Expected | { readonly section: 'A.12'; readonly heartbeat: true })[] = [
  { section: 'A.4', eventType: 'cancelVoiceTalkEvent', cid: 'R800', sia: 'NA', zone: 1, account: 'FFFF', broken: true },
  { section: 'A.5', eventType: 'CIDAlarm', cid: 'E602', sia: 'RP', zone: 0, account: 'FFFF', broken: false },
  { section: 'A.6', eventType: 'CIDAlarm', cid: 'E130', sia: 'BA', zone: 1, account: '123456', broken: false, user: 2 },
  { section: 'A.7', eventType: 'devicedeleted', cid: 'E349', sia: 'OD', zone: 0, account: 'FFFF', broken: false },
  { section: 'A.8', eventType: 'devStatusChanged', cid: 'R350', sia: 'ON', zone: 0, account: 'FFFF', broken: false },
  { section: 'A.9', eventType: 'diskrecover', cid: 'E904', sia: 'VE', zone: 1, account: 'FFFF', broken: true },
  { section: 'A.10', eventType: 'diskerror', cid: 'E902', sia: 'VC', zone: 1, account: 'FFFF', broken: true },
  { section: 'A.11', eventType: 'diskfull', cid: 'E903', sia: 'VD', zone: 1, account: 'FFFF', broken: true },
  { section: 'A.12', heartbeat: true },
  { section: 'A.13', eventType: 'fallingDown', cid: 'E700', sia: 'RA', zone: 0, account: 'FFFF', broken: false },
  { section: 'A.14', eventType: 'fielddetection', cid: 'E905', sia: 'VF', zone: 1, account: 'FFFF', broken: true },
  { section: 'A.15', eventType: 'fireDetection', cid: 'E913', sia: 'VN', zone: 1, account: 'FFFF', broken: false },
  { section: 'A.16', eventType: 'IO', cid: 'E900', sia: 'VA', zone: 1, account: 'FFFF', broken: true },
  { section: 'A.17', eventType: 'linedetection', cid: 'E906', sia: 'VG', zone: 1, account: 'FFFF', broken: true },
  { section: 'A.18', eventType: 'VMD', cid: 'E901', sia: 'VB', zone: 1, account: 'FFFF', broken: true },
  { section: 'A.18', eventType: 'VMD', cid: 'E901', sia: 'VB', zone: 1, account: 'FFFF', broken: true },
  { section: 'A.19', eventType: 'recordException', cid: 'E908', sia: 'VI', zone: 1, account: 'FFFF', broken: true },
  { section: 'A.20', eventType: 'regionEntrance', cid: 'E909', sia: 'VJ', zone: 1, account: 'FFFF', broken: true },
  { section: 'A.21', eventType: 'regionExiting', cid: 'E910', sia: 'VK', zone: 1, account: 'FFFF', broken: true },
  { section: 'A.22', eventType: 'requestVoiceTalkEvent', cid: 'E800', sia: 'DA', zone: 1, account: 'FFFF', broken: true },
  { section: 'A.24', eventType: 'TMA', cid: 'E915', sia: 'VP', zone: 1, account: 'FFFF', broken: false },
  { section: 'A.25', eventType: 'TMPA', cid: 'E914', sia: 'VO', zone: 1, account: 'FFFF', broken: false },
  { section: 'A.26', eventType: 'PIR', cid: 'E774', sia: 'AX', zone: 1, account: 'FFFF', broken: true },
  { section: 'A.27', eventType: 'videoloss', cid: 'E912', sia: 'VM', zone: 1, account: 'FFFF', broken: true },
  { section: 'A.28', eventType: 'shelteralarm', cid: 'E911', sia: 'VL', zone: 1, account: 'FFFF', broken: true },
  { section: 'A.29', eventType: 'videoReview', cid: 'E130', sia: 'BA', zone: 1, account: '123456', broken: true, user: 2 },
  { section: 'A.30', eventType: 'hppConnectionStatusChanged', cid: 'E600', sia: 'HA', zone: 0, account: 'AAAA', broken: false },
  { section: 'A.31', eventType: 'deviceKeyStateChanged', cid: 'E500', sia: 'KA', zone: 0, account: 'FFFF', broken: false },
  { section: 'A.32', eventType: 'longTimeLeave', cid: 'E701', sia: 'RB', zone: 0, account: 'FFFF', broken: false },
  { section: 'A.33', eventType: 'heartBeatAbnormal', cid: 'E702', sia: 'RC', zone: 0, account: 'FFFF', broken: false },
  { section: 'A.34', eventType: 'respireAbnormal', cid: 'E703', sia: 'RD', zone: 0, account: 'FFFF', broken: false },
  { section: 'A.35', eventType: 'deviceHPPNetworkChanged', cid: 'E400', sia: 'DA', zone: 0, account: 'FFFF', broken: false },
];

async function translateGuide(): Promise<Record<string, unknown>[]> {
  const config = writeTempJson({ receiver: { account: 'AAAA' }, translate: { fallbackAccount: 'FFFF' }, log: { level: 'silent' } });
  const run = await runCommand(['translate', '--config', config, CAPTURE]);
  expect(run.stderr).toBe('');
  expect(run.code).toBe(0);
  return run.lines as Record<string, unknown>[];
}

describe('the guide capture', () => {
  it('holds the subscription response and the 32 wrapped examples', () => {
    const text = readFileSync(CAPTURE, 'latin1');
    expect(text.match(/^--boundary\r$/gm)).toHaveLength(33);
    expect(text.match(/"EventNotificationAlert"/g)).toHaveLength(32);
  });
});

describe('hik-arc translate on the 32 guide examples', () => {
  it('forwards all 31 that are not the heartbeat, with the codes, zones and payloads the rules give', async () => {
    const lines = await translateGuide();
    expect(lines).toHaveLength(EXPECTED.length);
    expect(lines.filter((line) => line['forwarded'] === true)).toHaveLength(31);
    EXPECTED.forEach((expected, index) => {
      const line = lines[index] as Record<string, unknown>;
      if ('heartbeat' in expected) {
        expect(line).toEqual({ forwarded: false, eventType: 'heartBeat', reason: 'heartbeat' });
        return;
      }
      const qualifier = expected.cid.startsWith('R') ? '3' : '1';
      const code = expected.cid.slice(1);
      const number = String(expected.zone).padStart(3, '0');
      expect(line, `${expected.section} ${expected.eventType}`).toEqual({
        forwarded: true,
        eventType: expected.eventType,
        account: expected.account,
        cid: expected.cid,
        sia: expected.sia,
        partition: 0,
        zone: expected.zone,
        user: expected.user ?? null,
        description: expect.any(String),
        videoUrl: null,
        admCid: `#${expected.account}|${qualifier}${code} 00 ${number}`,
        siaDcs: `#${expected.account}|Nri0/${expected.sia}${number}`,
        repaired: expected.broken,
      });
    });
  });

  it('gives the exact line of the issue for the CID alarm example (A.6)', async () => {
    const lines = await translateGuide();
    expect(lines[2]).toMatchObject({
      forwarded: true,
      eventType: 'CIDAlarm',
      account: '123456',
      cid: 'E130',
      sia: 'BA',
      partition: 0,
      zone: 1,
      description: 'Burglary Alarm',
      videoUrl: null,
      admCid: '#123456|1130 00 001',
      siaDcs: '#123456|Nri0/BA001',
      repaired: false,
    });
  });

  it('keeps the two events without any device identity routable only through the fallback account', async () => {
    const config = writeTempJson({ receiver: { account: 'AAAA' }, log: { level: 'silent' } });
    const run = await runCommand(['translate', '--config', config, CAPTURE]);
    const unroutable = (run.lines as Record<string, unknown>[]).filter((line) => line['reason'] === 'no-account');
    // Without a fallback every event that has a devIndex but no mapping is unroutable too; the
    // ones with no identity at all are TMA and TMPA.
    expect(unroutable.map((line) => line['eventType'])).toEqual(expect.arrayContaining(['TMA', 'TMPA']));
    for (const line of unroutable) expect(String(line['detail'])).toMatch(/no account for device|names no device/);
  });
});
