// Every `hik-arc` command, in the order `hik-arc help` lists them.

import { captureCommand } from './capture.js';
import { checkConfigCommand } from './check-config.js';
import { deadLettersCommand } from './dead-letters.js';
import { devicesCommand } from './devices.js';
import { eventsCommand } from './events.js';
import { demoCommand } from './demo.js';
import { mediaCommand } from './media.js';
import { panelCommand } from './panel.js';
import { replayCommand } from './replay.js';
import { requeueCommand } from './requeue.js';
import { runCommand } from './run.js';
import type { Command } from './command.js';
import { receiverCommand } from './receiver.js';
import { sendCommand } from './send.js';
import { tablesCommand } from './tables.js';
import { translateCommand } from './translate.js';

export const COMMANDS: readonly Command[] = [
  runCommand,
  translateCommand,
  tablesCommand,
  checkConfigCommand,
  devicesCommand,
  captureCommand,
  sendCommand,
  receiverCommand,
  replayCommand,
  demoCommand,
  eventsCommand,
  deadLettersCommand,
  requeueCommand,
  mediaCommand,
  panelCommand,
];
