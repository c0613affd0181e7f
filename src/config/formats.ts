// The value checks of the config, as convict formats: `validate` throws a message that names what
// the value must look like (convict prefixes the key and, unless the setting is sensitive, appends
// the value), `coerce` turns the text of an environment variable into the setting's type. Each
// format is registered with convict once, by name, so the schema can say `format: FORMAT.account`.
// The DC-09 and TLS rules are the stages' own (transport/dc09-fields.ts, ingest/hik-tls.ts);
// this module only applies them to config keys.

import { accessSync, constants as fsConstants, readFileSync } from 'node:fs';
import convict from 'convict';
import { normalizeFingerprint, PEM_CERTIFICATE } from '../ingest/hik-tls.js';
import { MAX_LINK_SUFFIX_LENGTH } from '../media/media-link.js';
import { isDc09Account, isDc09HexField } from '../transport/dc09-fields.js';
import { ARC_DESTINATION_PATTERN, LISTEN_PATTERN } from '../transport/destination.js';
import { MAX_VIDEO_LINK_BYTES } from '../transport/event-message.js';

// The media link goes into the DC-09 [V] block, 256 characters at most (docs/media.md §3): the
// public base must leave room for the path, the longest token and an item number.
export const MAX_PUBLIC_URL_LENGTH = MAX_VIDEO_LINK_BYTES - MAX_LINK_SUFFIX_LENGTH;
export const MIN_MEDIA_SECRET_LENGTH = 32;

// Never "value was ...": the value may be a password. The key is named by convict.
const URL_CREDENTIALS = 'must not carry credentials (user:password@)';

function must(ok: boolean, message: string): void {
  if (!ok) throw new Error(message);
}

/** True when a URL-shaped text carries `user[:password]@` in its authority. */
export function hasUrlCredentials(text: string): boolean {
  return /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*@/i.test(text);
}

/** A listen or URL host that only this machine can reach (127.0.0.0/8, ::1, localhost). */
export function isLoopbackHost(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '').toLowerCase();
  return bare === 'localhost' || bare === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(bare);
}

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

/** Throws unless `value` maps devIndex or serial to an account (the `accounts` setting, `translate --accounts`). */
export function checkAccountMap(value: unknown): void {
  must(typeof value === 'object' && value !== null && !Array.isArray(value), 'must be an object mapping devIndex or device serial to an account');
  for (const [device, account] of Object.entries(value as Record<string, unknown>)) {
    must(device.trim() !== '', 'must not have an empty devIndex or serial');
    must(typeof account === 'string' && isDc09Account(account), `entry "${device}" must map to 3 to 16 hex digits`);
  }
}

function coerceJsonObject(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

function coerceBoolean(text: string): unknown {
  const word = text.trim().toLowerCase();
  if (word === 'true' || word === '1') return true;
  if (word === 'false' || word === '0') return false;
  return text;
}

function coerceInteger(text: string): unknown {
  return /^\s*-?\d+\s*$/.test(text) ? Number(text) : text;
}

interface ConvictFormat {
  readonly validate: (value: unknown) => void;
  readonly coerce?: (text: string) => unknown;
}

const FORMATS = {
  'hikarc-text': {
    validate(value) {
      must(typeof value === 'string', 'must be a text');
    },
  },
  'hikarc-file-path': {
    validate(value) {
      must(typeof value === 'string' && value.trim() !== '', 'must name a file');
    },
  },
  'hikarc-account': {
    validate(value) {
      must(typeof value === 'string' && (value === '' || isDc09Account(value)), 'must be 3 to 16 hex digits (0-9, A-F) or empty');
    },
  },
  'hikarc-hex-field': {
    validate(value) {
      must(typeof value === 'string' && isDc09HexField(value), 'must be 1 to 6 hex digits');
    },
  },
  'hikarc-receiver-url': {
    validate(value) {
      if (value === '') return;
      must(!hasUrlCredentials(String(value)), `${URL_CREDENTIALS}; use receiver.username and receiver.password`);
      const url = parsedUrl(value);
      must(
        url !== undefined && (url.protocol === 'http:' || url.protocol === 'https:'),
        'must be an http:// or https:// URL of the Hik IP Receiver Pro, or empty',
      );
      must(url?.username === '' && url?.password === '', 'must not carry credentials; use receiver.username and receiver.password');
    },
  },
  'hikarc-arc-destination': {
    validate(value) {
      if (value === '') return;
      must(!hasUrlCredentials(String(value)), URL_CREDENTIALS);
      const match = typeof value === 'string' ? ARC_DESTINATION_PATTERN.exec(value) : null;
      must(match !== null && portInRange(match[3]), 'must be tcp://HOST:PORT or udp://HOST:PORT, or empty');
    },
  },
  'hikarc-listen': {
    validate(value) {
      if (value === '') return;
      const match = typeof value === 'string' ? LISTEN_PATTERN.exec(value) : null;
      // Port 0 picks a free port (logged at start); used by tests.
      must(match !== null && (match[2] === '0' || portInRange(match[2])), 'must be HOST:PORT (e.g. 127.0.0.1:9309), or empty to turn the HTTP endpoint off');
    },
  },
  'hikarc-pem-certificate-file': {
    validate(value) {
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
  },
  'hikarc-readable-file': {
    validate(value) {
      if (value === '') return;
      let readable = typeof value === 'string';
      try {
        if (readable) accessSync(value as string, fsConstants.R_OK);
      } catch {
        readable = false;
      }
      must(readable, 'must be a readable file');
    },
  },
  'hikarc-cert-fingerprint': {
    validate(value) {
      if (value === '') return;
      must(typeof value === 'string' && normalizeFingerprint(value) !== undefined, 'must be a SHA-256 fingerprint: 64 hex digits, with or without colons');
    },
  },
  'hikarc-account-map': { validate: checkAccountMap, coerce: coerceJsonObject },
  'hikarc-public-url': {
    validate(value) {
      if (value === '') return;
      const url = parsedUrl(value);
      must(
        url !== undefined && (url.protocol === 'https:' || url.protocol === 'http:'),
        'must be the https:// (or http://) base URL the ARC reaches hik-arc at, or empty',
      );
      must(
        url?.username === '' && url?.password === '' && url?.search === '' && url?.hash === '',
        'must be a plain base URL: no credentials, query or fragment',
      );
      must(
        String(value).length <= MAX_PUBLIC_URL_LENGTH,
        `must be at most ${MAX_PUBLIC_URL_LENGTH} characters, so that the whole link fits the DC-09 [V] block (256)`,
      );
    },
  },
  'hikarc-media-secret': {
    validate(value) {
      must(
        typeof value === 'string' && (value === '' || value.length >= MIN_MEDIA_SECRET_LENGTH),
        `must be at least ${MIN_MEDIA_SECRET_LENGTH} characters (e.g. openssl rand -hex 32), or empty`,
      );
    },
  },
  'hikarc-boolean': {
    validate(value) {
      must(typeof value === 'boolean', 'must be true or false');
    },
    coerce: coerceBoolean,
  },
} as const satisfies Readonly<Record<string, ConvictFormat>>;

export type FormatName = keyof typeof FORMATS;

/** The format names, spelled once: `format: FORMAT.account`. */
export const FORMAT = {
  text: 'hikarc-text',
  filePath: 'hikarc-file-path',
  account: 'hikarc-account',
  hexField: 'hikarc-hex-field',
  hikUrl: 'hikarc-receiver-url',
  arcDestination: 'hikarc-arc-destination',
  listen: 'hikarc-listen',
  pemCertificateFile: 'hikarc-pem-certificate-file',
  readableFile: 'hikarc-readable-file',
  certFingerprint: 'hikarc-cert-fingerprint',
  accountMap: 'hikarc-account-map',
  publicUrl: 'hikarc-public-url',
  mediaSecret: 'hikarc-media-secret',
  boolean: 'hikarc-boolean',
} as const satisfies Readonly<Record<string, FormatName>>;

convict.addFormats(FORMATS);

const integerFormats = new Set<string>();

/**
 * The name of an integer format from `min` to `max` (inclusive), registered on first use. Its
 * coerce reads only whole decimal numbers, so `HIK_ARC_ARC_ATTEMPTS=3x` is an error, not 3.
 */
export function integerFormat(min: number, max?: number): string {
  const name = `hikarc-integer-${min}-${max ?? 'up'}`;
  if (!integerFormats.has(name)) {
    const range =
      max === undefined
        ? min === 0
          ? 'an integer of 0 or more'
          : min === 1
            ? 'a positive integer'
            : `an integer of at least ${min}`
        : `an integer from ${min} to ${max}`;
    convict.addFormat({
      name,
      validate(value: unknown) {
        must(Number.isInteger(value) && (value as number) >= min && (max === undefined || (value as number) <= max), `must be ${range}`);
      },
      coerce: coerceInteger,
    });
    integerFormats.add(name);
  }
  return name;
}
