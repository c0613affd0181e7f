// The delivery core over real TCP and UDP sockets on 127.0.0.1 against the built-in receiver, in
// the fault modes an ARC shows in the field: slow, ignoring or refusing some accounts, silent
// after accepting, bogus answers. Each test counts alarms: sent, ACKed, duplicated, renumbered.

import { afterEach, describe, expect, it } from 'vitest';
import { systemClock } from '../../../src/clock.js';
import { createLogger, type Logger } from '../../../src/log.js';
import { MetricsRegistry } from '../../../src/metrics.js';
import { createMemoryOutbox, type Outbox } from '../../../src/outbox/index.js';
import {
  ArcDelivery,
  parseFault,
  type ArcSettings,
  type DispatchOutcome,
  type FrameRecord,
  type PathStateChange,
  type ArcFault,
} from '../../../src/transport/index.js';
import { parseAesKey } from '../../../src/transport/dc09-crypto.js';
import { STANDARD } from '../../../src/transport/dc09-deviations.js';
import type { LinkTransport } from '../../../src/transport/destination.js';
import type { AlarmPayload } from '../../../src/transport/event-message.js';
import { skewedClock, startRecordingReceiver, type RecordingReceiver } from '../../helpers/dc09-loopback.js';
import { ManualClock } from '../../helpers/manual-clock.js';
import { counted } from '../../helpers/metric-values.js';
import { waitFor } from '../../helpers/wait-for.js';

const ACK_TIMEOUT_MS = 300;
const KEY_TEXT = '000102030405060708090A0B0C0D0E0F';
const KEY = parseAesKey(KEY_TEXT, 'hex');

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
});

function fault(text: string): ArcFault {
  const parsed = parseFault(text);
  if (parsed === undefined) throw new Error(`bad fault ${text}`);
  return parsed;
}

async function receiver(options: Parameters<typeof startRecordingReceiver>[0] = {}): Promise<RecordingReceiver> {
  const recording = await startRecordingReceiver(options);
  cleanups.push(() => recording.receiver.stop());
  return recording;
}

function alarm(account: string, n: number, videoUrl: string | null = null): AlarmPayload {
  const z = String(n % 1000).padStart(3, '0');
  return { account, admCid: `#${account}|1130 01 ${z}`, siaDcs: `#${account}|Nri1/BA${z}`, videoUrl };
}

interface Rig {
  readonly outbox: Outbox;
  readonly delivery: ArcDelivery;
  readonly outcomes: DispatchOutcome[];
  readonly changes: PathStateChange[];
  readonly metrics: MetricsRegistry;
  /** Stores alarms in order and wakes the dispatcher. */
  send(alarms: readonly AlarmPayload[]): Promise<number[]>;
  acked(): DispatchOutcome[];
}

async function rig(
  arc: Partial<ArcSettings> & { primary: string },
  options: {
    supervisionAccount?: string;
    whenUndelivered?: 'retry' | 'dead-letter';
    key?: Uint8Array | null;
    clock?: typeof systemClock;
    logger?: Logger;
  } = {},
): Promise<Rig> {
  const metrics = new MetricsRegistry();
  const outbox = createMemoryOutbox();
  const outcomes: DispatchOutcome[] = [];
  const changes: PathStateChange[] = [];
  const delivery = new ArcDelivery(
    {
      secondary: '',
      format: 'adm-cid',
      receiverNumber: '0',
      linePrefix: '0',
      key: '',
      keyFormat: 'hex',
      ackTimeoutMs: ACK_TIMEOUT_MS,
      attempts: 3,
      supervisionSec: 0,
      maxInFlight: 64,
      connections: 0,
      ...arc,
    },
    {
      outbox,
      destination: 'arc',
      decode: (entry) => JSON.parse(entry.payload) as AlarmPayload,
      supervisionAccount: options.supervisionAccount ?? '',
      key: options.key ?? null,
      metrics,
      ...(options.clock === undefined ? {} : { clock: options.clock }),
      ...(options.logger === undefined ? {} : { logger: options.logger }),
      whenUndelivered: options.whenUndelivered ?? 'retry',
      onOutcome: (outcome) => outcomes.push(outcome),
      onPathState: (change) => changes.push(change),
    },
  );
  delivery.start();
  cleanups.push(async () => {
    await delivery.stop(0);
    await outbox.close();
  });
  return {
    outbox,
    delivery,
    outcomes,
    changes,
    metrics,
    async send(alarms) {
      const ids = await outbox.append(
        alarms.map((payload) => ({ destination: 'arc', account: payload.account, receivedAt: Date.now(), payload: JSON.stringify(payload) })),
      );
      delivery.poke();
      return ids;
    },
    acked: () => outcomes.filter((outcome) => outcome.outcome === 'acked'),
  };
}

function ackedData(records: readonly FrameRecord[]): string[] {
  return records.filter((record) => record.response === 'ACK' && record.token !== 'NULL').map((record) => record.data as string);
}

/** Per account, the data in the order the receiver ACKed it first. */
function firstDeliveries(records: readonly FrameRecord[]): Map<string, string[]> {
  const seen = new Set<string>();
  const byAccount = new Map<string, string[]>();
  for (const record of records) {
    if (record.response !== 'ACK' || record.token === 'NULL' || record.data === null) continue;
    if (seen.has(record.data)) continue;
    seen.add(record.data);
    const list = byAccount.get(record.account as string) ?? [];
    list.push(record.data);
    byAccount.set(record.account as string, list);
  }
  return byAccount;
}

describe.each(['tcp', 'udp'] as const)('over %s', (transport: LinkTransport) => {
  it.each([
    ['ADM-CID', 'adm-cid', false],
    ['SIA-DCS', 'sia-dcs', false],
    ['*ADM-CID (AES-128)', 'adm-cid', true],
    ['*SIA-DCS (AES-128)', 'sia-dcs', true],
  ] as const)('delivers %s and the receiver reads what was sent', async (token, format, encrypted) => {
    const arc = await receiver({ key: encrypted ? KEY : null });
    const r = await rig({ primary: arc.receiver.url(transport), format }, { key: encrypted ? KEY : null });
    await r.send([alarm('1234', 15, 'http://10.1.2.3/clip/77')]);
    await waitFor(() => r.acked().length === 1, 5_000, 'the ACK');
    expect(r.acked()[0]).toMatchObject({ via: 'primary', sequence: 1, attempts: 1 });
    expect(arc.records).toEqual([
      expect.objectContaining({
        transport,
        token: token.replace('*', '').split(' ')[0],
        encrypted,
        seq: '0001',
        receiver: '0',
        line: '0',
        account: '1234',
        data: format === 'adm-cid' ? '#1234|1130 01 015' : '#1234|Nri1/BA015',
        extended: [{ id: 'V', value: 'http://10.1.2.3/clip/77' }],
        response: 'ACK',
        error: null,
      }),
    ]);
    expect(Math.abs(Date.parse(arc.records[0]?.timestamp ?? '') - Date.now())).toBeLessThan(5_000);
  });

  it('keeps many alarms in flight into a slow ARC, each account in order, none lost or doubled', async () => {
    // An ARC that takes 100 ms per ACK: stop-and-wait would need 300 × 0.1 s = 30 s.
    const arc = await receiver({ fault: fault('delay=100') });
    const r = await rig({ primary: arc.receiver.url(transport), ackTimeoutMs: 2_000 });
    const accounts = Array.from({ length: 30 }, (_, i) => (0x1000 + i).toString(16).toUpperCase());
    const alarms = Array.from({ length: 300 }, (_, i) => alarm(accounts[i % accounts.length] as string, Math.floor(i / accounts.length)));
    const started = Date.now();
    await r.send(alarms);
    await waitFor(() => r.acked().length === alarms.length, 20_000, 'every alarm ACKed');
    const seconds = (Date.now() - started) / 1000;
    expect(seconds).toBeLessThan(5);
    const first = firstDeliveries(arc.records);
    for (const account of accounts) {
      expect(first.get(account)).toEqual(alarms.filter((payload) => payload.account === account).map((payload) => payload.admCid));
    }
    expect(ackedData(arc.records)).toHaveLength(alarms.length);
    // Sequence numbers: per account 0001..0010, each alarm its own.
    for (const account of accounts) {
      expect(arc.records.filter((record) => record.account === account).map((record) => record.seq)).toEqual(
        Array.from({ length: 10 }, (_, i) => String(i + 1).padStart(4, '0')),
      );
    }
  });
});

describe('failures scoped to what failed', () => {
  it('an ARC that ignores 3 of 20 accounts: the 17 others arrive at once, and the path stays up', async () => {
    const ignored = ['1003', '1007', '1011'];
    const arc = await receiver({ fault: fault(`silent@${ignored.join(',')}`) });
    const r = await rig({ primary: arc.receiver.url('tcp') }, { supervisionAccount: 'AAAA' });
    const accounts = Array.from({ length: 20 }, (_, i) => String(1000 + i));
    const alarms = Array.from({ length: 340 }, (_, i) => alarm(accounts[i % 20] as string, Math.floor(i / 20)));
    const started = Date.now();
    await r.send(alarms);
    const good = alarms.filter((payload) => !ignored.includes(payload.account));
    await waitFor(() => r.acked().length === good.length, 10_000, 'every alarm of the 17 good accounts');
    expect((Date.now() - started) / 1000).toBeLessThan(5);
    expect(r.delivery.status()[0]?.state).toBe('up');
    expect(r.changes.map((change) => change.to)).toEqual(['up']);
    // The silent accounts wait out their own backoff; their lanes are the only ones blocked.
    await waitFor(() => r.outbox.stats('arc').blockedLanes === 3, 5_000, 'the three lanes on hold');
    expect(await counted(r.metrics, 'hik_arc_delivery_account_failures_total', { account: '1003', code: 'HIKARC_TRANSPORT_ACK_TIMEOUT' })).toBe(1);
    // Once the ARC takes them, they drain in order.
    arc.receiver.setFault([]);
    r.delivery.dispatcher.pathRecovered();
    await waitFor(() => r.acked().length === alarms.length, 10_000, 'the held accounts');
    const first = firstDeliveries(arc.records);
    for (const account of ignored) expect(first.get(account)).toEqual(alarms.filter((payload) => payload.account === account).map((payload) => payload.admCid));
  });

  it('a primary that accepts and never answers, with a healthy secondary: every alarm is ACKed within attempts × timeout + 5 s', async () => {
    const silent = await receiver({ fault: fault('silent') });
    const backup = await receiver();
    const r = await rig({ primary: silent.receiver.url('tcp'), secondary: backup.receiver.url('tcp') }, { supervisionAccount: 'AAAA' });
    const alarms = Array.from({ length: 40 }, (_, i) => alarm(String(2000 + (i % 8)), Math.floor(i / 8)));
    const started = Date.now();
    await r.send(alarms);
    const bound = 3 * ACK_TIMEOUT_MS + 5_000;
    await waitFor(() => r.acked().length === alarms.length, bound + 2_000, 'every alarm through the secondary');
    expect(Date.now() - started).toBeLessThan(bound);
    expect(r.acked().every((outcome) => outcome.outcome === 'acked' && outcome.via === 'secondary')).toBe(true);
    expect(r.delivery.status().map((status) => status.state)).toEqual(['down', 'up']);
    expect(ackedData(backup.records).sort()).toEqual(alarms.map((payload) => payload.admCid).sort());
  });

  it('an ARC that NAKs one unknown account during commissioning flips no path', async () => {
    const primary = await receiver({ accounts: ['1111', '2222', 'AAAA'] });
    const backup = await receiver({ accounts: ['1111', '2222', 'AAAA'] });
    // On a manual clock: "no path flips afterwards" is checked by moving time, not by sleeping.
    const clock = new ManualClock(Date.now());
    const r = await rig({ primary: primary.receiver.url('tcp'), secondary: backup.receiver.url('tcp') }, { supervisionAccount: 'AAAA', clock });
    await r.send([alarm('9999', 1), alarm('1111', 1), alarm('2222', 1), alarm('1111', 2)]);
    await waitFor(() => r.acked().length === 3, 5_000, 'the known accounts');
    await waitFor(() => r.outcomes.some((outcome) => outcome.outcome === 'retry'), 5_000, "the unknown account's round");
    await clock.advance(2_000);
    expect(r.changes.map((change) => `${change.destination}:${change.to}`).sort()).toEqual(['primary:up', 'secondary:up']);
    expect(r.outcomes.filter((outcome) => outcome.outcome === 'retry')).toEqual([
      expect.objectContaining({
        failures: [expect.objectContaining({ code: 'HIKARC_TRANSPORT_NAK' }), expect.objectContaining({ code: 'HIKARC_TRANSPORT_NAK' })],
      }),
    ]);
  });

  it('a receiver that hangs up on every connection is down; the secondary takes the alarms', async () => {
    const hangup = await receiver({ fault: fault('hangup') });
    const backup = await receiver();
    const r = await rig({ primary: hangup.receiver.url('tcp'), secondary: backup.receiver.url('tcp') });
    await r.send([alarm('3001', 1), alarm('3002', 1), alarm('3003', 1)]);
    await waitFor(() => r.acked().length === 3, 5_000, 'the alarms via the secondary');
    expect(r.delivery.status()[0]?.state).toBe('down');
  });
});

describe('strict answers', () => {
  it('a bare "DUH" is ignored and counted, never a dead letter; the alarm goes once the receiver answers', async () => {
    const arc = await receiver({ fault: fault('bare-duh') });
    const r = await rig({ primary: arc.receiver.url('tcp') });
    await r.send([alarm('4001', 1)]);
    await waitFor(() => r.outcomes.length === 1, 5_000, 'the first round');
    expect(r.outcomes[0]).toMatchObject({ outcome: 'retry', failures: [{ code: 'HIKARC_TRANSPORT_ACK_TIMEOUT', attempts: 3 }] });
    expect(r.outbox.deadLetters()).toEqual([]);
    expect(await counted(r.metrics, 'hik_arc_transport_response_errors_total', { destination: 'primary', code: 'HIKARC_TRANSPORT_BARE_ANSWER' })).toBe(3);
    arc.receiver.setFault([]);
    r.delivery.dispatcher.pathRecovered();
    await waitFor(() => r.acked().length === 1, 5_000, 'the ACK');
    expect(r.acked()[0]).toMatchObject({ sequence: 1 });
  });

  it('a NAK carrying a 2016 clock does not move ours', async () => {
    const arc = await receiver({ fault: fault('nak-at=2016-03-01T12:00:00Z') });
    const r = await rig({ primary: arc.receiver.url('tcp') }, { whenUndelivered: 'dead-letter' });
    await r.send([alarm('4002', 1)]);
    await waitFor(() => r.outcomes.length === 1, 5_000, 'the round');
    expect(r.delivery.status()[0]?.clockOffsetMs).toBe(0);
    const years = new Set(arc.records.map((record) => new Date(record.timestamp ?? 0).getUTCFullYear()));
    expect(years).toEqual(new Set([new Date().getUTCFullYear()]));
  });

  it('an ACK for the next number, sent before that frame was written, acknowledges nothing', async () => {
    const arc = await receiver({
      fault: fault('early-ack'),
      onFrame: () => arc.receiver.setFault(fault('silent')),
    });
    const r = await rig({ primary: arc.receiver.url('tcp') }, { whenUndelivered: 'dead-letter' });
    await r.send([alarm('4003', 1)]);
    await waitFor(() => r.acked().length === 1, 5_000, 'the first ACK');
    await new Promise((resolve) => setTimeout(resolve, 50));
    await r.send([alarm('4003', 2)]);
    await waitFor(() => r.outcomes.length === 2, 5_000, 'the second round');
    expect(r.outcomes[1]).toMatchObject({ outcome: 'dead-letter', failures: [{ code: 'HIKARC_TRANSPORT_ACK_TIMEOUT' }] });
    expect(await counted(r.metrics, 'hik_arc_transport_response_errors_total', { destination: 'primary', code: 'HIKARC_TRANSPORT_EARLY_ANSWER' })).toBe(1);
  });

  it('answers with the wrong number, the wrong account or no frame at all are not ACKs', async () => {
    for (const bogus of ['wrong-seq', 'wrong-account', 'garbage']) {
      const arc = await receiver({ fault: fault(bogus) });
      const r = await rig({ primary: arc.receiver.url('tcp'), attempts: 1 }, { whenUndelivered: 'dead-letter' });
      await r.send([alarm('4004', 1)]);
      await waitFor(() => r.outcomes.length === 1, 5_000, `the round against ${bogus}`);
      expect(r.outcomes[0]?.outcome).toBe('dead-letter');
    }
  });

  it('takes the receiver clock from its NAK and resends at once with a corrected timestamp', async () => {
    const arc = await receiver();
    // Our clock is 5 minutes slow: the receiver NAKs, and its NAK carries its time.
    const r = await rig({ primary: arc.receiver.url('tcp') }, { clock: skewedClock(-300_000) });
    await r.send([alarm('4005', 1)]);
    await waitFor(() => r.acked().length === 1, 5_000, 'the ACK');
    expect(arc.records.map((record) => record.response)).toEqual(['NAK', 'ACK']);
    expect(Math.abs((r.delivery.status()[0]?.clockOffsetMs ?? 0) - 300_000)).toBeLessThan(5_000);
  });
});

describe('TCP connection lifetime', () => {
  it('re-opens connections transparently when the receiver closes after every answer', async () => {
    const arc = await receiver({ closeAfterAnswer: true });
    const r = await rig({ primary: arc.receiver.url('tcp') });
    await r.send(Array.from({ length: 5 }, (_, i) => alarm('5001', i)));
    await waitFor(() => r.acked().length === 5, 5_000, 'five ACKs');
    expect(r.acked().every((outcome) => outcome.outcome === 'acked' && outcome.attempts === 1)).toBe(true);
  });

  it('limits itself to arc.connections', async () => {
    const arc = await receiver({ fault: fault('delay=50') });
    const r = await rig({ primary: arc.receiver.url('tcp'), connections: 2 });
    await r.send(Array.from({ length: 10 }, (_, i) => alarm(String(6000 + i), 1)));
    let most = 0;
    while (r.acked().length < 10) {
      most = Math.max(most, r.delivery.status()[0]?.inFlight ?? 0);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    expect(most).toBeLessThanOrEqual(2);
    expect(r.delivery.status()[0]?.connections).toBeLessThanOrEqual(2);
  });
});

describe('DC-09 deviations per destination (docs/dc09.md §Deviations per destination)', () => {
  function logLines(): { logger: Logger; lines: () => Array<Record<string, unknown>> } {
    const raw: string[] = [];
    const logger = createLogger({ level: 'info', destination: { write: (line: string) => void raw.push(line) } });
    return { logger, lines: () => raw.map((line) => JSON.parse(line) as Record<string, unknown>) };
  }

  it.each(['tcp', 'udp'] as const)(
    'a clear ACK to an encrypted frame is refused by default and taken where the destination allows it, over %s',
    async (transport) => {
      const arc = await receiver({ key: KEY, fault: fault('clear-ack') });
      const strict = await rig({ primary: arc.receiver.url(transport), attempts: 1 }, { key: KEY, whenUndelivered: 'dead-letter' });
      await strict.send([alarm('7001', 1)]);
      await waitFor(() => strict.outcomes.length === 1, 5_000, 'the round');
      expect(strict.outcomes[0]).toMatchObject({ outcome: 'dead-letter', code: 'HIKARC_TRANSPORT_ACK_TIMEOUT' });
      expect(
        await counted(strict.metrics, 'hik_arc_transport_response_errors_total', { destination: 'primary', code: 'HIKARC_TRANSPORT_UNMATCHED_RESPONSE' }),
      ).toBe(1);

      const { logger, lines } = logLines();
      const lenient = await rig(
        { primary: arc.receiver.url(transport), deviations: { primary: { ...STANDARD, acceptClearAck: true }, secondary: STANDARD } },
        { key: KEY, logger },
      );
      await lenient.send([alarm('7002', 1)]);
      await waitFor(() => lenient.acked().length === 1, 5_000, 'the ACK');
      expect(lenient.acked()[0]).toMatchObject({ via: 'primary', attempts: 1 });
      // The receiver got an encrypted frame and answered it in clear.
      expect(arc.records.filter((record) => record.account === '7002')).toEqual([
        expect.objectContaining({ encrypted: true, response: 'ACK', data: '#7002|1130 01 001' }),
      ]);
      const deviations = lines().filter((line) => line['code'] === 'HIKARC_DC09_DEVIATION');
      expect(deviations).toEqual([
        expect.objectContaining({ level: 'warn', destination: 'primary', deviation: 'acceptClearAck', setting: 'arc.deviations.primary.acceptClearAck' }),
      ]);
      await waitFor(() => lines().some((line) => line['code'] === 'HIKARC_DC09_QUIRK'), 2_000, 'the quirk line');
      expect(lines().find((line) => line['code'] === 'HIKARC_DC09_QUIRK')).toMatchObject({ quirks: ['clear-ack'] });
    },
  );

  it('sends frames without R and the Hikvision NULL to the destination set so, the standard to the other; each deviation logged once', async () => {
    const bent = await receiver();
    const standard = await receiver();
    const { logger, lines } = logLines();
    const r = await rig(
      {
        primary: bent.receiver.url('tcp'),
        secondary: standard.receiver.url('tcp'),
        receiverNumber: '1',
        supervisionSec: 1,
        deviations: { primary: { ...STANDARD, omitReceiverNumber: true, hikvisionNull: true }, secondary: STANDARD },
      },
      { supervisionAccount: 'AAAB', logger },
    );
    await r.send([alarm('7003', 1)]);
    await waitFor(() => r.acked().length === 1, 5_000, 'the ACK');
    await waitFor(
      () => bent.records.some((record) => record.token === 'NULL') && standard.records.some((record) => record.token === 'NULL'),
      5_000,
      'NULL tests on both paths',
    );
    expect(bent.records[0]).toMatchObject({ token: 'ADM-CID', receiver: null, line: '0', account: '7003', response: 'ACK' });
    expect(bent.records.find((record) => record.token === 'NULL')).toMatchObject({
      receiver: null,
      account: 'AAAB',
      data: '#0000|0000 00 000',
      response: 'ACK',
    });
    expect(standard.records.find((record) => record.token === 'NULL')).toMatchObject({ receiver: '1', account: 'AAAB', data: '', response: 'ACK' });
    const deviations = lines().filter((line) => line['code'] === 'HIKARC_DC09_DEVIATION');
    expect(deviations.map((line) => [line['destination'], line['deviation']])).toEqual([
      ['primary', 'omitReceiverNumber'],
      ['primary', 'hikvisionNull'],
    ]);
  });
});
