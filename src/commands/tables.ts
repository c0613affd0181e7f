// `hik-arc tables [--json] [--family NAME]`: the Appendix D code tables hik-arc translates with.

import { allTableRows, CODE_FAMILIES, type CodeFamily } from '../translate/code-tables.js';
import { EXIT, parseCommandArgs, UsageError, type Command, rejectPositionals } from './command.js';

function isFamily(value: string): value is CodeFamily {
  return (CODE_FAMILIES as readonly string[]).includes(value);
}

export const tablesCommand: Command = {
  name: 'tables',
  summary: 'print the vendor code tables (Appendix D) as JSON or as a table',
  usage: `hik-arc tables [--json] [--family ${CODE_FAMILIES.join('|')}]`,
  help: {
    flags: [
      { flag: 'json', help: 'one JSON array instead of the aligned table' },
      { flag: 'family', value: 'NAME', help: `only the rows of one family: ${CODE_FAMILIES.join(', ')}`, default: 'every family' },
      { flag: 'config', value: 'FILE', help: 'accepted for symmetry with the other commands; the tables do not depend on it', default: 'none' },
    ],
    examples: ['hik-arc tables --family security-control', 'hik-arc tables --json | jq length'],
  },
  async run(args, io) {
    const { values, positionals } = parseCommandArgs(args, {
      json: { type: 'boolean' },
      family: { type: 'string' },
      config: { type: 'string' },
    });
    rejectPositionals(positionals);
    const family = values.family;
    if (family !== undefined && !isFamily(family)) throw new UsageError(`unknown family ${family}`);
    const rows = allTableRows().filter((row) => family === undefined || row.family === family);
    if (values.json === true) {
      io.stdout.write(`${JSON.stringify(rows)}\n`);
      return EXIT.OK;
    }
    const widths = { family: 16, key: 22, cid: 5 };
    io.stdout.write(`${'FAMILY'.padEnd(widths.family)} ${'KEY'.padEnd(widths.key)} ${'CID'.padEnd(widths.cid)} SIA DESCRIPTION\n`);
    for (const row of rows) {
      io.stdout.write(`${row.family.padEnd(widths.family)} ${row.key.padEnd(widths.key)} ${row.cid.padEnd(widths.cid)} ${row.sia}  ${row.description}\n`);
    }
    io.stdout.write(`${rows.length} rows\n`);
    return EXIT.OK;
  },
};
