// The transmitter over real TCP and UDP sockets on 127.0.0.1 against the built-in receiver.

import { afterEach, describe, expect, it } from 'vitest';
import type { Clock } from '../../../src/clock.js';
import { parseAesKey } from '../../../src/transport/dc09-crypto.js';
import type { PathStateChange } from '../../../src/transport/destination-channel.js';
import type { LinkTransport } from '../../../src/transport/destination.js';
import type { AlarmPayload } from '../../../src/transport/event-message.js';
import { Transmitter, type DeliveryResult, type DestinationSpec, type TransmitterOptions } from '../../../src/transport/transmitter.js';
import { skewedClock, startRecordingReceiver, type RecordingReceiver } from '../../helpers/dc09-loopback.js';
import { waitFor } from '../../helpers/wait-for.js';

const ACK_TIMEOUT_MS = 200;
const KEY_TEXT = '000102030405060708090A0B0C0D0E0F';
const KEY = parseAesKey(KEY_TEXT, 'hex');

const receivers: RecordingReceiver[] = [];
const transmitters: Transmitter[] = [];

afterEach(async () => {
  for (const transmitter of transmitters.splice(0)) transmitter.abort();
  await Promise.all(receivers.splice(0).map((recording) => recording.receiver.stop()));
});

async function receiver(options: Parameters<typeof startRecordingReceiver>[0] = {}): Promise<RecordingReceiver> {
  const recording = await startRecordingReceiver(options);
  receivers.push(recording);
  return recording;
}

function transmitter(destinations: DestinationSpec[], options: Partial<TransmitterOptions> = {}): Transmitter {
  const created = new Transmitter({
    destinations,
    format: 'adm-cid',
    receiverNumber: '0',
    linePrefix: '0',
    key: null,
    ackTimeoutMs: ACK_TIMEOUT_MS,
    attempts: 3,
    supervisionSec: 0,
    supervisionAccount: 'AAAA',
    ...options,
  });
  transmitters.push(created);
  return created;
}

function alarm(zone = 15): AlarmPayload {
  const z = String(zone).padStart(3, '0');
  return { account: '1234', admCid: `#1234|1130 01 ${z}`, siaDcs: `#1234|Nri1/BA${z}`, videoUrl: 'http://10.1.2.3/clip/77' };
}

function delivered(result: DeliveryResult) {
  if (!result.delivered) throw new Error(`undelivered: ${result.code} ${result.detail}`);
  return result;
}

describe.each(['tcp', 'udp'] as const)('over %s', (transport: LinkTransport) => {
  it.each([
    ['ADM-CID', 'adm-cid', false],
    ['SIA-DCS', 'sia-dcs', false],
    ['*ADM-CID (AES-128)', 'adm-cid', true],
    ['*SIA-DCS (AES-128)', 'sia-dcs', true],
  ] as const)('delivers %s and the receiver reads what was sent', async (token, format, encrypted) => {
    const arc = await receiver({ key: encrypted ? KEY : null });
    const tx = transmitter([{ name: 'primary', url: arc.receiver.url(transport) }], { format, key: encrypted ? KEY : null });
    const result = delivered(await tx.send(alarm()));
    expect(result).toMatchObject({ destination: 'primary', sequence: 1, attempts: 1 });
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

  it('retries with the same sequence number after a silent receiver', async () => {
    const arc = await receiver({ fault: { kind: 'silent' }, onFrame: () => arc.receiver.setFault({ kind: 'none' }) });
    const tx = transmitter([{ name: 'primary', url: arc.receiver.url(transport) }]);
    const result = delivered(await tx.send(alarm()));
    expect(result.attempts).toBe(2);
    expect(arc.records.map((record) => [record.seq, record.response])).toEqual([
      ['0001', null],
      ['0001', 'ACK'],
    ]);
  });

  it('takes the receiver clock from its NAK and resends at once with a corrected timestamp', async () => {
    const arc = await receiver({ key: KEY });
    const changes: PathStateChange[] = [];
    // Our clock two minutes slow: outside the receiver's -40/+20 s window.
    const clock: Clock = skewedClock(-120_000);
    const tx = transmitter([{ name: 'primary', url: arc.receiver.url(transport) }], { clock, key: KEY, onPathState: (change) => changes.push(change) });
    const result = delivered(await tx.send(alarm()));
    expect(result.attempts).toBe(2);
    expect(arc.records.map((record) => [record.seq, record.response, record.error?.code ?? null])).toEqual([
      ['0001', 'NAK', 'HIKARC_DC09_TIMESTAMP_WINDOW'],
      ['0001', 'ACK', null],
    ]);
    expect(Math.abs(Date.parse(arc.records[1]?.timestamp ?? '') - Date.now())).toBeLessThan(3_000);
    expect(Math.abs((tx.status()[0]?.clockOffsetMs ?? 0) - 120_000)).toBeLessThan(2_000);
    expect(changes.map((change) => change.to)).toEqual(['up']);
  });

  it('on DUH moves to the secondary', async () => {
    const primary = await receiver({ fault: { kind: 'duh' } });
    const secondary = await receiver();
    const tx = transmitter([
      { name: 'primary', url: primary.receiver.url(transport) },
      { name: 'secondary', url: secondary.receiver.url(transport) },
    ]);
    const result = delivered(await tx.send(alarm()));
    expect(result).toMatchObject({ destination: 'secondary', failures: [{ destination: 'primary', attempts: 1, code: 'HIKARC_TRANSPORT_DUH' }] });
    expect(primary.records.map((record) => record.response)).toEqual(['DUH']);
    expect(secondary.records.map((record) => record.response)).toEqual(['ACK']);
  });

  it('fails over to the secondary and returns to the primary when it answers again', async () => {
    const primary = await receiver({ fault: { kind: 'silent' } });
    const secondary = await receiver();
    const changes: PathStateChange[] = [];
    const tx = transmitter(
      [
        { name: 'primary', url: primary.receiver.url(transport) },
        { name: 'secondary', url: secondary.receiver.url(transport) },
      ],
      { onPathState: (change) => changes.push(change) },
    );
    expect(delivered(await tx.send(alarm(1)))).toMatchObject({ destination: 'secondary', failures: [{ destination: 'primary', attempts: 3, code: 'HIKARC_TRANSPORT_ACK_TIMEOUT' }] });
    expect(tx.pathState('primary')).toBe('down');
    primary.receiver.setFault({ kind: 'none' });
    expect(delivered(await tx.send(alarm(2)))).toMatchObject({ destination: 'primary', failures: [] });
    expect(tx.pathState('primary')).toBe('up');
    expect(changes.map((change) => `${change.destination}:${change.to}`)).toEqual(['primary:down', 'secondary:up', 'primary:up']);
    expect(primary.records.at(-1)).toMatchObject({ data: '#1234|1130 01 002', response: 'ACK' });
  });

  it('sends NULLs at the supervision interval and detects a down path', async () => {
    const arc = await receiver();
    const changes: PathStateChange[] = [];
    const tx = transmitter([{ name: 'primary', url: arc.receiver.url(transport) }], { supervisionSec: 1, onPathState: (change) => changes.push(change) });
    await waitFor(() => arc.records.filter((record) => record.token === 'NULL').length >= 2, 5_000, 'two NULL link tests');
    const nulls = arc.records.filter((record) => record.token === 'NULL');
    expect(nulls[0]).toMatchObject({ seq: '0000', account: 'AAAA', response: 'ACK' });
    expect(tx.pathState('primary')).toBe('up');
    arc.receiver.setFault({ kind: 'silent' });
    await waitFor(() => tx.pathState('primary') === 'down', 1_000 + 3 * ACK_TIMEOUT_MS + 3_000, 'the path to go down');
    expect(changes.map((change) => change.to)).toEqual(['up', 'down']);
    expect(changes[1]?.reason).toBe('HIKARC_TRANSPORT_ACK_TIMEOUT');
  });
});

describe('TCP connection lifetime', () => {
  it('re-opens the connection transparently when the receiver closes after every answer', async () => {
    const arc = await receiver({ closeAfterAnswer: true });
    const tx = transmitter([{ name: 'primary', url: arc.receiver.url('tcp') }]);
    for (let zone = 1; zone <= 4; zone++) {
      expect(delivered(await tx.send(alarm(zone)))).toMatchObject({ attempts: 1, sequence: zone });
      // Let the receiver's FIN arrive before the next message, and also race it on the last one.
      if (zone < 3) await new Promise((resolve) => setTimeout(resolve, 20));
    }
    // A frame written as the receiver's FIN arrives is sent again on a new connection with the same
    // sequence number, so the receiver may see a duplicate; it processes it once (reference §1.5).
    expect([...new Set(arc.records.map((record) => record.seq))]).toEqual(['0001', '0002', '0003', '0004']);
    expect(arc.records.every((record) => record.response === 'ACK')).toBe(true);
  });

  it('counts a connection closed without an answer as an attempt and succeeds on a new one', async () => {
    const arc = await receiver({ fault: { kind: 'close' }, onFrame: () => arc.receiver.setFault({ kind: 'none' }) });
    const tx = transmitter([{ name: 'primary', url: arc.receiver.url('tcp') }]);
    expect(delivered(await tx.send(alarm()))).toMatchObject({ attempts: 2, sequence: 1 });
  });

  it('reports a refused connection after the attempts', async () => {
    const arc = await receiver();
    const url = arc.receiver.url('tcp');
    await arc.receiver.stop();
    receivers.pop();
    const tx = transmitter([{ name: 'primary', url }]);
    expect(await tx.send(alarm())).toMatchObject({ delivered: false, code: 'HIKARC_TRANSPORT_UNDELIVERED', failures: [{ attempts: 3, code: 'HIKARC_TRANSPORT_CONNECT_FAILED' }] });
  });

  it('stop() drains a message in flight within the deadline', async () => {
    const arc = await receiver({ fault: { kind: 'delay', ms: 100 } });
    const tx = transmitter([{ name: 'primary', url: arc.receiver.url('tcp') }], { ackTimeoutMs: 1_000 });
    const sending = tx.send(alarm());
    await waitFor(() => arc.records.length === 1, 2_000, 'the frame to arrive');
    await tx.stop(2_000);
    expect(delivered(await sending).attempts).toBe(1);
    expect(await tx.send(alarm())).toMatchObject({ delivered: false, code: 'HIKARC_TRANSPORT_STOPPED' });
  });
});
