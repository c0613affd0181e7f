// What an operator can ask of a panel, as data: the commands of guide chapter 6, the roles that
// may ask for them, and the checks of their arguments. Pure: the command line and the control API
// both build their commands here, so both refuse the same bad input with the same words.
import { HikArcError } from '../errors.js';
export const ROLES = ['read', 'arm', 'disarm', 'bypass', 'relay'];
export const ARM_MODES = ['away', 'stay'];
// Guide A.37: off reports every alarm, lidOnly drops tamper alarms, entirely drops every alarm.
export const DEACTIVATION_MODES = ['off', 'lidOnly', 'entirely'];
// Clearing an alarm silences the site and ends the alarm condition: as sensitive as a disarm.
export const ROLE_OF_ACTION = {
    arm: 'arm',
    disarm: 'disarm',
    'clear-alarm': 'disarm',
    bypass: 'bypass',
    'bypass-restore': 'bypass',
    deactivate: 'bypass',
    relay: 'relay',
};
// Partitions count from 1 (guide 7.5, 7.9, 7.10); Contact ID carries two digits of them. Zones
// and relays count from 0 (A.36-A.38).
export const MAX_PARTITION = 99;
export const MAX_ELEMENT_ID = 999;
/** Zones or relays in one batch call. */
export const MAX_BATCH = 64;
export const MAX_OPERATOR_CHARS = 64;
export const MAX_REASON_CHARS = 500;
function invalid(message) {
    return new HikArcError('HIKARC_CONTROL_INVALID_REQUEST', message);
}
const INTEGER = /^\d{1,6}$/;
export function parsePartition(text) {
    const value = text.trim().toLowerCase();
    if (value === 'all')
        return 'all';
    if (!INTEGER.test(value) || Number(value) < 1 || Number(value) > MAX_PARTITION) {
        throw invalid(`partition must be a number from 1 to ${MAX_PARTITION} or "all", not "${text}"`);
    }
    return Number(value);
}
/** `3,5` → [3, 5]: zone or relay ids, each once. */
export function parseIdList(text, what) {
    const parts = text.split(',').map((part) => part.trim());
    if (parts.length === 0 || parts.some((part) => !INTEGER.test(part))) {
        throw invalid(`${what} must be a comma-separated list of numbers from 0, not "${text}"`);
    }
    return checkIdList(parts.map(Number), what);
}
export function checkIdList(ids, what) {
    if (ids.length === 0)
        throw invalid(`give at least one of the ${what}`);
    if (ids.length > MAX_BATCH)
        throw invalid(`at most ${MAX_BATCH} ${what} in one command`);
    for (const id of ids) {
        if (!Number.isInteger(id) || id < 0 || id > MAX_ELEMENT_ID)
            throw invalid(`${what} are numbered 0 to ${MAX_ELEMENT_ID}; ${String(id)} is not`);
    }
    if (new Set(ids).size !== ids.length)
        throw invalid(`${what} lists an id twice`);
    return [...ids];
}
export function checkPartition(partition) {
    if (partition === 'all')
        return partition;
    if (!Number.isInteger(partition) || partition < 1 || partition > MAX_PARTITION)
        throw invalid(`partition must be 1 to ${MAX_PARTITION} or "all"`);
    return partition;
}
export function oneOf(values, text, what) {
    if (text !== undefined && values.includes(text))
        return text;
    throw invalid(`${what} must be ${values.join(' or ')}${text === undefined ? '' : `, not "${text}"`}`);
}
// Free text that ends up in the audit trail and in logs: printable, bounded.
function checkText(value, what, max) {
    const text = value?.trim() ?? '';
    if (text === '')
        throw invalid(`${what} is required for a state change`);
    if (text.length > max)
        throw invalid(`${what} is longer than ${max} characters`);
    if (/[\u0000-\u001f\u007f]/.test(text))
        throw invalid(`${what} must not contain control characters`);
    return text;
}
export function checkActor(operator, reason, origin) {
    return {
        operator: checkText(operator, 'operator', MAX_OPERATOR_CHARS),
        reason: checkText(reason, 'reason', MAX_REASON_CHARS),
        via: origin.via,
        tokenName: origin.via === 'api' ? origin.tokenName : null,
        login: origin.via === 'cli' ? origin.login : null,
    };
}
/** A short text for logs and the command line: "arm away partition 1", "bypass zones 3,5". */
export function describeCommand(command) {
    switch (command.action) {
        case 'arm':
            return `arm ${command.mode} partition ${String(command.partition)}`;
        case 'disarm':
        case 'clear-alarm':
            return `${command.action} partition ${String(command.partition)}`;
        case 'bypass':
        case 'bypass-restore':
            return `${command.action} zones ${command.zones.join(',')}`;
        case 'deactivate':
            return `deactivate zones ${command.zones.join(',')} ${command.mode}${command.permanent ? ' permanently' : ' until disarmed'}`;
        case 'relay':
            return `relays ${command.relays.join(',')} ${command.on ? 'on' : 'off'}`;
    }
}
