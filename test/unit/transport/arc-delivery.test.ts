// The delivery core on the manual clock: an in-memory outbox, the dispatcher and its paths, and
// scripted receivers behind a fake connector (no sockets; the loopback tests use real ones).

import { describe, expect, it } from 'vitest';
import { MetricsRegistry } from '../../../src/metrics.js';
import { createMemoryOutbox } from '../../../src/outbox/index.js';
import { ArcDelivery, type ArcSettings, type DispatchOutcome, type PathStateChange } from '../../../src/transport/index.js';
import { parseAesKey } from '../../../src/transport/dc09-crypto.js';
import type { AlarmPayload } from '../../../src/transport/event-message.js';
import { FakeArc, flush, ManualClock } from '../../helpers/dc09-fakes.js';
import { counted } from '../../helpers/metric-values.js';
import { pino, type Logger } from 'pino';

const ACK_TIMEOUT_MS = 1000;
const KEY = parseAesKey('000102030405060708090A0B0C0D0E0F', 'hex');

function alarm(account = '1234', zone = 15): AlarmPayload {
  const z = String(zone).padStart(3, '0');
  return { account, admCid: `#${account}|1130 01 ${z}`, siaDcs: `#${account}|Nri1/BA${z}`, videoUrl: null };
}

interface SetupOptions {
  readonly arc?: Partial<ArcSettings>;
  readonly key?: Uint8Array | null;
  readonly supervisionAccount?: string;
  readonly secondary?: boolean;
  readonly whenUndelivered?: 'retry' | 'dead-letter';
  readonly logger?: Logger;
}

function setup(options: SetupOptions = {}) {
  const clock = new ManualClock();
  const key = options.key ?? null;
  const primary = new FakeArc(clock, key);
  const secondary = new FakeArc(clock, key);
  const metrics = new MetricsRegistry();
  const changes: PathStateChange[] = [];
  const outcomes: DispatchOutcome[] = [];
  const waiting = new Map<number, (outcome: DispatchOutcome) => void>();
  const outbox = createMemoryOutbox({ clock });
  const delivery = new ArcDelivery(
    {
      primary: 'tcp://primary.test:1',
      secondary: options.secondary === false ? '' : 'tcp://secondary.test:2',
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
      ...options.arc,
    },
    {
      outbox,
      destination: 'arc',
      decode: (entry) => JSON.parse(entry.payload) as AlarmPayload,
      supervisionAccount: options.supervisionAccount ?? '',
      clock,
      metrics,
      key,
      random: () => 1,
      whenUndelivered: options.whenUndelivered ?? 'dead-letter',
      ...(options.logger === undefined ? {} : { logger: options.logger }),
      connect: (address, handlers, connectOptions) => (address.port === 1 ? primary : secondary).connect(address, handlers, connectOptions),
      onPathState: (change) => changes.push(change),
      onOutcome: (outcome) => {
        outcomes.push(outcome);
        const resolve = waiting.get(outcome.entry.id);
        waiting.delete(outcome.entry.id);
        resolve?.(outcome);
      },
    },
  );
  delivery.start();
  /** Stores the alarm and resolves with the outcome of its first round. */
  async function send(payload: AlarmPayload): Promise<DispatchOutcome> {
    const [id] = await outbox.append([{ destination: 'arc', account: payload.account, receivedAt: clock.now(), payload: JSON.stringify(payload) }]);
    const outcome = new Promise<DispatchOutcome>((resolve) => waiting.set(id as number, resolve));
    delivery.poke();
    return outcome;
  }
  const pathState = (name: 'primary' | 'secondary') => delivery.status().find((status) => status.destination === name)?.state;
  return { clock, primary, secondary, metrics, changes, outcomes, outbox, delivery, send, pathState };
}

/** Advances the manual clock in steps until the promise settles (bounded). */
async function settle<T>(clock: ManualClock, promise: Promise<T>, stepMs = 100, maxMs = 300_000): Promise<T> {
  let result: { value: T } | undefined;
  void promise.then((value) => {
    result = { value };
  });
  await flush();
  for (let elapsed = 0; result === undefined && elapsed <= maxMs; elapsed += stepMs) await clock.advance(stepMs);
  if (result === undefined) throw new Error(`did not settle within ${maxMs} ms of manual time`);
  return result.value;
}

function acked(outcome: DispatchOutcome) {
  if (outcome.outcome !== 'acked') throw new Error(`not acknowledged: ${outcome.outcome} ${outcome.detail}`);
  return outcome;
}

describe('delivery: frames and acknowledgement', () => {
  it('sends one ADM-CID frame with R, L, account, data and our UTC time, and takes the ACK', async () => {
    const { clock, primary, send } = setup();
    const result = acked(await settle(clock, send(alarm())));
    expect(result).toMatchObject({ via: 'primary', sequence: 1, attempts: 1, failures: [] });
    expect(primary.received).toHaveLength(1);
    expect(primary.received[0]?.frame).toMatchObject({
      token: 'ADM-CID',
      encrypted: false,
      sequence: 1,
      receiver: '0',
      line: '0',
      account: '1234',
      data: '#1234|1130 01 015',
      timestamp: Math.floor(clock.now() / 1000) * 1000,
    });
  });

  it('numbers each account 0001, 0002 on its own', async () => {
    const { clock, primary, send } = setup();
    await settle(clock, send(alarm('1234')));
    await settle(clock, send(alarm('1234')));
    await settle(clock, send(alarm('5678')));
    expect(primary.received.map((received) => `${received.frame.account}/${received.frame.sequence}`)).toEqual(['1234/1', '1234/2', '5678/1']);
  });

  it('uses the SIA-DCS payload and a [V] block when configured so', async () => {
    const { clock, primary, send } = setup({ arc: { format: 'sia-dcs' } });
    acked(await settle(clock, send({ ...alarm(), videoUrl: 'http://nvr.local/clip/1' })));
    expect(primary.received[0]?.frame).toMatchObject({ token: 'SIA-DCS', data: '#1234|Nri1/BA015', extended: [{ id: 'V', value: 'http://nvr.local/clip/1' }] });
  });

  it('leaves a link holding | out of the [V] block, and counts it', async () => {
    const { clock, primary, metrics, send } = setup();
    acked(await settle(clock, send({ ...alarm(), videoUrl: 'http://x/a|b' })));
    expect(primary.received[0]?.frame.extended).toEqual([]);
    expect(await counted(metrics, 'hik_arc_transport_video_links_total', { outcome: 'omitted' })).toBe(1);
  });

  it('encrypts with the key and accepts the *ACK', async () => {
    const { clock, primary, send } = setup({ key: KEY });
    acked(await settle(clock, send(alarm())));
    expect(primary.received[0]?.frame).toMatchObject({ token: 'ADM-CID', encrypted: true, data: '#1234|1130 01 015' });
    expect(primary.received[0]?.raw.toString('latin1')).toContain('"*ADM-CID"0001R0L0#1234[');
  });

  it('does not count a clear ACK to an encrypted frame, a stale ACK, an ACK for another account, or a bare DUH', async () => {
    // The clear ACK is built with a CRC of 0000, so it fails before its encryption is judged.
    const codes = {
      clear: 'HIKARC_DC09_BAD_CRC',
      stale: 'HIKARC_TRANSPORT_UNMATCHED_RESPONSE',
      account: 'HIKARC_TRANSPORT_UNMATCHED_RESPONSE',
      bare: 'HIKARC_TRANSPORT_BARE_ANSWER',
    } as const;
    for (const wrong of ['clear', 'stale', 'account', 'bare'] as const) {
      const { clock, primary, metrics, send } = setup({ key: KEY, secondary: false });
      primary.answer = (frame) => {
        if (wrong === 'clear') return Buffer.from(`\n${'0000'}0012"ACK"${String(frame.sequence).padStart(4, '0')}L0#1234[]\r`, 'latin1');
        if (wrong === 'bare') return Buffer.from('"DUH"', 'latin1');
        return primary.ack({
          ...frame,
          sequence: wrong === 'stale' ? frame.sequence + 1 : frame.sequence,
          account: wrong === 'account' ? '9999' : frame.account,
        });
      };
      const result = await settle(clock, send(alarm()));
      expect(result).toMatchObject({ outcome: 'dead-letter', failures: [{ path: 'primary', attempts: 3, code: 'HIKARC_TRANSPORT_ACK_TIMEOUT' }] });
      expect(await counted(metrics, 'hik_arc_transport_response_errors_total', { destination: 'primary', code: codes[wrong] })).toBe(3);
    }
  });

  it('keeps a message that cannot be encoded as a dead letter without writing anything', async () => {
    const { clock, primary, send } = setup();
    const result = await settle(clock, send({ ...alarm(), account: 'XYZ!' }));
    expect(result).toMatchObject({ outcome: 'dead-letter', code: 'HIKARC_DC09_INVALID_MESSAGE' });
    expect(primary.received).toHaveLength(0);
  });
});

describe('delivery: attempts', () => {
  it('retries a silent receiver with the same sequence, a fresh timestamp and a fresh pad', async () => {
    const { clock, primary, metrics, changes, send, pathState } = setup({ key: KEY, secondary: false });
    primary.answer = () => 'silent';
    const result = await settle(clock, send(alarm()));
    expect(result).toMatchObject({ outcome: 'dead-letter', failures: [{ path: 'primary', attempts: 3, code: 'HIKARC_TRANSPORT_ACK_TIMEOUT' }] });
    const frames = primary.received.map((received) => received.frame);
    expect(frames.map((frame) => frame.sequence)).toEqual([1, 1, 1]);
    expect(frames.map((frame) => frame.timestamp)).toEqual([0, 1, 2].map((i) => frames[0]!.timestamp! + i * ACK_TIMEOUT_MS));
    expect(new Set(frames.map((frame) => (frame.encrypted ? frame.pad : ''))).size).toBe(3);
    expect(await counted(metrics, 'hik_arc_transport_ack_timeouts_total', { destination: 'primary' })).toBe(3);
    // One account unanswered, no NULL test to ask the path: no evidence against the link.
    expect(changes).toEqual([]);
    expect(pathState('primary')).toBe('unknown');
  });

  it('succeeds on the second attempt after one silent one', async () => {
    const { clock, primary, send } = setup();
    let calls = 0;
    primary.answer = (frame) => (++calls === 1 ? 'silent' : primary.ack(frame));
    expect(acked(await settle(clock, send(alarm())))).toMatchObject({ via: 'primary', attempts: 2, sequence: 1 });
    expect(primary.received.map((received) => received.at - primary.received[0]!.at)).toEqual([0, ACK_TIMEOUT_MS]);
  });

  it('on a NAK with the receiver time, resends at once with a corrected timestamp, and keeps the offset', async () => {
    const { clock, primary, metrics, send, delivery } = setup();
    const receiverAhead = 120_000;
    primary.answer = (frame) =>
      Math.abs((frame.timestamp ?? 0) - (clock.now() + receiverAhead)) > 20_000 ? primary.nak(clock.now() + receiverAhead) : primary.ack(frame);
    const first = acked(await settle(clock, send(alarm())));
    expect(first.attempts).toBe(2);
    const [nakked, resent] = primary.received;
    expect(resent!.at - nakked!.at).toBe(0);
    expect(resent!.frame.sequence).toBe(nakked!.frame.sequence);
    expect(Math.abs(resent!.frame.timestamp! - (clock.now() + receiverAhead))).toBeLessThan(2000);
    expect(await metrics.value('hik_arc_transport_clock_offset_seconds', { destination: 'primary' })).toBeCloseTo(receiverAhead / 1000, 0);
    const second = acked(await settle(clock, send(alarm())));
    expect(second.attempts).toBe(1);
    expect(delivery.status()[0]?.clockOffsetMs).toBe(receiverAhead);
  });

  it('logs the clock offset of a NAK only when it moved by a second or more, not on every NAK', async () => {
    const lines: Array<Record<string, unknown>> = [];
    const logger = pino({ level: 'info' }, { write: (line: string) => lines.push(JSON.parse(line) as Record<string, unknown>) });
    const { clock, primary, send } = setup({ logger, secondary: false });
    let offset = 5_000;
    let round = 0;
    const nakked = new Set<number>();
    // Each alarm's first frame is NAKed with the receiver's time, which jitters by a few hundred ms.
    primary.answer = (frame) => {
      if (nakked.has(frame.sequence)) return primary.ack(frame);
      nakked.add(frame.sequence);
      return primary.nak(clock.now() + offset + (round++ % 3) * 200);
    };
    for (let n = 0; n < 5; n++) acked(await settle(clock, send(alarm())));
    const offsetLines = () => lines.filter((line) => line['msg'] === 'clock offset taken from receiver NAK');
    expect(offsetLines()).toHaveLength(1);
    expect(offsetLines()[0]).toMatchObject({ level: 30, offsetMs: 5_000 });
    offset = 8_000;
    for (let n = 0; n < 3; n++) acked(await settle(clock, send(alarm())));
    expect(offsetLines().map((line) => line['offsetMs'])).toEqual([5_000, 8_000]);
  });

  it('does not take a receiver time more than an hour off (a 2016 clock) from a NAK', async () => {
    const { clock, primary, send, delivery } = setup({ secondary: false });
    primary.answer = () => primary.nak(Date.UTC(2016, 0, 1));
    const result = await settle(clock, send(alarm()));
    expect(result).toMatchObject({ outcome: 'dead-letter', failures: [{ code: 'HIKARC_TRANSPORT_NAK', attempts: 3 }] });
    expect(delivery.status()[0]?.clockOffsetMs).toBe(0);
    const years = primary.received.map((received) => new Date(received.frame.timestamp ?? 0).getUTCFullYear());
    expect(new Set(years)).toEqual(new Set([new Date(clock.now()).getUTCFullYear()]));
  });

  it('a NAK written twice in one read (ioBroker.sia) costs one attempt', async () => {
    const { clock, primary, send } = setup();
    let calls = 0;
    primary.answer = (frame) => (++calls === 1 ? Buffer.concat([primary.nak(), primary.nak()]) : primary.ack(frame));
    expect(acked(await settle(clock, send(alarm()))).attempts).toBe(2);
  });

  it('NAK after NAK: every NAK counts as an attempt, then the alarm moves on with NAK', async () => {
    const { clock, primary, send, pathState } = setup({ secondary: false });
    primary.answer = () => primary.nak();
    const result = await settle(clock, send(alarm()));
    expect(result).toMatchObject({ outcome: 'dead-letter', failures: [{ code: 'HIKARC_TRANSPORT_NAK', attempts: 3 }] });
    expect(primary.received).toHaveLength(3);
    // A NAK is an answer: the path is up, whatever it says about this account.
    expect(pathState('primary')).toBe('up');
  });

  it('a refused connection with none open marks the path down at once', async () => {
    const { clock, primary, send, pathState } = setup({ secondary: false });
    primary.refuseConnections = true;
    const result = await settle(clock, send(alarm()), 50);
    expect(result).toMatchObject({ outcome: 'dead-letter', failures: [{ code: 'HIKARC_TRANSPORT_CONNECT_FAILED', attempts: 1 }] });
    expect(pathState('primary')).toBe('down');
  });
});

describe('delivery: paths', () => {
  it('DUH: gives up on that path at once and moves to the next; the path stays up', async () => {
    const { clock, primary, secondary, send, pathState } = setup();
    primary.answer = (frame) => primary.duh(frame);
    const result = acked(await settle(clock, send(alarm())));
    expect(result).toMatchObject({ via: 'secondary', sequence: 1, failures: [{ path: 'primary', attempts: 1, code: 'HIKARC_TRANSPORT_DUH' }] });
    expect(primary.received).toHaveLength(1);
    expect(secondary.received).toHaveLength(1);
    expect(pathState('primary')).toBe('up');
  });

  it('an alarm carries its one number on both paths', async () => {
    const { clock, primary, secondary, send } = setup();
    acked(await settle(clock, send(alarm('1234'))));
    primary.answer = (frame) => primary.duh(frame);
    acked(await settle(clock, send(alarm('1234'))));
    expect(primary.received.map((received) => received.frame.sequence)).toEqual([1, 2]);
    expect(secondary.received.map((received) => received.frame.sequence)).toEqual([2]);
  });

  it('a silent primary is found out by a NULL test and every alarm goes to the secondary at once; it returns when the primary answers', async () => {
    const { clock, primary, secondary, changes, send, pathState } = setup({ supervisionAccount: 'AAAA', arc: { supervisionSec: 600 } });
    primary.answer = () => 'silent';
    const first = acked(await settle(clock, send(alarm('1111'))));
    expect(first).toMatchObject({ via: 'secondary' });
    // The first timeout raised a NULL test; its silence took the path down within two timeouts.
    expect(first.roundMs).toBeLessThanOrEqual(2 * ACK_TIMEOUT_MS + 200);
    expect(pathState('primary')).toBe('down');
    const sentToPrimary = primary.received.length;
    const second = acked(await settle(clock, send(alarm('2222'))));
    expect(second).toMatchObject({ via: 'secondary', failures: [{ path: 'primary', code: 'HIKARC_TRANSPORT_PATH_DOWN', attempts: 0 }] });
    expect(primary.received).toHaveLength(sentToPrimary);
    primary.answer = (frame) => primary.ack(frame);
    // The down path is probed with a NULL test after 5 s at the latest.
    await clock.advance(6_000);
    expect(primary.received.at(-1)?.frame).toMatchObject({ token: 'NULL', sequence: 0, account: 'AAAA', data: '' });
    expect(pathState('primary')).toBe('up');
    expect(acked(await settle(clock, send(alarm('3333')))).via).toBe('primary');
    expect(changes.filter((change) => change.destination === 'primary').map((change) => change.to)).toEqual(['down', 'up']);
    expect(secondary.received.map((received) => received.frame.account)).toEqual(['1111', '2222']);
  });

  it('without NULL tests, frames of two accounts unanswered take the path down; later alarms skip it', async () => {
    const { clock, primary, send, pathState, outcomes } = setup();
    primary.answer = () => 'silent';
    const rounds = [send(alarm('1111')), send(alarm('2222')), send(alarm('3333'))];
    const results = await settle(clock, Promise.all(rounds));
    expect(results.map((result) => result.outcome === 'acked' && result.via)).toEqual(['secondary', 'secondary', 'secondary']);
    expect(pathState('primary')).toBe('down');
    // Each waited one ACK timeout on the primary, not attempts × timeout.
    expect(Math.max(...outcomes.map((outcome) => (outcome.outcome === 'acked' ? outcome.roundMs : Infinity)))).toBeLessThanOrEqual(ACK_TIMEOUT_MS + 200);
  });

  it('an account the ARC NAKs moves no path: other accounts keep flowing, the states stay up', async () => {
    const { clock, primary, secondary, send, changes } = setup({ whenUndelivered: 'retry' });
    const refused = (frame: { account: string }) => frame.account === '9999';
    primary.answer = (frame) => (refused(frame) ? primary.nak() : primary.ack(frame));
    secondary.answer = (frame) => (refused(frame) ? secondary.nak() : secondary.ack(frame));
    const unknown = send(alarm('9999'));
    const others = await settle(clock, Promise.all(['1111', '2222', '3333', '4444'].map((account) => send(alarm(account)))));
    expect(others.every((outcome) => outcome.outcome === 'acked' && outcome.via === 'primary')).toBe(true);
    expect(await settle(clock, unknown)).toMatchObject({
      outcome: 'retry',
      failures: [
        { path: 'primary', code: 'HIKARC_TRANSPORT_NAK' },
        { path: 'secondary', code: 'HIKARC_TRANSPORT_NAK' },
      ],
    });
    await clock.advance(30_000);
    expect(changes.map((change) => `${change.destination}:${change.to}`)).toEqual(['primary:up', 'secondary:up']);
  });
});

describe('delivery: the window', () => {
  it('has many accounts in flight at once, never two of one account', async () => {
    const { clock, primary, send } = setup({ secondary: false });
    const held: Array<() => void> = [];
    primary.answer = (frame, arc, connection) => {
      held.push(() => arc.push(arc.ack(frame), connection));
      return 'silent';
    };
    const rounds = ['1111', '2222', '3333', '4444', '1111', '2222'].map((account) => send(alarm(account)));
    await clock.advance(10);
    expect(primary.received.map((received) => received.frame.account)).toEqual(['1111', '2222', '3333', '4444']);
    expect(new Set(primary.received.map((received) => received.connection)).size).toBe(4);
    for (const release of held.splice(0)) release();
    await clock.advance(10);
    expect(primary.received.slice(4).map((received) => `${received.frame.account}/${received.frame.sequence}`)).toEqual(['1111/2', '2222/2']);
    for (const release of held.splice(0)) release();
    const results = await settle(clock, Promise.all(rounds));
    expect(results.every((result) => result.outcome === 'acked')).toBe(true);
  });

  it('keeps at most arc.maxInFlight frames outstanding per path', async () => {
    const { clock, primary, send } = setup({ secondary: false, arc: { maxInFlight: 3 } });
    const held: Array<() => void> = [];
    primary.answer = (frame, arc, connection) => {
      held.push(() => arc.push(arc.ack(frame), connection));
      return 'silent';
    };
    const rounds = Array.from({ length: 8 }, (_, i) => send(alarm(`10${i}0`)));
    await clock.advance(10);
    expect(primary.received).toHaveLength(3);
    while (held.length > 0) {
      for (const release of held.splice(0)) release();
      await clock.advance(10);
      expect(held.length).toBeLessThanOrEqual(3);
    }
    expect((await settle(clock, Promise.all(rounds))).every((result) => result.outcome === 'acked')).toBe(true);
    expect(primary.connections).toBe(3);
  });
});

describe('delivery: connections', () => {
  it('reuses a connection while the receiver keeps it open', async () => {
    const { clock, primary, send } = setup();
    for (let i = 0; i < 3; i++) acked(await settle(clock, send(alarm())));
    expect(primary.connections).toBe(1);
  });

  it('opens a new connection when the receiver closes after every answer', async () => {
    const { clock, primary, send } = setup();
    primary.answer = (frame, arc, connection) => {
      setImmediate(() => setImmediate(() => arc.hangUp(connection)));
      return arc.ack(frame);
    };
    for (let i = 0; i < 3; i++) expect(acked(await settle(clock, send(alarm()))).attempts).toBe(1);
    expect(primary.connections).toBe(3);
  });

  it('resends once, uncounted, when a kept-open connection closes under the write', async () => {
    const { clock, primary, send } = setup();
    acked(await settle(clock, send(alarm())));
    let calls = 0;
    primary.answer = (frame) => (++calls === 1 ? 'close' : primary.ack(frame));
    expect(acked(await settle(clock, send(alarm())))).toMatchObject({ attempts: 1, sequence: 2 });
    expect(primary.connections).toBe(2);
  });

  it('a new connection closed without an answer counts as an attempt', async () => {
    const { clock, primary, send } = setup({ secondary: false });
    primary.answer = () => 'close';
    const result = await settle(clock, send(alarm()), 50);
    expect(result).toMatchObject({ outcome: 'dead-letter', failures: [{ attempts: 3, code: 'HIKARC_TRANSPORT_LINK_CLOSED' }] });
  });
});

describe('delivery: strict answers', () => {
  it('an answer that arrives with nothing in flight is counted, not taken for the next frame', async () => {
    const { clock, primary, metrics, send } = setup({ secondary: false });
    acked(await settle(clock, send(alarm())));
    // An ACK for the account's next number before that frame exists.
    primary.push(primary.ack({ ...primary.received[0]!.frame, sequence: 2 }));
    expect(await counted(metrics, 'hik_arc_transport_response_errors_total', { destination: 'primary', code: 'HIKARC_TRANSPORT_EARLY_ANSWER' })).toBe(1);
    primary.answer = () => 'silent';
    const result = await settle(clock, send(alarm()));
    expect(result).toMatchObject({ outcome: 'dead-letter', failures: [{ code: 'HIKARC_TRANSPORT_ACK_TIMEOUT', attempts: 3 }] });
  });
});

describe('delivery: NULL link tests', () => {
  it('sends a NULL after the idle interval; any frame restarts the interval', async () => {
    const { clock, primary, metrics, send, pathState } = setup({ supervisionAccount: 'AAAA', secondary: false, arc: { supervisionSec: 60 } });
    await clock.advance(30_000);
    acked(await settle(clock, send(alarm())));
    await clock.advance(59_000);
    expect(primary.tokens()).toEqual(['ADM-CID']);
    await clock.advance(2_000);
    expect(primary.tokens()).toEqual(['ADM-CID', 'NULL']);
    expect(primary.received[1]!.at - primary.received[0]!.at).toBeGreaterThanOrEqual(60_000);
    await clock.advance(60_000);
    expect(primary.tokens()).toEqual(['ADM-CID', 'NULL', 'NULL']);
    expect(await counted(metrics, 'hik_arc_transport_supervision_total', { destination: 'primary', outcome: 'ok' })).toBe(2);
    expect(pathState('primary')).toBe('up');
  });

  it('an unanswered NULL marks the path down; the path-up gauge follows', async () => {
    const { clock, primary, metrics, changes, pathState } = setup({ supervisionAccount: 'AAAA', secondary: false, arc: { supervisionSec: 10 } });
    await clock.advance(10_000);
    expect(pathState('primary')).toBe('up');
    expect(await metrics.value('hik_arc_transport_path_up', { destination: 'primary' })).toBe(1);
    primary.answer = () => 'silent';
    await clock.advance(10_000 + ACK_TIMEOUT_MS);
    expect(pathState('primary')).toBe('down');
    expect(await metrics.value('hik_arc_transport_path_up', { destination: 'primary' })).toBe(0);
    expect(await counted(metrics, 'hik_arc_transport_supervision_total', { destination: 'primary', outcome: 'failed' })).toBe(1);
    expect(changes.map((change) => change.to)).toEqual(['up', 'down']);
  });
});

describe('delivery: stop', () => {
  it('lets the frame in flight finish before the deadline and sends no NULL meanwhile', async () => {
    const { clock, primary, send, delivery } = setup({ supervisionAccount: 'AAAA', arc: { supervisionSec: 1, ackTimeoutMs: 10_000 } });
    let release: (() => void) | undefined;
    primary.answer = (frame) => {
      release = () => primary.push(primary.ack(frame));
      return 'silent';
    };
    const inFlight = send(alarm());
    await clock.advance(10);
    const stopping = delivery.stop(5_000);
    await clock.advance(3_000);
    expect(primary.tokens()).toEqual(['ADM-CID']);
    release?.();
    expect(acked(await settle(clock, inFlight)).via).toBe('primary');
    await settle(clock, stopping);
  });

  it('ends what is left at the deadline; those alarms stay in the outbox, not lost', async () => {
    const { clock, primary, send, delivery, outbox, outcomes } = setup({ secondary: false, arc: { ackTimeoutMs: 10_000 } });
    primary.answer = () => 'silent';
    void send(alarm('1111'));
    void send(alarm('2222'));
    await clock.advance(10);
    const stopping = delivery.stop(2_000);
    await clock.advance(2_000);
    await stopping;
    expect(outcomes).toEqual([]);
    expect(outbox.stats('arc').pending).toBe(2);
    expect(outbox.next('arc', 10, clock.now()).map((entry) => entry.account)).toEqual(['1111', '2222']);
  });
});
