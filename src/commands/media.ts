// `hik-arc media fetch|link`: support tools for verification media (docs/media.md).
//   media link  --config F --alarm ID|LINK [--ttl-hours H]   prints the signed links of an alarm's
//               media, valid from now: a fresh link for an operator whose link expired.
//   media fetch --config F (--alarm ID|LINK [--item N] | --url PATH) --out FILE   writes one file:
//               the kept copy when there is one, else fetched from the receiver with its login.
// Neither changes what the service keeps; fetch tries one login (the receiver locks accounts).

import { createHash } from 'node:crypto';
import { createReadStream, existsSync } from 'node:fs';
import { copyFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { systemClock } from '../clock.js';
import { COMMAND_REQUIREMENTS } from '../config/requirements.js';
import type { Config } from '../config/load.js';
import { HikArcError } from '../errors.js';
import { AuthGuard } from '../ingest/index.js';
import {
  downloadToFile,
  mediaLink,
  MediaStore,
  mediaLinker,
  readMediaToken,
  hikMediaClient,
  hikMediaPath,
  signMediaToken,
  tokenInText,
  verifyMediaToken,
  type MediaReference,
} from '../media/index.js';
import { mediaDir, mediaEnabled, mediaSettingsFromConfig } from '../config/stage-settings.js';
import { MetricsRegistry } from '../metrics.js';
import { RateLimitedLog } from '../rate-limited-log.js';
import type { AlarmMessage } from '../translate/index.js';
import type { VendorEvent } from '../ingest/index.js';
import { requireStoreFile } from './store-file.js';
import { commandLogger, EXIT, loadCommandConfig, parseCommandArgs, UsageError, writeJsonLine, type CliIo, type Command } from './command.js';

/**
 * The service's media hook for a command that stores alarms (requeue, replay): signed links and
 * references in the service's store file, served by the running service. Null when media links
 * are off or there is no receiver to fetch from.
 */
export function commandMediaHook(
  config: Config,
  io: CliIo,
  command: string,
): { readonly beforeStore: (message: AlarmMessage, event: VendorEvent) => AlarmMessage; close(): void } | null {
  if (!mediaEnabled(config) || config.receiver.url === '') return null;
  const store = new MediaStore({ path: config.store.path });
  const logger = commandLogger(io, config.log.level, 'stderr', command).child({ stage: 'media' });
  const linker = mediaLinker(mediaSettingsFromConfig(config), store, {
    clock: systemClock,
    logger,
    metrics: new MetricsRegistry(),
    warnings: new RateLimitedLog({ logger, clock: systemClock }),
  });
  return { beforeStore: linker.link, close: () => store.close() };
}

const USAGE =
  'hik-arc media link --config FILE --alarm ID|LINK [--ttl-hours H]\n       hik-arc media fetch --config FILE (--alarm ID|LINK [--item N] | --url PATH) --out FILE';

/** A media id, or the id inside a link or token the operator pasted (its signature checked, its expiry not). */
export function mediaIdOf(text: string, secret: string): number {
  if (/^\d{1,15}$/.test(text.trim())) return Number(text.trim());
  const token = tokenInText(text);
  if (readMediaToken(token) === undefined) throw new UsageError('--alarm takes a media id, or a media link or token hik-arc issued');
  if (secret === '') throw new UsageError('media.secret is not set, so a link cannot be checked; give the media id instead');
  // Any expiry passes here: reissuing an expired link is the point.
  const check = verifyMediaToken(secret, token, 0);
  if (check.kind !== 'valid') throw new HikArcError('HIKARC_MEDIA_TOKEN_INVALID', "the link was not signed with this configuration's media.secret");
  return check.claims.mediaId;
}

function openReference(config: Config, io: CliIo, command: string, id: number): { store: MediaStore; reference: MediaReference } {
  requireStoreFile(config, io, command);
  const store = new MediaStore({ path: config.store.path });
  const reference = store.reference(id);
  if (reference === undefined) {
    store.close();
    throw new HikArcError('HIKARC_MEDIA_UNKNOWN', `no media reference ${id} is kept (past media.retentionDays, or never an alarm with media)`);
  }
  return { store, reference };
}

function positiveInteger(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const number = Number(value);
  if (!Number.isInteger(number) || number <= 0) throw new UsageError(`${flag} must be a positive integer`);
  return number;
}

async function printLinks(args: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommandArgs(args, { config: { type: 'string' }, alarm: { type: 'string' }, 'ttl-hours': { type: 'string' } });
  if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0] ?? ''}"`);
  if (values.alarm === undefined) throw new UsageError('--alarm ID|LINK is required');
  const ttlHours = positiveInteger(values['ttl-hours'], '--ttl-hours');
  const config = loadCommandConfig(io, { file: values.config, command: 'media link', requires: ['media.publicUrl', 'media.secret'] });
  const id = mediaIdOf(values.alarm, config.media.secret);
  const { store, reference } = openReference(config, io, 'media link', id);
  try {
    const expiresAtSec = Math.floor(systemClock.now() / 1000) + (ttlHours ?? config.media.linkTtlHours) * 3600;
    const token = signMediaToken(config.media.secret, { mediaId: id, expiresAtSec });
    writeJsonLine(io, {
      mediaId: id,
      account: reference.account,
      cid: reference.cid,
      zone: reference.zone,
      eventType: reference.eventType,
      alarmAt: new Date(reference.createdAt).toISOString(),
      expiresAt: new Date(expiresAtSec * 1000).toISOString(),
      link: mediaLink(config.media.publicUrl, token),
      items: reference.items.map((item) => ({
        item: item.item,
        kind: item.kind,
        link: mediaLink(config.media.publicUrl, token, item.item),
        kept: item.file !== null,
        bytes: item.bytes,
        sha256: item.sha256,
      })),
    });
  } finally {
    store.close();
  }
  if (config.media.listen === '')
    io.stderr.write('hik-arc media link: media.listen is not set, so nothing answers these links until the media endpoint is turned on\n');
  return EXIT.OK;
}

async function sha256Of(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

async function fetchFile(args: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommandArgs(args, {
    config: { type: 'string' },
    alarm: { type: 'string' },
    item: { type: 'string' },
    url: { type: 'string' },
    out: { type: 'string' },
  });
  if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0] ?? ''}"`);
  if ((values.alarm === undefined) === (values.url === undefined)) throw new UsageError('give --alarm ID|LINK or --url PATH');
  if (values.out === undefined || values.out === '') throw new UsageError('--out FILE is required');
  if (existsSync(values.out)) throw new UsageError(`${values.out} exists; give a new file (evidence is never overwritten)`);
  const item = values.item === undefined ? 0 : Number(values.item);
  if (!Number.isInteger(item) || item < 0) throw new UsageError('--item must be 0 or a positive integer');
  const config = loadCommandConfig(io, { file: values.config, command: 'media fetch', requires: COMMAND_REQUIREMENTS.capture });
  const hikUrl = new URL(config.receiver.url);

  let source: string;
  let described: Record<string, unknown> = {};
  if (values.alarm !== undefined) {
    const id = mediaIdOf(values.alarm, config.media.secret);
    const { store, reference } = openReference(config, io, 'media fetch', id);
    store.close();
    const kept = reference.items[item];
    if (kept === undefined)
      throw new HikArcError('HIKARC_MEDIA_UNKNOWN', `media reference ${id} has ${reference.items.length} item(s); --item ${item} is not one`);
    described = { mediaId: id, item, account: reference.account, cid: reference.cid, alarmAt: new Date(reference.createdAt).toISOString() };
    if (kept.file !== null && kept.sha256 !== null) {
      const path = join(mediaDir(config), kept.file);
      if ((await stat(path).catch(() => null))?.size === kept.bytes) {
        await copyFile(path, values.out);
        const sha256 = await sha256Of(values.out);
        writeJsonLine(io, {
          ...described,
          out: values.out,
          bytes: kept.bytes,
          contentType: kept.contentType,
          sha256,
          source: 'kept',
          intact: sha256 === kept.sha256,
        });
        return sha256 === kept.sha256 ? EXIT.OK : EXIT.FAILURE;
      }
    }
    source = kept.source;
  } else {
    const resolved = hikMediaPath(values.url as string, hikUrl);
    if (!resolved.ok) throw new UsageError(`--url: ${resolved.reason}`);
    source = resolved.path;
  }

  const settings = mediaSettingsFromConfig(config);
  const metrics = new MetricsRegistry();
  const logger = commandLogger(io, config.log.level, 'stderr', 'media').child({ stage: 'media' });
  const client = hikMediaClient(settings, new AuthGuard(settings.receiver.authRetryMs), { clock: systemClock, logger, metrics });
  try {
    const downloaded = await downloadToFile(client.http, systemClock, {
      path: source,
      dest: values.out,
      maxBytes: settings.maxFileBytes,
      timeoutMs: settings.fetchTimeoutMs,
      headersTimeoutMs: settings.headersTimeoutMs,
    });
    writeJsonLine(io, {
      ...described,
      out: values.out,
      bytes: downloaded.bytes,
      contentType: downloaded.contentType,
      sha256: downloaded.sha256,
      source: 'receiver',
    });
  } finally {
    await client.close();
  }
  return EXIT.OK;
}

export const mediaCommand: Command = {
  name: 'media',
  summary: "print an alarm's signed media links (link), or write one of its files (fetch) for support cases",
  usage: USAGE,
  help: {
    flags: [
      { flag: 'config', value: 'FILE', help: "the service's config file: store.path, media.* (link) and receiver.* (fetch)", required: true },
      { flag: 'alarm', value: 'ID|LINK', help: 'the alarm: the media id, or a link or token from a [V] block (its signature is checked, its expiry not)' },
      { flag: 'ttl-hours', value: 'H', help: '(link) how long the new links stay valid', default: 'media.linkTtlHours' },
      { flag: 'item', value: 'N', help: "(fetch) which of the alarm's files, counted from 0", default: '0' },
      { flag: 'url', value: 'PATH', help: '(fetch) a receiver media path instead of an alarm' },
      { flag: 'out', value: 'FILE', help: '(fetch) a new file to write; an existing one is never overwritten', required: true },
    ],
    examples: [
      'hik-arc media link --config /etc/hik-arc/config.json --alarm 42 --ttl-hours 48',
      'hik-arc media fetch --config /etc/hik-arc/config.json --alarm 42 --item 1 --out evidence.jpg',
    ],
  },
  async run(args, io) {
    const [sub, ...rest] = args;
    if (sub === 'link') return printLinks(rest, io);
    if (sub === 'fetch') return fetchFile(rest, io);
    throw new UsageError(sub === undefined ? 'name a subcommand: link or fetch' : `unknown subcommand "${sub}"; use link or fetch`);
  },
};
