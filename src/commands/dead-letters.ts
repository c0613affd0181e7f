// `hik-arc dead-letters [--config FILE] [--json] [--limit N]`: events the service could not deliver
// and keeps with their reason: no account, DUH from every destination, an invalid account.

import { ARC_DESTINATION, decodeStoredEvent } from '../service/stored-event.js';
import { requireStoreFile } from './store-file.js';
import { openSqliteOutbox, type OutboxEntry } from '../outbox/index.js';
import { EXIT, loadCommandConfig, parseCommandArgs, UsageError, writeJsonLine, type Command, rejectPositionals } from './command.js';

export function describeDeadLetter(entry: OutboxEntry, attachment: string | null): Record<string, unknown> {
  const stored = decodeStoredEvent(entry.payload, attachment);
  return {
    id: entry.id,
    receivedAt: new Date(entry.receivedAt).toISOString(),
    account: entry.account === '' ? null : entry.account,
    eventType: stored?.message?.eventType ?? stored?.event?.eventType ?? null,
    devIndex: stored?.event?.devIndex ?? null,
    cid: stored?.message?.cid ?? null,
    sia: stored?.message?.sia ?? null,
    description: stored?.message?.description ?? null,
    attempts: entry.attempts,
    reason: entry.lastError,
  };
}

export const deadLettersCommand: Command = {
  name: 'dead-letters',
  summary: 'list events kept as undeliverable, with the reason',
  usage: 'hik-arc dead-letters [--config FILE] [--json] [--limit N]',
  help: {
    flags: [
      {
        flag: 'config',
        value: 'FILE',
        help: "the service's config file: its store.path is the outbox that is read (a path that does not exist is refused with exit 78)",
        default: 'defaults plus HIK_ARC_* variables',
      },
      { flag: 'json', help: 'one JSON object per dead letter instead of one line of text' },
      { flag: 'limit', value: 'N', help: 'list at most N dead letters, oldest first', default: '1000' },
    ],
    notes: ['Reads the store beside a running service without disturbing it.'],
    examples: ['HIK_ARC_STORE_PATH=/var/lib/hik-arc/hik-arc.db hik-arc dead-letters --config /etc/hik-arc/config.json'],
  },
  async run(args, io) {
    const { values, positionals } = parseCommandArgs(args, {
      config: { type: 'string' },
      json: { type: 'boolean' },
      limit: { type: 'string' },
    });
    rejectPositionals(positionals);
    const limit = values.limit === undefined ? 1000 : Number(values.limit);
    if (!Number.isInteger(limit) || limit <= 0) throw new UsageError('--limit must be a positive integer');
    const config = loadCommandConfig(io, { file: values.config, command: 'dead-letters' });
    // Beside a running service: no run lock, and no sequence numbers of its own (the service gives
    // a requeued alarm its number). A store that is not there is named, not created empty.
    requireStoreFile(config, io, 'dead-letters');
    const outbox = openSqliteOutbox({ path: config.store.path, mustExist: true, allocatesSequences: false });
    try {
      const rows = outbox.deadLetters(limit).map((entry) => describeDeadLetter(entry, outbox.attachment(entry.id)));
      if (values.json === true) {
        for (const row of rows) writeJsonLine(io, row);
      } else {
        io.stdout.write(`${rows.length} dead letter(s) in ${config.store.path} (destination ${ARC_DESTINATION})\n`);
        for (const row of rows) {
          io.stdout.write(
            `#${String(row['id'])}  ${String(row['receivedAt'])}  account ${String(row['account'] ?? '-')}  ${String(row['eventType'] ?? '?')} ${String(row['cid'] ?? '')}  reason: ${String(row['reason'] ?? '')}\n`,
          );
        }
      }
    } finally {
      await outbox.close();
    }
    return EXIT.OK;
  },
};
