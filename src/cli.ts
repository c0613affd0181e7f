// Entry point of the `hik-arc` command. The only module that touches the process: argv, the
// standard streams, the environment, signals and the exit code.

import { fileURLToPath } from 'node:url';
import { resolve } from 'node:path';
import { COMMANDS } from './commands/index.js';
import { endOnBrokenPipe } from './commands/broken-pipe.js';
import { EXIT, reportFailure, type CliIo } from './commands/command.js';
import { commandHelpText, overviewText, versionText } from './commands/help.js';
import { readEnvironmentFiles, takeGlobalFlags } from './commands/env-files.js';

export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const [name, ...args] = argv;
  if (name === '--version' || name === '-V' || name === 'version') {
    io.stdout.write(versionText());
    return EXIT.OK;
  }
  if (name === 'help' && args[0] !== undefined) {
    const named = COMMANDS.find((candidate) => candidate.name === args[0]);
    if (named) {
      io.stdout.write(commandHelpText(named));
      return EXIT.OK;
    }
  }
  if (name === undefined || name === 'help' || name === '--help' || name === '-h') {
    io.stdout.write(overviewText(COMMANDS));
    return name === undefined ? EXIT.USAGE : EXIT.OK;
  }
  const command = COMMANDS.find((candidate) => candidate.name === name);
  if (!command) {
    io.stderr.write(`hik-arc: unknown command "${name}"; run "hik-arc help"\n`);
    return EXIT.USAGE;
  }
  if (args.includes('--help') || args.includes('-h')) {
    io.stdout.write(commandHelpText(command));
    return EXIT.OK;
  }
  // --pretty and --env-file apply to every command, so they are taken here rather than by each one.
  const global = takeGlobalFlags(args);
  try {
    const env = global.envFiles.length === 0 ? io.env : { ...io.env, ...readEnvironmentFiles(global.envFiles, io, command.name) };
    return await command.run(global.args, { ...io, env, pretty: global.pretty, envFiles: global.envFiles });
  } catch (error) {
    return reportFailure(io, command, error);
  }
}

function isMain(): boolean {
  const entry = process.argv[1];
  return entry !== undefined && resolve(entry) === fileURLToPath(import.meta.url);
}

function dieOnBug(what: string): (error: unknown) => void {
  return (error) => {
    const detail = error instanceof Error ? (error.stack ?? error.message) : String(error);
    process.stderr.write(`${JSON.stringify({ level: 'fatal', time: new Date().toISOString(), service: 'hik-arc', msg: what, err: detail })}\n`);
    // EX_SOFTWARE: a bug. systemd restarts the service; the outbox keeps every alarm.
    process.exit(EXIT.SOFTWARE);
  };
}

export async function main(): Promise<void> {
  process.on('uncaughtException', dieOnBug('uncaught exception; exiting so the service manager restarts hik-arc'));
  process.on('unhandledRejection', dieOnBug('unhandled promise rejection; exiting so the service manager restarts hik-arc'));
  // `hik-arc translate … | head -1`: the reader went away; exit 0 quietly.
  endOnBrokenPipe(process.stdout, process.stderr);
  const controller = new AbortController();
  const stop = (): void => controller.abort();
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  const code = await runCli(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, env: process.env, signal: controller.signal });
  process.off('SIGTERM', stop);
  process.off('SIGINT', stop);
  process.exitCode = code;
}

if (isMain()) await main();
