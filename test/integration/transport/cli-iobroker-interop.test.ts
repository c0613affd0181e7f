// `hik-arc send` (in-process, runCli) against iobroker.sia 2.0.4, a DC-09 receiver nobody on this
// project wrote, over loopback sockets. Apart from cli.test.ts so the interop tests run on their own.

import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from '../../../src/cli.js';
import { startIoBroker, type IoBrokerReceiver } from '../../helpers/dc09-iobroker.js';
import { capture } from '../../helpers/run-cli.js';

const KEY = '000102030405060708090A0B0C0D0E0F';

const ioBrokers: IoBrokerReceiver[] = [];

afterEach(async () => {
  await Promise.all(ioBrokers.splice(0).map((receiver) => receiver.stop()));
});

async function send(args: string[]): Promise<{ code: number; result: Record<string, unknown> | undefined; stderr: string }> {
  const output = capture();
  const code = await runCli(['send', ...args], output.io);
  return { code, result: output.lines()[0], stderr: output.stderr() };
}

describe('hik-arc send → iobroker.sia 2.0.4', () => {
  it.each([
    ['tcp', null],
    ['udp', null],
    ['tcp', KEY],
    ['udp', KEY],
  ] as const)('over %s (key: %s) gets an ACK', async (transport, key) => {
    const arc = await startIoBroker({
      transport,
      accounts: [{ accountnumber: '1234', aes: key !== null, hex: true, ...(key === null ? {} : { password: key }) }],
    });
    ioBrokers.push(arc);
    const sent = await send([
      '--to',
      arc.url,
      '--hik',
      '1103',
      '--account',
      '1234',
      '--zone',
      '15',
      '--timeout-ms',
      '1000',
      ...(key === null ? [] : ['--key', key]),
    ]);
    expect(sent).toMatchObject({ code: 0, result: { delivered: true, attempts: 1 } });
    expect(arc.parsed).toEqual([expect.objectContaining({ act: '1234', data_message: '#1234|1130 00 015', id: key === null ? 'ADM-CID' : '*ADM-CID' })]);
  });
});
