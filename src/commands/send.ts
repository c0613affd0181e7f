// `hik-arc send`: builds one alarm the way the service does (security-control table, Contact ID /
// SIA payload builders, arc.* settings) and delivers it to one ARC receiver, printing the outcome as
// one JSON line. Exit 0 only on an ACK: installers use it to prove the path to the ARC.

import { isDc09Account, isDc09HexField } from '../transport/dc09-fields.js';
import { isHikArcError } from '../errors.js';
import { reportNumber } from '../translate/event-mapping.js';
import { admCidPayload, lookupCode, siaDcsPayload, type Qualifier } from '../translate/index.js';
import { KEY_FORMATS, parseAesKey, type KeyFormat } from '../transport/dc09-crypto.js';
import { parseDestinationUrl } from '../transport/destination.js';
import type { DispatchOutcome } from '../transport/dispatcher.js';
import { systemClock } from '../clock.js';
import type { Config } from '../config/load.js';
import { envName } from '../config/schema.js';
import { StaticAccountDirectory } from '../ingest/index.js';
import { MetricsRegistry } from '../metrics.js';
import { createMemoryOutbox } from '../outbox/index.js';
import { composeDelivery } from '../service/compose.js';
import { Translator, type AlarmMessage } from '../translate/index.js';
import { commandLogger, EXIT, loadCommandConfig, parseCommandArgs, UsageError, writeJsonLine, type CliIo, type Command, rejectPositionals } from './command.js';

/** An integer flag in [min, max], or `fallback` when absent. */
export function integerOption(value: string | undefined, flag: string, min: number, max: number, fallback: number): number {
  if (value === undefined) return fallback;
  const number = Number(value);
  if (!/^\d+$/.test(value) || number < min || number > max) throw new UsageError(`--${flag} must be a whole number from ${min} to ${max}`);
  return number;
}

/** Key bytes from `--key` / `--key-format`, or null without a key. */
export function keyOption(key: string | undefined, keyFormat: string | undefined): Buffer | null {
  if (keyFormat !== undefined && !(KEY_FORMATS as readonly string[]).includes(keyFormat)) throw new UsageError('--key-format must be hex or ascii');
  if (key === undefined || key === '') return null;
  try {
    return parseAesKey(key, (keyFormat ?? 'hex') as KeyFormat);
  } catch (error) {
    throw new UsageError(`--key: ${isHikArcError(error) ? error.message : String(error)}`);
  }
}

interface EventCodes {
  readonly cid: string;
  readonly sia: string;
}

function eventCodes(hik: string | undefined, cid: string | undefined, sia: string | undefined): EventCodes {
  if (hik !== undefined) {
    if (cid !== undefined || sia !== undefined) throw new UsageError('give either --hik or --cid with --sia, not both');
    const row = lookupCode('security-control', hik);
    if (!row) throw new UsageError(`Hik code ${hik} is not in the security-control table; give --cid and --sia instead`);
    return { cid: row.cid, sia: row.sia };
  }
  if (cid === undefined || sia === undefined) throw new UsageError('give --hik CODE, or --cid and --sia');
  if (!/^[ER]\d{3}$/.test(cid)) throw new UsageError('--cid must be E or R and three digits, e.g. E130');
  if (!/^[A-Z]{2}$/.test(sia)) throw new UsageError('--sia must be two upper-case letters, e.g. BA');
  return { cid, sia };
}

/**
 * One alarm through the service's own stages (docs/architecture.md): stored in an outbox in memory
 * by the pipeline, sent by the ARC delivery — the same framing, numbering, attempts and answer
 * checks as `run`. Resolves with what became of it, or null when stopped first (Ctrl-C).
 */
async function sendOne(io: CliIo, config: Config, alarm: AlarmMessage, arc: Config['arc']): Promise<DispatchOutcome | null> {
  const logger = commandLogger(io, config.log.level, 'stderr', 'send');
  const metrics = new MetricsRegistry();
  const outbox = createMemoryOutbox({ clock: systemClock, logger });
  const translator = new Translator({
    settings: config.translate,
    hikAccount: '',
    directory: new StaticAccountDirectory({}),
    clock: systemClock,
    logger,
    metrics,
  });
  let settle: (outcome: DispatchOutcome | null) => void = () => undefined;
  const settled = new Promise<DispatchOutcome | null>((resolve) => {
    settle = resolve;
  });
  const stack = composeDelivery({
    arc,
    supervisionAccount: '',
    outbox,
    translator,
    clock: systemClock,
    logger,
    metrics,
    whenUndelivered: 'dead-letter',
    onOutcome: (delivery) => settle(delivery.dispatch),
  });
  const abort = (): void => settle(null);
  if (io.signal?.aborted === true) abort();
  io.signal?.addEventListener('abort', abort, { once: true });
  stack.start();
  try {
    await stack.pipeline.acceptAlarm(alarm, systemClock.now());
    return await settled;
  } finally {
    io.signal?.removeEventListener('abort', abort);
    await stack.stop(0);
    await outbox.close();
  }
}

export const sendCommand: Command = {
  name: 'send',
  summary: 'send one alarm to an ARC receiver as SIA DC-09 and print the outcome (exit 0 only on ACK)',
  usage:
    'hik-arc send --config FILE [--to tcp://HOST:PORT] (--hik CODE | --cid E130 --sia BA) --account A [--partition N] [--zone N] [--user N] [--video-url URL] ' +
    '[--format adm-cid|sia-dcs] [--key K --key-format hex|ascii] [--receiver R] [--line L] [--timeout-ms N] [--attempts N]',
  help: {
    flags: [
      {
        flag: 'config',
        value: 'FILE',
        help: "the service's config file: its arc.* settings (key, receiver number R, line L, format, timeouts) are the defaults of the flags below, so the test proves what the service will send",
        default: 'defaults plus HIK_ARC_* variables',
      },
      { flag: 'to', value: 'URL', help: 'tcp://HOST:PORT or udp://HOST:PORT of the ARC receiver', default: 'arc.primary of --config' },
      {
        flag: 'hik',
        value: 'CODE',
        help: 'a Hik event code (e.g. 1130); its Contact ID and SIA code come from the security-control table',
        default: 'give --hik, or --cid with --sia',
      },
      { flag: 'cid', value: 'E130', help: 'Contact ID event: E (new) or R (restore) and three digits' },
      { flag: 'sia', value: 'BA', help: 'SIA event code, two upper-case letters (with --cid)' },
      { flag: 'account', value: 'A', help: 'DC-09 account, 3-16 hex digits', required: true },
      { flag: 'partition', value: 'N', help: 'partition, 0-99', default: '0' },
      { flag: 'zone', value: 'N', help: 'zone, 0-999', default: '0' },
      { flag: 'user', value: 'N', help: 'user, 0-999, reported instead of the zone', default: 'none' },
      { flag: 'video-url', value: 'URL', help: 'a verification link sent in the [V] block', default: 'none' },
      { flag: 'format', value: 'adm-cid|sia-dcs', help: 'payload: Contact ID or SIA DC-03', default: 'arc.format of --config, else adm-cid' },
      { flag: 'key', value: 'K', help: 'AES key to encrypt with; an empty value sends plain frames', default: 'arc.key of --config' },
      { flag: 'key-format', value: 'hex|ascii', help: 'how --key is written', default: 'hex' },
      { flag: 'receiver', value: 'R', help: 'DC-09 receiver number, 1-6 hex digits', default: 'arc.receiverNumber of --config, else 0' },
      { flag: 'line', value: 'L', help: 'DC-09 account prefix / line, 1-6 hex digits', default: 'arc.linePrefix of --config, else 0' },
      {
        flag: 'timeout-ms',
        value: 'N',
        help: 'wait this long for the answer to each frame',
        default: 'arc.ackTimeoutMs of --config, else 10000 over TCP and 5000 over UDP',
      },
      { flag: 'attempts', value: 'N', help: 'sends of the frame before giving up, 1-100', default: 'arc.attempts of --config, else 3' },
    ],
    notes: ['Prints one JSON line with the outcome; exit 0 only on an ACK.'],
    examples: [
      'hik-arc send --config /etc/hik-arc/config.json --hik 1130 --account 1234 --zone 5',
      'hik-arc send --to tcp://127.0.0.1:5000 --cid E602 --sia RP --account 1234',
    ],
  },
  async run(args, io) {
    const { values, positionals } = parseCommandArgs(args, {
      to: { type: 'string' },
      hik: { type: 'string' },
      cid: { type: 'string' },
      sia: { type: 'string' },
      account: { type: 'string' },
      partition: { type: 'string' },
      zone: { type: 'string' },
      user: { type: 'string' },
      'video-url': { type: 'string' },
      format: { type: 'string' },
      key: { type: 'string' },
      'key-format': { type: 'string' },
      receiver: { type: 'string' },
      line: { type: 'string' },
      'timeout-ms': { type: 'string' },
      attempts: { type: 'string' },
      config: { type: 'string' },
    });
    rejectPositionals(positionals);
    const config = loadCommandConfig(io, { file: values.config, command: 'send' });
    // An ACK proves the path only for the key, R and L it was sent with; without the service's
    // config these come from flags or the defaults, and a keyed ARC would NAK what the service sends.
    if (values.config === undefined && io.env[envName('arc.key')] === undefined) {
      io.stderr.write(
        "hik-arc send: note: no --config, so this uses the flags' key, receiver number and line (default: none, 0, 0), not the service's; give --config /etc/hik-arc/config.json to prove what the service will send\n",
      );
    }
    const to = values.to ?? config.arc.primary;
    if (to === '') throw new UsageError('give --to tcp://HOST:PORT (or arc.primary in --config)');
    if (parseDestinationUrl(to) === undefined) throw new UsageError('--to must be tcp://HOST:PORT or udp://HOST:PORT');
    if (values.account === undefined || !isDc09Account(values.account)) throw new UsageError('--account must be 3 to 16 hex digits');
    const account = values.account.toUpperCase();
    const codes = eventCodes(values.hik, values.cid, values.sia);
    const partition = integerOption(values.partition, 'partition', 0, 99, 0);
    const zone = integerOption(values.zone, 'zone', 0, 999, 0);
    const user = values.user === undefined ? null : integerOption(values.user, 'user', 0, 999, 0);
    const format = values.format ?? config.arc.format;
    if (format !== 'adm-cid' && format !== 'sia-dcs') throw new UsageError('--format must be adm-cid or sia-dcs');
    const receiverNumber = (values.receiver ?? config.arc.receiverNumber).toUpperCase();
    const linePrefix = (values.line ?? config.arc.linePrefix).toUpperCase();
    if (!isDc09HexField(receiverNumber)) throw new UsageError('--receiver must be 1 to 6 hex digits');
    if (!isDc09HexField(linePrefix)) throw new UsageError('--line must be 1 to 6 hex digits');
    const key = values.key === undefined ? keyOption(config.arc.key, config.arc.keyFormat) : keyOption(values.key, values['key-format']);

    const code = codes.cid.slice(1);
    const qualifier = (codes.cid.startsWith('R') ? 3 : 1) as Qualifier;
    const number = reportNumber({ code, zone, user });
    const fields = { account, qualifier, code, sia: codes.sia, partition, reportNumber: number };
    const alarm: AlarmMessage = {
      family: 'security-control',
      eventType: 'send',
      account,
      hikCode: values.hik ?? null,
      qualifier,
      code,
      cid: codes.cid,
      sia: codes.sia,
      partition,
      zone,
      user,
      reportNumber: number,
      description: 'test alarm from hik-arc send',
      videoUrl: values['video-url'] ?? null,
      repair: 'none',
      admCid: admCidPayload(fields),
      siaDcs: siaDcsPayload(fields),
    };
    const keyText =
      values.key === undefined
        ? { key: config.arc.key, keyFormat: config.arc.keyFormat }
        : { key: values.key, keyFormat: (values['key-format'] ?? 'hex') as KeyFormat };
    const outcome = await sendOne(io, config, alarm, {
      ...config.arc,
      ...keyText,
      primary: to,
      secondary: '',
      format,
      receiverNumber,
      linePrefix,
      ackTimeoutMs: integerOption(values['timeout-ms'], 'timeout-ms', 1, 600_000, config.arc.ackTimeoutMs),
      attempts: integerOption(values.attempts, 'attempts', 1, 100, config.arc.attempts),
      supervisionSec: 0,
    });

    const sent = { to, format, account, cid: codes.cid, sia: codes.sia, data: format === 'adm-cid' ? alarm.admCid : alarm.siaDcs, encrypted: key !== null };
    if (outcome !== null && outcome.outcome === 'acked') {
      writeJsonLine(io, {
        delivered: true,
        ...sent,
        sequence: outcome.sequence,
        attempts: outcome.attempts,
        latencyMs: Math.round(outcome.roundMs),
        code: null,
        detail: null,
      });
      return EXIT.OK;
    }
    const failure = outcome?.failures[0];
    writeJsonLine(io, {
      delivered: false,
      ...sent,
      sequence: outcome?.entry.sequence ?? null,
      attempts: failure?.attempts ?? 0,
      latencyMs: null,
      code: failure?.code ?? (outcome === null ? 'HIKARC_TRANSPORT_STOPPED' : outcome.code),
      detail: outcome === null ? 'stopped before the ARC answered' : outcome.detail,
    });
    return EXIT.FAILURE;
  },
};
