// What every `hik-arc` command shares: its I/O (injected so tests run commands in-process), exit
// codes, argument parsing with usage errors, and config loading with EX_CONFIG on failure.

import { parseArgs, type ParseArgsConfig } from 'node:util';
import { loadConfig, requireSettings, type Config } from '../config/load.js';
import { ConfigError, HikArcError, errorMessage } from '../errors.js';
import { pino, type DestinationStream } from 'pino';
import { exitQuietlyOnBrokenPipe } from './broken-pipe.js';
import { createLogger, type Logger, type LogLevel } from '../log.js';
import type { CommandHelp } from './help.js';

export interface CliIo {
  readonly stdout: NodeJS.WritableStream;
  readonly stderr: NodeJS.WritableStream;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Aborted on SIGTERM/SIGINT; long-running commands stop gracefully. */
  readonly signal?: AbortSignal;
  /** `--pretty`: human-readable log lines even when the log stream is not a terminal. */
  readonly pretty?: boolean;
  /** `--env-file` files already laid over `env`, to say so in output. */
  readonly envFiles?: readonly string[];
}

export interface Command {
  readonly name: string;
  readonly summary: string;
  readonly usage: string;
  /** Every flag explained, with its default, and examples (`hik-arc COMMAND --help`). */
  readonly help: CommandHelp;
  run(args: readonly string[], io: CliIo): Promise<number>;
}

// sysexits.h: 64 usage, 70 internal software error (a bug), 75 temporary failure (a panel command
// whose outcome is unknown), 78 configuration. help.ts explains each to the operator.
export const EXIT = { OK: 0, FAILURE: 1, USAGE: 64, SOFTWARE: 70, OUTCOME_UNKNOWN: 75, CONFIG: 78 } as const;

export class UsageError extends HikArcError {
  override readonly name = 'UsageError';

  constructor(message: string) {
    super('HIKARC_USAGE', message);
  }
}

type Options = NonNullable<ParseArgsConfig['options']>;

export function parseCommandArgs<const T extends Options>(args: readonly string[], options: T) {
  try {
    return parseArgs({ args: [...args], options, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError(errorMessage(error));
  }
}

/** For commands that take options only. */
export function rejectPositionals(positionals: readonly string[]): void {
  if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0] ?? ''}"`);
}

export interface CommandConfigOptions {
  readonly file: string | undefined;
  readonly command: string;
  /** Settings this command cannot run without. */
  readonly requires?: readonly string[];
  readonly overrides?: Readonly<Record<string, unknown>>;
}

export function loadCommandConfig(io: CliIo, options: CommandConfigOptions): Config {
  const config = loadConfig({ file: options.file, env: io.env, overrides: options.overrides ?? {} });
  if (options.requires) requireSettings(config, options.requires, options.command);
  return config;
}

/**
 * Logger for a command: log lines to stderr for commands whose stdout is their result, to stdout
 * for the service. JSON for the journal and for pipes; pino-pretty's form when the stream is a
 * terminal or with --pretty (colours only at a terminal). The process's own streams get pino's
 * synchronous fd writer so the last lines before an exit are not lost; injected streams (tests)
 * are written as they are.
 */
export function commandLogger(io: CliIo, level: LogLevel, to: 'stdout' | 'stderr', command: string): Logger {
  const stream = to === 'stdout' ? io.stdout : io.stderr;
  const terminal = (stream as { isTTY?: boolean }).isTTY === true;
  const pretty = terminal || io.pretty === true ? { pretty: { color: terminal } } : {};
  if (stream === process.stdout || stream === process.stderr) {
    const destination = pino.destination({ dest: to === 'stdout' ? 1 : 2, sync: true });
    destination.on('error', exitQuietlyOnBrokenPipe);
    return createLogger({ level, destination, base: { command }, ...pretty });
  }
  return createLogger({ level, destination: stream as unknown as DestinationStream, base: { command }, ...pretty });
}

/** Prints what went wrong, every config problem on its own line, and picks the exit code. */
export function reportFailure(io: CliIo, command: Command, error: unknown): number {
  if (error instanceof ConfigError) {
    io.stderr.write(`hik-arc ${command.name}: configuration problems (${error.code}):\n`);
    for (const problem of error.problems) io.stderr.write(`  - ${problem}\n`);
    return EXIT.CONFIG;
  }
  if (error instanceof UsageError) {
    io.stderr.write(`hik-arc ${command.name}: ${error.message}\nusage: ${command.usage}\n`);
    return EXIT.USAGE;
  }
  if (error instanceof HikArcError) {
    io.stderr.write(`hik-arc ${command.name}: ${error.message} (${error.code})\n`);
    return EXIT.FAILURE;
  }
  io.stderr.write(`hik-arc ${command.name}: unexpected error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  return EXIT.FAILURE;
}

export function writeJsonLine(io: CliIo, value: unknown): void {
  io.stdout.write(`${JSON.stringify(value)}\n`);
}
