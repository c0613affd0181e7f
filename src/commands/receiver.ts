// `hik-arc receiver`: a DC-09 receiver for commissioning and tests. It checks length and CRC,
// decrypts, checks the timestamp window, answers ACK / NAK / DUH (or the chosen fault) and prints
// one JSON line per received frame. It is an ARC stand-in, not an ARC: nothing is stored.

import { isDc09Account } from '../transport/dc09-fields.js';
import { parseListenUrl } from '../transport/destination.js';
import { Dc09Receiver, type ListenAddress } from '../transport/dc09-receiver.js';
import { DEFAULT_TIMESTAMP_WINDOW, FAULT_NAMES, parseFault } from '../transport/arc-answer.js';
import { commandLogger, EXIT, loadCommandConfig, parseCommandArgs, UsageError, writeJsonLine, type Command, rejectPositionals } from './command.js';
import { integerOption, keyOption } from './send.js';

const MAX_DURATION_SEC = 7 * 24 * 3600;

export const receiverCommand: Command = {
  name: 'receiver',
  summary: 'run a DC-09 test receiver that answers ACK/NAK/DUH (or a fault) and prints one JSON line per frame',
  usage:
    'hik-arc receiver --listen tcp://HOST:PORT [--listen udp://HOST:PORT] [--key K --key-format hex|ascii] [--account A ...] [--duration S] ' +
    '[--fault FAULT[@ACCOUNT,...] ...] [--no-timestamp-check] [--close-after-answer] [--config FILE]; FAULT: ' +
    FAULT_NAMES.join('|'),
  help: {
    flags: [
      {
        flag: 'listen',
        value: 'URL',
        help: 'tcp://HOST:PORT or udp://HOST:PORT to listen on; port 0 picks a free one (printed on stderr)',
        required: true,
        repeatable: true,
      },
      { flag: 'key', value: 'K', help: 'AES key: frames must be encrypted with it, and plain ones are refused', default: 'no key: plain frames only' },
      { flag: 'key-format', value: 'hex|ascii', help: 'how --key is written: hex digits, or characters that are the key bytes', default: 'hex' },
      { flag: 'account', value: 'A', help: 'accept only this account (3-16 hex digits); others get DUH', repeatable: true, default: 'every account' },
      { flag: 'duration', value: 'S', help: 'stop after S whole seconds', default: 'until Ctrl-C or SIGTERM' },
      {
        flag: 'fault',
        value: 'FAULT[@A,...]',
        help: 'misbehave like a broken ARC, for these accounts only with @: nak, duh, silent (no answer), close (drop the connection), delay=MS, nak-at=ISO-TIME (a NAK with a wrong clock), bare-nak and bare-duh (no framing), early-ack, wrong-seq, wrong-account, garbage, hangup (close every connection at once); none answers normally',
        repeatable: true,
        default: 'none',
      },
      { flag: 'no-timestamp-check', help: 'accept frames whatever their timestamp (the DC-09 window is -20 s to +40 s)' },
      { flag: 'close-after-answer', help: 'close each TCP connection after its answer, as some ARCs do' },
      { flag: 'config', value: 'FILE', help: 'config file whose log.level applies', default: 'defaults plus HIK_ARC_* variables' },
    ],
    notes: ['One JSON line per received frame on stdout. An ARC stand-in for commissioning, not an ARC: nothing is stored.'],
    examples: [
      'hik-arc receiver --listen tcp://127.0.0.1:5000 --key 000102030405060708090A0B0C0D0E0F',
      'hik-arc receiver --listen tcp://0.0.0.0:5000 --fault nak@1234 --duration 300',
    ],
  },
  async run(args, io) {
    const { values, positionals } = parseCommandArgs(args, {
      listen: { type: 'string', multiple: true },
      key: { type: 'string' },
      'key-format': { type: 'string' },
      account: { type: 'string', multiple: true },
      duration: { type: 'string' },
      fault: { type: 'string', multiple: true },
      'no-timestamp-check': { type: 'boolean' },
      'close-after-answer': { type: 'boolean' },
      config: { type: 'string' },
    });
    rejectPositionals(positionals);
    const listen: ListenAddress[] = (values.listen ?? []).map((url) => {
      const address = parseListenUrl(url);
      if (address === undefined) throw new UsageError(`--listen ${url}: must be tcp://HOST:PORT or udp://HOST:PORT (port 0 picks a free one)`);
      return { transport: address.transport, host: address.host, port: address.port };
    });
    if (listen.length === 0) throw new UsageError('give at least one --listen tcp://HOST:PORT or udp://HOST:PORT');
    const accounts = values.account ?? [];
    for (const account of accounts) if (!isDc09Account(account)) throw new UsageError(`--account ${account}: must be 3 to 16 hex digits`);
    const fault = (values.fault ?? []).map((text) => {
      const parsed = parseFault(text);
      if (parsed === undefined)
        throw new UsageError(`--fault ${text}: must be one of ${FAULT_NAMES.join(', ')}, optionally @ACCOUNT,ACCOUNT for those accounts only`);
      return parsed;
    });
    const durationSec = values.duration === undefined ? null : integerOption(values.duration, 'duration', 1, MAX_DURATION_SEC, 0);
    const key = keyOption(values.key, values['key-format']);
    const config = loadCommandConfig(io, { file: values.config, command: 'receiver' });

    const receiver = await Dc09Receiver.start({
      listen,
      key,
      accounts,
      timestampWindow: values['no-timestamp-check'] === true ? null : DEFAULT_TIMESTAMP_WINDOW,
      fault,
      closeAfterAnswer: values['close-after-answer'] === true,
      logger: commandLogger(io, config.log.level, 'stderr', 'receiver'),
      onFrame: (record) => writeJsonLine(io, record),
    });
    for (const address of receiver.addresses) io.stderr.write(`hik-arc receiver: listening on ${address.url}\n`);

    await new Promise<void>((resolve) => {
      if (io.signal?.aborted) {
        resolve();
        return;
      }
      const timer = durationSec === null ? undefined : setTimeout(resolve, durationSec * 1000);
      io.signal?.addEventListener(
        'abort',
        () => {
          clearTimeout(timer);
          resolve();
        },
        { once: true },
      );
    });
    await receiver.stop();
    return EXIT.OK;
  },
};
