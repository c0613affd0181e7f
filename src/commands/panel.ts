// `hik-arc panel ...`: panel status and control on the receiver for installers and operators
// (docs/panel-control.md), and the control audit trail. Every state change needs --operator,
// --reason and --yes, is written to the audit trail before it is sent, is never retried, and is
// confirmed by reading the panel's status back (the stream belongs to `hik-arc run`). Exit 0
// accepted (and confirmed where the panel shows it), 1 refused or not carried out, 64 usage,
// 75 outcome unknown, 78 configuration.

import { userInfo } from 'node:os';
import { systemClock } from '../clock.js';
import { ConfigError, isHikArcError } from '../errors.js';
import type { Config } from '../config/load.js';
import { COMMAND_REQUIREMENTS } from '../config/requirements.js';
import { generateToken } from '../control/api-tokens.js';
import type { CommandRecord, CommandState } from '../control/command-record.js';
import {
  ARM_MODES,
  checkActor,
  DEACTIVATION_MODES,
  describeCommand,
  oneOf,
  parseIdList,
  parsePartition,
  ROLES,
  type ControlCommand,
} from '../control/commands.js';
import { ControlStore, type AuditEntry } from '../control/control-store.js';
import { PanelControl, statusJson } from '../control/panel-control.js';
import { controlSettingsFromConfig, ingestSettingsFromConfig } from '../config/stage-settings.js';
import type { PanelInfo } from '../control/panel-lookup.js';
import { isFaultedZone, zoneView, type ZoneStatus } from '../control/panel-status.js';
import { hikClients } from '../ingest/index.js';
import { MetricsRegistry } from '../metrics.js';
import { requireStoreFile } from './store-file.js';
import { commandLogger, EXIT, loadCommandConfig, parseCommandArgs, UsageError, writeJsonLine, type CliIo, type Command } from './command.js';

const USAGE = [
  'hik-arc panel status      --config F --panel ID [--json]',
  'hik-arc panel zones       --config F --panel ID [--faulted] [--json]',
  'hik-arc panel peripherals --config F --panel ID [--json]',
  'hik-arc panel arm         --config F --panel ID --partition N|all --mode away|stay --operator NAME --reason TEXT --yes [--dry-run] [--json]',
  'hik-arc panel disarm      --config F --panel ID --partition N|all --operator NAME --reason TEXT --yes [--dry-run] [--json]',
  'hik-arc panel clear-alarm --config F --panel ID --partition N|all --operator NAME --reason TEXT --yes [--dry-run] [--json]',
  'hik-arc panel bypass      --config F --panel ID --zones 3,5 [--restore] --operator NAME --reason TEXT --yes [--dry-run] [--json]',
  'hik-arc panel deactivate  --config F --panel ID --zones 3 --mode off|lidOnly|entirely [--permanent] --operator NAME --reason TEXT --yes [--dry-run] [--json]',
  'hik-arc panel relay       --config F --panel ID --relays 0,1 --on|--off --operator NAME --reason TEXT --yes [--dry-run] [--json]',
  'hik-arc panel audit       --config F [--since ISO] [--json]',
  'hik-arc panel token       --name NAME --roles read,arm,disarm,bypass,relay [--json]',
];

const COMMON = {
  config: { type: 'string' },
  panel: { type: 'string' },
  json: { type: 'boolean' },
} as const;

const CHANGE = {
  ...COMMON,
  operator: { type: 'string' },
  reason: { type: 'string' },
  yes: { type: 'boolean' },
  'dry-run': { type: 'boolean' },
} as const;

const CHANGE_OPTIONS = {
  arm: { ...CHANGE, partition: { type: 'string' }, mode: { type: 'string' } },
  disarm: { ...CHANGE, partition: { type: 'string' } },
  'clear-alarm': { ...CHANGE, partition: { type: 'string' } },
  bypass: { ...CHANGE, zones: { type: 'string' }, restore: { type: 'boolean' } },
  deactivate: { ...CHANGE, zones: { type: 'string' }, mode: { type: 'string' }, permanent: { type: 'boolean' } },
  relay: { ...CHANGE, relays: { type: 'string' }, on: { type: 'boolean' }, off: { type: 'boolean' } },
} as const;

type ChangeName = keyof typeof CHANGE_OPTIONS;
type ChangeValues = Partial<Record<'partition' | 'mode' | 'zones' | 'relays', string>> & Partial<Record<'restore' | 'permanent' | 'on' | 'off', boolean>>;

function isChange(name: string): name is ChangeName {
  return Object.hasOwn(CHANGE_OPTIONS, name);
}

/** Invalid arguments are usage errors (64), with the words commands.ts chose. */
function asUsage<T>(build: () => T): T {
  try {
    return build();
  } catch (error) {
    if (isHikArcError(error) && error.code === 'HIKARC_CONTROL_INVALID_REQUEST') throw new UsageError(error.message);
    throw error;
  }
}

function required(value: string | undefined, flag: string): string {
  if (value === undefined || value.trim() === '') throw new UsageError(`${flag} is required`);
  return value;
}

function buildCommand(name: ChangeName, values: ChangeValues): ControlCommand {
  return asUsage((): ControlCommand => {
    switch (name) {
      case 'arm':
        return { action: 'arm', partition: parsePartition(required(values.partition, '--partition')), mode: oneOf(ARM_MODES, values.mode, '--mode') };
      case 'disarm':
      case 'clear-alarm':
        return { action: name, partition: parsePartition(required(values.partition, '--partition')) };
      case 'bypass':
        return { action: values.restore === true ? 'bypass-restore' : 'bypass', zones: parseIdList(required(values.zones, '--zones'), 'zones') };
      case 'deactivate':
        return {
          action: 'deactivate',
          zones: parseIdList(required(values.zones, '--zones'), 'zones'),
          mode: oneOf(DEACTIVATION_MODES, values.mode, '--mode'),
          permanent: values.permanent === true,
        };
      case 'relay':
        if ((values.on === true) === (values.off === true)) throw new UsageError('give exactly one of --on and --off');
        return { action: 'relay', relays: parseIdList(required(values.relays, '--relays'), 'relays'), on: values.on === true };
    }
  });
}

/** The system user behind the command line: the one sudo ran it for, else the process's own. */
function systemLogin(io: CliIo): string | null {
  const sudo = io.env['SUDO_USER'];
  if (sudo !== undefined && sudo !== '') return sudo;
  try {
    return userInfo().username;
  } catch {
    return null;
  }
}

/** Exit code of a command's final state. */
export function exitCodeOf(state: CommandState): number {
  if (state === 'confirmed' || state === 'accepted') return EXIT.OK;
  if (state === 'unknown' || state === 'unconfirmed' || state === 'requested') return EXIT.OUTCOME_UNKNOWN;
  return EXIT.FAILURE;
}

interface Connection {
  readonly config: Config;
  readonly control: PanelControl;
  close(): Promise<void>;
}

function connectToHik(io: CliIo, file: string | undefined): Connection {
  const config = loadCommandConfig(io, { file, command: 'panel', requires: COMMAND_REQUIREMENTS.panel });
  if (!config.control.enabled) {
    throw new ConfigError('HIKARC_CONTROL_DISABLED', [
      'control.enabled: panel control is off; set it to true (or HIK_ARC_CONTROL_ENABLED=true) to use hik-arc panel',
    ]);
  }
  const logger = commandLogger(io, config.log.level, 'stderr', 'panel').child({ stage: 'control' });
  const metrics = new MetricsRegistry();
  const settings = ingestSettingsFromConfig(config);
  const clients = hikClients({ ...settings, clock: systemClock, logger, metrics });
  const store = new ControlStore({ path: config.store.path });
  const control = new PanelControl({
    http: clients.control,
    basePath: clients.basePath,
    store,
    settings: controlSettingsFromConfig(config),
    confirmBy: 'status',
    clock: systemClock,
    logger,
    metrics,
  });
  return {
    config,
    control,
    async close() {
      await control.stop();
      store.close();
      await clients.close(2_000);
    },
  };
}

function line(io: CliIo, text: string): void {
  io.stdout.write(`${text}\n`);
}

function panelTitle(panel: { name: string | null; account: string | null; devIndex: string }): string {
  return `${panel.name ?? 'panel'} (account ${panel.account ?? '-'}, devIndex ${panel.devIndex})`;
}

function zoneLine(zone: ZoneStatus): string {
  const flags = [zone.alarm === true ? 'ALARM' : null, zone.bypassed === true ? 'bypassed' : null, zone.tamper === true ? 'tamper' : null].filter(
    (flag) => flag !== null,
  );
  return `  zone ${zone.id}${zone.name === null ? '' : ` ${zone.name}`}: ${zone.status ?? '?'}${flags.length > 0 ? ` (${flags.join(', ')})` : ''}, partition ${zone.partition ?? '-'}`;
}

function printRecord(io: CliIo, record: CommandRecord): void {
  line(io, `${record.state}${record.code === null ? '' : ` (${record.code})`}: ${describeCommand(record.command)} on ${panelTitle(record.panel)}`);
  if (record.message !== null) line(io, `  ${record.message}`);
  line(io, `  request: ${record.request.method} ${record.request.path}${record.request.body === null ? '' : ` ${record.request.body}`}`);
  if (record.answer !== null) {
    const { httpStatus, statusCode, subStatusCode } = record.answer as { httpStatus?: number; statusCode?: number | null; subStatusCode?: string | null };
    line(
      io,
      `  answer: HTTP ${httpStatus ?? '?'}${statusCode === null || statusCode === undefined ? '' : `, statusCode ${statusCode}`}${subStatusCode === null || subStatusCode === undefined ? '' : `, ${subStatusCode}`}`,
    );
  }
  const confirmation = record.confirmation;
  if (confirmation?.source === 'event')
    line(io, `  confirmation: ${confirmation.outcome} by event ${confirmation.events.map((event) => event.code).join(', ')}`);
  if (confirmation?.source === 'status') line(io, `  confirmation: status read back: ${confirmation.check}`);
  if (record.readBack !== null && confirmation?.source !== 'status')
    line(io, `  status read back: ${record.readBack.check}${record.readBack.error === null ? '' : ` (${record.readBack.error})`}`);
  line(io, `  command id ${record.commandId}`);
}

async function change(name: ChangeName, args: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommandArgs(args, CHANGE_OPTIONS[name]);
  if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0] ?? ''}"`);
  const panelId = required(values.panel, '--panel');
  const command = buildCommand(name, values as ChangeValues);
  const dryRun = values['dry-run'] === true;
  const actor = dryRun ? null : asUsage(() => checkActor(values.operator, values.reason, { via: 'cli', login: systemLogin(io) }));
  if (!dryRun && values.yes !== true)
    throw new UsageError(`${describeCommand(command)} changes the panel: add --yes to confirm (or --dry-run to see the request)`);
  const connection = connectToHik(io, values.config);
  try {
    const panel = await connection.control.resolve(panelId);
    if (actor === null) {
      const call = connection.control.plan(panel, command);
      if (values.json === true) writeJsonLine(io, { dryRun: true, panel, request: { method: call.method, path: call.path, body: call.body ?? null } });
      else line(io, `${call.method} ${call.path}${call.body === undefined ? '' : `\n${call.body}`}`);
      return EXIT.OK;
    }
    const submitted = await connection.control.submit(panel, command, actor);
    const record = await submitted.settled;
    if (values.json === true) writeJsonLine(io, record);
    else printRecord(io, record);
    return exitCodeOf(record.state);
  } finally {
    await connection.close();
  }
}

// The read commands share their frame: options, the connection, the panel, then what they print.
async function withPanel<const T extends Record<string, { type: 'string' | 'boolean' }>>(
  args: readonly string[],
  io: CliIo,
  extra: T,
  read: (connection: Connection, panel: PanelInfo, values: Record<string, string | boolean | undefined>) => Promise<number>,
): Promise<number> {
  const parsed = parseCommandArgs(args, { ...COMMON, ...extra });
  if (parsed.positionals.length > 0) throw new UsageError(`unexpected argument "${parsed.positionals[0] ?? ''}"`);
  const values = parsed.values as Record<string, string | boolean | undefined>;
  const text = (name: string): string | undefined => (typeof values[name] === 'string' ? (values[name] as string) : undefined);
  const connection = connectToHik(io, text('config'));
  try {
    const panel = await connection.control.resolve(required(text('panel'), '--panel'));
    return await read(connection, panel, values);
  } finally {
    await connection.close();
  }
}

function status(args: readonly string[], io: CliIo): Promise<number> {
  return withPanel(args, io, {}, async (connection, panel, values) => {
    const view = await connection.control.status(panel);
    if (values['json'] === true) {
      writeJsonLine(io, statusJson(view));
      return EXIT.OK;
    }
    line(io, `${panelTitle(panel)}${panel.online === false ? ' OFFLINE' : ''}${panel.otap ? ', OTAP' : ''}`);
    if (view.partitions === null) line(io, '  partitions: not reported by OTAP panels');
    for (const partition of view.partitions ?? []) line(io, `  partition ${partition.id}: ${partition.arming}${partition.alarm === true ? ', ALARM' : ''}`);
    const { summary } = view;
    line(io, `  zones: ${summary.total}, ${summary.open} open, ${summary.faulted} faulted, ${summary.alarm} in alarm, ${summary.bypassed} bypassed`);
    for (const zone of view.zones.filter(isFaultedZone)) line(io, zoneLine(zone));
    return EXIT.OK;
  });
}

function zones(args: readonly string[], io: CliIo): Promise<number> {
  return withPanel(args, io, { faulted: { type: 'boolean' } }, async (connection, panel, values) => {
    const all = await connection.control.zones(panel);
    const shown = values['faulted'] === true ? all.filter(isFaultedZone) : all;
    if (values['json'] === true) writeJsonLine(io, { panel, zones: shown.map(zoneView) });
    else {
      line(io, `${panelTitle(panel)}: ${shown.length} zone(s)${values['faulted'] === true ? ' open or faulted' : ''}`);
      for (const zone of shown) line(io, zoneLine(zone));
    }
    return EXIT.OK;
  });
}

function peripherals(args: readonly string[], io: CliIo): Promise<number> {
  return withPanel(args, io, {}, async (connection, panel, values) => {
    const list = await connection.control.peripherals(panel);
    if (values['json'] === true) writeJsonLine(io, { panel, peripherals: list });
    else {
      line(io, `${panelTitle(panel)}: ${list.length} peripheral(s)`);
      for (const device of list)
        line(
          io,
          `  ${device.kind} ${device.id ?? device.seq ?? '?'}${device.name === null ? '' : ` ${device.name}`}: ${device.status ?? '?'}${device.tamper === true ? ' (tamper)' : ''}`,
        );
    }
    return EXIT.OK;
  });
}

function entryLine(entry: AuditEntry): string {
  const { command } = entry;
  const origin = [command.via, command.tokenName === null ? null : `token ${command.tokenName}`, command.login === null ? null : `login ${command.login}`]
    .filter((part) => part !== null)
    .join(', ');
  return `#${entry.seq} ${entry.at} ${entry.phase} ${command.state}${command.code === null ? '' : ` ${command.code}`}: ${describeCommand(command.command)} on ${command.panel.account ?? command.panel.devIndex} by ${command.operator} (${origin}): ${command.reason} [${command.commandId}]`;
}

async function audit(args: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommandArgs(args, { config: { type: 'string' }, since: { type: 'string' }, json: { type: 'boolean' } });
  if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0] ?? ''}"`);
  let since: string | undefined;
  if (values.since !== undefined) {
    const at = Date.parse(values.since);
    if (Number.isNaN(at)) throw new UsageError(`--since must be an ISO 8601 time, not "${values.since}"`);
    since = new Date(at).toISOString();
  }
  const config = loadCommandConfig(io, { file: values.config, command: 'panel' });
  // The trail lives in the service's store: a path that is not there is a wrong store.path (a shell
  // without the unit's HIK_ARC_STORE_PATH), not a trail with no entries.
  requireStoreFile(config, io, 'panel audit');
  const store = new ControlStore({ path: config.store.path });
  try {
    // The whole chain is verified, whatever --since shows.
    const chain = store.verify();
    const entries = store.entries(since === undefined ? {} : { since });
    if (values.json === true) writeJsonLine(io, { chain, entries });
    else {
      for (const entry of entries) line(io, entryLine(entry));
      line(
        io,
        chain.ok ? `audit trail verified: ${chain.entries} entries, head ${chain.headHash}` : `AUDIT TRAIL BROKEN at entry ${chain.brokenAt}: ${chain.problem}`,
      );
    }
    if (!chain.ok) {
      io.stderr.write(`hik-arc panel audit: the audit trail does not verify at entry ${chain.brokenAt}: ${chain.problem} (HIKARC_CONTROL_AUDIT_BROKEN)\n`);
      return EXIT.FAILURE;
    }
    return EXIT.OK;
  } finally {
    store.close();
  }
}

async function token(args: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommandArgs(args, { name: { type: 'string' }, roles: { type: 'string' }, json: { type: 'boolean' } });
  if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0] ?? ''}"`);
  const name = required(values.name, '--name');
  if (!/^[A-Za-z0-9._-]{1,64}$/.test(name)) throw new UsageError('--name must be 1 to 64 letters, digits, dots, dashes or underscores');
  const roles = required(values.roles, '--roles')
    .split(',')
    .map((role) => asUsage(() => oneOf(ROLES, role.trim(), '--roles')));
  const { token: secret, entry } = generateToken(name, roles);
  if (values.json === true) writeJsonLine(io, { token: secret, entry });
  else {
    line(io, `token (shown once; give it to the client, keep it secret): ${secret}`);
    line(io, `entry for control.tokensFile "tokens": ${JSON.stringify(entry)}`);
  }
  return EXIT.OK;
}

const READS: Readonly<Record<string, (args: readonly string[], io: CliIo) => Promise<number>>> = { status, zones, peripherals, audit, token };

export const panelCommand: Command = {
  name: 'panel',
  summary: 'panel status and control on the receiver (arm, disarm, clear alarm, bypass, deactivate, relays) and the control audit trail',
  usage: USAGE.join('\n       '),
  help: {
    flags: [
      {
        flag: 'config',
        value: 'F',
        help: "the service's config file: receiver.* to reach the receiver, control.* for the limits, store.path for the audit trail",
        required: true,
      },
      { flag: 'panel', value: 'ID', help: 'the panel: its DC-09 account, devIndex or serial (hik-arc devices lists them)', required: true },
      { flag: 'json', help: 'one JSON object on stdout instead of text, failures included' },
      { flag: 'faulted', help: '(zones) only zones that are open, in alarm, tampered or faulted' },
      { flag: 'partition', value: 'N|all', help: '(arm, disarm, clear-alarm) the partition number, or all', required: true },
      { flag: 'mode', value: 'MODE', help: '(arm) away or stay; (deactivate) off, lidOnly or entirely', required: true },
      { flag: 'zones', value: 'LIST', help: '(bypass, deactivate) zone numbers separated by commas, e.g. 3,5', required: true },
      { flag: 'restore', help: '(bypass) end the bypass of the zones instead' },
      { flag: 'permanent', help: '(deactivate) keep the zones deactivated across disarming' },
      { flag: 'relays', value: 'LIST', help: '(relay) relay numbers separated by commas, e.g. 0,1', required: true },
      { flag: 'on', help: '(relay) switch the relays on' },
      { flag: 'off', help: '(relay) switch the relays off' },
      { flag: 'operator', value: 'NAME', help: 'who gives the command, for the audit trail', required: true },
      { flag: 'reason', value: 'TEXT', help: 'why, for the audit trail', required: true },
      { flag: 'yes', help: 'confirm a command that changes the panel; without it nothing is sent' },
      { flag: 'dry-run', help: 'print the request that would be sent and send nothing (no --yes, --operator or --reason needed)' },
      { flag: 'since', value: 'ISO', help: '(audit) only entries from this time; the whole chain is verified anyway', default: 'every entry' },
      { flag: 'name', value: 'NAME', help: '(token) who the new control API token is for', required: true },
      { flag: 'roles', value: 'LIST', help: '(token) what it may do, separated by commas: read, arm, disarm, bypass, relay', required: true },
    ],
    notes: ['Exit 75 when a change was sent and no answer came: it may or may not have been carried out.'],
    examples: [
      'hik-arc panel status --config /etc/hik-arc/config.json --panel 1234',
      'hik-arc panel arm --config /etc/hik-arc/config.json --panel 1234 --partition 1 --mode away --operator "J. Smith" --reason "keyholder request" --yes',
      'hik-arc panel audit --config /etc/hik-arc/config.json --since 2026-01-01T00:00:00Z',
    ],
  },
  async run(args, io) {
    const [sub, ...rest] = args;
    if (sub === undefined) throw new UsageError('name a panel command');
    const run = (): Promise<number> => {
      if (isChange(sub)) return change(sub, rest, io);
      const read = READS[sub];
      if (read === undefined) throw new UsageError(`unknown panel command "${sub}"`);
      return read(rest, io);
    };
    try {
      return await run();
    } catch (error) {
      // --json promises one object on stdout, failures included (usage and configuration aside).
      if (rest.includes('--json') && isHikArcError(error) && !(error instanceof UsageError) && !(error instanceof ConfigError)) {
        writeJsonLine(io, { state: 'failed', code: error.code, message: error.message, ...(error.detail === undefined ? {} : { detail: error.detail }) });
      }
      throw error;
    }
  },
};
