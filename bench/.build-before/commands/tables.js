// `hik-arc tables [--json] [--family NAME]`: the Appendix D code tables hik-arc translates with.
import { allTableRows, CODE_FAMILIES } from '../translate/code-tables.js';
import { EXIT, parseCommandArgs, UsageError, rejectPositionals } from './command.js';
function isFamily(value) {
    return CODE_FAMILIES.includes(value);
}
export const tablesCommand = {
    name: 'tables',
    summary: 'print the vendor code tables (Appendix D) as JSON or as a table',
    usage: `hik-arc tables [--json] [--family ${CODE_FAMILIES.join('|')}]`,
    async run(args, io) {
        const { values, positionals } = parseCommandArgs(args, {
            json: { type: 'boolean' },
            family: { type: 'string' },
            config: { type: 'string' },
        });
        rejectPositionals(positionals);
        const family = values.family;
        if (family !== undefined && !isFamily(family))
            throw new UsageError(`unknown family ${family}`);
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
