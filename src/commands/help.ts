// What `hik-arc help`, `hik-arc COMMAND --help` and `hik-arc --version` print. Each command declares
// its flags' help next to its code (Command.help); this module only lays it out, so a flag cannot be
// documented in one place and parsed differently in another (test/unit/commands/help.test.ts checks
// that every flag a command parses is explained).

import { VERSION } from '../version.js';
import type { Command } from './command.js';

export interface FlagHelp {
  /** Without the dashes: `config`, `dry-run`. */
  readonly flag: string;
  /** The value's placeholder (`FILE`, `N`); absent for a switch. */
  readonly value?: string;
  readonly help: string;
  /** What applies when the flag is not given; absent for a switch (off) or a required flag. */
  readonly default?: string;
  readonly required?: boolean;
  /** Given more than once, each adds one (`--listen`, `--account`). */
  readonly repeatable?: boolean;
}

export interface CommandHelp {
  readonly flags: readonly FlagHelp[];
  readonly examples: readonly string[];
  /** Paragraphs after the flags: what the output is, what the exit code says. */
  readonly notes?: readonly string[];
}

/** Every exit code a hik-arc command can end with (sysexits.h where one fits). */
export const EXIT_CODE_HELP: ReadonlyArray<{ readonly code: number; readonly name: string; readonly detail: string }> = [
  { code: 0, name: 'ok', detail: '' },
  { code: 1, name: 'failure', detail: 'the command ran and says what failed: a NAK, an unreadable file, a dead letter still dead' },
  { code: 64, name: 'usage error', detail: 'a flag or argument is wrong' },
  {
    code: 70,
    name: 'internal error',
    detail: 'a bug in hik-arc, or no build and no tsx to run the sources; the service manager restarts the service and the outbox keeps every alarm',
  },
  { code: 75, name: 'outcome unknown', detail: 'a panel command was sent and no answer came: check the panel before repeating it' },
  { code: 78, name: 'configuration error', detail: 'a bad or missing setting, a store.path that does not exist, an address that cannot be listened on' },
];

const WIDTH = 100;

// Taken by the command line itself (src/cli.ts), not by each command.
const GLOBAL_FLAGS =
  "--pretty (logs for people to read, as at a terminal; JSON otherwise: the journal, a pipe), --env-file FILE (the unit's EnvironmentFile, e.g. /etc/hik-arc/env, read as systemd reads it, so the command sees the service's secrets; may be given more than once)";

function wrap(text: string, indent: number): string {
  const words = text.split(/\s+/).filter((word) => word !== '');
  const lines: string[] = [];
  let line = '';
  for (const word of words) {
    if (line !== '' && indent + line.length + 1 + word.length > WIDTH) {
      lines.push(line);
      line = word;
    } else {
      line = line === '' ? word : `${line} ${word}`;
    }
  }
  if (line !== '') lines.push(line);
  return lines.map((text, index) => (index === 0 ? text : `${' '.repeat(indent)}${text}`)).join('\n');
}

function flagLabel(flag: FlagHelp): string {
  return `--${flag.flag}${flag.value === undefined ? '' : ` ${flag.value}`}`;
}

function flagText(flag: FlagHelp): string {
  const extras: string[] = [];
  if (flag.required === true) extras.push('required');
  if (flag.repeatable === true) extras.push('may be given more than once');
  if (flag.default !== undefined) extras.push(`default: ${flag.default}`);
  return extras.length === 0 ? flag.help : `${flag.help} (${extras.join('; ')})`;
}

/** `hik-arc COMMAND --help`. */
export function commandHelpText(command: Command): string {
  const out: string[] = [`usage: ${command.usage}`, '', wrap(command.summary, 0), ''];
  if (command.help.flags.length > 0) {
    out.push('flags:');
    const labelWidth = Math.min(28, Math.max(...command.help.flags.map((flag) => flagLabel(flag).length)));
    for (const flag of command.help.flags) {
      const label = flagLabel(flag);
      const indent = 2 + labelWidth + 2;
      const text = wrap(flagText(flag), indent);
      out.push(label.length > labelWidth ? `  ${label}\n${' '.repeat(indent)}${text}` : `  ${label.padEnd(labelWidth)}  ${text}`);
    }
    out.push('');
  }
  for (const note of command.help.notes ?? []) out.push(wrap(note, 0), '');
  out.push(command.help.examples.length === 1 ? 'example:' : 'examples:');
  for (const example of command.help.examples) out.push(`  ${example}`);
  out.push('', wrap(`any command: ${GLOBAL_FLAGS}`, 0), `exit codes: ${exitCodesLine()}`);
  return `${out.join('\n')}\n`;
}

export function exitCodesLine(): string {
  return EXIT_CODE_HELP.map(({ code, name }) => `${code} ${name}`).join(', ');
}

/** `hik-arc help`. */
export function overviewText(commands: readonly Command[]): string {
  const out: string[] = [`hik-arc ${VERSION}: Hik IP Receiver Pro events to SIA DC-09 for alarm receiving centres`, '', 'commands:'];
  // A usage of several lines (hik-arc panel) is aligned under its first.
  for (const command of commands) out.push(`  ${command.usage.replace(/\n\s*/g, '\n  ')}`, `      ${wrap(command.summary, 6)}`);
  out.push(
    '',
    '"hik-arc COMMAND --help" explains every flag of a command, with its default and an example.',
    wrap(`any command: ${GLOBAL_FLAGS}`, 0),
    'hik-arc --version prints the version.',
    '',
    'exit codes:',
  );
  for (const { code, name, detail } of EXIT_CODE_HELP) out.push(`  ${String(code).padStart(2)}  ${wrap(detail === '' ? name : `${name}: ${detail}`, 6)}`);
  return `${out.join('\n')}\n`;
}

export function versionText(): string {
  return `hik-arc ${VERSION}\n`;
}
