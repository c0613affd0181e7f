// Interop with a DC-09 receiver nobody on this project wrote: iobroker.sia 2.0.4 on 127.0.0.1.
// Every frame must be ACKed by it and its parse must match what was sent. (It NAKs every NULL, so
// supervision is tested against the built-in receiver instead.)

import { afterEach, describe, expect, it } from 'vitest';
import { formatDc09Timestamp } from '../../../src/transport/dc09-timestamp.js';
import { parseAesKey } from '../../../src/transport/dc09-crypto.js';
import type { AlarmPayload } from '../../../src/transport/event-message.js';
import type { ArcSettings, DispatchOutcome } from '../../../src/transport/index.js';
import { deliveryRig, type DeliveryRig, type DeliveryRigOptions } from '../../helpers/delivery-rig.js';
import { startIoBroker, type IoBrokerAccount, type IoBrokerReceiver } from '../../helpers/dc09-iobroker.js';
import { skewedClock } from '../../helpers/dc09-loopback.js';

const AES128 = '000102030405060708090A0B0C0D0E0F';
const AES256 = '603DEB1015CA71BE2B73AEF0857D77811F352C073B6108D72D9810A30914DFF4';
const ACCOUNTS: IoBrokerAccount[] = [
  { accountnumber: '1234', aes: false },
  { accountnumber: 'A128', aes: true, hex: true, password: AES128 },
  { accountnumber: 'A256', aes: true, hex: true, password: AES256 },
];

const receivers: IoBrokerReceiver[] = [];
const transmitters: DeliveryRig[] = [];

afterEach(async () => {
  for (const transmitter of transmitters.splice(0)) await transmitter.stop();
  await Promise.all(receivers.splice(0).map((receiver) => receiver.stop()));
});

async function ioBroker(transport: 'tcp' | 'udp', options: { sockend?: boolean; timeoutSec?: number } = {}): Promise<IoBrokerReceiver> {
  const receiver = await startIoBroker({ transport, accounts: ACCOUNTS, ...options });
  receivers.push(receiver);
  return receiver;
}

function transmitter(
  url: string,
  options: Partial<Omit<ArcSettings, 'key'>> & DeliveryRigOptions,
): DeliveryRig & { status(): ReturnType<DeliveryRig['delivery']['status']> } {
  const { key, clock, ...arc } = options;
  const created = deliveryRig({ primary: url, ...arc }, { key: key ?? null, ...(clock === undefined ? {} : { clock }) });
  transmitters.push(created);
  return Object.assign(created, { status: () => created.delivery.status() });
}

function alarm(account: string, zone = 15, videoUrl: string | null = null): AlarmPayload {
  const z = String(zone).padStart(3, '0');
  return { account, admCid: `#${account}|1130 01 ${z}`, siaDcs: `#${account}|Nri1/BA${z}`, videoUrl };
}

function delivered(result: DispatchOutcome) {
  if (result.outcome !== 'acked') throw new Error(`undelivered: ${result.outcome} ${result.detail}`);
  return result;
}

const CASES = [
  ['ADM-CID, plain', 'adm-cid', '1234', null],
  ['SIA-DCS, plain', 'sia-dcs', '1234', null],
  ['ADM-CID, AES-128', 'adm-cid', 'A128', AES128],
  ['SIA-DCS, AES-128', 'sia-dcs', 'A128', AES128],
  ['ADM-CID, AES-256', 'adm-cid', 'A256', AES256],
  ['SIA-DCS, AES-256', 'sia-dcs', 'A256', AES256],
] as const;

describe.each(['tcp', 'udp'] as const)('iobroker.sia 2.0.4 over %s', (transport) => {
  it.each(CASES)('ACKs %s and parses what was sent', async (_name, format, account, keyText) => {
    const arc = await ioBroker(transport);
    const tx = transmitter(arc.url, { format, key: keyText === null ? null : parseAesKey(keyText, 'hex') });
    const before = Date.now();
    const first = delivered(await tx.send(alarm(account, 15, 'http://10.1.2.3/clip/77')));
    const second = delivered(await tx.send(alarm(account, 16)));
    expect([first.sequence, second.sequence]).toEqual([1, 2]);
    expect(first.attempts + second.attempts).toBe(2);
    expect(arc.refused).toEqual([]);
    const token = format === 'adm-cid' ? 'ADM-CID' : 'SIA-DCS';
    expect(arc.parsed).toEqual([
      expect.objectContaining({
        id: keyText === null ? token : `*${token}`,
        seq: '0001',
        rpref: '0',
        lpref: '0',
        act: account,
        data_message: format === 'adm-cid' ? `#${account}|1130 01 015` : `#${account}|Nri1/BA015`,
        data_extended: 'Vhttp://10.1.2.3/clip/77',
      }),
      expect.objectContaining({
        seq: '0002',
        act: account,
        data_message: format === 'adm-cid' ? `#${account}|1130 01 016` : `#${account}|Nri1/BA016`,
        data_extended: '',
      }),
    ]);
    // Our timestamp is UTC and inside its 10 s tolerance.
    const ts = arc.parsed[0]?.ts ?? '';
    expect([formatDc09Timestamp(before).slice(1), formatDc09Timestamp(before + 1000).slice(1), formatDc09Timestamp(Date.now()).slice(1)]).toContain(ts);
  });
});

describe('iobroker.sia 2.0.4 behaviours the transmitter must survive (docs/dc09.md §Receivers seen in the field)', () => {
  it('closes after every answer (sockend): each message goes out on a new connection, first time', async () => {
    const arc = await ioBroker('tcp', { sockend: true });
    const tx = transmitter(arc.url, { key: parseAesKey(AES128, 'hex') });
    for (let zone = 1; zone <= 3; zone++) {
      expect(delivered(await tx.send(alarm('A128', zone)))).toMatchObject({ sequence: zone });
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(arc.parsed.map((parsed) => parsed.data_message)).toEqual(['#A128|1130 01 001', '#A128|1130 01 002', '#A128|1130 01 003']);
  });

  it('NAKs a timestamp out of its window (twice, then closes): the transmitter takes its clock and is ACKed', async () => {
    const arc = await ioBroker('tcp', { timeoutSec: 10 });
    const tx = transmitter(arc.url, { key: parseAesKey(AES256, 'hex'), clock: skewedClock(90_000) });
    const result = delivered(await tx.send(alarm('A256')));
    expect(result.attempts).toBe(2);
    expect(arc.refused).toHaveLength(1);
    expect(arc.refused[0]).toMatch(/to old|timestamp/i);
    expect(arc.parsed).toHaveLength(1);
    expect(Math.abs((tx.status()[0]?.clockOffsetMs ?? 0) + 90_000)).toBeLessThan(2_000);
  });

  it('with a wrong key the message is never taken as delivered, even when it ACKs decrypted garbage', async () => {
    const arc = await ioBroker('udp');
    const tx = transmitter(arc.url, { key: parseAesKey(AES256, 'hex'), ackTimeoutMs: 300 });
    const result = await tx.send(alarm('A128'));
    // ioBroker.sia does not check the decrypted text: now and then the garbage happens to parse and
    // it answers *ACK under its own key. That *ACK does not decrypt with ours, so it is no ACK.
    expect(result).toMatchObject({ outcome: 'dead-letter', failures: [{ attempts: 3 }] });
    expect(['HIKARC_TRANSPORT_NAK', 'HIKARC_TRANSPORT_ACK_TIMEOUT']).toContain(result.failures[0]?.code);
    expect(arc.parsed.length + arc.refused.length).toBe(3);
  });
});
