// The DC-09 timestamp `_HH:MM:SS,MM-DD-YYYY`: always UTC ("transmitted with a reference of GMT"),
// month before day, 20 bytes with the underscore (docs/dc09.md §Timestamps). UTC getters only: local time and
// the 0-based month are the two classic receiver bugs (docs/dc09.md §Bytes on the wire).
import { BYTE, readDecimal, writeDecimal } from './ascii.js';
export const DC09_TIMESTAMP_LENGTH = 20;
const MAX_YEAR = 9999;
// Every frame of one second carries the same 20 bytes: format them once per second.
const cache = { second: Number.NaN, bytes: Buffer.alloc(DC09_TIMESTAMP_LENGTH) };
/** Writes the 20-byte timestamp of `ms` (epoch milliseconds, truncated to the second) at `offset`. */
export function writeDc09Timestamp(target, offset, ms) {
    const second = Math.floor(ms / 1000);
    if (second !== cache.second) {
        formatInto(cache.bytes, 0, ms);
        cache.second = second;
    }
    target.set(cache.bytes, offset);
}
function formatInto(target, offset, ms) {
    const date = new Date(ms);
    const year = date.getUTCFullYear();
    if (!Number.isFinite(ms) || year < 0 || year > MAX_YEAR)
        throw new RangeError(`time ${ms} has no 4-digit DC-09 timestamp`);
    target[offset] = BYTE.UNDERSCORE;
    writeDecimal(target, offset + 1, date.getUTCHours(), 2);
    target[offset + 3] = BYTE.COLON;
    writeDecimal(target, offset + 4, date.getUTCMinutes(), 2);
    target[offset + 6] = BYTE.COLON;
    writeDecimal(target, offset + 7, date.getUTCSeconds(), 2);
    target[offset + 9] = BYTE.COMMA;
    writeDecimal(target, offset + 10, date.getUTCMonth() + 1, 2);
    target[offset + 12] = BYTE.DASH;
    writeDecimal(target, offset + 13, date.getUTCDate(), 2);
    target[offset + 15] = BYTE.DASH;
    writeDecimal(target, offset + 16, year, 4);
}
export function formatDc09Timestamp(ms) {
    const buffer = Buffer.allocUnsafe(DC09_TIMESTAMP_LENGTH);
    writeDc09Timestamp(buffer, 0, ms);
    return buffer.toString('latin1');
}
/**
 * Epoch milliseconds of the timestamp starting (with its underscore) at `offset`, or undefined when
 * the bytes are not one or name no real time (month 13, 31 April, 25 o'clock).
 */
export function readDc09Timestamp(bytes, offset) {
    if (offset + DC09_TIMESTAMP_LENGTH > bytes.length)
        return undefined;
    if (bytes[offset] !== BYTE.UNDERSCORE ||
        bytes[offset + 3] !== BYTE.COLON ||
        bytes[offset + 6] !== BYTE.COLON ||
        bytes[offset + 9] !== BYTE.COMMA ||
        bytes[offset + 12] !== BYTE.DASH ||
        bytes[offset + 15] !== BYTE.DASH) {
        return undefined;
    }
    const hours = readDecimal(bytes, offset + 1, 2);
    const minutes = readDecimal(bytes, offset + 4, 2);
    const seconds = readDecimal(bytes, offset + 7, 2);
    const month = readDecimal(bytes, offset + 10, 2);
    const day = readDecimal(bytes, offset + 13, 2);
    const year = readDecimal(bytes, offset + 16, 4);
    if (hours < 0 || minutes < 0 || seconds < 0 || month < 0 || day < 0 || year < 0)
        return undefined;
    if (hours > 23 || minutes > 59 || seconds > 59 || month < 1 || month > 12 || day < 1)
        return undefined;
    const ms = Date.UTC(year, month - 1, day, hours, minutes, seconds);
    // Date.UTC rolls 31 April over to 1 May; a real date survives the round trip.
    const date = new Date(ms);
    if (date.getUTCDate() !== day || date.getUTCMonth() !== month - 1 || date.getUTCFullYear() !== year)
        return undefined;
    return ms;
}
