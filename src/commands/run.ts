// `hik-arc run --config FILE`: the service. JSON logs on stdout (journald); SIGTERM/SIGINT stop it
// in order and exit 0; SIGHUP is logged and ignored, because every setting is read once at start.

import { configFileWarnings, redactConfig } from '../config/load.js';
import { COMMAND_REQUIREMENTS } from '../config/requirements.js';
import { HikArcError, type ErrorCode } from '../errors.js';
import { startService } from '../service/service.js';
import { EXIT, commandLogger, loadCommandConfig, parseCommandArgs, type Command, rejectPositionals } from './command.js';

// Start failures whose fix is a setting: the address of a listener.
const STARTUP_CONFIG_CODES: ReadonlySet<ErrorCode> = new Set(['HIKARC_LISTEN_FAILED', 'HIKARC_MEDIA_LISTEN_FAILED']);

export const runCommand: Command = {
  name: 'run',
  summary: 'run the service: receiver stream → translate → outbox → ARC',
  usage: 'hik-arc run --config FILE',
  help: {
    flags: [
      {
        flag: 'config',
        value: 'FILE',
        help: 'the JSON config file; HIK_ARC_* variables override it (the systemd unit sets HIK_ARC_STORE_PATH and reads secrets from its EnvironmentFile)',
        required: true,
      },
    ],
    notes: [
      'Logs one JSON line per event to stdout for the journal. SIGTERM or SIGINT stops it in order (unsubscribe, store what is queued, wait for ACKs in flight) and exits 0; 78 when a setting is wrong or an address cannot be listened on.',
    ],
    examples: ['hik-arc run --config /etc/hik-arc/config.json'],
  },
  async run(args, io) {
    const { values, positionals } = parseCommandArgs(args, { config: { type: 'string' } });
    rejectPositionals(positionals);
    const config = loadCommandConfig(io, { file: values.config, command: 'run', requires: COMMAND_REQUIREMENTS.run });
    const logger = commandLogger(io, config.log.level, 'stdout', 'run');
    logger.info({ config: redactConfig(config) }, 'starting');
    if (values.config !== undefined) {
      for (const { code, file, mode, secrets, message } of configFileWarnings(values.config)) logger.warn({ code, file, mode, secrets }, message);
    }
    let service;
    try {
      service = await startService({ config, logger });
    } catch (error) {
      // An address that cannot be listened on is fixed in the config: one line for the journal
      // and EX_CONFIG, not a stack trace (startService has stopped what it started).
      if (error instanceof HikArcError && STARTUP_CONFIG_CODES.has(error.code)) {
        logger.fatal({ code: error.code, ...error.detail }, `${error.message}; not started`);
        return EXIT.CONFIG;
      }
      throw error;
    }
    logger.info({ http: service.httpAddress, media: service.mediaAddress, control: service.controlAddress }, 'running');

    const onHangup = (): void =>
      logger.warn('SIGHUP ignored: hik-arc reopens nothing and reads its config only at start; restart the service to apply config changes');
    process.on('SIGHUP', onHangup);
    try {
      await new Promise<void>((resolve) => {
        if (io.signal?.aborted) resolve();
        io.signal?.addEventListener('abort', () => resolve(), { once: true });
      });
      logger.info('stop requested');
      const report = await service.stop();
      // Alarms that reached neither the store nor the ARC: the journal holds them, the exit code says so.
      if (report.unstored > 0) return EXIT.FAILURE;
    } finally {
      process.off('SIGHUP', onHangup);
    }
    return EXIT.OK;
  },
};
