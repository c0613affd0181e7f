// The root pino logger. Services log JSON to stdout for journald; commands whose stdout is their
// result (translate, tables, send, receiver) log to stderr. At a terminal (or with --pretty) the same
// lines are rendered by pino-pretty for a person to read. Every JSON line carries the version and
// the hostname, so a line pasted into a support case says which build on which machine wrote it.
// Secrets are redacted wherever they could appear: the config object, request headers, error
// details, and the user:password@ of any URL in a log field.

import { hostname } from 'node:os';
import { pino, type DestinationStream, type Logger, type LevelWithSilent } from 'pino';
import { prettyFactory } from 'pino-pretty';
import { VERSION } from './version.js';

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

// scheme://, then the authority up to its last `@` (a password may hold one): the userinfo.
const URL_USERINFO = /([a-z][a-z0-9+.-]*:\/\/)[^\s/?#]*@/gi;

/** The text with the `user:password@` of every URL in it replaced by `[redacted]@`. */
export function redactUrlCredentials(text: string): string {
  if (!text.includes('@') || !text.includes('://')) return text;
  return text.replace(URL_USERINFO, `$1${REDACTED}@`);
}

function redactField(value: unknown): unknown {
  return typeof value === 'string' ? redactUrlCredentials(value) : value;
}

/** Log fields, and the fields of objects among them, with URL credentials redacted. */
function redactUrlFields(fields: Record<string, unknown>): Record<string, unknown> {
  let out: Record<string, unknown> | undefined;
  for (const [key, value] of Object.entries(fields)) {
    let redacted: unknown = value;
    if (typeof value === 'string') redacted = redactUrlCredentials(value);
    else if (typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Error)) {
      const inner = value as Record<string, unknown>;
      for (const [innerKey, innerValue] of Object.entries(inner)) {
        const clean = redactField(innerValue);
        if (clean !== innerValue) {
          redacted = { ...(redacted as Record<string, unknown>), [innerKey]: clean };
        }
      }
    }
    if (redacted !== value) {
      out ??= { ...fields };
      out[key] = redacted;
    }
  }
  return out ?? fields;
}

export interface LoggerOptions {
  readonly level: LogLevel;
  /** `stdout` for the service, `stderr` for commands that print results on stdout. */
  readonly destination: 'stdout' | 'stderr' | DestinationStream;
  readonly base?: Record<string, unknown>;
  /** Human-readable lines instead of JSON; `color` adds ANSI colours (a terminal). */
  readonly pretty?: { readonly color: boolean };
}

/** Fields of every JSON line; the pretty form leaves them out (the terminal knows its machine). */
export const BASE_FIELDS: Readonly<Record<string, string>> = Object.freeze({ service: 'hik-arc', version: VERSION, hostname: hostname() });

/**
 * A destination that renders each JSON line with pino-pretty before writing it. Synchronous, as
 * the JSON destinations are: the last lines before an exit are not lost in a worker thread.
 */
export function prettyDestination(target: DestinationStream, color: boolean): DestinationStream {
  const render = prettyFactory({ colorize: color, translateTime: 'SYS:yyyy-mm-dd HH:MM:ss.l', ignore: 'service,version,hostname,command' });
  return { write: (line: string) => target.write(render(line)) };
}

export function createLogger(options: LoggerOptions): Logger {
  const raw = typeof options.destination === 'string' ? pino.destination({ dest: options.destination === 'stdout' ? 1 : 2, sync: true }) : options.destination;
  const stream = options.pretty === undefined ? raw : prettyDestination(raw, options.pretty.color);
  return pino(
    {
      level: options.level,
      base: { ...BASE_FIELDS, ...options.base },
      redact: { paths: [...REDACT_PATHS], censor: REDACTED },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }), log: redactUrlFields },
    },
    stream,
  );
}

export const silentLogger: Logger = pino({ level: 'silent' });
