// What every `hik-arc` command shares: its I/O (injected so tests run commands in-process), exit
// codes, argument parsing with usage errors, and config loading with EX_CONFIG on failure.
import { parseArgs } from 'node:util';
import { loadConfig, requireSettings } from '../config/load.js';
import { ConfigError, HikArcError, errorMessage } from '../errors.js';
import { pino } from 'pino';
import { exitQuietlyOnBrokenPipe } from './broken-pipe.js';
import { createLogger } from '../log.js';
// sysexits.h: 64 usage, 75 temporary failure (a panel command whose outcome is unknown), 78 configuration.
export const EXIT = { OK: 0, FAILURE: 1, USAGE: 64, OUTCOME_UNKNOWN: 75, CONFIG: 78 };
export class UsageError extends HikArcError {
    name = 'UsageError';
    constructor(message) {
        super('HIKARC_USAGE', message);
    }
}
export function parseCommandArgs(args, options) {
    try {
        return parseArgs({ args: [...args], options, allowPositionals: true, strict: true });
    }
    catch (error) {
        throw new UsageError(errorMessage(error));
    }
}
/** For commands that take options only. */
export function rejectPositionals(positionals) {
    if (positionals.length > 0)
        throw new UsageError(`unexpected argument "${positionals[0] ?? ''}"`);
}
export function loadCommandConfig(io, options) {
    const config = loadConfig({ file: options.file, env: io.env, overrides: options.overrides ?? {} });
    if (options.requires)
        requireSettings(config, options.requires, options.command);
    return config;
}
/**
 * Logger for a command: JSON lines to stderr for commands whose stdout is their result, to stdout
 * for the service. The process's own streams get pino's synchronous fd writer so the last lines
 * before an exit are not lost; injected streams (tests) are written as they are.
 */
export function commandLogger(io, level, to, command) {
    const stream = to === 'stdout' ? io.stdout : io.stderr;
    if (stream === process.stdout || stream === process.stderr) {
        const destination = pino.destination({ dest: to === 'stdout' ? 1 : 2, sync: true });
        destination.on('error', exitQuietlyOnBrokenPipe);
        return createLogger({ level, destination, base: { command } });
    }
    return createLogger({ level, destination: stream, base: { command } });
}
/** Prints what went wrong, every config problem on its own line, and picks the exit code. */
export function reportFailure(io, command, error) {
    if (error instanceof ConfigError) {
        io.stderr.write(`hik-arc ${command.name}: configuration problems (${error.code}):\n`);
        for (const problem of error.problems)
            io.stderr.write(`  - ${problem}\n`);
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
export function writeJsonLine(io, value) {
    io.stdout.write(`${JSON.stringify(value)}\n`);
}
