// `hik-arc translate [--accounts FILE] [--config FILE] FILE...`: captured event files in, one JSON
// line per event out, no network. For installers checking a site's mapping and for support cases.

import { readFileSync } from 'node:fs';
import { parseJsonFile } from '../config/load.js';
import { checkAccountMap } from '../config/formats.js';
import { ConfigError, HikArcError, errorMessage } from '../errors.js';
import { readEventFile } from '../ingest/event-file.js';
import type { Logger } from '../log.js';
import { StaticAccountDirectory } from '../ingest/account-directory.js';
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
  summary: 'translate captured event files to Contact ID / SIA, one JSON line per event (no network)',
  usage: 'hik-arc translate [--accounts FILE] [--config FILE] FILE...',
  async run(args, io) {
    const { values, positionals } = parseCommandArgs(args, {
      config: { type: 'string' },
      accounts: { type: 'string' },
    });
    if (positionals.length === 0) throw new UsageError('name at least one event file');
    const config = loadCommandConfig(io, { file: values.config, command: 'translate' });
    const accounts = values.accounts === undefined ? config.accounts : { ...config.accounts, ...readAccountsFile(values.accounts) };
    const logger = commandLogger(io, config.log.level, 'stderr', 'translate');
    const translator = new Translator({
      settings: config.translate,
      hikAccount: config.receiver.account,
      directory: new StaticAccountDirectory(accounts),
      logger: logger.child({ stage: 'translate' }),
    });
    let allRead = true;
    for (const file of positionals) {
      if (!translateFile(file, translator, io, logger)) allRead = false;
    }
    return allRead ? EXIT.OK : EXIT.FAILURE;
  },
};
