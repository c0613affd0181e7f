// Loads the configuration once at start: defaults, then the file, then `HIK_ARC_*` environment
// overrides; validates everything (every problem is reported, not just the first) and returns a
// deep-frozen object. Nothing reads process.env after this. A problem names its key and never
// echoes a value that may be a secret: no password, no URL with credentials, no text around a JSON
// syntax error (that is given by line and column).

import { readFileSync, statSync } from 'node:fs';
import convict from 'convict';
import { ConfigError, errorMessage } from '../errors.js';
import { redactUrlCredentials } from '../log.js';
import { findJsonSyntaxError } from './json-syntax.js';
import { configShape, crossFieldProblems, envName, listSettings, SETTINGS, type Config } from './schema.js';

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

function buildConvictSchema(): ConvictSchema {
  const schema: ConvictSchema = {};
  for (const { path, setting } of listSettings()) {
    const parts = path.split('.');
    let node = schema;
    for (const part of parts.slice(0, -1)) {
      node[part] ??= {};
      node = node[part] as ConvictSchema;
    }
    const format = typeof setting.format === 'function' ? setting.format : [...setting.format];
    node[parts[parts.length - 1] as string] = {
      doc: setting.doc,
      default: setting.default,
      format,
      env: envName(path),
      sensitive: setting.sensitive === true,
    };
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

const SENSITIVE_PATHS: ReadonlySet<string> = new Set(listSettings().filter(({ setting }) => setting.sensitive === true).map(({ path }) => path));

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

// convict reads environment strings verbatim; numbers and the accounts map need converting first.
function coercedEnv(env: Readonly<Record<string, string | undefined>>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const { path, setting } of listSettings()) {
    const name = envName(path);
    const raw = env[name];
    if (raw === undefined) continue;
    out[path] = setting.coerce ? setting.coerce(raw) : raw;
  }
  return out;
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

export function loadConfig(options: LoadConfigOptions = {}): Config {
  const schema = buildConvictSchema();
  // env is applied by us (with coercion), so convict gets an empty environment and no argv.
  const store = convict(schema as convict.Schema<Record<string, unknown>>, { env: {}, args: [] });
  if (options.file !== undefined) {
    const fileValues = readConfigFile(options.file);
    if (typeof fileValues !== 'object' || fileValues === null || Array.isArray(fileValues)) {
      throw new ConfigError('HIKARC_CONFIG_UNREADABLE', [`config file ${options.file} must hold a JSON object`]);
    }
    store.load(fileValues);
  }
  const overrides: Record<string, unknown> = {};
  for (const [path, value] of Object.entries(coercedEnv(options.env ?? {}))) setPath(overrides, path, value);
  for (const [path, value] of Object.entries(options.overrides ?? {})) setPath(overrides, path, value);
  store.load(overrides);

  const problems: string[] = [];
  try {
    store.validate({ allowed: 'strict' });
  } catch (error) {
    for (const line of errorMessage(error).split('\n')) {
      if (line.trim() !== '') problems.push(withoutSecretEcho(line.replace(/^configuration param '([^']+)' /, '$1: ')));
    }
  }
  const known = new Set(listSettings().map(({ path }) => envName(path)));
  for (const name of Object.keys(options.env ?? {})) {
    if (name.startsWith('HIK_ARC_') && !known.has(name)) problems.push(`${name}: not a known setting (typo?)`);
  }
  const properties = store.getProperties();
  problems.push(...crossFieldProblems(properties as Record<string, Record<string, unknown>>));
  const parsed = configShape.safeParse(properties);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const path = issue.path.join('.');
      // convict already named this key (or its parent map): one line per problem is enough.
      if (problems.some((problem) => problem.startsWith(`${path}:`) || path.startsWith(`${problem.split(':')[0]}.`))) continue;
      problems.push(`${path}: ${issue.message}`);
    }
  }
  if (problems.length > 0 || !parsed.success) throw new ConfigError('HIKARC_CONFIG_INVALID', problems);
  return deepFreeze(parsed.data);
}

/** Dotted paths of settings a command cannot run without. */
export type SettingPath = ReturnType<typeof listSettings>[number]['path'];

export function getSetting(config: Config, path: string): unknown {
  let node: unknown = config;
  for (const part of path.split('.')) node = (node as Record<string, unknown> | undefined)?.[part];
  return node;
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
      missing.map((path) => `${path}: required by "hik-arc ${command}" (set it in the config file or ${envName(path)})`),
    );
  }
}

/** The config with every sensitive setting masked and URL credentials removed, for logs and `check-config`. */
export function redactConfig(config: Config): Record<string, unknown> {
  const copy = JSON.parse(JSON.stringify(config, (_key, value: unknown) => (typeof value === 'string' ? redactUrlCredentials(value) : value))) as Record<string, unknown>;
  for (const { path, setting } of listSettings()) {
    if (setting.sensitive === true && getSetting(config, path) !== '') setPath(copy, path, '[redacted]');
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
  const variables = secrets.map((path) => envName(path)).join(' and ');
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

export { SETTINGS };
