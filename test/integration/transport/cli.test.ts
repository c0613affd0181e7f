// `hik-arc send` and `hik-arc receiver` run in-process (runCli) over loopback sockets (`send`
// against iobroker.sia is in cli-iobroker-interop.test.ts).

import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from '../../../src/cli.js';
import { capture, type Captured } from '../../helpers/run-cli.js';
import { waitFor } from '../../helpers/wait-for.js';
import { writeTempJson } from '../../helpers/temp-files.js';

const KEY = '000102030405060708090A0B0C0D0E0F';

interface RunningReceiver {
  readonly tcp: string;
  readonly udp: string;
  readonly output: Captured;
  stop(): Promise<number>;
}

const running: RunningReceiver[] = [];

afterEach(async () => {
  await Promise.all(running.splice(0).map((receiver) => receiver.stop()));
});

async function startReceiver(extra: string[] = []): Promise<RunningReceiver> {
  const controller = new AbortController();
  const output = capture(controller.signal);
  const exit = runCli(['receiver', '--listen', 'tcp://127.0.0.1:0', '--listen', 'udp://127.0.0.1:0', '--duration', '60', ...extra], output.io);
  await waitFor(() => /udp:\/\/127\.0\.0\.1:\d+/.test(output.stderr()), 5_000, 'the receiver to listen');
  const tcp = /tcp:\/\/127\.0\.0\.1:\d+/.exec(output.stderr())?.[0] ?? '';
  const udp = /udp:\/\/127\.0\.0\.1:\d+/.exec(output.stderr())?.[0] ?? '';
  let stopped: Promise<number> | undefined;
  const receiver: RunningReceiver = {
    tcp,
    udp,
    output,
    stop: () => {
      stopped ??= (controller.abort(), exit);
      return stopped;
    },
  };
  running.push(receiver);
  return receiver;
}

async function send(args: string[]): Promise<{ code: number; result: Record<string, unknown> | undefined; stderr: string }> {
  const output = capture();
  const code = await runCli(['send', ...args], output.io);
  return { code, result: output.lines()[0], stderr: output.stderr() };
}

describe('hik-arc send → hik-arc receiver', () => {
  it.each([
    ['tcp', false],
    ['udp', false],
    ['tcp', true],
    ['udp', true],
  ] as const)('over %s (encrypted: %s) gets an ACK and exits 0', async (transport, encrypted) => {
    const receiver = await startReceiver(encrypted ? ['--key', KEY, '--key-format', 'hex'] : []);
    const keyArgs = encrypted ? ['--key', KEY, '--key-format', 'hex'] : [];
    const sent = await send([
      '--to',
      receiver[transport],
      '--hik',
      '1103',
      '--account',
      '1234',
      '--partition',
      '1',
      '--zone',
      '15',
      '--timeout-ms',
      '500',
      ...keyArgs,
    ]);
    expect(sent.code).toBe(0);
    expect(sent.result).toMatchObject({
      delivered: true,
      to: receiver[transport],
      cid: 'E130',
      sia: 'BA',
      data: '#1234|1130 01 015',
      encrypted,
      sequence: 1,
      attempts: 1,
    });
    await waitFor(() => receiver.output.lines().length === 1, 2_000, 'the receiver line');
    expect(await receiver.stop()).toBe(0);
    const [line] = receiver.output.lines();
    expect(Object.keys(line ?? {})).toEqual([
      'transport',
      'token',
      'encrypted',
      'seq',
      'receiver',
      'line',
      'account',
      'data',
      'extended',
      'timestamp',
      'response',
      'error',
    ]);
    expect(line).toMatchObject({
      transport,
      token: 'ADM-CID',
      encrypted,
      seq: '0001',
      receiver: '0',
      line: '0',
      account: '1234',
      data: '#1234|1130 01 015',
      extended: [],
      response: 'ACK',
      error: null,
    });
  });

  it('sends what the service would: --cid/--sia in SIA-DCS with a user number and a [V] link', async () => {
    const receiver = await startReceiver();
    const sent = await send([
      '--to',
      receiver.tcp,
      '--cid',
      'R401',
      '--sia',
      'CL',
      '--account',
      'abcd',
      '--partition',
      '2',
      '--zone',
      '9',
      '--user',
      '3',
      '--format',
      'sia-dcs',
      '--video-url',
      'http://nvr/1',
      '--receiver',
      '12',
      '--line',
      '3',
    ]);
    expect(sent).toMatchObject({ code: 0, result: { delivered: true, data: '#ABCD|Nri2/CL003' } });
    await waitFor(() => receiver.output.lines().length === 1, 2_000, 'the receiver line');
    expect(receiver.output.lines()[0]).toMatchObject({
      token: 'SIA-DCS',
      receiver: '12',
      line: '3',
      account: 'ABCD',
      data: '#ABCD|Nri2/CL003',
      extended: [{ id: 'V', value: 'http://nvr/1' }],
    });
  });

  it("with --config proves the service's key and R/L fields, and says so when it has none", async () => {
    const receiver = await startReceiver(['--key', KEY, '--key-format', 'hex']);
    const config = writeTempJson({
      arc: { primary: receiver.tcp, key: KEY, keyFormat: 'hex', receiverNumber: 'A1', linePrefix: '7' },
      log: { level: 'silent' },
    });
    const sent = await send(['--config', config, '--hik', '1103', '--account', '1234', '--timeout-ms', '500']);
    expect(sent).toMatchObject({ code: 0, result: { delivered: true, to: receiver.tcp, encrypted: true } });
    expect(sent.stderr).not.toContain('no --config');
    await waitFor(() => receiver.output.lines().length === 1, 2_000, 'the receiver line');
    expect(receiver.output.lines()[0]).toMatchObject({ encrypted: true, receiver: 'A1', line: '7', account: '1234', response: 'ACK' });
    // Without it the keyed receiver refuses the plain frame, and the note says why that proves little.
    const plain = await send(['--to', receiver.tcp, '--hik', '1103', '--account', '1234', '--timeout-ms', '300', '--attempts', '1']);
    expect(plain.code).toBe(1);
    expect(plain.stderr).toMatch(/no --config, so this uses the flags' key, receiver number and line/);
  });

  it('exits 1 with the reason when the receiver never answers', async () => {
    const receiver = await startReceiver(['--fault', 'silent']);
    const sent = await send(['--to', receiver.udp, '--hik', '1103', '--account', '1234', '--timeout-ms', '100', '--attempts', '2']);
    expect(sent).toMatchObject({ code: 1, result: { delivered: false, sequence: 1, attempts: 2, code: 'HIKARC_TRANSPORT_ACK_TIMEOUT' } });
    await waitFor(() => receiver.output.lines().length === 2, 2_000, 'two receiver lines');
    expect(receiver.output.lines().map((line) => [line['seq'], line['response']])).toEqual([
      ['0001', null],
      ['0001', null],
    ]);
  });

  it('the receiver reports a NAK for an unknown account and the error code', async () => {
    const receiver = await startReceiver(['--account', '9999']);
    const sent = await send(['--to', receiver.tcp, '--hik', '1103', '--account', '1234', '--timeout-ms', '300', '--attempts', '1']);
    expect(sent).toMatchObject({ code: 1, result: { code: 'HIKARC_TRANSPORT_NAK' } });
    await waitFor(() => receiver.output.lines().length === 1, 2_000, 'the receiver line');
    expect(receiver.output.lines()[0]).toMatchObject({ response: 'NAK', error: { code: 'HIKARC_DC09_UNKNOWN_ACCOUNT' } });
  });
});

describe('command-line errors exit 64', () => {
  it.each([
    ['no --account', ['send', '--to', 'tcp://127.0.0.1:1', '--hik', '1103']],
    ['both --hik and --cid', ['send', '--to', 'tcp://127.0.0.1:1', '--hik', '1103', '--cid', 'E130', '--sia', 'BA', '--account', '1234']],
    ['a Hik code not in the table', ['send', '--to', 'tcp://127.0.0.1:1', '--hik', '9999', '--account', '1234']],
    ['a bad --cid', ['send', '--to', 'tcp://127.0.0.1:1', '--cid', 'X130', '--sia', 'BA', '--account', '1234']],
    ['a short key', ['send', '--to', 'tcp://127.0.0.1:1', '--hik', '1103', '--account', '1234', '--key', 'ABC']],
    ['a bad destination', ['send', '--to', 'http://127.0.0.1:1', '--hik', '1103', '--account', '1234']],
    ['a zone above 999', ['send', '--to', 'tcp://127.0.0.1:1', '--hik', '1103', '--account', '1234', '--zone', '1000']],
    ['a receiver without --listen', ['receiver']],
    ['an unknown fault', ['receiver', '--listen', 'tcp://127.0.0.1:0', '--fault', 'explode']],
  ])('%s', async (_name, argv) => {
    const output = capture();
    expect(await runCli(argv, output.io)).toBe(64);
    expect(output.stderr()).toMatch(/usage: hik-arc (send|receiver)/);
  });

  it('help lists both commands', async () => {
    const output = capture();
    await runCli(['help'], output.io);
    expect(output.stdout()).toContain('hik-arc send --config FILE [--to');
    expect(output.stdout()).toContain('hik-arc receiver --listen');
  });
});
