// Every command explains every flag it parses, with an example, and the overview lists every exit
// code. The flags are read from each command's source, so a flag added without its help fails here.

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { COMMANDS } from '../../../src/commands/index.js';
import { EXIT } from '../../../src/commands/command.js';
import { VERSION } from '../../../src/version.js';
import { runCommand } from '../../helpers/run-cli.js';

/** The option names a command's module declares to parseArgs: `name: { type: 'string' }`. */
function parsedFlags(commandName: string): string[] {
  const source = readFileSync(`src/commands/${commandName}.ts`, 'utf8');
  const flags = new Set<string>();
  for (const match of source.matchAll(/(?:'([a-z][a-z-]*)'|\b([a-z][a-zA-Z]*)): \{ type: '(?:string|boolean)'/g)) flags.add((match[1] ?? match[2]) as string);
  return [...flags];
}

describe('hik-arc COMMAND --help', () => {
  for (const command of COMMANDS) {
    it(`${command.name} explains each of its flags, with an example`, async () => {
      const run = await runCommand([command.name, '--help']);
      expect(run.code).toBe(0);
      const flags = parsedFlags(command.name);
      expect(flags.length).toBeGreaterThan(0);
      for (const flag of flags) {
        expect(
          command.help.flags.map((entry) => entry.flag),
          `${command.name} --${flag} has help`,
        ).toContain(flag);
        expect(run.stdout).toMatch(new RegExp(`^  --${flag}\\b`, 'm'));
      }
      // Nothing documented that the command does not take.
      for (const entry of command.help.flags) expect(flags, `${command.name} documents --${entry.flag}`).toContain(entry.flag);
      expect(run.stdout).toMatch(/^examples?:\n  (\S+=\S+ )?hik-arc /m);
      for (const example of command.help.examples)
        expect(example.startsWith(`hik-arc ${command.name}`) || example.includes(` hik-arc ${command.name}`), example).toBe(true);
      expect((await runCommand(['help', command.name])).stdout).toBe(run.stdout);
    });
  }

  it('says the default of a flag that has one', async () => {
    const run = await runCommand(['dead-letters', '--help']);
    expect(run.stdout).toMatch(/--limit N\s+list at most N dead letters, oldest first \(default: 1000\)/);
  });
});

describe('hik-arc help and --version', () => {
  it('lists every command and every exit code, 70 included', async () => {
    const run = await runCommand(['help']);
    expect(run.code).toBe(0);
    for (const command of COMMANDS) expect(run.stdout).toContain(`hik-arc ${command.name}`);
    for (const code of Object.values(EXIT)) expect(run.stdout).toMatch(new RegExp(`^\\s+${code}  `, 'm'));
    expect(run.stdout).toMatch(/70 {2}internal error/);
  });

  it('prints the version', async () => {
    for (const flag of ['--version', '-V']) {
      const run = await runCommand([flag]);
      expect(run.code).toBe(0);
      expect(run.stdout).toBe(`hik-arc ${VERSION}\n`);
    }
  });
});
