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
import { crossFieldProblems, listSettings, SENSITIVE_PATHS } from './schema.js';
export const EX_CONFIG = 78;
// The convict schema is the declaration itself, with each key's variable name.
function convictSchema() {
    const schema = {};
    for (const { path, env, setting } of listSettings()) {
        const parts = path.split('.');
        let node = schema;
        for (const part of parts.slice(0, -1)) {
            node[part] ??= {};
            node = node[part];
        }
        const format = typeof setting.format === 'string' ? setting.format : [...setting.format];
        node[parts[parts.length - 1]] = { doc: setting.doc, default: setting.default, format, env, sensitive: setting.sensitive };
    }
    return schema;
}
// Keys starting with `//` are documentation (config/example.json explains every setting that way);
// they are removed before validation, at any depth.
function withoutDocKeys(value) {
    if (typeof value !== 'object' || value === null || Array.isArray(value))
        return value;
    const out = {};
    for (const [key, child] of Object.entries(value)) {
        if (!key.startsWith('//'))
            out[key] = withoutDocKeys(child);
    }
    return out;
}
function readConfigFile(file) {
    let text;
    try {
        text = readFileSync(file, 'utf8');
    }
    catch (error) {
        throw new ConfigError('HIKARC_CONFIG_UNREADABLE', [`cannot read config file ${file}: ${errorMessage(error)}`], { cause: error });
    }
    return withoutDocKeys(parseJsonFile(text, `config file ${file}`));
}
/**
 * JSON.parse of a file's text; a syntax error becomes HIKARC_CONFIG_UNREADABLE naming the line and
 * column and what was expected there, never the text (JSON.parse's own message may quote it).
 */
export function parseJsonFile(text, what) {
    const body = text.replace(/^\uFEFF/, '');
    try {
        return JSON.parse(body);
    }
    catch {
        const syntax = findJsonSyntaxError(body);
        const where = syntax === undefined ? 'a syntax error' : `line ${syntax.line}, column ${syntax.column}: expected ${syntax.expected}`;
        // No cause: the SyntaxError's message may quote the text.
        throw new ConfigError('HIKARC_CONFIG_UNREADABLE', [`${what} is not valid JSON: ${where}`]);
    }
}
// convict ends a problem with `: value was "<JSON>"`. Kept when it helps ("tcp://nowhere"), dropped
// when the value may hold a secret: credentials in a URL, or any `@`.
function withoutSecretEcho(problem) {
    const match = /^(.*?): value was (".*"|\S.*)$/s.exec(problem);
    if (match === null)
        return problem;
    const key = problem.slice(0, problem.indexOf(':'));
    const echoed = match[2];
    if (SENSITIVE_PATHS.has(key) || echoed.includes('@'))
        return match[1];
    return problem;
}
function setPath(target, path, value) {
    const parts = path.split('.');
    let node = target;
    for (const part of parts.slice(0, -1)) {
        const next = node[part];
        if (typeof next !== 'object' || next === null || Array.isArray(next))
            node[part] = {};
        node = node[part];
    }
    node[parts[parts.length - 1]] = value;
}
export function deepFreeze(value) {
    if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
        Object.freeze(value);
        for (const child of Object.values(value))
            deepFreeze(child);
    }
    return value;
}
const KNOWN_VARIABLES = new Set(listSettings().map(({ env }) => env));
export function loadConfig(options = {}) {
    const env = options.env ?? {};
    const store = convict(convictSchema(), { env: env, args: [] });
    if (options.file !== undefined) {
        const fileValues = readConfigFile(options.file);
        if (typeof fileValues !== 'object' || fileValues === null || Array.isArray(fileValues)) {
            throw new ConfigError('HIKARC_CONFIG_UNREADABLE', [`config file ${options.file} must hold a JSON object`]);
        }
        // convict lays the environment over the file again after each load.
        store.load(fileValues);
    }
    // Command-line values win over the environment; set() does not re-read it.
    for (const [path, value] of Object.entries(options.overrides ?? {}))
        store.set(path, value);
    const problems = [];
    try {
        store.validate({ allowed: 'strict' });
    }
    catch (error) {
        for (const line of errorMessage(error).split('\n')) {
            if (line.trim() !== '')
                problems.push(withoutSecretEcho(line.replace(/^configuration param '([^']+)' /, '$1: ')));
        }
    }
    // convict ignores a variable it does not declare; a mistyped one would silently do nothing.
    for (const name of Object.keys(env)) {
        if (name.startsWith('HIK_ARC_') && !KNOWN_VARIABLES.has(name))
            problems.push(`${name}: not a known setting (typo?)`);
    }
    const properties = store.getProperties();
    problems.push(...crossFieldProblems(properties));
    if (problems.length > 0)
        throw new ConfigError('HIKARC_CONFIG_INVALID', problems);
    for (const { path, setting } of listSettings()) {
        if (setting.canonical !== undefined)
            setPath(properties, path, setting.canonical(getSetting(properties, path)));
    }
    return deepFreeze(properties);
}
export function getSetting(config, path) {
    let node = config;
    for (const part of path.split('.'))
        node = node?.[part];
    return node;
}
function variableOf(path) {
    return listSettings().find((listed) => listed.path === path)?.env ?? path;
}
/** The problem line of a setting `hik-arc COMMAND` needs and does not have. */
export function missingProblem(path, command) {
    return `${path}: required by "hik-arc ${command}" (set it in the config file or ${variableOf(path)})`;
}
/** Throws one ConfigError naming every required setting that is empty. */
export function requireSettings(config, paths, command) {
    const missing = paths.filter((path) => {
        const value = getSetting(config, path);
        return value === '' || value === undefined;
    });
    if (missing.length > 0) {
        throw new ConfigError('HIKARC_CONFIG_MISSING', missing.map((path) => missingProblem(path, command)));
    }
}
/** The config with every sensitive setting masked and URL credentials removed, for logs and `check-config`. */
export function redactConfig(config) {
    const copy = JSON.parse(JSON.stringify(config, (_key, value) => (typeof value === 'string' ? redactUrlCredentials(value) : value)));
    for (const path of SENSITIVE_PATHS) {
        if (getSetting(config, path) !== '')
            setPath(copy, path, '[redacted]');
    }
    return copy;
}
/**
 * Warnings about a config file that loaded: one when it holds secrets (receiver.password,
 * arc.key) and its group or everyone may read it. Environment variables are not the file's
 * concern. Never throws; a file that cannot be inspected gives no warning.
 */
export function configFileWarnings(file) {
    if (process.platform === 'win32')
        return [];
    let mode;
    let values;
    try {
        mode = statSync(file).mode & 0o7777;
        values = withoutDocKeys(JSON.parse(readFileSync(file, 'utf8').replace(/^\uFEFF/, '')));
    }
    catch {
        return [];
    }
    if ((mode & 0o077) === 0 || typeof values !== 'object' || values === null)
        return [];
    const secrets = [...SENSITIVE_PATHS].filter((path) => {
        let node = values;
        for (const part of path.split('.'))
            node = node?.[part];
        return typeof node === 'string' && node !== '';
    });
    if (secrets.length === 0)
        return [];
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
