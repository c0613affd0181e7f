// `hik-arc events [--config FILE] [--since T] [--follow] [--json]`: what the running service
// received, sent and was told, read from its store. The outbox is where every event goes before
// anything is sent, so it is the one place that knows all of it; it is opened read-only and polled,
// so the view costs the service nothing and works beside it (or after it stopped).

import { systemClock } from '../clock.js';
import { OutboxReader, type OutboxRow, type RowProgress } from '../outbox/index.js';
import { eventLine, eventText, type EventKind } from './event-lines.js';
import { requireStoreFile } from './store-file.js';
import { EXIT, loadCommandConfig, parseCommandArgs, rejectPositionals, UsageError, writeJsonLine, type CliIo, type Command } from './command.js';

const POLL_MS = 500;
const DEFAULT_LAST = 10;
const MAX_HISTORY = 10_000;
// New rows taken per poll: a burst of thousands is shown over a few polls, not as one stall.
const BATCH = 1000;
// Rows still pending that are watched for their outcome; past this the oldest are let go.
const MAX_WATCHED = 10_000;

const RELATIVE = /^(\d+)\s*(s|m|h|d)$/;
const UNIT_MS = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** `--since`: an ISO 8601 time, or how long ago (`30s`, `15m`, `2h`, `1d`). */
export function parseSince(value: string, now: number): number {
  const relative = RELATIVE.exec(value.trim());
  if (relative !== null) return now - Number(relative[1]) * UNIT_MS[relative[2] as keyof typeof UNIT_MS];
  const at = Date.parse(value);
  if (Number.isNaN(at)) throw new UsageError(`--since must be an ISO 8601 time or an age like 15m, 2h, 1d, not "${value}"`);
  return at;
}

/** What a row's state says happened since it was last seen (nothing seen: since it was stored). */
function kindsOf(row: OutboxRow, before: RowProgress | undefined): EventKind[] {
  const kinds: EventKind[] = before === undefined ? ['received'] : [];
  if (before?.state === 'dead' && row.state !== 'dead') kinds.push('requeued');
  if (row.state === 'delivered') kinds.push('delivered');
  else if (row.state === 'dead') kinds.push('dead');
  else if (row.attempts > (before?.attempts ?? 0)) kinds.push('retrying');
  return kinds;
}

class EventView {
  private lastId = 0;
  /** Rows still pending, and dead letters (requeue sends them again), with what was last seen of them. */
  private readonly watched = new Map<number, RowProgress>();

  constructor(
    private readonly reader: OutboxReader,
    private readonly io: CliIo,
    private readonly json: boolean,
  ) {}

  /** Shows rows seen for the first time or moved on since. */
  show(rows: readonly OutboxRow[]): void {
    const now = systemClock.now();
    for (const row of rows) {
      for (const kind of kindsOf(row, this.watched.get(row.id))) {
        const line = eventLine(row, kind, now);
        if (this.json) writeJsonLine(this.io, line);
        else this.io.stdout.write(`${eventText(line)}\n`);
      }
      this.lastId = Math.max(this.lastId, row.id);
      if (row.state === 'delivered') this.watched.delete(row.id);
      else this.watched.set(row.id, { id: row.id, state: row.state, attempts: row.attempts });
    }
    while (this.watched.size > MAX_WATCHED) {
      const oldest = this.watched.keys().next().value;
      if (oldest === undefined) break;
      this.watched.delete(oldest);
    }
  }

  /** Starts at the last row of the store without showing anything (a follow from now). */
  skipTo(rows: readonly OutboxRow[]): void {
    for (const row of rows) this.lastId = Math.max(this.lastId, row.id);
  }

  poll(): void {
    this.show(this.reader.changed([...this.watched.values()]));
    for (;;) {
      const fresh = this.reader.after(this.lastId, BATCH);
      this.show(fresh);
      if (fresh.length < BATCH) break;
    }
  }
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted === true) {
      resolve();
      return;
    }
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

export const eventsCommand: Command = {
  name: 'events',
  summary: 'what the service received, sent to the ARC and was answered, one line per event, read from its store (--follow: live)',
  usage: 'hik-arc events [--config FILE] [--since T | --last N] [--follow] [--json]',
  help: {
    flags: [
      {
        flag: 'config',
        value: 'FILE',
        help: "the service's config file: its store.path is read (read-only; a path that does not exist is refused with exit 78)",
        default: 'defaults plus HIK_ARC_* variables',
      },
      { flag: 'since', value: 'T', help: 'events stored from this time on: ISO 8601, or an age such as 30s, 15m, 2h, 1d', default: 'the last N (see --last)' },
      { flag: 'last', value: 'N', help: 'without --since: the last N stored events', default: String(DEFAULT_LAST) },
      { flag: 'follow', help: 'keep watching and print each event as it is received, retried, delivered or kept as a dead letter, until Ctrl-C' },
      { flag: 'json', help: 'one JSON object per line instead of text' },
    ],
    notes: [
      'Each event is shown when it was received (stored), when an attempt failed, and when the ARC acknowledged it (path, sequence number, attempts) or it became a dead letter, and again when a dead letter is requeued. The store keeps delivered events for store.retentionHours. Events not forwarded at all (heartbeats, repeats, dropped types) are not stored and not shown.',
    ],
    examples: ['hik-arc events --config /etc/hik-arc/config.json --follow', 'HIK_ARC_STORE_PATH=/var/lib/hik-arc/hik-arc.db hik-arc events --since 2h --json'],
  },
  async run(args, io) {
    const { values, positionals } = parseCommandArgs(args, {
      config: { type: 'string' },
      since: { type: 'string' },
      last: { type: 'string' },
      follow: { type: 'boolean' },
      json: { type: 'boolean' },
    });
    rejectPositionals(positionals);
    if (values.since !== undefined && values.last !== undefined) throw new UsageError('give --since or --last, not both');
    const since = values.since === undefined ? undefined : parseSince(values.since, systemClock.now());
    const last = values.last === undefined ? DEFAULT_LAST : Number(values.last);
    if (!Number.isInteger(last) || last < 0) throw new UsageError('--last must be 0 or a positive integer');
    const config = loadCommandConfig(io, { file: values.config, command: 'events' });
    requireStoreFile(config, io, 'events');
    const reader = OutboxReader.open(config.store.path);
    try {
      const view = new EventView(reader, io, values.json === true);
      const history = since === undefined ? reader.last(Math.max(last, 1)) : reader.since(since, MAX_HISTORY);
      if (since === undefined && last === 0) view.skipTo(history);
      else view.show(history);
      if (values.follow !== true) return EXIT.OK;
      io.stderr.write(`hik-arc events: following ${config.store.path} (Ctrl-C to stop)\n`);
      const stopped = (): boolean => io.signal?.aborted === true;
      while (!stopped()) {
        await sleep(POLL_MS, io.signal);
        if (stopped()) break;
        view.poll();
      }
      return EXIT.OK;
    } finally {
      reader.close();
    }
  },
};
