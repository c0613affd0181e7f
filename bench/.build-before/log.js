// The root pino logger. Services log JSON to stdout for journald; commands whose stdout is their
// result (translate, tables, send, receiver) log to stderr. Secrets are redacted wherever they could
// appear: the config object, request headers, error details, and the user:password@ of any URL in a
// log field.
import { pino } from 'pino';
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];
export const REDACT_PATHS = [
    'password',
    'key',
    'authorization',
    'secret',
    '*.password',
    '*.key',
    '*.authorization',
    '*.secret',
    '*.*.password',
    '*.*.key',
    '*.*.authorization',
    '*.*.secret',
    'headers["authorization"]',
    '*.headers["authorization"]',
];
export const REDACTED = '[redacted]';
// scheme://, then the authority up to its last `@` (a password may hold one): the userinfo.
const URL_USERINFO = /([a-z][a-z0-9+.-]*:\/\/)[^\s/?#]*@/gi;
/** The text with the `user:password@` of every URL in it replaced by `[redacted]@`. */
export function redactUrlCredentials(text) {
    if (!text.includes('@') || !text.includes('://'))
        return text;
    return text.replace(URL_USERINFO, `$1${REDACTED}@`);
}
function redactField(value) {
    return typeof value === 'string' ? redactUrlCredentials(value) : value;
}
/** Log fields, and the fields of objects among them, with URL credentials redacted. */
function redactUrlFields(fields) {
    let out;
    for (const [key, value] of Object.entries(fields)) {
        let redacted = value;
        if (typeof value === 'string')
            redacted = redactUrlCredentials(value);
        else if (typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Error)) {
            const inner = value;
            for (const [innerKey, innerValue] of Object.entries(inner)) {
                const clean = redactField(innerValue);
                if (clean !== innerValue) {
                    redacted = { ...redacted, [innerKey]: clean };
                }
            }
        }
        if (redacted !== value) {
            out ??= { ...fields };
            out[key] = redacted;
        }
    }
    return out ?? fields;
}
export function createLogger(options) {
    const stream = typeof options.destination === 'string'
        ? pino.destination({ dest: options.destination === 'stdout' ? 1 : 2, sync: true })
        : options.destination;
    return pino({
        level: options.level,
        base: { service: 'hik-arc', ...options.base },
        redact: { paths: [...REDACT_PATHS], censor: REDACTED },
        timestamp: pino.stdTimeFunctions.isoTime,
        formatters: { level: (label) => ({ level: label }), log: redactUrlFields },
    }, stream);
}
export const silentLogger = pino({ level: 'silent' });
