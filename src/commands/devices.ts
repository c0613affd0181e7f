// `hik-arc devices --config FILE [--json] [--save FILE]`: the receiver's device list as an installer
// needs it to write `accounts`: devIndex, serial, name, type, status, and the account each device's
// alarms go out with and where that comes from. Read-only on the receiver; beside a running service
// it costs one device list read.

import { COMMAND_REQUIREMENTS } from '../config/requirements.js';
import { errorMessage } from '../errors.js';
import type { DirectoryDevice } from '../ingest/index.js';
import { deviceAccount, readHikDeviceList, seenDeviceIds, unmatchedAccountKeys, type DeviceAccount } from './device-list.js';

// Stored events looked at for the deviceID each device's events carry.
const EVENTS_LOOKED_AT = 5000;
import { commandLogger, EXIT, loadCommandConfig, parseCommandArgs, rejectPositionals, writeJsonLine, type CliIo, type Command } from './command.js';

function row(device: DirectoryDevice, mapped: DeviceAccount): Record<string, string | null> {
  return {
    devIndex: device.devIndex,
    serial: device.devSerial,
    name: device.name ?? null,
    type: device.type ?? null,
    status: device.status ?? null,
    listedAccount: device.accountId,
    account: mapped.account,
    accountFrom: mapped.source,
    note: mapped.note,
  };
}

const COLUMNS = [
  ['devIndex', 'DEVINDEX'],
  ['serial', 'SERIAL'],
  ['name', 'NAME'],
  ['type', 'TYPE'],
  ['status', 'STATUS'],
  ['account', 'ACCOUNT'],
  ['accountFrom', 'FROM'],
] as const;

function printTable(io: CliIo, rows: ReadonlyArray<Record<string, string | null>>): void {
  const cell = (row: Record<string, string | null>, key: string): string => row[key] ?? '-';
  const widths = COLUMNS.map(([key, title]) => Math.max(title.length, ...rows.map((row) => cell(row, key).length)));
  const line = (values: readonly string[]): string =>
    values
      .map((value, index) => value.padEnd(widths[index] ?? 0))
      .join('  ')
      .trimEnd();
  io.stdout.write(`${line(COLUMNS.map(([, title]) => title))}\n`);
  for (const row of rows) {
    io.stdout.write(`${line(COLUMNS.map(([key]) => cell(row, key)))}\n`);
    if (row['note'] !== null && row['note'] !== undefined) io.stdout.write(`    note: ${row['note']}\n`);
  }
}

export const devicesCommand: Command = {
  name: 'devices',
  summary: "list the receiver's devices (devIndex, serial, name, type, status) and the DC-09 account each one's alarms go out with, and from where",
  usage: 'hik-arc devices --config FILE [--json] [--save FILE]',
  help: {
    flags: [
      {
        flag: 'config',
        value: 'FILE',
        help: "the service's config file: receiver.* to read the list, accounts and translate.fallbackAccount to map it",
        required: true,
      },
      { flag: 'json', help: 'one JSON object per device instead of the table' },
      {
        flag: 'save',
        value: 'FILE',
        help: "also write the list, when it was read whole, as a saved copy for hik-arc translate --devices (the format of the service's own copy next to store.path)",
        default: 'nothing is written',
      },
    ],
    notes: [
      "FROM says where the account comes from, in the order the service applies: deviceID (the device's events carry one: seen in the last events of the service's store, when store.path is there), then config accounts (by devIndex or serial), then the device list's accountID, then translate.fallbackAccount; none means the device's alarms become dead letters.",
      'Exit 0 when the whole list was read, 1 when the receiver could not be reached or gave only part of it.',
    ],
    examples: [
      'hik-arc devices --config /etc/hik-arc/config.json',
      'hik-arc devices --config /etc/hik-arc/config.json --json | jq -r \'select(.accountFrom == "none") | .serial\'',
    ],
  },
  async run(args, io) {
    const { values, positionals } = parseCommandArgs(args, { config: { type: 'string' }, json: { type: 'boolean' }, save: { type: 'string' } });
    rejectPositionals(positionals);
    const config = loadCommandConfig(io, { file: values.config, command: 'devices', requires: COMMAND_REQUIREMENTS.capture });
    const logger = commandLogger(io, config.log.level, 'stderr', 'devices').child({ stage: 'ingest' });
    const read = await readHikDeviceList(config, logger, values.save ?? null);
    if (read.outcome === 'failed') {
      io.stderr.write(
        `hik-arc devices: the device list could not be read from ${new URL(config.receiver.url).origin}: ${read.failure?.message ?? 'no answer'} (${read.failure?.code ?? 'HIKARC_RECEIVER_DIRECTORY_FAILED'})\n`,
      );
      return EXIT.FAILURE;
    }
    let seen: ReadonlyMap<string, string> = new Map();
    try {
      seen = seenDeviceIds(config, EVENTS_LOOKED_AT);
    } catch (error) {
      // The list is what was asked for; the store only adds the deviceIDs seen.
      io.stderr.write(`hik-arc devices: warning: the service's store could not be read for the deviceIDs events carry: ${errorMessage(error)}\n`);
    }
    const rows = read.devices.map((device) => row(device, deviceAccount(device, config, seen)));
    if (values.json === true) for (const entry of rows) writeJsonLine(io, entry);
    else printTable(io, rows);
    for (const key of unmatchedAccountKeys(read.devices, config)) {
      io.stderr.write(`hik-arc devices: warning: accounts has "${key}", which names no device on the receiver (a typo, or a device not added yet)\n`);
    }
    if (read.outcome === 'partial') {
      io.stderr.write('hik-arc devices: the receiver gave only part of its device list (HIKARC_RECEIVER_DIRECTORY_PARTIAL); devices may be missing\n');
      return EXIT.FAILURE;
    }
    if (values.json !== true) io.stdout.write(`${rows.length} device(s)${values.save === undefined ? '' : `; saved to ${values.save}`}\n`);
    return EXIT.OK;
  },
};
