// The root pino logger. Services log JSON to stdout for journald; commands whose stdout is their
// result (translate, tables, send, receiver) log to stderr. Secrets are redacted wherever they could
// appear: the config object, request headers and error details.

import { pino, type DestinationStream, type Logger, type LevelWithSilent } from 'pino';

export type { Logger };

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = LevelWithSilent;

export const REDACT_PATHS: readonly string[] = [
  'password',
  'key',
  'authorization',
  'secret',
  '*.password',
  '*.key',
  '*.authorization',
  '*.secret',
  '*.*.password',
  '*.*.key',
  '*.*.authorization',
  '*.*.secret',
  'headers["authorization"]',
  '*.headers["authorization"]',
];

export const REDACTED = '[redacted]';

export interface LoggerOptions {
  readonly level: LogLevel;
  /** `stdout` for the service, `stderr` for commands that print results on stdout. */
  readonly destination: 'stdout' | 'stderr' | DestinationStream;
  readonly base?: Record<string, unknown>;
}

export function createLogger(options: LoggerOptions): Logger {
  const stream =
    typeof options.destination === 'string'
      ? pino.destination({ dest: options.destination === 'stdout' ? 1 : 2, sync: true })
      : options.destination;
  return pino(
    {
      level: options.level,
      base: { service: 'hik-arc', ...options.base },
      redact: { paths: [...REDACT_PATHS], censor: REDACTED },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    stream,
  );
}

export const silentLogger: Logger = pino({ level: 'silent' });

/** Child logger for one pipeline stage; every line it writes carries `stage`. */
export function stageLogger(root: Logger, stage: 'ingest' | 'translate' | 'transport' | 'store' | 'http' | 'cli'): Logger {
  return root.child({ stage });
}
