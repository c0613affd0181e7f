// `hik-arc replay --config FILE [--rate N] FILE...`: captured event files through the service's
// pipeline to the configured ARC. Exits 0 when every forwarded event was ACKed.

import { replayFiles, type ReplayLine, type ReplaySummary } from '../service/replay.js';
import { COMMAND_REQUIREMENTS } from '../config/requirements.js';
import { commandMediaHook } from './media.js';
import { translationJson } from './translate.js';
import { EXIT, commandLogger, loadCommandConfig, parseCommandArgs, UsageError, writeJsonLine, type CliIo, type Command } from './command.js';

/** The translate line of an event, with what the ARC answered. */
export function replayLineJson(line: ReplayLine): Record<string, unknown> {
  const base = line.translation ? translationJson(line.translation) : { forwarded: false, eventType: null, reason: 'unparseable', detail: line.error };
  const delivery = line.delivery;
  if (!delivery) return base;
  return {
    ...base,
    arc:
      delivery.outcome === 'acked'
        ? { answer: 'ACK', via: delivery.via, seq: String(delivery.sequence).padStart(4, '0'), latencyMs: Math.round(delivery.latencyMs) }
        : { answer: null, detail: delivery.detail },
  };
}

export function replayExitCode(summary: ReplaySummary): number {
  return summary.undelivered === 0 && summary.unreadableFiles.length === 0 && summary.acked === summary.forwarded ? EXIT.OK : EXIT.FAILURE;
}

export function writeReplaySummary(io: CliIo, summary: ReplaySummary): void {
  io.stderr.write(
    `replayed ${summary.events} event(s): ${summary.forwarded} forwarded, ${summary.acked} ACKed, ${summary.undelivered} not acknowledged, ` +
      `${summary.unroutable} without account, ${summary.unreadable} unreadable` +
      (Object.keys(summary.notForwarded).length > 0 ? `; not forwarded: ${JSON.stringify(summary.notForwarded)}` : '') +
      (summary.unreadableFiles.length > 0 ? `; unreadable files: ${summary.unreadableFiles.join(', ')}` : '') +
      '\n',
  );
}

export const replayCommand: Command = {
  name: 'replay',
  summary: 'send captured event files through the service pipeline to the configured ARC',
  usage: 'hik-arc replay --config FILE [--rate N] FILE...',
  help: {
    flags: [
      { flag: 'config', value: 'FILE', help: 'config file with arc.primary (and key, R/L fields, accounts) to send with', required: true },
      { flag: 'rate', value: 'N', help: 'events per second, to pace a large capture', default: 'as fast as the ARC acknowledges' },
    ],
    notes: [
      "FILE is a capture or event documents, as for translate. One JSON line per event with the ARC's answer; exit 0 only when every forwarded event was ACKed.",
    ],
    examples: ['hik-arc replay --config test-arc.json --rate 5 site.multipart'],
  },
  async run(args, io) {
    const { values, positionals } = parseCommandArgs(args, { config: { type: 'string' }, rate: { type: 'string' } });
    if (positionals.length === 0) throw new UsageError('name at least one event file');
    const rate = values.rate === undefined ? undefined : Number(values.rate);
    if (rate !== undefined && !(Number.isFinite(rate) && rate > 0)) throw new UsageError('--rate must be a positive number of events per second');
    const config = loadCommandConfig(io, { file: values.config, command: 'replay', requires: COMMAND_REQUIREMENTS.replay });
    const logger = commandLogger(io, config.log.level, 'stderr', 'replay');
    // With media links on, the ARC gets links the running service answers, never receiver paths.
    const media = commandMediaHook(config, io, 'replay');
    let summary;
    try {
      summary = await replayFiles({
        config,
        files: positionals,
        ...(rate === undefined ? {} : { ratePerSec: rate }),
        logger,
        ...(media === null ? {} : { beforeStore: media.beforeStore }),
        ...(io.signal === undefined ? {} : { signal: io.signal }),
        onLine: (line) => writeJsonLine(io, replayLineJson(line)),
      });
    } finally {
      media?.close();
    }
    writeReplaySummary(io, summary);
    return replayExitCode(summary);
  },
};
