// `hik-arc demo [--capture FILE] [--plain]`: the whole pipeline on one machine, with nothing to set
// up. The built-in DC-09 receiver listens on a free loopback port as the "ARC"; the bundled capture
// of the vendor guide's examples is replayed to it, AES-128 encrypted, and each event is printed
// with its translation and the receiver's answer.

import { fileURLToPath } from 'node:url';
import { loadConfig } from '../config/load.js';
import { replayFiles } from '../service/replay.js';
import { arcKey, Dc09Receiver, type FrameRecord } from '../transport/index.js';
import { replayExitCode, replayLineJson, writeReplaySummary } from './replay.js';
import { commandLogger, parseCommandArgs, UsageError, writeJsonLine, type Command, rejectPositionals } from './command.js';

const packageFile = (path: string): string => fileURLToPath(new URL(`../../${path}`, import.meta.url));

export const DEMO_CONFIG = packageFile('config/demo.json');
export const DEMO_CAPTURE = packageFile('test/fixtures/guide-examples.multipart');

export const demoCommand: Command = {
  name: 'demo',
  summary: 'replay the bundled capture through the full pipeline to the built-in receiver on loopback',
  usage: 'hik-arc demo [--capture FILE] [--plain]',
  async run(args, io) {
    const { values, positionals } = parseCommandArgs(args, { capture: { type: 'string' }, plain: { type: 'boolean' } });
    rejectPositionals(positionals);
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
    try {
      const config = loadConfig({ file: DEMO_CONFIG, env: {}, overrides: { 'arc.primary': arc, 'arc.key': key } });
      const summary = await replayFiles({
        config,
        files: [values.capture ?? DEMO_CAPTURE],
        logger,
        ...(io.signal === undefined ? {} : { signal: io.signal }),
        onLine: (line) => {
          const json = replayLineJson(line);
          const delivery = line.delivery;
          if (delivery?.outcome === 'acked') {
            const seq = String(delivery.sequence).padStart(4, '0');
            const record = received.get(`${delivery.message.account}|${seq}`);
            const arcView = json['arc'] as Record<string, unknown>;
            json['arc'] = { ...arcView, received: record?.data ?? null, encrypted: record?.encrypted ?? null };
          }
          writeJsonLine(io, json);
        },
      });
      writeReplaySummary(io, summary);
      return replayExitCode(summary);
    } finally {
      await receiver.stop();
    }
  },
};
