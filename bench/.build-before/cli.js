// Entry point of the `hik-arc` command. The only module that touches the process: argv, the
// standard streams, the environment, signals and the exit code.
import { fileURLToPath } from 'node:url';
import { resolve } from 'node:path';
import { COMMANDS } from './commands/index.js';
import { endOnBrokenPipe } from './commands/broken-pipe.js';
import { EXIT, reportFailure } from './commands/command.js';
function help(io) {
    io.stdout.write('hik-arc: Hik IP Receiver Pro events to SIA DC-09 for alarm receiving centres\n\ncommands:\n');
    // A usage of several lines (hik-arc panel) is aligned under its first.
    for (const command of COMMANDS)
        io.stdout.write(`  ${command.usage.replace(/\n\s*/g, '\n  ')}\n      ${command.summary}\n`);
    io.stdout.write('\nexit codes: 0 ok, 1 failure, 64 usage error, 75 outcome unknown (panel commands), 78 configuration error\n');
}
export async function runCli(argv, io) {
    const [name, ...args] = argv;
    if (name === undefined || name === 'help' || name === '--help' || name === '-h') {
        help(io);
        return name === undefined ? EXIT.USAGE : EXIT.OK;
    }
    const command = COMMANDS.find((candidate) => candidate.name === name);
    if (!command) {
        io.stderr.write(`hik-arc: unknown command "${name}"; run "hik-arc help"\n`);
        return EXIT.USAGE;
    }
    if (args.includes('--help') || args.includes('-h')) {
        io.stdout.write(`usage: ${command.usage}\n${command.summary}\n`);
        return EXIT.OK;
    }
    try {
        return await command.run(args, io);
    }
    catch (error) {
        return reportFailure(io, command, error);
    }
}
function isMain() {
    const entry = process.argv[1];
    return entry !== undefined && resolve(entry) === fileURLToPath(import.meta.url);
}
// sysexits.h EX_SOFTWARE: a bug. systemd restarts the service; the outbox keeps every alarm.
const EX_SOFTWARE = 70;
function dieOnBug(what) {
    return (error) => {
        const detail = error instanceof Error ? (error.stack ?? error.message) : String(error);
        process.stderr.write(`${JSON.stringify({ level: 'fatal', time: new Date().toISOString(), service: 'hik-arc', msg: what, err: detail })}\n`);
        process.exit(EX_SOFTWARE);
    };
}
export async function main() {
    process.on('uncaughtException', dieOnBug('uncaught exception; exiting so the service manager restarts hik-arc'));
    process.on('unhandledRejection', dieOnBug('unhandled promise rejection; exiting so the service manager restarts hik-arc'));
    // `hik-arc translate … | head -1`: the reader went away; exit 0 quietly.
    endOnBrokenPipe(process.stdout, process.stderr);
    const controller = new AbortController();
    const stop = () => controller.abort();
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
    const code = await runCli(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, env: process.env, signal: controller.signal });
    process.off('SIGTERM', stop);
    process.off('SIGINT', stop);
    process.exitCode = code;
}
if (isMain())
    await main();
