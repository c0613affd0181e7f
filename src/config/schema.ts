// The one place every setting is declared. convict owns the sources (file, `HIK_ARC_*` environment,
// defaults, `doc`, `sensitive`); zod owns the typed shape and the rules that span several keys.
// Later stages add their keys here, never in a second schema.

import { accessSync, constants as fsConstants, readFileSync } from 'node:fs';
import { z } from 'zod';
import { splitListen } from '../http-listen.js';
import { LOG_LEVELS } from '../log.js';
import { MAX_LINK_SUFFIX_LENGTH } from '../media/media-link.js';
import { normalizeFingerprint, PEM_CERTIFICATE } from '../ingest/receiver-tls.js';
import { isDc09Account, isDc09HexField } from '../transport/dc09-fields.js';
import { ARC_DESTINATION_PATTERN, LISTEN_PATTERN } from '../transport/destination.js';
import { ARC_FORMATS, MAX_VIDEO_LINK_BYTES } from '../transport/event-message.js';

// The DC-09 field rules live with the codec (transport/dc09-fields.ts); the config checks its keys with them.


function shown(value: unknown): string {
  return typeof value === 'number' ? String(value) : JSON.stringify(value);
}

function must(ok: boolean, message: string): void {
  if (!ok) throw new Error(message);
}

/** True when a URL-shaped text carries `user[:password]@` in its authority. */
export function hasUrlCredentials(text: string): boolean {
  return /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*@/i.test(text);
}

// Never "value was ...": the value may be a password. The key is named by the caller.
const URL_CREDENTIALS = 'must not carry credentials (user:password@)';

/** A listen or URL host that only this machine can reach. */
export function isLoopbackHost(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '').toLowerCase();
  return bare === 'localhost' || bare === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(bare);
}


// The media link goes into the DC-09 [V] block, 256 characters at most (docs/media.md §3): the
// public base must leave room for the path, the longest token and an item number.
export const MAX_PUBLIC_URL_LENGTH = MAX_VIDEO_LINK_BYTES - MAX_LINK_SUFFIX_LENGTH;
export const MIN_MEDIA_SECRET_LENGTH = 32;

function parsedUrl(value: unknown): URL | undefined {
  try {
    return new URL(String(value));
  } catch {
    return undefined;
  }
}

function portInRange(port: string | undefined): boolean {
  const value = Number(port);
  return Number.isInteger(value) && value > 0 && value < 65536;
}

// convict format checks: each throws with a message that names what the value must look like.
export const formats = {
  account(value: unknown): void {
    must(typeof value === 'string' && (value === '' || isDc09Account(value)), 'must be 3 to 16 hex digits (0-9, A-F) or empty');
  },
  requiredAccount(value: unknown): void {
    must(typeof value === 'string' && isDc09Account(value), 'must be 3 to 16 hex digits (0-9, A-F)');
  },
  hexField(value: unknown): void {
    must(typeof value === 'string' && isDc09HexField(value), 'must be 1 to 6 hex digits');
  },
  receiverUrl(value: unknown): void {
    if (value === '') return;
    must(!hasUrlCredentials(String(value)), `${URL_CREDENTIALS}; use receiver.username and receiver.password`);
    let url: URL | undefined;
    try {
      url = new URL(String(value));
    } catch {
      url = undefined;
    }
    must(url !== undefined && (url.protocol === 'http:' || url.protocol === 'https:'), 'must be an http:// or https:// URL of the Hik IP Receiver Pro, or empty');
    must(url?.username === '' && url?.password === '', 'must not carry credentials; use receiver.username and receiver.password');
  },
  arcDestination(value: unknown): void {
    if (value === '') return;
    must(!hasUrlCredentials(String(value)), URL_CREDENTIALS);
    const match = typeof value === 'string' ? ARC_DESTINATION_PATTERN.exec(value) : null;
    must(match !== null && portInRange(match[3]), 'must be tcp://HOST:PORT or udp://HOST:PORT, or empty');
  },
  listenAddress(value: unknown): void {
    if (value === '') return;
    const match = typeof value === 'string' ? LISTEN_PATTERN.exec(value) : null;
    // Port 0 picks a free port (logged at start); used by tests.
    must(match !== null && (match[2] === '0' || portInRange(match[2])), 'must be HOST:PORT (e.g. 127.0.0.1:9309), or empty to turn the HTTP endpoint off');
  },
  pemFile(value: unknown): void {
    if (value === '') return;
    must(typeof value === 'string', 'must be the path of a PEM file');
    let text: string;
    try {
      text = readFileSync(value as string, 'utf8');
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      throw new Error(`cannot be read (${typeof code === 'string' ? code : 'error'}): give the path of the PEM file with the receiver certificate or its CA`);
    }
    must(PEM_CERTIFICATE.test(text), 'holds no PEM certificate (-----BEGIN CERTIFICATE-----)');
  },
  certFingerprint(value: unknown): void {
    if (value === '') return;
    must(typeof value === 'string' && normalizeFingerprint(value) !== undefined, 'must be a SHA-256 fingerprint: 64 hex digits, with or without colons');
  },
  accountMap(value: unknown): void {
    must(typeof value === 'object' && value !== null && !Array.isArray(value), 'must be an object mapping devIndex or device serial to an account');
    for (const [device, account] of Object.entries(value as Record<string, unknown>)) {
      must(device.trim() !== '', 'must not have an empty devIndex or serial');
      must(typeof account === 'string' && isDc09Account(account), `entry "${device}" must map to 3 to 16 hex digits`);
    }
  },
  publicUrl(value: unknown): void {
    if (value === '') return;
    const url = parsedUrl(value);
    must(url !== undefined && (url.protocol === 'https:' || url.protocol === 'http:'), 'must be the https:// (or http://) base URL the ARC reaches hik-arc at, or empty');
    must(url?.username === '' && url?.password === '' && url?.search === '' && url?.hash === '', 'must be a plain base URL: no credentials, query or fragment');
    must(String(value).length <= MAX_PUBLIC_URL_LENGTH, `must be at most ${MAX_PUBLIC_URL_LENGTH} characters, so that the whole link fits the DC-09 [V] block (256)`);
  },
  readableFile(value: unknown): void {
    if (value === '') return;
    let readable = typeof value === 'string';
    try {
      if (readable) accessSync(value as string, fsConstants.R_OK);
    } catch {
      readable = false;
    }
    must(readable, `must be a readable file: ${shown(value)}`);
  },
  mediaSecret(value: unknown): void {
    must(typeof value === 'string' && (value === '' || value.length >= MIN_MEDIA_SECRET_LENGTH), `must be at least ${MIN_MEDIA_SECRET_LENGTH} characters (e.g. openssl rand -hex 32), or empty`);
  },
  boolean(value: unknown): void {
    must(typeof value === 'boolean', `must be true or false: value was ${shown(value)}`);
  },
  positiveInt(value: unknown): void {
    must(Number.isInteger(value) && (value as number) > 0, `must be a positive integer: value was ${shown(value)}`);
  },
  nonNegativeInt(value: unknown): void {
    must(Number.isInteger(value) && (value as number) >= 0, `must be an integer of 0 or more: value was ${shown(value)}`);
  },
  zoneOffset(value: unknown): void {
    must(value === 0 || value === 1, `must be 0 or 1: value was ${shown(value)}`);
  },
} as const;

function coerceJsonObject(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  try {
    return JSON.parse(value) as unknown;
  } catch {
    return value;
  }
}

function coerceBoolean(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  const text = value.trim().toLowerCase();
  if (text === 'true' || text === '1') return true;
  if (text === 'false' || text === '0') return false;
  return value;
}

function coerceInt(value: unknown): unknown {
  if (typeof value === 'string' && /^\s*-?\d+\s*$/.test(value)) return Number(value);
  return value;
}

interface Setting {
  readonly doc: string;
  readonly default: unknown;
  readonly format: ((value: unknown) => void) | readonly string[];
  readonly sensitive?: boolean;
  /** Environment values are strings; this turns them into the setting's type. */
  readonly coerce?: (value: unknown) => unknown;
}

type SettingTree = { readonly [key: string]: Setting | SettingTree };

export const SETTINGS = {
  receiver: {
    url: { doc: 'Base URL of the Hik IP Receiver Pro API, e.g. http://10.0.0.5:80', default: '', format: formats.receiverUrl },
    username: { doc: 'User for HTTP Digest authentication on the receiver', default: '', format: () => undefined },
    password: { doc: 'Password for that user', default: '', format: () => undefined, sensitive: true },
    account: { doc: 'DC-09 account used for events about the receiver itself and for upstream link faults (E350/R350)', default: '', format: formats.account },
    heartbeatTimeoutSec: { doc: 'Re-subscribe when no part at all arrives for this long (the receiver sends a heartbeat every 10 s)', default: 30, format: formats.positiveInt, coerce: coerceInt },
    authRetrySec: { doc: 'After a rejected login, wait this long before trying again (the receiver locks accounts after a few failures)', default: 600, format: formats.positiveInt, coerce: coerceInt },
    linkLossReportSec: { doc: 'Report the upstream link fault to the ARC once the stream has been down this long', default: 60, format: formats.positiveInt, coerce: coerceInt },
    directoryRefreshSec: { doc: 'Refresh the device list (devIndex to account) this often', default: 300, format: formats.positiveInt, coerce: coerceInt },
    caFile: { doc: 'PEM file of the certificate (or CA) to trust for an https:// receiver.url, e.g. its self-signed certificate', default: '', format: formats.pemFile },
    certFingerprint: { doc: 'SHA-256 fingerprint of the receiver certificate to accept (pinning; the name in it is then not checked); empty = none', default: '', format: formats.certFingerprint },
  },
  arc: {
    primary: { doc: 'Primary ARC receiver: tcp://HOST:PORT or udp://HOST:PORT', default: '', format: formats.arcDestination },
    secondary: { doc: 'Backup ARC receiver, used after the primary fails; empty for none', default: '', format: formats.arcDestination },
    format: { doc: 'DC-09 payload: adm-cid (Contact ID) or sia-dcs (SIA DC-03)', default: 'adm-cid', format: [...ARC_FORMATS] },
    receiverNumber: { doc: 'DC-09 R field (1 to 6 hex digits)', default: '0', format: formats.hexField },
    linePrefix: { doc: 'DC-09 L field, the account prefix (1 to 6 hex digits)', default: '0', format: formats.hexField },
    key: { doc: 'AES key for encrypted DC-09 (16/24/32 bytes); empty sends plain frames', default: '', format: () => undefined, sensitive: true },
    keyFormat: { doc: 'How arc.key is written: hex (32/48/64 hex digits) or ascii (16/24/32 characters)', default: 'hex', format: ['hex', 'ascii'] },
    ackTimeoutMs: { doc: 'How long to wait for the ARC answer; 0 = 10000 over TCP, 5000 over UDP', default: 0, format: formats.nonNegativeInt, coerce: coerceInt },
    attempts: { doc: 'Sends of one alarm per destination in one round before moving to the next destination', default: 3, format: formats.positiveInt, coerce: coerceInt },
    maxInFlight: { doc: 'Frames outstanding at once per destination (never two of one account); the window that makes a slow ARC fast', default: 64, format: formats.positiveInt, coerce: coerceInt },
    connections: { doc: 'TCP connections per destination, each carrying one frame at a time; 0 = as many as arc.maxInFlight. UDP uses one socket per frame outstanding', default: 0, format: formats.nonNegativeInt, coerce: coerceInt },
    supervisionSec: { doc: 'Send a DC-09 NULL link test after this much idle time; 0 = off', default: 0, format: formats.nonNegativeInt, coerce: coerceInt },
  },
  accounts: { doc: 'Map of devIndex or device serial to DC-09 account; overrides the receiver device list', default: {}, format: formats.accountMap, coerce: coerceJsonObject },
  translate: {
    fallbackAccount: { doc: 'Account for events whose device has no known account; empty keeps them as unroutable', default: '', format: formats.account },
    unknownEvent: { doc: 'Unknown eventType: forward as CID 140 / SIA UA, or drop', default: 'forward', format: ['forward', 'drop'] },
    inactive: { doc: 'eventState inactive for families without a restore code (encoding, radar, access): drop, or send as restore', default: 'drop', format: ['drop', 'restore'] },
    repeatWindowSec: { doc: 'A re-sent durative alarm (activePostCount > 1) within this window of the last forward is not forwarded again', default: 60, format: formats.nonNegativeInt, coerce: coerceInt },
  },
  store: {
    path: { doc: 'SQLite outbox file; created on first run', default: './var/hik-arc.db', format: () => undefined },
    maxSizeMB: { doc: 'Size cap of the outbox file in MB (writes fail as on a full disk beyond it); 0 = none', default: 0, format: formats.nonNegativeInt, coerce: coerceInt },
    retentionHours: { doc: 'Delivered alarms are kept this long for audit, then removed', default: 168, format: formats.positiveInt, coerce: coerceInt },
  },
  http: {
    listen: { doc: 'Address for /healthz and /metrics; empty turns it off', default: '127.0.0.1:9309', format: formats.listenAddress },
  },
  media: {
    listen: { doc: 'Address of the media endpoint that serves signed verification links (GET /v1/media/TOKEN); empty keeps the receiver path in the [V] block', default: '', format: formats.listenAddress },
    publicUrl: { doc: 'Base URL the ARC opens the links at, e.g. https://hik-arc.arc.example:9443; required with media.listen', default: '', format: formats.publicUrl },
    tlsCert: { doc: 'PEM certificate (chain) of the media endpoint; required when media.listen is not a loopback address', default: '', format: formats.readableFile },
    tlsKey: { doc: 'PEM private key of that certificate', default: '', format: formats.readableFile },
    secret: { doc: 'Secret that signs the links (at least 32 characters); required with media.listen', default: '', format: formats.mediaSecret, sensitive: true },
    linkTtlHours: { doc: 'A link opens for this long after the alarm', default: 72, format: formats.positiveInt, coerce: coerceInt },
    archive: { doc: 'Fetch each alarm\'s media as it arrives and keep it on disk (evidence beyond the receiver\'s own rotation)', default: false, format: formats.boolean, coerce: coerceBoolean },
    dir: { doc: 'Folder of the kept media; empty = a "media" folder next to store.path', default: '', format: () => undefined },
    retentionDays: { doc: 'Kept media and media references are removed this long after the alarm', default: 30, format: formats.positiveInt, coerce: coerceInt },
    maxDiskMB: { doc: 'Disk cap of the media folder in MB; past it the oldest alarms\' files go first', default: 2048, format: formats.positiveInt, coerce: coerceInt },
    maxFileMB: { doc: 'Largest media file fetched from the receiver, in MB', default: 200, format: formats.positiveInt, coerce: coerceInt },
    maxConcurrent: { doc: 'Downloads from the receiver at once (links opened and archive fetches together)', default: 2, format: formats.positiveInt, coerce: coerceInt },
    fetchTimeoutSec: { doc: 'Longest a whole media file may take to come from the receiver', default: 120, format: formats.positiveInt, coerce: coerceInt },
  },
  control: {
    enabled: { doc: 'Panel control (arm, disarm, clear, bypass, deactivate, relays, status) from hik-arc panel and the control API; false refuses every panel command', default: false, format: formats.boolean, coerce: coerceBoolean },
    listen: { doc: 'Address of the control API in hik-arc run; empty = off. A non-loopback address needs control.tlsCertFile and control.tlsKeyFile', default: '', format: formats.listenAddress },
    tokensFile: { doc: 'JSON file of control API bearer tokens: name, SHA-256 of the token, roles (hik-arc panel token makes entries)', default: '', format: () => undefined },
    tlsCertFile: { doc: 'PEM certificate of the control API; with control.tlsKeyFile it serves HTTPS', default: '', format: () => undefined },
    tlsKeyFile: { doc: 'PEM private key of the control API certificate', default: '', format: () => undefined },
    requestTimeoutSec: { doc: 'How long one control call waits for the receiver; after it the outcome is unknown and the status is read back, never resent', default: 10, format: formats.positiveInt, coerce: coerceInt },
    confirmTimeoutSec: { doc: 'How long an accepted command waits for the panel to confirm it (event on the stream, or the status read back); longer than the exit delay of the panels', default: 60, format: formats.positiveInt, coerce: coerceInt },
    statusCacheSec: { doc: 'A panel status read is reused for this long (0 = always read); a command clears it', default: 3, format: formats.nonNegativeInt, coerce: coerceInt },
    requestsPerMinute: { doc: 'At most this many control calls per minute to the receiver (commands across processes, status reads in the service)', default: 20, format: formats.positiveInt, coerce: coerceInt },
    eventZoneOffset: { doc: 'Zone number in panel events minus the zone id of the control calls (which count from 0): 1 when events count zones from 1', default: 1, format: formats.zoneOffset, coerce: coerceInt },
  },
  log: {
    level: { doc: 'Log level', default: 'info', format: [...LOG_LEVELS] },
  },
} as const satisfies SettingTree;

export function isSetting(node: Setting | SettingTree): node is Setting {
  return typeof (node as Setting).doc === 'string' && 'default' in node;
}

/** `receiver.heartbeatTimeoutSec` → `HIK_ARC_RECEIVER_HEARTBEAT_TIMEOUT_SEC`. */
export function envName(path: string): string {
  return `HIK_ARC_${path.replace(/\./g, '_').replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase()}`;
}

/** Every setting with its dotted path, in declaration order. */
export function listSettings(tree: SettingTree = SETTINGS, prefix = ''): Array<{ path: string; setting: Setting }> {
  const out: Array<{ path: string; setting: Setting }> = [];
  for (const [key, node] of Object.entries(tree)) {
    const path = prefix === '' ? key : `${prefix}.${key}`;
    if (isSetting(node)) out.push({ path, setting: node });
    else out.push(...listSettings(node, path));
  }
  return out;
}

const account = z.string().refine(isDc09Account, 'must be 3 to 16 hex digits').transform((value) => value.toUpperCase());
const optionalAccount = z.union([z.literal(''), account]);
const positive = z.number().int().positive();
const seconds = positive;

export const configShape = z
  .object({
    receiver: z.object({
      url: z.string(),
      username: z.string(),
      password: z.string(),
      account: optionalAccount,
      heartbeatTimeoutSec: seconds.min(5, 'must be at least 5 seconds (heartbeats come every 10 s)'),
      authRetrySec: seconds,
      linkLossReportSec: seconds,
      directoryRefreshSec: seconds,
      caFile: z.string(),
      certFingerprint: z.string().transform((value) => (value === '' ? '' : (normalizeFingerprint(value) ?? value))),
    }),
    arc: z.object({
      primary: z.string(),
      secondary: z.string(),
      format: z.enum(ARC_FORMATS),
      receiverNumber: z.string().refine(isDc09HexField, 'must be 1 to 6 hex digits').transform((value) => value.toUpperCase()),
      linePrefix: z.string().refine(isDc09HexField, 'must be 1 to 6 hex digits').transform((value) => value.toUpperCase()),
      key: z.string(),
      keyFormat: z.enum(['hex', 'ascii']),
      ackTimeoutMs: z.number().int().nonnegative(),
      attempts: z.number().int().positive().max(100),
      maxInFlight: z.number().int().positive().max(1024),
      connections: z.number().int().nonnegative().max(1024),
      supervisionSec: z.number().int().nonnegative(),
    }),
    accounts: z.record(z.string(), account),
    translate: z.object({
      fallbackAccount: optionalAccount,
      unknownEvent: z.enum(['forward', 'drop']),
      inactive: z.enum(['drop', 'restore']),
      repeatWindowSec: z.number().int().nonnegative(),
    }),
    store: z.object({ path: z.string().min(1, 'must name a file'), maxSizeMB: z.number().int().nonnegative(), retentionHours: z.number().int().positive() }),
    http: z.object({ listen: z.string() }),
    media: z.object({
      listen: z.string(),
      publicUrl: z.string().transform((value) => value.replace(/\/+$/, '')),
      tlsCert: z.string(),
      tlsKey: z.string(),
      secret: z.string(),
      linkTtlHours: positive,
      archive: z.boolean(),
      dir: z.string(),
      retentionDays: positive,
      maxDiskMB: positive,
      maxFileMB: positive,
      maxConcurrent: positive.max(64, 'must be at most 64'),
      fetchTimeoutSec: seconds,
    }),
    control: z.object({
      enabled: z.boolean(),
      listen: z.string(),
      tokensFile: z.string(),
      tlsCertFile: z.string(),
      tlsKeyFile: z.string(),
      requestTimeoutSec: seconds.max(300),
      confirmTimeoutSec: seconds.max(3600),
      statusCacheSec: z.number().int().nonnegative().max(300),
      requestsPerMinute: z.number().int().positive().max(600),
      eventZoneOffset: z.union([z.literal(0), z.literal(1)]),
    }),
    log: z.object({ level: z.enum(LOG_LEVELS) }),
  })
  ;

const AES_KEY_BYTES: readonly number[] = [16, 24, 32];

/** A listen address on the loopback interface (127.0.0.0/8, ::1, localhost). */
export function isLoopbackListen(listen: string): boolean {
  const host = splitListen(listen).host.toLowerCase();
  return host === 'localhost' || host === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

// The control API changes the state of alarm panels: it needs tokens, and bearer tokens never
// cross a network in clear text.
function controlProblems(control: Readonly<Record<string, unknown>>): string[] {
  const problems: string[] = [];
  const listen = text(control['listen']);
  const cert = text(control['tlsCertFile']);
  const key = text(control['tlsKeyFile']);
  if ((cert === '') !== (key === '')) problems.push('control.tlsCertFile: control.tlsCertFile and control.tlsKeyFile go together');
  if (listen === '') return problems;
  if (control['enabled'] !== true) problems.push('control.listen: the control API needs control.enabled true (or leave control.listen empty)');
  if (text(control['tokensFile']) === '') problems.push('control.tokensFile: the control API needs a tokens file (hik-arc panel token makes entries)');
  if (!isLoopbackListen(listen) && (cert === '' || key === '')) {
    problems.push(`control.listen: ${listen} is not a loopback address; set control.tlsCertFile and control.tlsKeyFile to serve it over TLS`);
  }
  return problems;
}

function text(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

/**
 * Rules that span several keys. They run on the raw values even when single keys are invalid, so
 * one run of check-config names every problem.
 */
export function crossFieldProblems(raw: Readonly<Record<string, Readonly<Record<string, unknown>>>>): string[] {
  const problems: string[] = [];
  const arc = raw['arc'] ?? {};
  const receiver = raw['receiver'] ?? {};
  const key = text(arc['key']);
  const keyFormat = arc['keyFormat'];
  if (key !== '') {
    // DC-09 §5.4.5: AES-128/192/256; the key is binary, written as hex or as its ASCII bytes.
    const bytes = keyFormat === 'ascii' ? (/^[\x20-\x7e]*$/.test(key) ? key.length : -1) : /^[0-9A-Fa-f]*$/.test(key) ? key.length / 2 : -1;
    if (!AES_KEY_BYTES.includes(bytes)) {
      problems.push(
        keyFormat === 'ascii'
          ? 'arc.key: must be 16, 24 or 32 printable characters (AES-128/192/256) when arc.keyFormat is ascii'
          : 'arc.key: must be 32, 48 or 64 hex digits (AES-128/192/256) when arc.keyFormat is hex',
      );
    }
  }
  if (text(arc['secondary']) !== '' && arc['secondary'] === arc['primary']) {
    problems.push('arc.secondary: must differ from arc.primary');
  }
  if (text(receiver['url']) !== '' && (text(receiver['username']) === '' || text(receiver['password']) === '')) {
    problems.push('receiver.username: receiver.username and receiver.password are needed with receiver.url');
  }
  const url = text(receiver['url']);
  if (url !== '' && !/^https:/i.test(url)) {
    for (const key of ['caFile', 'certFingerprint'] as const) {
      if (text(receiver[key]) !== '') problems.push(`receiver.${key}: only applies to an https:// receiver.url`);
    }
  }
  problems.push(...controlProblems(raw['control'] ?? {}));
  problems.push(...mediaProblems(raw['media'] ?? {}));
  return problems;
}

// docs/media.md §6: a link is only as private as its token, so it travels over TLS unless the
// endpoint is reachable from this machine alone (then a TLS proxy in front is the operator's job).
function mediaProblems(media: Readonly<Record<string, unknown>>): string[] {
  const problems: string[] = [];
  const listen = text(media['listen']);
  const cert = text(media['tlsCert']);
  const key = text(media['tlsKey']);
  if ((cert === '') !== (key === '')) problems.push(`${cert === '' ? 'media.tlsCert' : 'media.tlsKey'}: media.tlsCert and media.tlsKey are set together`);
  if (listen !== '') {
    if (text(media['publicUrl']) === '') problems.push('media.publicUrl: needed with media.listen (the base URL the ARC opens the links at)');
    if (text(media['secret']) === '') problems.push('media.secret: needed with media.listen (it signs the links; e.g. openssl rand -hex 32)');
    if (!isLoopbackHost(splitListen(listen).host) && (cert === '' || key === '')) {
      problems.push('media.tlsCert: media.tlsCert and media.tlsKey are needed when media.listen is not a loopback address (links carry their token in the clear otherwise)');
    }
  }
  const maxFile = media['maxFileMB'];
  const maxDisk = media['maxDiskMB'];
  if (typeof maxFile === 'number' && typeof maxDisk === 'number' && maxFile > maxDisk) problems.push('media.maxFileMB: must not be larger than media.maxDiskMB');
  return problems;
}

export type Config = z.infer<typeof configShape>;
export type MediaConfig = Config['media'];
export type ArcFormat = Config['arc']['format'];
