// `hik-arc capture --config FILE --out FILE [--duration S]`: subscribes to the receiver and writes
// the raw stream bytes, for replay tests and support cases. The file is what `hik-arc translate`
// reads. Records for the whole --duration (or until SIGTERM/SIGINT), subscribing again after a
// stall or an end of the stream, and shows on stderr how many parts it has so far: an installer
// triggering zones sees each one arrive.
import { open } from 'node:fs/promises';
import { systemClock } from '../clock.js';
import { COMMAND_REQUIREMENTS } from '../config/requirements.js';
import { errorMessage } from '../errors.js';
import { captureStream, type CaptureProgress } from '../ingest/capture-stream.js';
import { ingestSettingsFromConfig } from '../config/stage-settings.js';
import { commandLogger, EXIT, loadCommandConfig, parseCommandArgs, UsageError, type CliIo, type Command, rejectPositionals } from './command.js';

function durationMs(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const seconds = /^\d+(\.\d+)?$/.test(value.trim()) ? Number(value) : Number.NaN;
  if (!(seconds > 0)) throw new UsageError(`--duration must be a positive number of seconds, not "${value}"`);
  return Math.round(seconds * 1000);
}

function progressText(progress: CaptureProgress): string {
  const kb = (progress.bytes / 1024).toFixed(1);
  const last = progress.lastEvent === null ? '' : ` (last: ${progress.lastEvent})`;
  const base = `${progress.parts} part(s), ${progress.events} event(s)${last}, ${kb} KiB, subscription ${Math.max(progress.subscriptions, 1)}`;
  if (progress.state === 'waiting') return `${base}: stream stopped (${progress.gap ?? 'no reason'}), subscribing again`;
  if (progress.state === 'subscribing') return `${base}: subscribing`;
  return base;
}

/**
 * The live count: one line rewritten in place at a terminal, on every part; off one (a pipe, a
 * log), a line for each event and each change of state, not for every heartbeat.
 */
function progressDisplay(io: CliIo): { readonly show: (progress: CaptureProgress) => void; readonly end: () => void } {
  const terminal = (io.stderr as { isTTY?: boolean }).isTTY === true;
  let lastState: CaptureProgress['state'] | null = null;
  let lastParts = -1;
  let lastEvents = -1;
  let drawn = false;
  return {
    show(progress) {
      if (terminal) {
        if (progress.state === lastState && progress.parts === lastParts) return;
        io.stderr.write(`\r\u001b[2Khik-arc capture: ${progressText(progress)}`);
        drawn = true;
      } else if (progress.state !== lastState || progress.events !== lastEvents) {
        io.stderr.write(`hik-arc capture: ${progressText(progress)}\n`);
      }
      lastState = progress.state;
      lastParts = progress.parts;
      lastEvents = progress.events;
    },
    end() {
      if (drawn) io.stderr.write('\n');
    },
  };
}

export const captureCommand: Command = {
  name: 'capture',
  summary: 'record the receiver event stream to a file, bytes as received, for the whole duration across stalls (for replay and support)',
  usage: 'hik-arc capture --config FILE --out FILE [--duration S]',
  help: {
    flags: [
      { flag: 'config', value: 'FILE', help: 'config file with receiver.url, receiver.username and receiver.password', required: true },
      { flag: 'out', value: 'FILE', help: 'file the stream bytes are written to (replaced if it exists)', required: true },
      { flag: 'duration', value: 'S', help: 'stop after S seconds (decimals allowed)', default: 'until Ctrl-C or SIGTERM' },
    ],
    notes: [
      "Takes the receiver's one subscription: stop the service first (to watch a running service, use hik-arc events --follow). A live count of the parts received is shown on stderr. A stream that stops (ended, broken, or no part within receiver.heartbeatTimeoutSec) is subscribed again and the capture goes on for the whole duration; each gap is reported at the end. Exit 1 when the first subscription is refused or a later one is refused for good (login, Private, certificate).",
    ],
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
    const display = progressDisplay(io);
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
        onProgress: display.show,
      });
    } finally {
      display.end();
      await output.close();
    }
    if (!result.ok) {
      io.stderr.write(`hik-arc capture: ${result.error.message} (${result.error.code})\n`);
      return EXIT.FAILURE;
    }
    io.stderr.write(`hik-arc capture: wrote ${result.bytes} bytes (${result.parts} parts, ${result.subscriptions} subscription(s)) to ${values.out}\n`);
    for (const gap of result.gaps) {
      const resumed = gap.resumedAt === null ? 'not resumed before the end' : `resumed after ${((gap.resumedAt - gap.at) / 1000).toFixed(1)} s`;
      io.stderr.write(`hik-arc capture: gap at ${new Date(gap.at).toISOString()}: ${gap.reason}; ${resumed}\n`);
    }
    if (result.endedBy === 'refused') {
      io.stderr.write(
        `hik-arc capture: stopped early: ${result.error?.message ?? 'the receiver refused'} (${result.error?.code ?? 'HIKARC_RECEIVER_REFUSED'})\n`,
      );
      return EXIT.FAILURE;
    }
    return EXIT.OK;
  },
};
