// The one declaration of every setting: its doc, default, format, whether it is a secret, and the
// value config/example.json shows. Everything else is derived from it: the convict schema with
// its `HIK_ARC_*` variable names (load.ts), the TypeScript type of the loaded config, redaction,
// check-config's report, config/example.json and the README table (describe.ts). Later stages
// add their keys here, never in a second place.

import { KEY_FORMATS, parseAesKey } from '../transport/dc09-crypto.js';
import { ARC_FORMATS } from '../transport/event-message.js';
import { DC09_DEVIATIONS } from '../transport/dc09-deviations.js';
import { splitListen } from '../http-listen.js';
import { normalizeFingerprint } from '../ingest/hik-tls.js';
import { LOG_LEVELS } from '../log.js';
import { FORMAT, integerFormat, isLoopbackHost } from './formats.js';

export { hasUrlCredentials, isLoopbackHost, MAX_PUBLIC_URL_LENGTH, MIN_MEDIA_SECRET_LENGTH } from './formats.js';

export interface Setting<T> {
  readonly doc: string;
  readonly default: T;
  /** A convict format name (formats.ts) or the list of allowed values. */
  readonly format: string | readonly string[];
  /** Never logged, never echoed in a problem, masked by redactConfig and check-config --print. */
  readonly sensitive: boolean;
  /** The value config/example.json shows (a typical site), the default when not given. */
  readonly example: T;
  /** The form the stages read (upper-case hex, no trailing slash); applied after validation. */
  canonical?(value: T): T;
}

type AnySetting = Setting<string> | Setting<number> | Setting<boolean> | Setting<Readonly<Record<string, string>>>;
export type SettingTree = { readonly [key: string]: AnySetting | SettingTree };

interface TextOptions {
  readonly format?: string;
  readonly default?: string;
  readonly example?: string;
  readonly sensitive?: boolean;
  readonly canonical?: (value: string) => string;
}

function text(doc: string, options: TextOptions = {}): Setting<string> {
  const fallback = options.default ?? '';
  return {
    doc,
    default: fallback,
    format: options.format ?? FORMAT.text,
    sensitive: options.sensitive === true,
    example: options.example ?? fallback,
    ...(options.canonical === undefined ? {} : { canonical: options.canonical }),
  };
}

function integer(doc: string, fallback: number, range: { readonly min: number; readonly max?: number; readonly example?: number }): Setting<number> {
  return { doc, default: fallback, format: integerFormat(range.min, range.max), sensitive: false, example: range.example ?? fallback };
}

function flag(doc: string, fallback: boolean): Setting<boolean> {
  return { doc, default: fallback, format: FORMAT.boolean, sensitive: false, example: fallback };
}

function choice<const Values extends readonly string[]>(doc: string, values: Values, fallback: Values[number]): Setting<Values[number]> {
  return { doc, default: fallback, format: values, sensitive: false, example: fallback };
}

const upperCase = (value: string): string => value.toUpperCase();

// docs/dc09.md §Deviations per destination: off by default, one set per destination.
function deviations(destination: 'primary' | 'secondary') {
  const of = (name: keyof typeof DC09_DEVIATIONS): Setting<boolean> => flag(`For arc.${destination}: ${DC09_DEVIATIONS[name].doc}`, false);
  return { omitReceiverNumber: of('omitReceiverNumber'), hikvisionNull: of('hikvisionNull'), acceptClearAck: of('acceptClearAck') } as const;
}

export const SETTINGS = {
  receiver: {
    url: text(
      'Base URL of the Hik IP Receiver Pro API, http(s)://HOST:PORT. Its Automation Output protocol must be enabled and set to Private, or the subscription is refused with 403. Credentials in it are refused: use username and password.',
      {
        format: FORMAT.hikUrl,
        example: 'http://192.168.1.50:80',
      },
    ),
    username: text('Receiver user for HTTP Digest authentication.', { example: 'arc-link' }),
    password: text(
      'Password of that user (never logged). Prefer HIK_ARC_RECEIVER_PASSWORD in the service environment; a config file holding it that its group or everyone can read gets a warning (chmod 600).',
      {
        sensitive: true,
        example: 'change-me',
      },
    ),
    account: text("DC-09 account (3-16 hex digits) for events about the receiver itself and for hik-arc's upstream link fault E350/YC and restore R350/YK.", {
      format: FORMAT.account,
      example: '9000',
      canonical: upperCase,
    }),
    heartbeatTimeoutSec: integer('The receiver sends a heartbeat every 10 s; with no part at all for this long the stream is dropped and re-subscribed.', 30, {
      min: 5,
    }),
    authRetrySec: integer('After a rejected login, wait this long before trying again: the receiver locks an account after a few failed logins.', 600, {
      min: 1,
    }),
    linkLossReportSec: integer('Report the upstream link fault to the ARC once the stream has been down this long.', 60, { min: 1 }),
    directoryRefreshSec: integer(
      "Refresh the receiver's device list (devIndex and serial to accountID) this often. The last complete list is kept next to the outbox (store.path with .devices.json) and used at the next start until the receiver gives a new one.",
      300,
      { min: 1 },
    ),
    caFile: text(
      "For an https:// url: PEM file of the certificate (or its CA) to trust, e.g. the receiver's self-signed certificate exported from its web page. It must carry the address or name used in url; otherwise use certFingerprint. Empty = the system CAs.",
      {
        format: FORMAT.pemCertificateFile,
      },
    ),
    certFingerprint: text(
      'For an https:// url: SHA-256 fingerprint of the receiver certificate (64 hex digits, colons allowed) to accept exactly that certificate, whatever name it carries. The TLS error line shows the fingerprint the receiver presented; check it on the receiver before pasting it. Verification is never turned off.',
      { format: FORMAT.certFingerprint, canonical: (value) => (value === '' ? '' : (normalizeFingerprint(value) ?? value)) },
    ),
  },
  arc: {
    primary: text('Primary ARC receiver: tcp://HOST:PORT or udp://HOST:PORT.', { format: FORMAT.arcDestination, example: 'tcp://10.20.0.10:5000' }),
    secondary: text('Backup ARC receiver, same form, used after arc.attempts failures on the primary; empty for none.', {
      format: FORMAT.arcDestination,
      example: 'udp://10.20.0.11:5000',
    }),
    format: choice('DC-09 payload: adm-cid (Contact ID, e.g. #1234|1130 01 015) or sia-dcs (SIA DC-03, e.g. #1234|Nri1/BA015).', ARC_FORMATS, 'adm-cid'),
    receiverNumber: text('DC-09 receiver number R (1-6 hex digits), as the ARC assigns it.', {
      format: FORMAT.hexField,
      default: '0',
      example: '1',
      canonical: upperCase,
    }),
    linePrefix: text('DC-09 account prefix / line L (1-6 hex digits), as the ARC assigns it.', {
      format: FORMAT.hexField,
      default: '0',
      example: '1',
      canonical: upperCase,
    }),
    key: text(
      'AES key for encrypted DC-09 (never logged); empty sends plain frames. 32/48/64 hex digits with keyFormat hex, 16/24/32 characters with keyFormat ascii. Prefer HIK_ARC_ARC_KEY.',
      { sensitive: true },
    ),
    keyFormat: choice(
      "How arc.key is written: hex (the standard; Hikvision panels, ioBroker) or ascii (the key's characters are the key bytes: pysiaalarm / Home Assistant).",
      KEY_FORMATS,
      'hex',
    ),
    ackTimeoutMs: integer("How long to wait for the ARC's answer to one frame; 0 = 10000 over TCP, 5000 over UDP.", 0, { min: 0 }),
    attempts: integer(
      'Sends of one alarm to one destination in one round (same sequence number, fresh timestamp) before moving to the next destination; a round without an ACK puts only that account on hold (5 s growing to 60 s).',
      3,
      { min: 1, max: 100 },
    ),
    maxInFlight: integer(
      'Frames outstanding at once per destination, never two of one account: with the ARC taking 100 ms per ACK, 64 in flight deliver 640 alarms a second instead of 10.',
      64,
      {
        min: 1,
        max: 1024,
      },
    ),
    connections: integer(
      'TCP connections per destination, each stop-and-wait; 0 = as many as arc.maxInFlight. Lower it if the ARC limits connections per client (the window shrinks with it). UDP ignores it: one socket per frame outstanding.',
      0,
      { min: 0, max: 1024 },
    ),
    // On by default (docs/delivery.md §Failover and recovery): without NULL tests a silent primary
    // is found only from alarms of two accounts, and an idle one not at all. 60 s keeps an idle
    // path's loss well inside a 180 s reporting time; receivers that NAK a NULL still prove the link.
    supervisionSec: integer(
      'Send a DC-09 NULL link test (account receiver.account) after this many idle seconds on each path; 0 = off. Set it well below the reporting time of the ATS category the ARC requires. With it on, an alarm waits at most two ACK timeouts on a silent primary before it goes to the secondary.',
      60,
      { min: 0 },
    ),
    deviations: { primary: deviations('primary'), secondary: deviations('secondary') },
  },
  accounts: {
    doc: 'devIndex or device serial to DC-09 account; overrides the account the receiver lists for the device. Events carrying a deviceID use it as their account. As an environment variable: JSON.',
    default: {},
    format: FORMAT.accountMap,
    sensitive: false,
    example: { '2cd6716d-767f-4756-ac55-50276a5e3b4a': '1234', E60250720: '5678' },
    canonical: (map) => Object.fromEntries(Object.entries(map).map(([device, account]) => [device, account.toUpperCase()])),
  } satisfies Setting<Readonly<Record<string, string>>>,
  translate: {
    fallbackAccount: text(
      'Account for events from devices without a known account; empty keeps such events as unroutable dead letters (hik-arc dead-letters) instead.',
      {
        format: FORMAT.account,
        canonical: upperCase,
      },
    ),
    unknownEvent: choice(
      'An eventType hik-arc does not know: forward (as Contact ID 140 / SIA UA, with the type in the description) or drop.',
      ['forward', 'drop'] as const,
      'forward',
    ),
    inactive: choice(
      'eventState inactive for camera, radar and access events, whose tables have no restore code: drop, or restore (sent with qualifier 3).',
      ['drop', 'restore'] as const,
      'drop',
    ),
    repeatWindowSec: integer(
      'A durative alarm re-sent with activePostCount above 1 within this many seconds of its last forward is not forwarded again; 0 forwards every repeat.',
      60,
      { min: 0 },
    ),
  },
  store: {
    path: text('SQLite store-and-forward outbox, created on first run (under systemd: /var/lib/hik-arc/hik-arc.db).', {
      format: FORMAT.filePath,
      default: './var/hik-arc.db',
    }),
    maxSizeMB: integer(
      'Size cap of the outbox file in MB; 0 = none. Past it new alarms cannot be stored (held in memory and retried, logged as HIKARC_STORE_FULL), so leave room for a long ARC outage.',
      0,
      {
        min: 0,
      },
    ),
    retentionHours: integer('Delivered alarms stay in the outbox this long (an audit trail of what the ARC acknowledged, and when), then are removed.', 168, {
      min: 1,
    }),
  },
  http: {
    listen: text('Address of GET /healthz and GET /metrics (Prometheus); empty turns the endpoint off.', { format: FORMAT.listen, default: '127.0.0.1:9309' }),
  },
  media: {
    listen: text(
      'Address of the media endpoint that serves signed verification links (GET /v1/media/TOKEN). Not a loopback address: media.tlsCert and media.tlsKey are needed; a loopback address suits a TLS proxy in front. Empty = off.',
      {
        format: FORMAT.listen,
      },
    ),
    publicUrl: text(
      'The base URL the ARC opens links at, as the ARC reaches this host (through NAT or the proxy), e.g. https://hik-arc.arc.example:9443. At most 192 characters: the whole link must fit the DC-09 [V] block.',
      {
        format: FORMAT.publicUrl,
        canonical: (value) => value.replace(/\/+$/, ''),
      },
    ),
    tlsCert: text('PEM certificate (with its chain) the media endpoint presents; must name the host of publicUrl.', { format: FORMAT.readableFile }),
    tlsKey: text('PEM private key of that certificate (readable by the hik-arc user only).', { format: FORMAT.readableFile }),
    secret: text(
      'Signs the links (never logged); at least 32 characters, e.g. openssl rand -hex 32. Prefer HIK_ARC_MEDIA_SECRET. Changing it makes every link issued before invalid (hik-arc media link issues new ones).',
      {
        format: FORMAT.mediaSecret,
        sensitive: true,
      },
    ),
    linkTtlHours: integer(
      'A link opens for this many hours after the alarm (the expiry is signed into it); hik-arc media link --alarm ID issues a fresh one.',
      72,
      { min: 1 },
    ),
    archive: flag(
      "true: fetch each alarm's pictures and clips from the receiver as soon as the alarm arrives and keep them, so the evidence survives the receiver's own rotation and a receiver outage when the operator looks. false: fetch when a link is opened (and keep that copy too).",
      false,
    ),
    dir: text('Folder of the kept media files; empty = a folder media next to store.path (under systemd /var/lib/hik-arc/media).'),
    retentionDays: integer('Kept files, and the references links point to, are removed this many days after the alarm.', 30, { min: 1 }),
    maxDiskMB: integer(
      'Disk cap of the media folder in MB; past it the files of the oldest alarms are removed first (a later request fetches them from the receiver again while it still has them).',
      2048,
      {
        min: 1,
      },
    ),
    maxFileMB: integer('Largest single file fetched from the receiver, in MB; a longer clip is refused (HIKARC_MEDIA_TOO_LARGE).', 200, { min: 1 }),
    maxConcurrent: integer(
      'Downloads from the receiver at once, links opened and archive fetches together (links first); the receiver is an embedded box.',
      2,
      { min: 1, max: 64 },
    ),
    fetchTimeoutSec: integer('Longest one file may take to come from the receiver before the download is given up (HIKARC_MEDIA_RECEIVER_TIMEOUT).', 120, {
      min: 1,
    }),
  },
  control: {
    enabled: flag(
      'Panel control from the ARC (hik-arc panel and the control API): arm, disarm, clear alarm, bypass, deactivate, relays, status. false refuses every panel command; audit still works.',
      false,
    ),
    listen: text(
      'Address of the control API in hik-arc run; empty = off. Loopback unless TLS is set (control.tlsCertFile, control.tlsKeyFile): bearer tokens never travel in clear.',
      { format: FORMAT.listen },
    ),
    tokensFile: text(
      'JSON file of API tokens, each {name, sha256, roles}; the token itself is never stored. hik-arc panel token --name NAME --roles read,arm prints a token and its entry.',
      {
        example: '/etc/hik-arc/control-tokens.json',
      },
    ),
    tlsCertFile: text('PEM certificate for the control API; with tlsKeyFile it serves HTTPS (required for a non-loopback listen).'),
    tlsKeyFile: text('PEM private key of that certificate.'),
    requestTimeoutSec: integer(
      'How long one control call waits for the receiver. After it the outcome is unknown: the command is never sent again, the status is read back (exit 75, HTTP 504).',
      10,
      {
        min: 1,
        max: 300,
      },
    ),
    confirmTimeoutSec: integer(
      "How long an accepted command waits for the panel to confirm it (its event on the stream in hik-arc run, its status read back in hik-arc panel). Keep it above the panels' exit delay.",
      60,
      { min: 1, max: 3600 },
    ),
    statusCacheSec: integer('A panel status read is reused this long (0 = always read the receiver); every command clears it.', 3, { min: 0, max: 300 }),
    requestsPerMinute: integer(
      'At most this many commands per minute to the receiver, over every hik-arc process (counted in the audit trail), and as many status reads in the service.',
      20,
      {
        min: 1,
        max: 600,
      },
    ),
    eventZoneOffset: integer(
      "Zone number in the panel's events minus the zone id of control calls (which count from 0): 1 when the events count zones from 1, as keypads do. Check it once per panel model with a bypass.",
      1,
      { min: 0, max: 1 },
    ),
  },
  log: {
    level: choice('fatal, error, warn, info, debug, trace or silent. Logs are JSON lines on stdout (journald).', LOG_LEVELS, 'info'),
  },
} as const satisfies SettingTree;

type ValueTree<Tree> = { readonly [Key in keyof Tree]: Tree[Key] extends Setting<infer Value> ? Value : ValueTree<Tree[Key]> };

/** The loaded configuration: the type follows SETTINGS. */
export type Config = ValueTree<typeof SETTINGS>;

export function isSetting(node: AnySetting | SettingTree): node is AnySetting {
  return typeof node.doc === 'string' && 'default' in node;
}

/** `receiver.heartbeatTimeoutSec` → `HIK_ARC_RECEIVER_HEARTBEAT_TIMEOUT_SEC`. */
export function envName(path: string): string {
  return `HIK_ARC_${path
    .replace(/\./g, '_')
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .toUpperCase()}`;
}

export interface ListedSetting {
  readonly path: string;
  readonly env: string;
  readonly setting: AnySetting;
}

function listed(tree: SettingTree, prefix: string): ListedSetting[] {
  const out: ListedSetting[] = [];
  for (const [key, node] of Object.entries(tree)) {
    const path = prefix === '' ? key : `${prefix}.${key}`;
    if (isSetting(node)) out.push({ path, env: envName(path), setting: node });
    else out.push(...listed(node, path));
  }
  return out;
}

const LISTED: readonly ListedSetting[] = Object.freeze(listed(SETTINGS, ''));

/** Every setting with its dotted path and variable name, in declaration order. */
export function listSettings(): readonly ListedSetting[] {
  return LISTED;
}

/** Dotted paths of the secrets. */
export const SENSITIVE_PATHS: ReadonlySet<string> = new Set(LISTED.filter(({ setting }) => setting.sensitive).map(({ path }) => path));

/** A listen address on the loopback interface (127.0.0.0/8, ::1, localhost). */
export function isLoopbackListen(listen: string): boolean {
  return isLoopbackHost(splitListen(listen).host);
}

function textOf(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

type RawSection = Readonly<Record<string, unknown>>;

// The control API changes the state of alarm panels: it needs tokens, and bearer tokens never
// cross a network in clear text.
function controlProblems(control: RawSection): string[] {
  const problems: string[] = [];
  const listen = textOf(control['listen']);
  const cert = textOf(control['tlsCertFile']);
  const key = textOf(control['tlsKeyFile']);
  if ((cert === '') !== (key === '')) problems.push('control.tlsCertFile: control.tlsCertFile and control.tlsKeyFile go together');
  if (listen === '') return problems;
  if (control['enabled'] !== true) problems.push('control.listen: the control API needs control.enabled true (or leave control.listen empty)');
  if (textOf(control['tokensFile']) === '') problems.push('control.tokensFile: the control API needs a tokens file (hik-arc panel token makes entries)');
  if (!isLoopbackListen(listen) && (cert === '' || key === '')) {
    problems.push(`control.listen: ${listen} is not a loopback address; set control.tlsCertFile and control.tlsKeyFile to serve it over TLS`);
  }
  return problems;
}

// docs/media.md §6: a link is only as private as its token, so it travels over TLS unless the
// endpoint is reachable from this machine alone (then a TLS proxy in front is the operator's job).
function mediaProblems(media: RawSection): string[] {
  const problems: string[] = [];
  const listen = textOf(media['listen']);
  const cert = textOf(media['tlsCert']);
  const key = textOf(media['tlsKey']);
  if ((cert === '') !== (key === '')) problems.push(`${cert === '' ? 'media.tlsCert' : 'media.tlsKey'}: media.tlsCert and media.tlsKey are set together`);
  if (listen !== '') {
    if (textOf(media['publicUrl']) === '') problems.push('media.publicUrl: needed with media.listen (the base URL the ARC opens the links at)');
    if (textOf(media['secret']) === '') problems.push('media.secret: needed with media.listen (it signs the links; e.g. openssl rand -hex 32)');
    if (!isLoopbackHost(splitListen(listen).host) && (cert === '' || key === '')) {
      problems.push(
        'media.tlsCert: media.tlsCert and media.tlsKey are needed when media.listen is not a loopback address (links carry their token in the clear otherwise)',
      );
    }
  }
  const maxFile = media['maxFileMB'];
  const maxDisk = media['maxDiskMB'];
  if (typeof maxFile === 'number' && typeof maxDisk === 'number' && maxFile > maxDisk)
    problems.push('media.maxFileMB: must not be larger than media.maxDiskMB');
  return problems;
}

function keyProblems(arc: RawSection): string[] {
  const key = textOf(arc['key']);
  const keyFormat = arc['keyFormat'];
  if (key === '' || !KEY_FORMATS.includes(keyFormat as (typeof KEY_FORMATS)[number])) return [];
  // The transport's own parser decides (DC-09 §Encryption); its message never holds the key.
  try {
    parseAesKey(key, keyFormat as (typeof KEY_FORMATS)[number]);
    return [];
  } catch (error) {
    return [`arc.key: ${(error as Error).message} (arc.keyFormat is ${String(keyFormat)})`];
  }
}

/**
 * Rules that span several keys. They run on the raw values even when single keys are invalid, so
 * one run of check-config names every problem.
 */
export function crossFieldProblems(raw: Readonly<Record<string, unknown>>): string[] {
  const section = (name: string): RawSection => {
    const value = raw[name];
    return typeof value === 'object' && value !== null ? (value as RawSection) : {};
  };
  const arc = section('arc');
  const receiver = section('receiver');
  const problems = keyProblems(arc);
  if (textOf(arc['secondary']) !== '' && arc['secondary'] === arc['primary']) problems.push('arc.secondary: must differ from arc.primary');
  const url = textOf(receiver['url']);
  if (url !== '' && (textOf(receiver['username']) === '' || textOf(receiver['password']) === '')) {
    problems.push('receiver.username: receiver.username and receiver.password are needed with receiver.url');
  }
  if (url !== '' && !/^https:/i.test(url)) {
    for (const key of ['caFile', 'certFingerprint'] as const) {
      if (textOf(receiver[key]) !== '') problems.push(`receiver.${key}: only applies to an https:// receiver.url`);
    }
  }
  problems.push(...controlProblems(section('control')), ...mediaProblems(section('media')));
  return problems;
}
