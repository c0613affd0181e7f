// `hik-arc translate [--accounts FILE] [--config FILE] [--devices FILE] FILE...`: captured event
// files in, one JSON line per event out, nothing sent. For installers checking a site's mapping and
// for support cases. Accounts are found as the service finds them: config `accounts`, then the
// receiver's device list (read from the receiver the config names, else a saved copy), so translate
// does not say no-account for a panel that run delivers fine.

import { existsSync, readFileSync } from 'node:fs';
import { parseJsonFile } from '../config/load.js';
import { checkAccountMap } from '../config/formats.js';
import { ConfigError, HikArcError, errorMessage } from '../errors.js';
import { readEventFile } from '../ingest/event-file.js';
import type { Logger } from '../log.js';
import {
  deviceListAccounts,
  directoryCachePathFor,
  LayeredAccountDirectory,
  readSavedDeviceList,
  StaticAccountDirectory,
  type AccountDirectory,
} from '../ingest/index.js';
import type { Config } from '../config/load.js';
import { readHikDeviceList, hikConfigured } from './device-list.js';
import { Translator, type DocumentOutcome, type Translation } from '../translate/translator.js';
import { EXIT, commandLogger, loadCommandConfig, parseCommandArgs, UsageError, writeJsonLine, type CliIo, type Command } from './command.js';

function readAccountsFile(file: string): Record<string, string> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new ConfigError('HIKARC_CONFIG_UNREADABLE', [`--accounts ${file}: ${errorMessage(error)}`], { cause: error });
  }
  const value = parseJsonFile(text, `--accounts ${file}`);
  try {
    checkAccountMap(value);
  } catch (error) {
    throw new ConfigError('HIKARC_CONFIG_INVALID', [`--accounts ${file}: ${errorMessage(error)}`]);
  }
  return value as Record<string, string>;
}

function savedList(path: string, io: CliIo, why: string): AccountDirectory {
  const saved = readSavedDeviceList(path);
  io.stderr.write(
    `hik-arc translate: ${why}device list of ${path} (${saved.devices.length} device(s)${saved.savedAt === null ? '' : `, saved ${saved.savedAt}`})\n`,
  );
  return deviceListAccounts(saved.devices);
}

/**
 * The device list layer under config `accounts`: a saved copy when --devices names one, else the
 * receiver's list when the config names a receiver, else (receiver unreachable) the service's own
 * saved copy next to store.path. Null when there is none: config accounts only, and said so.
 */
async function deviceList(config: Config, file: string | undefined, io: CliIo, logger: Logger): Promise<AccountDirectory | null> {
  if (file !== undefined) return savedList(file, io, 'accounts from config accounts, then the ');
  if (!hikConfigured(config)) return null;
  const read = await readHikDeviceList(config, logger.child({ stage: 'ingest' }), null);
  if (read.outcome !== 'failed') {
    io.stderr.write(
      `hik-arc translate: accounts from config accounts, then the receiver's device list (${read.devices.length} device(s)${read.outcome === 'partial' ? ', read only in part' : ''})\n`,
    );
    return deviceListAccounts(read.devices);
  }
  const unreachable = `the receiver's device list could not be read (${read.failure?.code ?? 'HIKARC_RECEIVER_DIRECTORY_FAILED'}: ${read.failure?.message ?? 'no answer'})`;
  const cache = directoryCachePathFor(config.store.path);
  if (cache !== null && existsSync(cache)) return savedList(cache, io, `${unreachable}; using the service's saved `);
  io.stderr.write(
    `hik-arc translate: ${unreachable} and there is no saved copy; config accounts only, so devices the receiver maps may show no-account (give --devices FILE from hik-arc devices --save)\n`,
  );
  return null;
}

/** The documented output line of one document; undefined for stream control documents. */
export function translationLine(outcome: DocumentOutcome): Record<string, unknown> | undefined {
  if (outcome.kind === 'control') return undefined;
  if (outcome.kind === 'error') {
    const reason = outcome.error.code === 'HIKARC_EVENT_NOT_AN_ALERT' ? 'not-an-event' : 'unparseable';
    return { forwarded: false, eventType: null, reason, detail: outcome.error.message };
  }
  return translationJson(outcome.translation);
}

/** The same keys, in the same order, for every forwarded event. */
export function translationJson(translation: Translation): Record<string, unknown> {
  if (!translation.forwarded) {
    return translation.reason === 'heartbeat'
      ? { forwarded: false, eventType: translation.eventType, reason: translation.reason }
      : { forwarded: false, eventType: translation.eventType, reason: translation.reason, detail: translation.detail };
  }
  const message = translation.message;
  return {
    forwarded: true,
    eventType: message.eventType,
    account: message.account,
    cid: message.cid,
    sia: message.sia,
    partition: message.partition,
    zone: message.zone,
    user: message.user,
    description: message.description,
    videoUrl: message.videoUrl,
    admCid: message.admCid,
    siaDcs: message.siaDcs,
    repaired: message.repair !== 'none',
  };
}

function translateFile(file: string, translator: Translator, io: CliIo, logger: Logger): boolean {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (error) {
    logger.error({ file, err: errorMessage(error) }, 'cannot read event file');
    io.stderr.write(`hik-arc translate: cannot read ${file}: ${errorMessage(error)}\n`);
    return false;
  }
  let eventFile;
  try {
    eventFile = readEventFile(bytes, file);
  } catch (error) {
    const message = error instanceof HikArcError ? `${error.message} (${error.code})` : errorMessage(error);
    io.stderr.write(`hik-arc translate: ${message}\n`);
    return false;
  }
  logger.debug({ file, format: eventFile.format, items: eventFile.items.length }, 'event file read');
  for (const item of eventFile.items) {
    if (item.kind === 'skipped') {
      logger.info({ file, index: item.index, detail: item.detail }, 'non-JSON part skipped');
      continue;
    }
    if (item.kind === 'quarantined') {
      logger.warn({ file, index: item.index, code: item.error.code, sample: item.sample }, 'bytes that are no event quarantined');
      writeJsonLine(io, { forwarded: false, eventType: null, reason: 'quarantined', detail: item.error.message });
      continue;
    }
    const line = translationLine(translator.translateText(item.text));
    if (line !== undefined) writeJsonLine(io, line);
  }
  return true;
}

export const translateCommand: Command = {
  name: 'translate',
  summary: 'translate captured event files to Contact ID / SIA, one JSON line per event (nothing is sent; the receiver is asked only for its device list)',
  usage: 'hik-arc translate [--accounts FILE] [--config FILE] [--devices FILE] FILE...',
  help: {
    flags: [
      {
        flag: 'config',
        value: 'FILE',
        help: 'config file whose translate.*, receiver.account and accounts settings apply',
        default: 'defaults plus HIK_ARC_* variables',
      },
      {
        flag: 'accounts',
        value: 'FILE',
        help: "JSON object of devIndex or serial to DC-09 account, laid over the config's accounts",
        default: "the config's accounts only",
      },
      {
        flag: 'devices',
        value: 'FILE',
        help: "a saved device list (hik-arc devices --save, or the service's copy next to store.path) to map devices by, instead of asking the receiver",
        default: "the receiver's list when the config names a receiver, else its saved copy, else none",
      },
    ],
    notes: ['FILE is a capture (hik-arc capture), JSON lines, or a JSON document or array. One JSON line per event on stdout; nothing is sent.'],
    examples: ['hik-arc translate --config /etc/hik-arc/config.json site.multipart', 'hik-arc translate --accounts accounts.json events.jsonl | jq .cid'],
  },
  async run(args, io) {
    const { values, positionals } = parseCommandArgs(args, {
      config: { type: 'string' },
      accounts: { type: 'string' },
      devices: { type: 'string' },
    });
    if (positionals.length === 0) throw new UsageError('name at least one event file');
    const config = loadCommandConfig(io, { file: values.config, command: 'translate' });
    const accounts = values.accounts === undefined ? config.accounts : { ...config.accounts, ...readAccountsFile(values.accounts) };
    const logger = commandLogger(io, config.log.level, 'stderr', 'translate');
    const listed = await deviceList(config, values.devices, io, logger);
    const translator = new Translator({
      settings: config.translate,
      hikAccount: config.receiver.account,
      directory: listed === null ? new StaticAccountDirectory(accounts) : new LayeredAccountDirectory([new StaticAccountDirectory(accounts), listed]),
      logger: logger.child({ stage: 'translate' }),
    });
    let allRead = true;
    for (const file of positionals) {
      if (!translateFile(file, translator, io, logger)) allRead = false;
    }
    return allRead ? EXIT.OK : EXIT.FAILURE;
  },
};
