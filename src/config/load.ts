// Loads the configuration once at start: convict applies the defaults, then the file, then the
// `HIK_ARC_*` environment (the injected one: nothing reads process.env here), then command-line
// overrides; every problem is reported, not just the first, and the result is deep-frozen. A
// problem names its key and never echoes a value that may be a secret: no password, no URL with
// credentials, no text around a JSON syntax error (that is given by line and column).

import { readFileSync, statSync } from 'node:fs';
import convict from 'convict';
import { ConfigError, errorMessage } from '../errors.js';
import { redactUrlCredentials } from '../log.js';
import { findJsonSyntaxError } from './json-syntax.js';
import { crossFieldProblems, listSettings, SENSITIVE_PATHS, type Config } from './schema.js';

export type { Config } from './schema.js';

export interface LoadConfigOptions {
  /** JSON config file; omitted means defaults plus environment. */
  readonly file?: string | undefined;
  /** Environment to read `HIK_ARC_*` overrides from (tests pass their own). */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Values applied over the file, e.g. from command-line flags. */
  readonly overrides?: Readonly<Record<string, unknown>>;
}

export const EX_CONFIG = 78;

type ConvictSchema = Record<string, unknown>;

// The convict schema is the declaration itself, with each key's variable name.
function convictSchema(): ConvictSchema {
  const schema: ConvictSchema = {};
  for (const { path, env, setting } of listSettings()) {
    const parts = path.split('.');
    let node = schema;
    for (const part of parts.slice(0, -1)) {
      node[part] ??= {};
      node = node[part] as ConvictSchema;
    }
    const format = typeof setting.format === 'string' ? setting.format : [...setting.format];
    node[parts[parts.length - 1] as string] = { doc: setting.doc, default: setting.default, format, env, sensitive: setting.sensitive };
  }
  return schema;
}

// Keys starting with `//` are documentation (config/example.json explains every setting that way);
// they are removed before validation, at any depth.
function withoutDocKeys(value: unknown): unknown {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [key, child] of Object.entries(value)) {
    if (!key.startsWith('//')) out[key] = withoutDocKeys(child);
  }
  return out;
}

function readConfigFile(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new ConfigError('HIKARC_CONFIG_UNREADABLE', [`cannot read config file ${file}: ${errorMessage(error)}`], { cause: error });
  }
  return withoutDocKeys(parseJsonFile(text, `config file ${file}`));
}

/**
 * JSON.parse of a file's text; a syntax error becomes HIKARC_CONFIG_UNREADABLE naming the line and
 * column and what was expected there, never the text (JSON.parse's own message may quote it).
 */
export function parseJsonFile(text: string, what: string): unknown {
  const body = text.replace(/^\uFEFF/, '');
  try {
    return JSON.parse(body) as unknown;
  } catch {
    const syntax = findJsonSyntaxError(body);
    const where = syntax === undefined ? 'a syntax error' : `line ${syntax.line}, column ${syntax.column}: expected ${syntax.expected}`;
    // No cause: the SyntaxError's message may quote the text.
    throw new ConfigError('HIKARC_CONFIG_UNREADABLE', [`${what} is not valid JSON: ${where}`]);
  }
}

// convict ends a problem with `: value was "<JSON>"`. Kept when it helps ("tcp://nowhere"), dropped
// when the value may hold a secret: credentials in a URL, or any `@`.
function withoutSecretEcho(problem: string): string {
  const match = /^(.*?): value was (".*"|\S.*)$/s.exec(problem);
  if (match === null) return problem;
  const key = problem.slice(0, problem.indexOf(':'));
  const echoed = match[2] as string;
  if (SENSITIVE_PATHS.has(key) || echoed.includes('@')) return match[1] as string;
  return problem;
}

function setPath(target: Record<string, unknown>, path: string, value: unknown): void {
  const parts = path.split('.');
  let node = target;
  for (const part of parts.slice(0, -1)) {
    const next = node[part];
    if (typeof next !== 'object' || next === null || Array.isArray(next)) node[part] = {};
    node = node[part] as Record<string, unknown>;
  }
  node[parts[parts.length - 1] as string] = value;
}

export function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value as Record<string, unknown>)) deepFreeze(child);
  }
  return value;
}

const KNOWN_VARIABLES: ReadonlySet<string> = new Set(listSettings().map(({ env }) => env));

export function loadConfig(options: LoadConfigOptions = {}): Config {
  const env = options.env ?? {};
  const store = convict(convictSchema() as convict.Schema<Record<string, unknown>>, { env: env as NodeJS.ProcessEnv, args: [] });
  if (options.file !== undefined) {
    const fileValues = readConfigFile(options.file);
    if (typeof fileValues !== 'object' || fileValues === null || Array.isArray(fileValues)) {
      throw new ConfigError('HIKARC_CONFIG_UNREADABLE', [`config file ${options.file} must hold a JSON object`]);
    }
    // convict lays the environment over the file again after each load.
    store.load(fileValues);
  }
  // Command-line values win over the environment; set() does not re-read it.
  for (const [path, value] of Object.entries(options.overrides ?? {})) store.set(path, value);

  const problems: string[] = [];
  try {
    store.validate({ allowed: 'strict' });
  } catch (error) {
    for (const line of errorMessage(error).split('\n')) {
      if (line.trim() !== '') problems.push(withoutSecretEcho(line.replace(/^configuration param '([^']+)' /, '$1: ')));
    }
  }
  // convict ignores a variable it does not declare; a mistyped one would silently do nothing.
  for (const name of Object.keys(env)) {
    if (name.startsWith('HIK_ARC_') && !KNOWN_VARIABLES.has(name)) problems.push(`${name}: not a known setting (typo?)`);
  }
  const properties = store.getProperties();
  problems.push(...crossFieldProblems(properties));
  if (problems.length > 0) throw new ConfigError('HIKARC_CONFIG_INVALID', problems);
  for (const { path, setting } of listSettings()) {
    if (setting.canonical !== undefined) setPath(properties, path, (setting.canonical as (value: unknown) => unknown)(getSetting(properties, path)));
  }
  return deepFreeze(properties as unknown as Config);
}

export function getSetting(config: object, path: string): unknown {
  let node: unknown = config;
  for (const part of path.split('.')) node = (node as Record<string, unknown> | undefined)?.[part];
  return node;
}

function variableOf(path: string): string {
  return listSettings().find((listed) => listed.path === path)?.env ?? path;
}

/** The problem line of a setting `hik-arc COMMAND` needs and does not have. */
export function missingProblem(path: string, command: string): string {
  return `${path}: required by "hik-arc ${command}" (set it in the config file or ${variableOf(path)})`;
}

/** Throws one ConfigError naming every required setting that is empty. */
export function requireSettings(config: Config, paths: readonly string[], command: string): void {
  const missing = paths.filter((path) => {
    const value = getSetting(config, path);
    return value === '' || value === undefined;
  });
  if (missing.length > 0) {
    throw new ConfigError(
      'HIKARC_CONFIG_MISSING',
      missing.map((path) => missingProblem(path, command)),
    );
  }
}

/** The config with every sensitive setting masked and URL credentials removed, for logs and `check-config`. */
export function redactConfig(config: Config): Record<string, unknown> {
  const copy = JSON.parse(JSON.stringify(config, (_key, value: unknown) => (typeof value === 'string' ? redactUrlCredentials(value) : value))) as Record<
    string,
    unknown
  >;
  for (const path of SENSITIVE_PATHS) {
    if (getSetting(config, path) !== '') setPath(copy, path, '[redacted]');
  }
  return copy;
}

export interface ConfigFileWarning {
  readonly code: 'HIKARC_CONFIG_FILE_READABLE';
  readonly file: string;
  /** Permission bits as four octal digits, e.g. `0644`. */
  readonly mode: string;
  /** Dotted paths of the secrets the file itself holds. */
  readonly secrets: readonly string[];
  readonly message: string;
}

/**
 * Warnings about a config file that loaded: one when it holds secrets (receiver.password,
 * arc.key) and its group or everyone may read it. Environment variables are not the file's
 * concern. Never throws; a file that cannot be inspected gives no warning.
 */
export function configFileWarnings(file: string): ConfigFileWarning[] {
  if (process.platform === 'win32') return [];
  let mode: number;
  let values: unknown;
  try {
    mode = statSync(file).mode & 0o7777;
    values = withoutDocKeys(JSON.parse(readFileSync(file, 'utf8').replace(/^\uFEFF/, '')) as unknown);
  } catch {
    return [];
  }
  if ((mode & 0o077) === 0 || typeof values !== 'object' || values === null) return [];
  const secrets = [...SENSITIVE_PATHS].filter((path) => {
    let node: unknown = values;
    for (const part of path.split('.')) node = (node as Record<string, unknown> | undefined)?.[part];
    return typeof node === 'string' && node !== '';
  });
  if (secrets.length === 0) return [];
  const octal = mode.toString(8).padStart(4, '0');
  const who = (mode & 0o070) !== 0 && (mode & 0o007) !== 0 ? 'its group and everyone' : (mode & 0o007) !== 0 ? 'everyone' : 'its group';
  const variables = secrets.map((path) => variableOf(path)).join(' and ');
  return [
    {
      code: 'HIKARC_CONFIG_FILE_READABLE',
      file,
      mode: octal,
      secrets,
      message: `config file holds ${secrets.join(', ')} and can be read by ${who} (mode ${octal}): chmod 600 it (owned by the user hik-arc runs as), or set ${variables} in the service environment instead`,
    },
  ];
}
