// `hik-arc capture --config FILE --out FILE [--duration S]`: subscribes to the receiver and writes
// the raw stream bytes exactly as received, for replay tests and support cases. The file is what
// `hik-arc translate` reads. Stops after --duration, on SIGTERM/SIGINT, or when the receiver ends.

import { open } from 'node:fs/promises';
import { systemClock } from '../clock.js';
import { COMMAND_REQUIREMENTS } from '../config/requirements.js';
import { errorMessage } from '../errors.js';
import { captureStream } from '../ingest/capture-stream.js';
import { ingestSettingsFromConfig } from '../config/stage-settings.js';
import { commandLogger, EXIT, loadCommandConfig, parseCommandArgs, UsageError, type Command, rejectPositionals } from './command.js';

function durationMs(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const seconds = /^\d+(\.\d+)?$/.test(value.trim()) ? Number(value) : Number.NaN;
  if (!(seconds > 0)) throw new UsageError(`--duration must be a positive number of seconds, not "${value}"`);
  return Math.round(seconds * 1000);
}

export const captureCommand: Command = {
  name: 'capture',
  summary: 'record the receiver event stream to a file, bytes exactly as received (for replay and support)',
  usage: 'hik-arc capture --config FILE --out FILE [--duration S]',
  help: {
    flags: [
      { flag: 'config', value: 'FILE', help: 'config file with receiver.url, receiver.username and receiver.password', required: true },
      { flag: 'out', value: 'FILE', help: 'file the stream bytes are written to (replaced if it exists)', required: true },
      { flag: 'duration', value: 'S', help: 'stop after S seconds (decimals allowed)', default: 'until Ctrl-C or SIGTERM' },
    ],
    notes: ['Takes the receiver\'s one subscription: stop the service first. A live count of the parts received is shown on stderr.'],
    examples: ['hik-arc capture --config /etc/hik-arc/config.json --out site.multipart --duration 600'],
  },
  async run(args, io) {
    const { values, positionals } = parseCommandArgs(args, {
      config: { type: 'string' },
      out: { type: 'string' },
      duration: { type: 'string' },
    });
    rejectPositionals(positionals);
    if (values.out === undefined || values.out === '') throw new UsageError('--out FILE is required');
    const limitMs = durationMs(values.duration);
    const config = loadCommandConfig(io, { file: values.config, command: 'capture', requires: COMMAND_REQUIREMENTS.capture });
    const logger = commandLogger(io, config.log.level, 'stderr', 'capture').child({ stage: 'ingest' });

    let file;
    try {
      file = await open(values.out, 'w');
    } catch (error) {
      io.stderr.write(`hik-arc capture: cannot write ${values.out}: ${errorMessage(error)}\n`);
      return EXIT.FAILURE;
    }
    const output = file;
    let result;
    try {
      result = await captureStream({
        settings: ingestSettingsFromConfig(config),
        sink: async (chunk) => {
          await output.write(chunk);
        },
        durationMs: limitMs,
        signal: io.signal,
        logger,
        clock: systemClock,
      });
    } finally {
      await output.close();
    }
    if (!result.ok) {
      io.stderr.write(`hik-arc capture: ${result.error.message} (${result.error.code})\n`);
      return EXIT.FAILURE;
    }
    io.stderr.write(`hik-arc capture: wrote ${result.bytes} bytes (${result.parts} parts) to ${values.out}\n`);
    if (result.endedBy === 'receiver' || result.endedBy === 'broken') {
      io.stderr.write(`hik-arc capture: the receiver ${result.endedBy === 'receiver' ? 'ended the stream' : `broke the stream: ${result.error ?? ''}`} before the capture was stopped\n`);
      return EXIT.FAILURE;
    }
    return EXIT.OK;
  },
};
