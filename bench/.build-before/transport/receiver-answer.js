// What the built-in commissioning receiver answers to each received item, as a pure function: the
// validation order an ARC applies (docs/dc09.md §Test receiver, §Answers), plus fault injection for
// tests. The socket server in dc09-receiver.ts only moves the bytes.
import { encodeFrame, openFrame } from './dc09-frame.js';
export const NO_FAULT = { kind: 'none' };
export const FAULT_NAMES = ['none', 'nak', 'duh', 'silent', 'close', 'delay=MS', 'nak-at=ISO-TIME', 'bare-nak', 'bare-duh', 'early-ack', 'wrong-seq', 'wrong-account', 'garbage', 'hangup'];
const SIMPLE_FAULTS = new Set(['none', 'nak', 'duh', 'silent', 'close', 'bare-nak', 'bare-duh', 'early-ack', 'wrong-seq', 'wrong-account', 'garbage', 'hangup']);
/**
 * `KIND[=ARG][@ACCOUNT,ACCOUNT...]`: one of FAULT_NAMES, optionally for some accounts only, e.g.
 * `silent@1234,5678`, `delay=100`, `nak-at=2016-01-01T00:00:00Z`; undefined for anything else.
 */
export function parseFault(text) {
    const at = text.indexOf('@');
    const spec = at < 0 ? text : text.slice(0, at);
    let accounts;
    if (at >= 0) {
        const list = text.slice(at + 1).split(',');
        if (list.some((account) => !/^[0-9A-Fa-f]{3,16}$/.test(account)))
            return undefined;
        accounts = new Set(list.map((account) => account.toUpperCase()));
    }
    const withAccounts = (fault) => (accounts === undefined ? fault : { ...fault, accounts });
    if (SIMPLE_FAULTS.has(spec))
        return withAccounts({ kind: spec });
    const delay = /^delay=(\d{1,7})$/.exec(spec);
    if (delay)
        return withAccounts({ kind: 'delay', ms: Number(delay[1]) });
    const nakAt = /^nak-at=(.+)$/.exec(spec);
    if (nakAt) {
        const time = Date.parse(nakAt[1]);
        return Number.isFinite(time) ? withAccounts({ kind: 'nak-at', time }) : undefined;
    }
    return undefined;
}
/** The first fault that applies to a frame of `account` (null for items that are no frame). */
export function faultFor(faults, account) {
    const upper = account?.toUpperCase() ?? null;
    for (const fault of faults) {
        if (fault.accounts === undefined)
            return fault;
        if (upper !== null && fault.accounts.has(upper))
            return fault;
    }
    return NO_FAULT;
}
// Reference §4.3: −40 s / +20 s, pysiaalarm's default and the common reading of DC-09 §5.5.1.8.
export const DEFAULT_TIMESTAMP_WINDOW = { pastMs: 40_000, futureMs: 20_000 };
/** `"ACK"` echoing seq, R, L and account; `"*ACK"` with timestamp and pad when the request was encrypted. */
export function ackFor(header, key, nowMs, pad) {
    return encodeFrame({ token: 'ACK', sequence: header.sequence, receiver: header.receiver, line: header.line, account: header.account, accountMark: '#', data: '', extended: [], timestamp: key === null ? null : nowMs }, { key, pad });
}
/** `"NAK"0000R0L0A0[]_<receiver time>`, never encrypted (docs/dc09.md §Answers). */
export function nakAt(nowMs) {
    return encodeFrame({ token: 'NAK', sequence: 0, receiver: '0', line: '0', account: '0', accountMark: 'A', data: '', extended: [], timestamp: nowMs });
}
/** `"DUH"` echoing seq, R, L and account, unencrypted. */
export function duhFor(header) {
    return encodeFrame({ token: 'DUH', sequence: header.sequence, receiver: header.receiver, line: header.line, account: header.account, accountMark: '#', data: '', extended: [], timestamp: null });
}
const EVENT_TOKENS = new Set(['SIA-DCS', 'ADM-CID', 'NULL']);
// Reference §2.1: `#acct|QEEE GG CCC`, exactly 11 characters after the pipe.
const ADM_CID_DATA = /^(?:#[0-9A-Fa-f]{3,16})?\|[136]\d{3} \d{2} \d{3}$/;
// Reference §2.2: `#acct|N...` (new event) or an A text block.
const SIA_DCS_DATA = /^(?:#[0-9A-Fa-f]{3,16})?\|[NA]/;
function problem(response, code, message) {
    return { response, error: { code, message } };
}
function emptyRecord(transport) {
    return { transport, token: null, encrypted: false, seq: null, receiver: null, line: null, account: null, data: null, extended: [], timestamp: null, response: null, error: null };
}
function iso(ms) {
    return ms === null ? null : new Date(ms).toISOString();
}
/** The standard answer to one item, before any fault is applied. */
function judge(item, policy, nowMs, transport) {
    if (item.kind === 'error') {
        // DC-09-2007 Annex C: a frame with a bad CRC gets no answer at all; nor do bytes that are no frame.
        return { record: emptyRecord(transport), judgement: problem(null, item.error.code, item.error.message), header: null };
    }
    if (item.kind === 'bare') {
        return { record: { ...emptyRecord(transport), token: item.token }, judgement: problem(null, 'HIKARC_DC09_FRAMING', `a bare "${item.token}" without LF, CRC, length or CR`), header: null };
    }
    const frame = item.frame;
    let record = {
        ...emptyRecord(transport),
        token: frame.token,
        encrypted: frame.encrypted,
        seq: String(frame.sequence).padStart(4, '0'),
        receiver: frame.receiver,
        line: frame.line,
        account: frame.account,
    };
    const header = frame;
    // An answer token sent to a receiver gets no answer: two receivers must not answer each other forever.
    if (!EVENT_TOKENS.has(frame.token))
        return { record, judgement: problem(null, 'HIKARC_DC09_UNSUPPORTED_MESSAGE', `a receiver does not take ${frame.token} frames`), header: null };
    if (policy.accounts !== null && !policy.accounts.has(frame.account.toUpperCase())) {
        return { record, judgement: problem('NAK', 'HIKARC_DC09_UNKNOWN_ACCOUNT', `account ${frame.account} is not configured`), header };
    }
    if (policy.key !== null && !frame.encrypted) {
        // ioBroker.sia refuses clear frames for an account with a key (docs/dc09.md §Receivers seen in the field).
        return { record, judgement: problem('NAK', 'HIKARC_DC09_KEY_MISMATCH', 'a clear frame where encryption is configured'), header };
    }
    const opened = openFrame(frame, policy.key);
    if (!opened.ok)
        return { record, judgement: problem('NAK', opened.error.code, opened.error.message), header };
    const content = opened.value;
    record = { ...record, data: content.data, extended: content.extended, timestamp: iso(content.timestamp) };
    if (policy.window !== null && content.timestamp !== null) {
        const age = nowMs - content.timestamp;
        if (age > policy.window.pastMs || -age > policy.window.futureMs) {
            return { record, judgement: problem('NAK', 'HIKARC_DC09_TIMESTAMP_WINDOW', `timestamp is ${Math.round(age / 1000)} s old; the window is -${policy.window.pastMs / 1000}/+${policy.window.futureMs / 1000} s`), header };
        }
    }
    const payload = frame.token === 'ADM-CID' ? ADM_CID_DATA : frame.token === 'SIA-DCS' ? SIA_DCS_DATA : null;
    if (payload !== null && !payload.test(content.data)) {
        return { record, judgement: problem('DUH', 'HIKARC_DC09_UNSUPPORTED_MESSAGE', `the ${frame.token} data "${content.data}" is not in the expected form`), header };
    }
    return { record, judgement: { response: 'ACK', error: null }, header };
}
const GARBAGE = Buffer.from('\nthis is no DC-09 frame\r', 'latin1');
const BARE = { nak: Buffer.from('"NAK"', 'latin1'), duh: Buffer.from('"DUH"', 'latin1') };
/** The answer to one received item under `policy`, with the first fault that applies to it. */
export function answerItem(item, policy, faults, nowMs, transport, pad) {
    const { record, judgement, header } = judge(item, policy, nowMs, transport);
    const fault = faultFor(Array.isArray(faults) ? faults : [faults], header?.account ?? record.account);
    let response = judgement.response;
    let close = false;
    let delayMs = 0;
    let nakTime = nowMs;
    let extra = null;
    const encryptedAck = item.kind === 'frame' && item.frame.encrypted ? policy.key : null;
    switch (fault.kind) {
        case 'nak':
            response = 'NAK';
            break;
        case 'nak-at':
            response = 'NAK';
            nakTime = fault.time;
            break;
        case 'duh':
            response = header === null ? null : 'DUH';
            break;
        case 'silent':
            response = null;
            break;
        case 'close':
            response = null;
            close = true;
            break;
        case 'delay':
            delayMs = fault.ms;
            break;
        case 'bare-nak':
        case 'bare-duh':
        case 'garbage':
        case 'wrong-seq':
        case 'wrong-account':
            if (header === null)
                break;
            return {
                record: { ...record, response: null, error: judgement.error },
                response: bogusAnswer(fault.kind, header, encryptedAck, nowMs, pad),
                close: false,
                delayMs: 0,
            };
        case 'early-ack':
            if (header !== null && response === 'ACK')
                extra = ackFor({ ...header, sequence: header.sequence >= 9999 ? 1 : header.sequence + 1 }, encryptedAck, nowMs, pad);
            break;
        case 'hangup':
        case 'none':
            break;
    }
    let bytes = null;
    if (response === 'NAK')
        bytes = nakAt(nakTime);
    else if (response === 'DUH' && header !== null)
        bytes = duhFor(header);
    else if (response === 'ACK' && header !== null)
        bytes = ackFor(header, encryptedAck, nowMs, pad);
    const answer = { record: { ...record, response: bytes === null ? null : response, error: judgement.error }, response: bytes, close, delayMs };
    return extra === null || bytes === null ? answer : { ...answer, followUp: extra };
}
function bogusAnswer(kind, header, key, nowMs, pad) {
    switch (kind) {
        case 'bare-nak':
            return BARE.nak;
        case 'bare-duh':
            return BARE.duh;
        case 'garbage':
            return GARBAGE;
        case 'wrong-seq':
            return ackFor({ ...header, sequence: header.sequence >= 9999 ? 1 : header.sequence + 1 }, key, nowMs, pad);
        case 'wrong-account':
            return ackFor({ ...header, account: header.account === 'FFFF' ? 'EEEE' : 'FFFF' }, key, nowMs, pad);
    }
}
