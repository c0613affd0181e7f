// `--env-file FILE` of every command: the unit's EnvironmentFile (/etc/hik-arc/env, where the
// receiver password and the ARC key live) read as systemd reads it and laid over the environment,
// so a command run from a shell sees what the service sees without exporting secrets by hand.
// Later files win, and a file wins over the process environment, as EnvironmentFile= does over
// Environment=. Each line systemd would ignore, and a file holding secrets that others may read,
// is a warning on stderr; a value is never printed.

import { readFileSync, statSync } from 'node:fs';
import { parseEnvironmentFile } from '../config/env-file.js';
import { envName, SENSITIVE_PATHS } from '../config/schema.js';
import { ConfigError, errorMessage } from '../errors.js';
import type { CliIo } from './command.js';

const SECRET_VARIABLES: ReadonlySet<string> = new Set([...SENSITIVE_PATHS].map(envName));

export function readEnvironmentFiles(files: readonly string[], io: CliIo, command: string): Record<string, string> {
  const variables: Record<string, string> = {};
  for (const file of files) {
    let text: string;
    let mode: number;
    try {
      text = readFileSync(file, 'utf8');
      mode = statSync(file).mode & 0o7777;
    } catch (error) {
      throw new ConfigError('HIKARC_CONFIG_UNREADABLE', [`cannot read environment file ${file}: ${errorMessage(error)}`], { cause: error });
    }
    const parsed = parseEnvironmentFile(text);
    for (const problem of parsed.problems) io.stderr.write(`hik-arc ${command}: warning: ${file}: ${problem}\n`);
    const secrets = Object.keys(parsed.variables).filter((name) => SECRET_VARIABLES.has(name) && parsed.variables[name] !== '');
    if (secrets.length > 0 && (mode & 0o077) !== 0 && process.platform !== 'win32') {
      const octal = mode.toString(8).padStart(4, '0');
      io.stderr.write(
        `hik-arc ${command}: warning (HIKARC_CONFIG_FILE_READABLE): ${file}: holds ${secrets.join(', ')} and can be read by others (mode ${octal}): chmod 600 it, owned by root\n`,
      );
    }
    Object.assign(variables, parsed.variables);
  }
  return variables;
}

export interface GlobalFlags {
  readonly args: readonly string[];
  readonly pretty: boolean;
  readonly envFiles: readonly string[];
}

/**
 * Takes the flags every command shares out of its arguments: `--pretty` and `--env-file FILE`
 * (also `--env-file=FILE`), each as often as given. What follows `--` is left alone.
 */
export function takeGlobalFlags(args: readonly string[]): GlobalFlags {
  const rest: string[] = [];
  const envFiles: string[] = [];
  let pretty = false;
  for (let index = 0; index < args.length; index++) {
    const arg = args[index] as string;
    if (arg === '--') {
      rest.push(...args.slice(index));
      break;
    }
    if (arg === '--pretty') pretty = true;
    else if (arg.startsWith('--env-file=')) envFiles.push(arg.slice('--env-file='.length));
    else if (arg === '--env-file' && args[index + 1] !== undefined) envFiles.push(args[++index] as string);
    else rest.push(arg);
  }
  return { args: rest, pretty, envFiles };
}
