// The DC-09 message for one translated alarm, and the NULL link test: which token and payload the
// configured format uses, the R/L/account header, and the `[V<link>]` verification block.
import { SUPERVISION_SEQUENCE } from '../outbox/sequence.js';
/** The DC-09 payload formats: Contact ID (`ADM-CID`) or SIA DC-03 (`SIA-DCS`). */
export const ARC_FORMATS = ['adm-cid', 'sia-dcs'];
/**
 * The template with its timestamp, built field by field in one order: every message then has the
 * same shape and encodeFrame stays monomorphic (a spread copy costs it about 2 µs per frame).
 */
export function stampMessage(template, timestamp) {
    return {
        token: template.token,
        sequence: template.sequence,
        receiver: template.receiver,
        line: template.line,
        account: template.account,
        accountMark: template.accountMark,
        data: template.data,
        extended: template.extended,
        timestamp,
    };
}
// Reference §2.3: V carries the verification link, at most 256 characters (pysiaalarm's table).
export const MAX_VIDEO_LINK_BYTES = 256;
// A bracket or pipe would end the block or the data early; control bytes would break the frame.
const VIDEO_LINK_FORBIDDEN = /[[\]|\x00-\x1f\x7f-\uffff]/;
export function videoLinkBlock(videoUrl) {
    if (videoUrl === null || videoUrl === '')
        return { kind: 'none' };
    if (VIDEO_LINK_FORBIDDEN.test(videoUrl))
        return { kind: 'omitted', reason: 'the link holds [, ], |, a control byte or a non-ASCII character' };
    if (videoUrl.length > MAX_VIDEO_LINK_BYTES) {
        return { kind: 'included', block: { id: 'V', value: videoUrl.slice(0, MAX_VIDEO_LINK_BYTES) }, truncatedFrom: videoUrl.length };
    }
    return { kind: 'included', block: { id: 'V', value: videoUrl }, truncatedFrom: null };
}
const FORMAT_TOKEN = { 'adm-cid': 'ADM-CID', 'sia-dcs': 'SIA-DCS' };
export function eventTemplate(alarm, settings, sequence, video) {
    return {
        token: FORMAT_TOKEN[settings.format],
        sequence,
        receiver: settings.receiverNumber,
        line: settings.linePrefix,
        account: alarm.account,
        accountMark: '#',
        data: settings.format === 'adm-cid' ? alarm.admCid : alarm.siaDcs,
        extended: video.kind === 'included' ? [video.block] : [],
    };
}
/** `"NULL"0000R<r>L<l>#<acct>[]`, docs/dc09.md §Link supervision; vector V5 of §Test vectors. */
export function supervisionTemplate(account, settings) {
    return {
        token: 'NULL',
        sequence: SUPERVISION_SEQUENCE,
        receiver: settings.receiverNumber,
        line: settings.linePrefix,
        account,
        accountMark: '#',
        data: '',
        extended: [],
    };
}
