// The store file of commands that read what the service wrote (dead-letters, requeue, media,
// events). Opening a path that is not there would create an empty database and report "nothing",
// which hides the real mistake: the command was run without the service's store.path (the systemd
// unit sets it through the environment, a shell does not). So a missing file is a configuration
// error that names the path, where it came from, and the variable that sets it.

import { existsSync } from 'node:fs';
import { ConfigError } from '../errors.js';
import { envName, SETTINGS, type Config } from '../config/schema.js';
import type { CliIo } from './command.js';

const STORE_VARIABLE = envName('store.path');

/** Where the store path came from, in the words of the refusal. */
function origin(config: Config, io: CliIo): string {
  if (io.env[STORE_VARIABLE] !== undefined && io.env[STORE_VARIABLE] !== '') return `from ${STORE_VARIABLE}`;
  if (config.store.path === SETTINGS.store.path.default) return 'the default, as neither the config file nor the environment sets it';
  return 'from the config file';
}

/** Throws HIKARC_STORE_MISSING (exit 78) unless the service's store file exists. */
export function requireStoreFile(config: Config, io: CliIo, command: string): void {
  const path = config.store.path;
  if (path === ':memory:' || existsSync(path)) return;
  throw new ConfigError('HIKARC_STORE_MISSING', [
    `store.path ${path} (${origin(config, io)}) does not exist, so there is nothing for "hik-arc ${command}" to read; ` +
      `give the service's config (--config) or set ${STORE_VARIABLE} as the service's unit does (under systemd: ${STORE_VARIABLE}=/var/lib/hik-arc/hik-arc.db)`,
  ]);
}
