// Every `hik-arc` command, in the order `hik-arc help` lists them.

import { captureCommand } from './capture.js';
import { checkConfigCommand } from './check-config.js';
import type { Command } from './command.js';
import { tablesCommand } from './tables.js';
import { translateCommand } from './translate.js';

export const COMMANDS: readonly Command[] = [translateCommand, captureCommand, tablesCommand, checkConfigCommand];
