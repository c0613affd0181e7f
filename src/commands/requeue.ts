// `hik-arc requeue [--config FILE] (ID... | --all)`: sends dead letters again after a config fix.
// Each one is translated again with the current config (a device now in `accounts`, a fallback
// account set), so it goes out with the account it should have had. The service, if running,
// picks requeued events up within seconds.

import { Translator, type AlarmMessage } from '../translate/index.js';
import { StaticAccountDirectory, type VendorEvent } from '../ingest/index.js';
import { decodeStoredEvent, encodeStoredEvent, type StoredEvent } from '../service/stored-event.js';
import type { Config } from '../config/load.js';
import { requireStoreFile } from './store-file.js';
import { openSqliteOutbox, type OutboxEntry } from '../outbox/index.js';
import { commandMediaHook } from './media.js';
import { EXIT, loadCommandConfig, parseCommandArgs, UsageError, writeJsonLine, type Command } from './command.js';

type Replacement = { readonly account: string; readonly payload: string } | { readonly stillDead: string };

/**
 * The entry as it should be sent now, or why it still cannot be. `beforeStore` is the service's
 * hook (media links): a requeued alarm gets its link as a new one would.
 */
export function retranslate(
  entry: OutboxEntry,
  attachment: string | null,
  translator: Translator,
  beforeStore?: (message: AlarmMessage, event: VendorEvent) => AlarmMessage,
): Replacement {
  const stored = decodeStoredEvent(entry.payload, attachment);
  if (!stored) return { stillDead: 'the stored event cannot be read' };
  if (stored.event === null) {
    return stored.message ? { account: stored.message.account, payload: entry.payload } : { stillDead: 'nothing to send' };
  }
  const translation = translator.translate(stored.event);
  if (!translation.forwarded) return { stillDead: `${translation.reason}: ${translation.detail}` };
  const message = beforeStore === undefined ? translation.message : beforeStore(translation.message, stored.event);
  const next: StoredEvent = { message, event: stored.event, source: stored.source };
  return { account: message.account, payload: encodeStoredEvent(next).payload };
}

export function requeueTranslator(config: Config): Translator {
  // Repeat suppression is for live streams; a requeued event is sent whatever its count.
  return new Translator({
    settings: { ...config.translate, repeatWindowSec: 0 },
    hikAccount: config.receiver.account,
    directory: new StaticAccountDirectory(config.accounts),
  });
}

export const requeueCommand: Command = {
  name: 'requeue',
  summary: 'send dead letters again (translated again with the current config)',
  usage: 'hik-arc requeue [--config FILE] (ID... | --all)',
  help: {
    flags: [
      {
        flag: 'config',
        value: 'FILE',
        help: "the service's config file, fixed (accounts, translate.fallbackAccount); its store.path is the outbox",
        default: 'defaults plus HIK_ARC_* variables',
      },
      { flag: 'all', help: 'requeue every dead letter instead of the ids given' },
    ],
    notes: [
      'ID is the number hik-arc dead-letters shows. One JSON line per id; exit 1 when any stays dead. The running service sends requeued alarms within seconds.',
    ],
    examples: ['hik-arc requeue --config /etc/hik-arc/config.json 17 18', 'hik-arc requeue --config /etc/hik-arc/config.json --all'],
  },
  async run(args, io) {
    const { values, positionals } = parseCommandArgs(args, { config: { type: 'string' }, all: { type: 'boolean' } });
    if ((values.all === true) === positionals.length > 0) throw new UsageError('give dead letter ids or --all');
    const ids = positionals.map(Number);
    if (ids.some((id) => !Number.isInteger(id) || id <= 0)) throw new UsageError('ids are positive integers (see hik-arc dead-letters)');
    const config = loadCommandConfig(io, { file: values.config, command: 'requeue' });
    const translator = requeueTranslator(config);
    // Beside a running service: no run lock, and no sequence numbers of its own (the service gives
    // a requeued alarm its number). A store that is not there is named, not created empty.
    requireStoreFile(config, io, 'requeue');
    const outbox = openSqliteOutbox({ path: config.store.path, mustExist: true, allocatesSequences: false });
    // Media links as the service would give them (src/media); the service's archive picks the items up.
    const media = commandMediaHook(config, io, 'requeue');
    let failures = 0;
    try {
      const dead = new Map(outbox.deadLetters(Number.MAX_SAFE_INTEGER).map((entry) => [entry.id, entry]));
      const wanted = values.all === true ? [...dead.keys()] : ids;
      for (const id of wanted) {
        const entry = dead.get(id);
        if (!entry) {
          failures++;
          writeJsonLine(io, { id, requeued: false, reason: 'not a dead letter' });
          continue;
        }
        const replacement = retranslate(entry, outbox.attachment(id), translator, media?.beforeStore);
        if ('stillDead' in replacement) {
          failures++;
          writeJsonLine(io, { id, requeued: false, reason: replacement.stillDead });
          continue;
        }
        const requeued = await outbox.requeue(id, replacement);
        if (!requeued) failures++;
        writeJsonLine(io, { id, requeued, account: replacement.account });
      }
    } finally {
      media?.close();
      await outbox.close();
    }
    return failures === 0 ? EXIT.OK : EXIT.FAILURE;
  },
};
