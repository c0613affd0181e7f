// Last resort for an alarm document that cannot be repaired (docs/hik-receiver.md §Broken JSON):
// the first value of each alarm field pulled out of the text, so the alarm is not lost. The field
// list is the one of alert-fields.ts.
import { normalizeFullWidth, stripBom } from '../vendor-json/tolerant-json.js';
import { ALERT_FIELDS, CID_FIELDS } from './alert-fields.js';
const SALVAGE_KEYS = [...new Set([...objectKeys(ALERT_FIELDS), ...objectKeys(CID_FIELDS)])];
const TOP_LEVEL_KEYS = objectKeys(ALERT_FIELDS).filter((key) => !(key in CID_FIELDS));
function objectKeys(value) {
    return Object.keys(value);
}
// `"key"` (or `"key` with its closing quote missing) then `:` then a string or a number. A value
// counts only when it is seen to end: a string at its closing quote, a number at the first
// character that cannot continue it. A number at the very end of the text may be the prefix of a
// longer one (`"zoneNo":1` of 12) and is not taken.
const SALVAGE_PATTERNS = new Map(SALVAGE_KEYS.map((key) => [key, new RegExp(`"${key}"?\\s*:\\s*(?:"((?:[^"\\\\\\n]|\\\\.)*)"|(-?\\d+(?:\\.\\d+)?(?:[eE][+-]?\\d+)?)(?=[^0-9.eE+-]))`)]));
// The member the text was cut in: a key, its colon, and a value that runs to the end of the text.
const CUT_AT_END = /"([A-Za-z]+)"?\s*:\s*(?:"(?:[^"\\\n]|\\.)*|-?[0-9.eE+-]*)$/;
const SALVAGE_KEY_SET = new Set(SALVAGE_KEYS);
/**
 * Last resort for a document that cannot be repaired: the first value of each alarm field, placed
 * where the normalizer expects it (CIDAlarm for CID alarms, VideoReview.HikCIDParams otherwise).
 * A field whose value was cut by truncation is missing, never its prefix, and is named in
 * `defects`. Returns undefined when not even an eventType can be found.
 */
export function salvageAlert(input, defects) {
    const text = normalizeFullWidth(stripBom(input));
    const found = new Map();
    for (const [key, pattern] of SALVAGE_PATTERNS) {
        const match = pattern.exec(text);
        if (!match)
            continue;
        found.set(key, match[1] !== undefined ? match[1] : Number(match[2]));
    }
    const eventType = found.get('eventType');
    if (typeof eventType !== 'string' || eventType.trim() === '')
        return undefined;
    const cut = CUT_AT_END.exec(text)?.[1];
    if (cut !== undefined && SALVAGE_KEY_SET.has(cut) && !found.has(cut))
        defects?.push(`${cut}: value cut by truncation; treated as missing`);
    const alert = {};
    for (const key of TOP_LEVEL_KEYS) {
        if (found.has(key))
            alert[key] = found.get(key);
    }
    const cidFields = {};
    const zone = found.get('zoneNo') ?? found.get('ZoneNo');
    if (found.has('CIDCode'))
        cidFields['CIDCode'] = found.get('CIDCode');
    if (found.has('CIDParam'))
        cidFields['CIDParam'] = found.get('CIDParam');
    if (found.has('subSys'))
        cidFields['subSys'] = found.get('subSys');
    if (eventType.trim().toLowerCase() === 'cidalarm') {
        if (zone !== undefined)
            cidFields['zoneNo'] = zone;
        alert['CIDAlarm'] = cidFields;
    }
    else {
        if (zone !== undefined)
            cidFields['ZoneNo'] = zone;
        if (found.has('videoURL'))
            cidFields['videoURL'] = found.get('videoURL');
        alert['VideoReview'] = { HikCIDParams: cidFields };
    }
    return { EventNotificationAlert: alert };
}
