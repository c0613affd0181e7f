// Reads a parsed vendor document into a normalized VendorEvent, in one pass over the field table of
// alert-fields.ts. Field by field it is lenient in the ways devices need (numbers sent as strings,
// `" abnormal"`, `dataTime` for `dateTime`, a document without its EventNotificationAlert wrapper)
// and strict where a wrong value would send a wrong alarm: a number comes from a string only when
// the string is a plain integer (a general coercion would turn `""` into zone 0). A field that cannot
// be read is dropped and named in the event's defects; it never costs the whole alarm.
import { HikArcError } from '../errors.js';
import { ALERT_FIELDS, CAPTURE_LIST, CID_FIELDS, VIDEO_INFO_LIST } from './alert-fields.js';
import { isPlainObject, parseTolerantJson } from '../vendor-json/tolerant-json.js';
import { salvageAlert } from './alert-salvage.js';
const INTEGER_TEXT = /^\s*[-+]?\d{1,10}\s*$/;
// The documented conversions: a plain integer string becomes a number, text is trimmed, an empty
// string is no value, a number where text belongs is its decimal text.
function asInteger(value) {
    if (value === undefined || value === null || typeof value === 'number')
        return value ?? null;
    return typeof value === 'string' && INTEGER_TEXT.test(value) ? Number(value) : value;
}
function asText(value) {
    if (value === undefined || value === null)
        return null;
    if (typeof value === 'string') {
        const trimmed = value.trim();
        return trimmed === '' ? null : trimmed;
    }
    return typeof value === 'number' ? String(value) : value;
}
function describe(value) {
    if (Array.isArray(value))
        return 'a list';
    if (typeof value === 'string')
        return `"${value.length > 20 ? `${value.slice(0, 20)}…` : value}"`;
    return typeof value === 'object' ? 'an object' : String(value);
}
/**
 * The fields of `source` that `fields` lists, converted; one that does not convert to its kind is
 * null and named in `defects` (`CIDAlarm.zoneNo: "1a" is not an integer; ignored`).
 */
function readFields(source, fields, place, defects) {
    const values = {};
    for (const key in fields) {
        const raw = source[key];
        if (fields[key] === 'text') {
            const text = asText(raw);
            if (text === null || typeof text === 'string')
                values[key] = text;
            else {
                defects.push(`${place}${key}: ${describe(raw)} is not text; ignored`);
                values[key] = null;
            }
        }
        else {
            const number = asInteger(raw);
            if (number === null || Number.isSafeInteger(number))
                values[key] = number;
            else {
                defects.push(`${place}${key}: ${describe(raw)} is not an integer; ignored`);
                values[key] = null;
            }
        }
    }
    return values;
}
// Plain decimal integer (optional sign, surrounding spaces), else undefined. Hand-written: this
// runs for every field of every CID alarm.
function parseIntegerField(text, from, to) {
    let i = from;
    let end = to;
    while (i < end && text.charCodeAt(i) === 0x20)
        i++;
    while (end > i && text.charCodeAt(end - 1) === 0x20)
        end--;
    let negative = false;
    if (i < end && (text.charCodeAt(i) === 0x2d || text.charCodeAt(i) === 0x2b)) {
        negative = text.charCodeAt(i) === 0x2d;
        i++;
    }
    if (i === end || end - i > 10)
        return undefined;
    let value = 0;
    for (; i < end; i++) {
        const digit = text.charCodeAt(i) - 0x30;
        if (digit < 0 || digit > 9)
            return undefined;
        value = value * 10 + digit;
    }
    return negative ? -value : value;
}
const CID_PARAM_NUMBERS = 7;
function parseCidParam(raw, defects) {
    if (raw === null || raw === undefined)
        return null;
    const numbers = [];
    let start = 0;
    for (let field = 0; field < CID_PARAM_NUMBERS; field++) {
        const found = raw.indexOf(',', start);
        // The user name may be missing altogether after the seventh number.
        const comma = found < 0 && field === CID_PARAM_NUMBERS - 1 ? raw.length : found;
        if (comma < 0) {
            defects.push(`CIDParam: expected 8 comma-separated fields, found ${field + 1}`);
            return null;
        }
        const value = parseIntegerField(raw, start, comma);
        if (value === undefined) {
            defects.push(`CIDParam: field ${field + 1} "${raw.slice(start, comma).trim()}" is not an integer`);
            numbers.push(null);
        }
        else
            numbers.push(value === -1 ? null : value);
        start = comma + 1;
    }
    const userName = start > raw.length ? '' : raw.slice(start).trim();
    return {
        userType: numbers[0] ?? null,
        userNo: numbers[1] ?? null,
        zoneNo: numbers[2] ?? null,
        keyboardNo: numbers[3] ?? null,
        videoChanNo: numbers[4] ?? null,
        dskNo: numbers[5] ?? null,
        moduleAddr: numbers[6] ?? null,
        userName: userName === '' || userName.toUpperCase() === 'NONE' ? null : userName,
    };
}
// A video link that is only a placeholder (`...`, `…`) is no link for an operator.
function link(raw) {
    if (raw === null || raw === undefined)
        return null;
    return /^[.\u2026\s]*$/.test(raw) ? null : raw;
}
const NO_MEDIA = Object.freeze([]);
function listedUrls(list, kind, urlKey, into) {
    if (!Array.isArray(list))
        return;
    for (const entry of list) {
        if (!isPlainObject(entry))
            continue;
        // CaptureList entries say how the resource comes; only `url` ones are URLs.
        const type = entry['resourcesContentType'];
        if (kind === 'picture' && typeof type === 'string' && type.trim().toLowerCase() !== 'url')
            continue;
        const text = asText(entry[urlKey]);
        const url = typeof text === 'string' ? link(text) : null;
        if (url !== null)
            into.push({ kind, url });
    }
}
// Most alerts carry none of these: no list is built for them.
function mediaUrlsOf(alert, hikCid, visibleLight, thermal, picture) {
    const captures = alert[CAPTURE_LIST];
    const videoInfo = hikCid !== undefined && isPlainObject(hikCid) ? hikCid[VIDEO_INFO_LIST] : undefined;
    if (captures === undefined && videoInfo === undefined && visibleLight === null && thermal === null && picture === null)
        return NO_MEDIA;
    const urls = [];
    listedUrls(videoInfo, 'video', 'videoURL', urls);
    for (const url of [visibleLight, thermal, picture])
        if (url !== null)
            urls.push({ kind: 'picture', url });
    listedUrls(captures, 'picture', 'resourcesContent', urls);
    return urls.length === 0 ? NO_MEDIA : urls;
}
function readCid(value, place, defects) {
    if (value === undefined || value === null)
        return null;
    if (!isPlainObject(value)) {
        defects.push(`${place}: ${describe(value)} is not an object; ignored`);
        return null;
    }
    const fields = readFields(value, CID_FIELDS, `${place}.`, defects);
    return { cidCode: fields.CIDCode, subSys: fields.subSys, zoneNo: fields.zoneNo ?? fields.ZoneNo, cidParam: parseCidParam(fields.CIDParam, defects), videoUrl: link(fields.videoURL) };
}
/** The event of one alert object; every field that cannot be read is named in `defects`. */
export function readAlert(alert, repair, defects) {
    const fields = readFields(alert, ALERT_FIELDS, '', defects);
    const cidAlarm = readCid(alert['CIDAlarm'], 'CIDAlarm', defects);
    const review = alert['VideoReview'];
    let hikCidValue;
    let hikCid = null;
    if (isPlainObject(review)) {
        hikCidValue = review['HikCIDParams'];
        hikCid = readCid(hikCidValue, 'VideoReview.HikCIDParams', defects);
    }
    else if (review !== undefined && review !== null) {
        defects.push(`VideoReview: ${describe(review)} is not an object; ignored`);
    }
    if (fields.eventType === null)
        defects.push('eventType missing');
    return {
        eventType: fields.eventType ?? '',
        eventState: fields.eventState?.toLowerCase() ?? null,
        dateTime: fields.dateTime ?? fields.dataTime,
        activePostCount: fields.activePostCount,
        devIndex: fields.devIndex,
        deviceId: fields.deviceID,
        deviceSerial: fields.deviceSerial,
        channelId: fields.channelID,
        status: fields.status?.toLowerCase() ?? null,
        subSys: fields.subSys,
        zoneNo: fields.ZoneNo ?? fields.zoneNo,
        inputIoPortId: fields.inputIOPortID,
        videoUrl: link(fields.videoURL),
        mediaUrls: mediaUrlsOf(alert, hikCidValue, link(fields.visibleLightURL), link(fields.thermalURL), link(fields.pictureURL)),
        cidAlarm,
        hikCid,
        repair,
        defects,
    };
}
/** Normalizes an already-parsed document. */
export function normalizeDocument(value, repair, parseDefects = []) {
    const defects = [...parseDefects];
    let alert;
    const wrapped = value['EventNotificationAlert'];
    if (isPlainObject(wrapped))
        alert = wrapped;
    else if ('eventType' in value) {
        defects.push('no EventNotificationAlert wrapper');
        alert = value;
    }
    else if (isPlainObject(value['SubscribeDeviceMgmtRsp'])) {
        return { kind: 'control', name: 'SubscribeDeviceMgmtRsp', value };
    }
    else if (isPlainObject(value['ResponseStatus']) || ('statusCode' in value && 'statusString' in value)) {
        return { kind: 'control', name: 'ResponseStatus', value };
    }
    else {
        const keys = Object.keys(value).slice(0, 5).join(', ');
        return {
            kind: 'error',
            error: new HikArcError('HIKARC_EVENT_NOT_AN_ALERT', `the document is not an EventNotificationAlert (top-level keys: ${keys || 'none'})`),
        };
    }
    return { kind: 'event', event: readAlert(alert, repair, defects) };
}
/** Text of one part or line → event, control document or error; never throws. */
export function decodeEventDocument(input) {
    const parsed = parseTolerantJson(input);
    if (parsed.ok)
        return normalizeDocument(parsed.value, parsed.repair, parsed.defects);
    if (parsed.error.code === 'HIKARC_EVENT_NOT_AN_ALERT')
        return { kind: 'error', error: parsed.error };
    const defects = [`salvaged after: ${parsed.error.message}`];
    const salvaged = salvageAlert(input, defects);
    if (salvaged === undefined)
        return { kind: 'error', error: parsed.error };
    return normalizeDocument(salvaged, 'salvaged', defects);
}
