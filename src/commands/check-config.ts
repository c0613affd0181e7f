// `hik-arc check-config FILE [--for COMMAND]`: validates a config file the way the commands will,
// names every problem, and says which commands the file is complete for. With the global
// --env-file (src/commands/env-files.ts) the unit's EnvironmentFile counts, so the secrets the
// service gets from it do. Warnings (a file holding secrets that others may read) go to stderr and
// do not change the exit code.

import { configFileWarnings, getSetting, missingProblem, redactConfig } from '../config/load.js';
import { COMMAND_REQUIREMENTS, isRequirementCommand } from '../config/requirements.js';
import { isLoopbackHost, type Config } from '../config/schema.js';
import { controlTokens, mediaDir } from '../config/stage-settings.js';
import { ConfigError } from '../errors.js';
import { activeDeviations, DC09_DEVIATIONS } from '../transport/dc09-deviations.js';
import { DESTINATION_NAMES } from '../transport/destination.js';
import { EXIT, loadCommandConfig, parseCommandArgs, UsageError, type Command } from './command.js';

/** What the media settings mean for the operator who opens a [V] link (docs/media.md). */
export function mediaRemarks(config: Config): string[] {
  const { media } = config;
  const remarks: string[] = [];
  if (media.listen === '') {
    remarks.push(
      "note: media.listen is not set, so the [V] block carries the receiver's own path to the picture or clip: an ARC operator can open it only from the receiver's network and with the receiver's admin login. Set media.listen, media.publicUrl and media.secret for signed links the operator can open.",
    );
  } else {
    remarks.push(`media links: ${media.publicUrl}/v1/media/<token>, open for ${media.linkTtlHours} h after the alarm`);
    if (new URL(media.publicUrl).protocol === 'http:' && !isLoopbackHost(new URL(media.publicUrl).hostname)) {
      remarks.push('note: media.publicUrl is http://, so links and media cross the network unencrypted; use https:// unless the path to the ARC is private');
    }
  }
  if (media.archive)
    remarks.push(
      `media archive: each alarm's media is fetched as it arrives and kept in ${mediaDir(config)} for ${media.retentionDays} days, at most ${media.maxDiskMB} MB (oldest first out)`,
    );
  return remarks;
}

/** The DC-09 deviations switched on, one remark each (docs/dc09.md §Deviations per destination). */
export function deviationRemarks(config: Config): string[] {
  return DESTINATION_NAMES.flatMap((destination) =>
    activeDeviations(config.arc.deviations[destination]).map((name) => `DC-09 deviation for arc.${destination}: ${DC09_DEVIATIONS[name].summary}`),
  );
}

/** A clear ACK taken for an encrypted frame can be forged by anyone on the path: said as a warning. */
export function forgeableAckWarnings(config: Config): string[] {
  return DESTINATION_NAMES.filter((destination) => config.arc.deviations[destination].acceptClearAck).map((destination) => {
    const setting = `arc.deviations.${destination}.acceptClearAck`;
    const inert = config.arc.key === '' ? ' (arc.key is empty, so it changes nothing now)' : '';
    return `${setting} is on: arc.${destination} takes a clear ACK to an encrypted frame, which anyone on the network path can forge to make an alarm look delivered${inert}; use it only on a trusted path`;
  });
}

export const checkConfigCommand: Command = {
  name: 'check-config',
  summary: 'validate a config file and name every bad or missing key',
  usage: `hik-arc check-config FILE [--for ${Object.keys(COMMAND_REQUIREMENTS).join('|')}] [--print]`,
  help: {
    flags: [
      { flag: 'config', value: 'FILE', help: 'the config file to check, as an alternative to naming it first', default: 'the FILE argument' },
      {
        flag: 'for',
        value: 'COMMAND',
        help: `exit 78 unless the file is complete for this command: ${Object.keys(COMMAND_REQUIREMENTS).join(', ')}`,
        default: 'only report which commands it is complete for',
      },
      { flag: 'print', help: 'print the resulting configuration with every secret redacted' },
    ],
    notes: [
      "Exit 0 when valid, 78 naming every bad or missing key. Warnings (a readable file with secrets) go to stderr and do not change the exit code. Give the unit's environment file with --env-file (any command takes it) so the secrets it holds count.",
    ],
    examples: ['hik-arc check-config /etc/hik-arc/config.json --env-file /etc/hik-arc/env --for run'],
  },
  async run(args, io) {
    const { values, positionals } = parseCommandArgs(args, {
      config: { type: 'string' },
      for: { type: 'string' },
      print: { type: 'boolean' },
    });
    const file = values.config ?? positionals[0];
    if (file === undefined) throw new UsageError('name the config file to check');
    if (positionals.length > (values.config === undefined ? 1 : 0)) throw new UsageError('check one config file at a time');
    const target = values.for;
    if (target !== undefined && !isRequirementCommand(target)) throw new UsageError(`--for must be one of ${Object.keys(COMMAND_REQUIREMENTS).join(', ')}`);

    const envFiles = io.envFiles ?? [];
    const config = loadCommandConfig(io, { file, command: 'check-config' });
    for (const warning of configFileWarnings(file)) io.stderr.write(`hik-arc check-config: warning (${warning.code}): ${file}: ${warning.message}\n`);
    for (const warning of forgeableAckWarnings(config)) io.stderr.write(`hik-arc check-config: warning (HIKARC_CONFIG_FORGEABLE_ACK): ${file}: ${warning}\n`);
    // The control API's tokens file is part of the configuration `run` refuses to start without.
    const tokens = controlTokens(config);
    const missingFor = new Map<string, string[]>();
    for (const [command, paths] of Object.entries(COMMAND_REQUIREMENTS)) {
      missingFor.set(
        command,
        paths.filter((path) => getSetting(config, path) === ''),
      );
    }
    if (target !== undefined) {
      const missing = missingFor.get(target) ?? [];
      if (missing.length > 0) {
        throw new ConfigError(
          'HIKARC_CONFIG_MISSING',
          missing.map((path) => missingProblem(path, target)),
        );
      }
    }
    io.stdout.write(`${file}: valid${envFiles.length === 0 ? '' : ` with the environment of ${envFiles.join(', ')}`}\n`);
    if (tokens !== null) io.stdout.write(`  control API on ${config.control.listen}: ${tokens.length} token(s) in ${config.control.tokensFile}\n`);
    for (const [command, missing] of missingFor) {
      io.stdout.write(missing.length === 0 ? `  complete for ${command}\n` : `  not complete for ${command}: missing ${missing.join(', ')}\n`);
    }
    for (const remark of [...deviationRemarks(config), ...mediaRemarks(config)]) io.stdout.write(`  ${remark}\n`);
    if (values.print === true) io.stdout.write(`${JSON.stringify(redactConfig(config), null, 2)}\n`);
    return EXIT.OK;
  },
};
