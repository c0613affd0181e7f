// Loads the configuration once at start: defaults, then the file, then `HIK_ARC_*` environment
// overrides; validates everything (every problem is reported, not just the first) and returns a
// deep-frozen object. Nothing reads process.env after this.

import { readFileSync } from 'node:fs';
import convict from 'convict';
import { ConfigError, errorMessage } from '../errors.js';
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
  try {
    return withoutDocKeys(JSON.parse(text.replace(/^\uFEFF/, '')) as unknown);
  } catch (error) {
    throw new ConfigError('HIKARC_CONFIG_UNREADABLE', [`config file ${file} is not valid JSON: ${errorMessage(error)}`], { cause: error });
  }
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
      if (line.trim() !== '') problems.push(line.replace(/^configuration param '([^']+)' /, '$1: '));
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

/** The config with every sensitive setting masked, for logs and `check-config`. */
export function redactConfig(config: Config): Record<string, unknown> {
  const copy = JSON.parse(JSON.stringify(config)) as Record<string, unknown>;
  for (const { path, setting } of listSettings()) {
    if (setting.sensitive === true && getSetting(config, path) !== '') setPath(copy, path, '[redacted]');
  }
  return copy;
}

export { SETTINGS };
