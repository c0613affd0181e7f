import { describe, expect, it } from 'vitest';
import { MetricsRegistry } from '../../../src/metrics.js';
import { parseAesKey } from '../../../src/transport/dc09-crypto.js';
import type { PathStateChange } from '../../../src/transport/destination-channel.js';
import type { AlarmPayload } from '../../../src/transport/event-message.js';
import { Transmitter, type DeliveryResult, type TransmitterOptions } from '../../../src/transport/transmitter.js';
import { FakeArc, flush, ManualClock } from '../../helpers/dc09-fakes.js';

const ACK_TIMEOUT_MS = 1000;
const KEY = parseAesKey('000102030405060708090A0B0C0D0E0F', 'hex');

function alarm(account = '1234', zone = 15): AlarmPayload {
  const z = String(zone).padStart(3, '0');
  return { account, admCid: `#${account}|1130 01 ${z}`, siaDcs: `#${account}|Nri1/BA${z}`, videoUrl: null };
}

function setup(overrides: Partial<TransmitterOptions> = {}) {
  const clock = new ManualClock();
  const key = overrides.key ?? null;
  const primary = new FakeArc(clock, key);
  const secondary = new FakeArc(clock, key);
  const metrics = new MetricsRegistry();
  const changes: PathStateChange[] = [];
  const transmitter = new Transmitter({
    destinations: [
      { name: 'primary', url: 'tcp://primary.test:1' },
      { name: 'secondary', url: 'tcp://secondary.test:2' },
    ],
    format: 'adm-cid',
    receiverNumber: '0',
    linePrefix: '0',
    key,
    ackTimeoutMs: ACK_TIMEOUT_MS,
    attempts: 3,
    supervisionSec: 0,
    supervisionAccount: 'AAAA',
    clock,
    metrics,
    connect: (address, handlers, options) => (address.port === 1 ? primary : secondary).connect(address, handlers, options),
    onPathState: (change) => changes.push(change),
    ...overrides,
  });
  return { clock, primary, secondary, metrics, changes, transmitter };
}

/** Advances the manual clock in steps until the promise settles (bounded). */
async function settle<T>(clock: ManualClock, promise: Promise<T>, stepMs = 100, maxMs = 120_000): Promise<T> {
  let result: { value: T } | undefined;
  void promise.then((value) => {
    result = { value };
  });
  await flush();
  for (let elapsed = 0; result === undefined && elapsed <= maxMs; elapsed += stepMs) await clock.advance(stepMs);
  if (result === undefined) throw new Error(`did not settle within ${maxMs} ms of manual time`);
  return result.value;
}

function delivered(result: DeliveryResult) {
  if (!result.delivered) throw new Error(`undelivered: ${result.code} ${result.detail}`);
  return result;
}

function counter(metrics: MetricsRegistry, name: string, labels: Record<string, string>): number {
  const line = metrics
    .render()
    .split('\n')
    .find((candidate) => candidate.startsWith(`${name}{`) && Object.entries(labels).every(([key, value]) => candidate.includes(`${key}="${value}"`)));
  return line === undefined ? 0 : Number(line.split(' ').pop());
}

describe('Transmitter: delivery and acknowledgement', () => {
  it('sends one ADM-CID frame with R, L, account, data and our UTC time, and takes the ACK', async () => {
    const { clock, primary, transmitter } = setup();
    const result = delivered(await settle(clock, transmitter.send(alarm())));
    expect(result).toMatchObject({ destination: 'primary', sequence: 1, attempts: 1, failures: [] });
    expect(primary.received).toHaveLength(1);
    expect(primary.received[0]?.frame).toMatchObject({ token: 'ADM-CID', encrypted: false, sequence: 1, receiver: '0', line: '0', account: '1234', data: '#1234|1130 01 015', timestamp: Math.floor(clock.now() / 1000) * 1000 });
  });

  it('numbers new messages 0001, 0002 per destination', async () => {
    const { clock, primary, transmitter } = setup();
    await settle(clock, transmitter.send(alarm()));
    await settle(clock, transmitter.send(alarm()));
    expect(primary.received.map((received) => received.frame.sequence)).toEqual([1, 2]);
  });

  it('uses the SIA-DCS payload and a [V] block when configured so', async () => {
    const { clock, primary, transmitter } = setup({ format: 'sia-dcs' });
    delivered(await settle(clock, transmitter.send({ ...alarm(), videoUrl: 'http://nvr.local/clip/1' })));
    expect(primary.received[0]?.frame).toMatchObject({ token: 'SIA-DCS', data: '#1234|Nri1/BA015', extended: [{ id: 'V', value: 'http://nvr.local/clip/1' }] });
  });

  it('leaves a link holding | out of the [V] block, and counts it', async () => {
    const { clock, primary, transmitter, metrics } = setup();
    delivered(await settle(clock, transmitter.send({ ...alarm(), videoUrl: 'http://x/a|b' })));
    expect(primary.received[0]?.frame.extended).toEqual([]);
    expect(counter(metrics, 'hik_arc_transport_video_links_total', { outcome: 'omitted' })).toBe(1);
  });

  it('encrypts with the key and accepts the *ACK', async () => {
    const { clock, primary, transmitter } = setup({ key: KEY });
    delivered(await settle(clock, transmitter.send(alarm())));
    expect(primary.received[0]?.frame).toMatchObject({ token: 'ADM-CID', encrypted: true, data: '#1234|1130 01 015' });
    expect(primary.received[0]?.raw.toString('latin1')).toContain('"*ADM-CID"0001R0L0#1234[');
  });

  it('does not count a clear ACK to an encrypted frame, nor a stale ACK, nor an ACK for another account', async () => {
    for (const wrong of ['clear', 'stale', 'account'] as const) {
      const { clock, primary, transmitter, metrics } = setup({ key: KEY, destinations: [{ name: 'primary', url: 'tcp://primary.test:1' }] });
      primary.answer = (frame) => {
        if (wrong === 'clear') return Buffer.from(`\n${'0000'}0012"ACK"${String(frame.sequence).padStart(4, '0')}L0#1234[]\r`, 'latin1');
        return primary.ack({ ...frame, sequence: wrong === 'stale' ? frame.sequence + 1 : frame.sequence, account: wrong === 'account' ? '9999' : frame.account });
      };
      const result = await settle(clock, transmitter.send(alarm()));
      expect(result).toMatchObject({ delivered: false, code: 'HIKARC_TRANSPORT_UNDELIVERED', failures: [{ destination: 'primary', attempts: 3, code: 'HIKARC_TRANSPORT_ACK_TIMEOUT' }] });
      expect(counter(metrics, 'hik_arc_transport_response_errors_total', { destination: 'primary' })).toBe(3);
    }
  });

  it('rejects a message that cannot be encoded without writing anything', async () => {
    const { clock, primary, transmitter } = setup();
    const result = await settle(clock, transmitter.send({ ...alarm(), account: 'XYZ!' }));
    expect(result).toMatchObject({ delivered: false, code: 'HIKARC_DC09_INVALID_MESSAGE', failures: [] });
    expect(primary.received).toHaveLength(0);
  });
});

describe('Transmitter: retries', () => {
  it('retries a silent receiver with the same sequence, a fresh timestamp and a fresh pad, then hands the message back', async () => {
    const { clock, primary, transmitter, metrics, changes } = setup({ key: KEY, destinations: [{ name: 'primary', url: 'tcp://primary.test:1' }] });
    primary.answer = () => 'silent';
    const reported: number[] = [];
    const result = await settle(clock, transmitter.send(alarm(), { onSequence: (_destination, sequence) => void reported.push(sequence) }));
    expect(result).toMatchObject({ delivered: false, code: 'HIKARC_TRANSPORT_UNDELIVERED', failures: [{ destination: 'primary', sequence: 1, attempts: 3, code: 'HIKARC_TRANSPORT_ACK_TIMEOUT' }] });
    expect(reported).toEqual([1]);
    const frames = primary.received.map((received) => received.frame);
    expect(frames.map((frame) => frame.sequence)).toEqual([1, 1, 1]);
    expect(frames.map((frame) => frame.timestamp)).toEqual([0, 1, 2].map((i) => frames[0]!.timestamp! + i * ACK_TIMEOUT_MS));
    expect(new Set(frames.map((frame) => (frame.encrypted ? frame.pad : ''))).size).toBe(3);
    expect(counter(metrics, 'hik_arc_transport_ack_timeouts_total', { destination: 'primary' })).toBe(3);
    expect(changes).toEqual([expect.objectContaining({ destination: 'primary', from: 'unknown', to: 'down', reason: 'HIKARC_TRANSPORT_ACK_TIMEOUT' })]);
    expect(transmitter.pathState('primary')).toBe('down');
  });

  it('succeeds on the second attempt after one silent one', async () => {
    const { clock, primary, transmitter } = setup();
    let calls = 0;
    primary.answer = (frame) => (++calls === 1 ? 'silent' : primary.ack(frame));
    expect(delivered(await settle(clock, transmitter.send(alarm())))).toMatchObject({ destination: 'primary', attempts: 2, sequence: 1 });
    expect(primary.received.map((received) => received.at - primary.received[0]!.at)).toEqual([0, ACK_TIMEOUT_MS]);
  });

  it('on a NAK with the receiver time, resends at once with a corrected timestamp, and keeps the offset', async () => {
    const { clock, primary, transmitter, metrics } = setup();
    const receiverAhead = 120_000;
    primary.answer = (frame) => (Math.abs((frame.timestamp ?? 0) - (clock.now() + receiverAhead)) > 20_000 ? primary.nak(clock.now() + receiverAhead) : primary.ack(frame));
    const first = delivered(await settle(clock, transmitter.send(alarm())));
    expect(first.attempts).toBe(2);
    const [nakked, resent] = primary.received;
    expect(resent!.at - nakked!.at).toBe(0);
    expect(resent!.frame.sequence).toBe(nakked!.frame.sequence);
    expect(Math.abs(resent!.frame.timestamp! - (clock.now() + receiverAhead))).toBeLessThan(2000);
    expect(counter(metrics, 'hik_arc_transport_clock_offset_seconds', { destination: 'primary' })).toBeCloseTo(receiverAhead / 1000, 0);
    const second = delivered(await settle(clock, transmitter.send(alarm())));
    expect(second.attempts).toBe(1);
    expect(transmitter.status()[0]?.clockOffsetMs).toBe(receiverAhead);
  });

  it('a NAK written twice in one read (ioBroker.sia) costs one attempt', async () => {
    const { clock, primary, transmitter } = setup();
    let calls = 0;
    primary.answer = (frame) => (++calls === 1 ? Buffer.concat([primary.nak(), primary.nak()]) : primary.ack(frame));
    expect(delivered(await settle(clock, transmitter.send(alarm()))).attempts).toBe(2);
  });

  it('NAK after NAK: every NAK counts as an attempt, then the message goes back with NAK', async () => {
    const { clock, primary, transmitter } = setup({ destinations: [{ name: 'primary', url: 'tcp://primary.test:1' }] });
    primary.answer = () => primary.nak();
    const result = await settle(clock, transmitter.send(alarm()));
    expect(result).toMatchObject({ delivered: false, failures: [{ code: 'HIKARC_TRANSPORT_NAK', attempts: 3 }] });
    expect(primary.received).toHaveLength(3);
  });

  it('a refused connection is retried after a short pause, then reported', async () => {
    const { clock, primary, transmitter } = setup({ destinations: [{ name: 'primary', url: 'tcp://primary.test:1' }] });
    primary.refuseConnections = true;
    const result = await settle(clock, transmitter.send(alarm()), 50);
    expect(result).toMatchObject({ delivered: false, failures: [{ code: 'HIKARC_TRANSPORT_CONNECT_FAILED', attempts: 3 }] });
  });
});

describe('Transmitter: destinations', () => {
  it('DUH: gives up on that destination at once and moves to the next', async () => {
    const { clock, primary, secondary, transmitter } = setup();
    primary.answer = (frame) => primary.duh(frame);
    const result = delivered(await settle(clock, transmitter.send(alarm())));
    expect(result).toMatchObject({ destination: 'secondary', sequence: 1, failures: [{ destination: 'primary', attempts: 1, code: 'HIKARC_TRANSPORT_DUH' }] });
    expect(primary.received).toHaveLength(1);
    expect(secondary.received).toHaveLength(1);
    expect(transmitter.pathState('primary')).toBe('unknown');
  });

  it('fails over to the secondary after the attempts, and returns to the primary when it answers again', async () => {
    const { clock, primary, secondary, transmitter, changes } = setup();
    primary.answer = () => 'silent';
    const first = delivered(await settle(clock, transmitter.send(alarm())));
    expect(first).toMatchObject({ destination: 'secondary', failures: [{ destination: 'primary', attempts: 3, code: 'HIKARC_TRANSPORT_ACK_TIMEOUT' }] });
    expect(transmitter.pathState('primary')).toBe('down');

    // Still dead: a down primary gets a single probing attempt before the secondary.
    const second = delivered(await settle(clock, transmitter.send(alarm())));
    expect(second).toMatchObject({ destination: 'secondary', failures: [{ destination: 'primary', attempts: 1 }] });

    primary.answer = (frame) => primary.ack(frame);
    const third = delivered(await settle(clock, transmitter.send(alarm())));
    expect(third).toMatchObject({ destination: 'primary', attempts: 1, failures: [] });
    expect(secondary.received).toHaveLength(2);
    expect(changes.filter((change) => change.destination === 'primary').map((change) => change.to)).toEqual(['down', 'up']);
  });

  it('with supervision, skips a down primary and brings it back after a NULL is acknowledged', async () => {
    const { clock, primary, secondary, transmitter } = setup({ supervisionSec: 60 });
    primary.answer = () => 'silent';
    expect(delivered(await settle(clock, transmitter.send(alarm()))).destination).toBe('secondary');
    const sentToPrimary = primary.received.length;
    expect(delivered(await settle(clock, transmitter.send(alarm()))).destination).toBe('secondary');
    expect(primary.received).toHaveLength(sentToPrimary);

    primary.answer = (frame) => primary.ack(frame);
    await clock.advance(60_000);
    expect(primary.received.at(-1)?.frame).toMatchObject({ token: 'NULL', sequence: 0, account: 'AAAA', data: '' });
    expect(transmitter.pathState('primary')).toBe('up');
    expect(delivered(await settle(clock, transmitter.send(alarm()))).destination).toBe('primary');
    expect(secondary.received.every((received) => received.frame.token === 'ADM-CID' || received.frame.token === 'NULL')).toBe(true);
  });

  it('uses a pinned sequence per destination and reports the one used before the first write', async () => {
    const { clock, primary, secondary, transmitter } = setup();
    primary.answer = (frame) => primary.duh(frame);
    const seen: Array<[string, number, number]> = [];
    const result = delivered(
      await settle(
        clock,
        transmitter.send(alarm(), {
          sequences: { primary: 42 },
          onSequence: (destination, sequence) => {
            seen.push([destination, sequence, destination === 'primary' ? primary.received.length : secondary.received.length]);
          },
        }),
      ),
    );
    expect(primary.received[0]?.frame.sequence).toBe(42);
    expect(result).toMatchObject({ destination: 'secondary', sequence: 1 });
    expect(seen).toEqual([
      ['primary', 42, 0],
      ['secondary', 1, 0],
    ]);
  });
});

describe('Transmitter: one frame in flight per link', () => {
  it('queues concurrent sends FIFO and writes the next frame only after the previous answer', async () => {
    const { clock, primary, transmitter } = setup({ destinations: [{ name: 'primary', url: 'tcp://primary.test:1' }] });
    let calls = 0;
    primary.answer = (frame) => (++calls === 1 ? 'silent' : primary.ack(frame));
    const sends = [transmitter.send(alarm('1111')), transmitter.send(alarm('2222')), transmitter.send(alarm('3333'))];
    await clock.advance(ACK_TIMEOUT_MS - 1);
    expect(primary.received.map((received) => received.frame.account)).toEqual(['1111']);
    const results = await settle(clock, Promise.all(sends));
    expect(results.map((result) => result.delivered && result.sequence)).toEqual([1, 2, 3]);
    expect(primary.received.map((received) => `${received.frame.account}/${received.frame.sequence}`)).toEqual(['1111/1', '1111/1', '2222/2', '3333/3']);
  });
});

describe('Transmitter: TCP connection lifetime', () => {
  it('reuses the connection while the receiver keeps it open', async () => {
    const { clock, primary, transmitter } = setup();
    for (let i = 0; i < 3; i++) delivered(await settle(clock, transmitter.send(alarm())));
    expect(primary.connections).toBe(1);
  });

  it('opens a new connection when the receiver closes after every answer', async () => {
    const { clock, primary, transmitter } = setup();
    primary.answer = (frame) => {
      queueMicrotask(() => queueMicrotask(() => primary.hangUp()));
      return primary.ack(frame);
    };
    for (let i = 0; i < 3; i++) expect(delivered(await settle(clock, transmitter.send(alarm()))).attempts).toBe(1);
    expect(primary.connections).toBe(3);
  });

  it('resends once, uncounted, when a kept-open connection closes under the write', async () => {
    const { clock, primary, transmitter } = setup();
    delivered(await settle(clock, transmitter.send(alarm())));
    let calls = 0;
    primary.answer = (frame) => (++calls === 1 ? 'close' : primary.ack(frame));
    expect(delivered(await settle(clock, transmitter.send(alarm())))).toMatchObject({ attempts: 1, sequence: 2 });
    expect(primary.connections).toBe(2);
  });

  it('a new connection closed without an answer counts as an attempt', async () => {
    const { clock, primary, transmitter } = setup({ destinations: [{ name: 'primary', url: 'tcp://primary.test:1' }] });
    primary.answer = () => 'close';
    const result = await settle(clock, transmitter.send(alarm()), 50);
    expect(result).toMatchObject({ delivered: false, failures: [{ attempts: 3, code: 'HIKARC_TRANSPORT_LINK_CLOSED' }] });
  });
});

describe('Transmitter: supervision (reference §4.7)', () => {
  it('sends a NULL after the idle interval; any message restarts the interval', async () => {
    const { clock, primary, transmitter, metrics } = setup({ supervisionSec: 60, destinations: [{ name: 'primary', url: 'tcp://primary.test:1' }] });
    await clock.advance(30_000);
    delivered(await settle(clock, transmitter.send(alarm())));
    const sentAt = clock.monotonic();
    await clock.advance(59_000);
    expect(primary.tokens()).toEqual(['ADM-CID']);
    await clock.advance(2_000);
    expect(primary.tokens()).toEqual(['ADM-CID', 'NULL']);
    expect(primary.received[1]!.at - primary.received[0]!.at).toBeGreaterThanOrEqual(60_000);
    expect(clock.monotonic() - sentAt).toBeLessThan(62_000);
    await clock.advance(60_000);
    expect(primary.tokens()).toEqual(['ADM-CID', 'NULL', 'NULL']);
    expect(counter(metrics, 'hik_arc_transport_supervision_total', { destination: 'primary', outcome: 'ok' })).toBe(2);
    expect(transmitter.pathState('primary')).toBe('up');
  });

  it('an unanswered NULL marks the path down; the path-up gauge follows', async () => {
    const { clock, primary, transmitter, metrics, changes } = setup({ supervisionSec: 10, destinations: [{ name: 'primary', url: 'tcp://primary.test:1' }] });
    await clock.advance(10_000);
    expect(transmitter.pathState('primary')).toBe('up');
    expect(counter(metrics, 'hik_arc_transport_path_up', { destination: 'primary' })).toBe(1);
    primary.answer = () => 'silent';
    await clock.advance(10_000 + 3 * ACK_TIMEOUT_MS);
    expect(transmitter.pathState('primary')).toBe('down');
    expect(counter(metrics, 'hik_arc_transport_path_up', { destination: 'primary' })).toBe(0);
    expect(counter(metrics, 'hik_arc_transport_supervision_total', { destination: 'primary', outcome: 'failed' })).toBe(1);
    expect(changes.map((change) => change.to)).toEqual(['up', 'down']);
  });

  it('needs an account for the NULL', () => {
    expect(() => setup({ supervisionSec: 10, supervisionAccount: '' })).toThrow(expect.objectContaining({ code: 'HIKARC_CONFIG_INVALID' }));
  });
});

describe('Transmitter: stop and abort', () => {
  it('stop() lets the frame in flight finish before the deadline, sends no more NULLs, and refuses new messages', async () => {
    const { clock, primary, transmitter } = setup({ supervisionSec: 1, ackTimeoutMs: 10_000 });
    let release: (() => void) | undefined;
    primary.answer = (frame) => {
      release = () => primary.push(primary.ack(frame));
      return 'silent';
    };
    const inFlight = transmitter.send(alarm());
    await flush();
    const stopping = transmitter.stop(5_000);
    expect(await settle(clock, transmitter.send(alarm()))).toMatchObject({ delivered: false, code: 'HIKARC_TRANSPORT_STOPPED' });
    await clock.advance(3_000);
    expect(primary.tokens()).toEqual(['ADM-CID']);
    release?.();
    expect(delivered(await settle(clock, inFlight)).destination).toBe('primary');
    await settle(clock, stopping);
  });

  it('while stopping, a destination that became idle sends no NULL', async () => {
    const { clock, primary, secondary, transmitter } = setup({ supervisionSec: 1, ackTimeoutMs: 10_000 });
    let duh: (() => void) | undefined;
    primary.answer = (frame) => {
      duh = () => primary.push(primary.duh(frame));
      return 'silent';
    };
    secondary.answer = () => 'silent';
    const sending = transmitter.send(alarm());
    await flush();
    const stopping = transmitter.stop(5_000);
    duh?.();
    await clock.advance(3_000);
    expect(primary.tokens()).toEqual(['ADM-CID']);
    expect(secondary.tokens()).toEqual(['ADM-CID']);
    await clock.advance(2_000);
    await stopping;
    expect(await sending).toMatchObject({ delivered: false, code: 'HIKARC_TRANSPORT_STOPPED' });
  });

  it('stop() aborts what is left at the deadline; the sends come back undelivered, not lost', async () => {
    const { clock, primary, transmitter } = setup({ destinations: [{ name: 'primary', url: 'tcp://primary.test:1' }], ackTimeoutMs: 10_000 });
    primary.answer = () => 'silent';
    const first = transmitter.send(alarm('1111'));
    const second = transmitter.send(alarm('2222'));
    await flush();
    const stopping = transmitter.stop(2_000);
    await clock.advance(2_000);
    await stopping;
    expect(await first).toMatchObject({ delivered: false, code: 'HIKARC_TRANSPORT_STOPPED' });
    expect(await second).toMatchObject({ delivered: false, code: 'HIKARC_TRANSPORT_STOPPED' });
    expect(primary.received).toHaveLength(1);
  });

  it('an answer that arrives with nothing in flight is counted, not taken for the next frame', async () => {
    const { clock, primary, transmitter, metrics } = setup();
    delivered(await settle(clock, transmitter.send(alarm())));
    primary.push(Buffer.from('\nD1600012"ACK"0002L0#1234[]\r', 'latin1'));
    expect(counter(metrics, 'hik_arc_transport_response_errors_total', { destination: 'primary', code: 'HIKARC_TRANSPORT_UNMATCHED_RESPONSE' })).toBe(1);
  });
});
