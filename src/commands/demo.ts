// `hik-arc demo [--capture FILE] [--plain] [--hold SEC]`: the whole pipeline on one machine, with
// nothing to set up. The built-in DC-09 receiver listens on a free loopback port as the "ARC"; the
// bundled capture of the vendor guide's examples is replayed to it, AES-128 encrypted, and each
// event is printed with its translation and the receiver's answer. The guide's video-verification
// example goes out with a signed [V] link to the media endpoint, which fetches the clip from a
// stand-in for the receiver's download behind HTTP Digest; the endpoint stays up for --hold seconds
// (60 at a terminal) so that the link can be opened with curl.

import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sleep, systemClock } from '../clock.js';
import { loadConfig } from '../config/load.js';
import { freePort } from '../free-port.js';
import { AuthGuard } from '../ingest/index.js';
import { createMediaStage, type MediaStage } from '../media/index.js';
import { mediaSettingsFromConfig } from '../config/stage-settings.js';
import type { LogLevel } from '../log.js';
import { MetricsRegistry } from '../metrics.js';
import { replayFiles } from '../service/replay.js';
import { arcKey, Dc09Receiver, type FrameRecord } from '../transport/index.js';
import { replayExitCode, replayLineJson, writeReplaySummary } from './replay.js';
import { commandLogger, parseCommandArgs, UsageError, writeJsonLine, type CliIo, type Command, rejectPositionals } from './command.js';
import { DEMO_CLIP_PATH, startDemoHikReceiver, withDemoClip, type DemoHikReceiver } from './demo-media.js';

const packageFile = (path: string): string => fileURLToPath(new URL(`../../${path}`, import.meta.url));

export const DEMO_CONFIG = packageFile('config/demo.json');
export const DEMO_CAPTURE = packageFile('test/fixtures/guide-examples.multipart');
export const DEMO_CLIP = packageFile('test/fixtures/demo-verification.gif');
const DEMO_PUBLIC_HOST = '127.0.0.1';
const TERMINAL_HOLD_SEC = 60;

function holdSeconds(value: string | undefined, io: CliIo): number {
  if (value === undefined) return (io.stderr as { isTTY?: boolean }).isTTY === true ? TERMINAL_HOLD_SEC : 0;
  const seconds = /^\d+$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isInteger(seconds)) throw new UsageError(`--hold must be a whole number of seconds, not "${value}"`);
  return seconds;
}

interface DemoMedia {
  readonly stage: MediaStage;
  readonly receiver: DemoHikReceiver;
  readonly capture: string;
  close(): Promise<void>;
}

/** How often the demo picks another port for the media endpoint when the one it picked was taken. */
const MEDIA_PORT_ATTEMPTS = 3;

function isAddressInUse(error: unknown): boolean {
  const cause = error instanceof Error ? error.cause : undefined;
  return typeof cause === 'object' && cause !== null && 'code' in cause && cause.code === 'EADDRINUSE';
}

/**
 * The media endpoint on a free loopback port. Its link base (media.publicUrl) must be known before
 * it starts, so the port is picked first and bound only by the start: someone else may take it in
 * between. Then the demo picks another, a few times, rather than fail.
 */
async function startDemoMediaStage(receiver: DemoHikReceiver, work: string, logLevel: LogLevel, io: CliIo): Promise<MediaStage> {
  for (let attempt = 1; ; attempt++) {
    const port = await freePort(DEMO_PUBLIC_HOST);
    const config = loadConfig({
      file: DEMO_CONFIG,
      env: {},
      overrides: {
        'receiver.url': receiver.url,
        'receiver.username': receiver.username,
        'receiver.password': receiver.password,
        'store.path': ':memory:',
        'media.listen': `${DEMO_PUBLIC_HOST}:${port}`,
        'media.publicUrl': `http://${DEMO_PUBLIC_HOST}:${port}`,
        'media.secret': randomBytes(32).toString('hex'),
        'media.dir': join(work, 'media'),
      },
    });
    const settings = mediaSettingsFromConfig(config);
    const stage = createMediaStage({
      settings,
      guard: new AuthGuard(settings.receiver.authRetryMs),
      clock: systemClock,
      logger: commandLogger(io, logLevel, 'stderr', 'demo').child({ stage: 'media' }),
      metrics: new MetricsRegistry(),
    });
    try {
      await stage.start();
      return stage;
    } catch (error) {
      await stage.stop();
      if (attempt >= MEDIA_PORT_ATTEMPTS || !isAddressInUse(error)) throw error;
    }
  }
}

async function startDemoMedia(capture: Buffer, logLevel: LogLevel, io: CliIo): Promise<DemoMedia> {
  const receiver = await startDemoHikReceiver(readFileSync(DEMO_CLIP), 'image/gif');
  const work = mkdtempSync(join(tmpdir(), 'hik-arc-demo-'));
  const captureFile = join(work, 'guide-examples.multipart');
  writeFileSync(captureFile, withDemoClip(capture, DEMO_CLIP_PATH));
  const stage = await startDemoMediaStage(receiver, work, logLevel, io);
  return {
    stage,
    receiver,
    capture: captureFile,
    async close() {
      await stage.stop();
      await receiver.close();
      rmSync(work, { recursive: true, force: true });
    },
  };
}

export const demoCommand: Command = {
  name: 'demo',
  summary: 'replay the bundled capture through the full pipeline to the built-in receiver on loopback, with a signed [V] media link',
  usage: 'hik-arc demo [--capture FILE] [--plain] [--hold SEC]',
  help: {
    flags: [
      { flag: 'capture', value: 'FILE', help: 'an event capture to replay instead of the bundled one', default: "the vendor guide's examples" },
      { flag: 'plain', help: 'send plain DC-09 frames instead of AES-128 encrypted ones' },
      {
        flag: 'hold',
        value: 'SEC',
        help: 'keep the media endpoint up this long after the replay so the printed link can be opened',
        default: '60 at a terminal, 0 otherwise',
      },
    ],
    notes: ['Needs no receiver, ARC or config: everything runs on 127.0.0.1.'],
    examples: ['hik-arc demo', 'hik-arc demo --plain --hold 0'],
  },
  async run(args, io) {
    const { values, positionals } = parseCommandArgs(args, { capture: { type: 'string' }, plain: { type: 'boolean' }, hold: { type: 'string' } });
    rejectPositionals(positionals);
    const hold = holdSeconds(values.hold, io);
    const base = loadConfig({ file: DEMO_CONFIG, env: {} });
    const key = values.plain === true ? '' : base.arc.key;
    const logger = commandLogger(io, base.log.level, 'stderr', 'demo');
    const received = new Map<string, FrameRecord>();
    const receiver = await Dc09Receiver.start({
      listen: [{ transport: 'tcp', host: '127.0.0.1', port: 0 }],
      key: arcKey(key, base.arc.keyFormat),
      onFrame: (record) => {
        if (record.seq !== null && record.account !== null) received.set(`${record.account}|${record.seq}`, record);
      },
    });
    const arc = receiver.url('tcp');
    io.stderr.write(`hik-arc demo: built-in DC-09 receiver (the "ARC") on ${arc}${key === '' ? '' : ', AES-128'}\n`);
    // The bundled capture gets the demo clip; a capture of your own is replayed as it is.
    const media = await startDemoMedia(values.capture === undefined ? readFileSync(DEMO_CAPTURE) : Buffer.alloc(0), base.log.level, io);
    let verification: string | null = null;
    try {
      const config = loadConfig({ file: DEMO_CONFIG, env: {}, overrides: { 'arc.primary': arc, 'arc.key': key } });
      const summary = await replayFiles({
        config,
        files: [values.capture ?? media.capture],
        logger,
        beforeStore: media.stage.beforeStore,
        ...(io.signal === undefined ? {} : { signal: io.signal }),
        onLine: (line) => {
          const json = replayLineJson(line);
          const delivery = line.delivery;
          if (delivery?.outcome === 'acked') {
            const seq = String(delivery.sequence).padStart(4, '0');
            const record = received.get(`${delivery.message.account}|${seq}`);
            const arcView = json['arc'] as Record<string, unknown>;
            const link = record?.extended.find((block) => block.id === 'V')?.value ?? null;
            if (link !== null && delivery.message.eventType === 'videoReview') verification = link;
            json['arc'] = { ...arcView, received: record?.data ?? null, verification: link, encrypted: record?.encrypted ?? null };
          }
          writeJsonLine(io, json);
        },
      });
      writeReplaySummary(io, summary);
      if (verification !== null) {
        io.stderr.write(
          `\nhik-arc demo: the guide's video-verification example (A.29) reached the "ARC" with\n  [V${verification}]\n` +
            `  hik-arc fetches the clip from the receiver with the receiver's login; whoever holds the link needs none:\n` +
            `    curl -o verification.gif '${verification}'\n`,
        );
        if (hold > 0) {
          io.stderr.write(`  The media endpoint stays up for ${hold} s (Ctrl-C ends the demo sooner).\n`);
          await sleep(systemClock, hold * 1000, io.signal);
        } else io.stderr.write('  (hik-arc demo --hold SEC keeps the media endpoint up to open it.)\n');
      }
      return replayExitCode(summary);
    } finally {
      await media.close();
      await receiver.stop();
    }
  },
};
