// What the built-in commissioning receiver answers to each received item, as a pure function: the
// validation order an ARC applies (docs/dc09.md §Test receiver, §Answers), plus fault injection for
// tests. The socket server in dc09-receiver.ts only moves the bytes.

import type { ErrorCode } from '../errors.js';
import type { PadSource } from './dc09-crypto.js';
import { encodeFrame, openFrame, type Dc09Block, type Dc09Header, type Dc09Item, type EncodeOptions } from './dc09-frame.js';
import type { LinkTransport } from './destination.js';

/**
 * How the test receiver misbehaves, for commissioning and tests (docs/dc09.md §Test receiver). A
 * fault with `accounts` applies to frames of those accounts only: an ARC that ignores or refuses
 * some accounts and serves the rest.
 */
export type ArcFault = (
  | { readonly kind: 'none' }
  | { readonly kind: 'nak' }
  | { readonly kind: 'duh' }
  | { readonly kind: 'silent' }
  | { readonly kind: 'close' }
  | { readonly kind: 'delay'; readonly ms: number }
  /** A NAK carrying this receiver time instead of the real one (a receiver with a flat RTC battery). */
  | { readonly kind: 'nak-at'; readonly time: number }
  /** A bare "NAK" / "DUH": no framing, no sequence number, no account. */
  | { readonly kind: 'bare-nak' }
  | { readonly kind: 'bare-duh' }
  /** The right ACK, then at once an ACK for the account's next number, before that frame exists. */
  | { readonly kind: 'early-ack' }
  /** An ACK echoing another sequence number, or another account: a bogus answer. */
  | { readonly kind: 'wrong-seq' }
  | { readonly kind: 'wrong-account' }
  /** Bytes that are no DC-09 frame at all. */
  | { readonly kind: 'garbage' }
  /** TCP: every connection is closed as soon as it is accepted, before any frame. */
  | { readonly kind: 'hangup' }
  /** A clear ACK to an encrypted frame, as some receivers answer (docs/dc09.md §Deviations per destination). */
  | { readonly kind: 'clear-ack' }
) & { readonly accounts?: ReadonlySet<string> };

export const NO_FAULT: ArcFault = { kind: 'none' };

export const FAULT_NAMES = [
  'none',
  'nak',
  'duh',
  'silent',
  'close',
  'delay=MS',
  'nak-at=ISO-TIME',
  'bare-nak',
  'bare-duh',
  'early-ack',
  'wrong-seq',
  'wrong-account',
  'garbage',
  'hangup',
  'clear-ack',
] as const;

// The faults that take no value (`delay=MS` and `nak-at=ISO-TIME` do).
const SIMPLE_FAULTS: ReadonlySet<string> = new Set(FAULT_NAMES.filter((name) => !name.includes('=')));

/**
 * `KIND[=ARG][@ACCOUNT,ACCOUNT...]`: one of FAULT_NAMES, optionally for some accounts only, e.g.
 * `silent@1234,5678`, `delay=100`, `nak-at=2016-01-01T00:00:00Z`; undefined for anything else.
 */
export function parseFault(text: string): ArcFault | undefined {
  const at = text.indexOf('@');
  const spec = at < 0 ? text : text.slice(0, at);
  let accounts: ReadonlySet<string> | undefined;
  if (at >= 0) {
    const list = text.slice(at + 1).split(',');
    if (list.some((account) => !/^[0-9A-Fa-f]{3,16}$/.test(account))) return undefined;
    accounts = new Set(list.map((account) => account.toUpperCase()));
  }
  const withAccounts = (fault: ArcFault): ArcFault => (accounts === undefined ? fault : { ...fault, accounts });
  if (SIMPLE_FAULTS.has(spec)) return withAccounts({ kind: spec } as ArcFault);
  const delay = /^delay=(\d{1,7})$/.exec(spec);
  if (delay) return withAccounts({ kind: 'delay', ms: Number(delay[1]) });
  const nakAt = /^nak-at=(.+)$/.exec(spec);
  if (nakAt) {
    const time = Date.parse(nakAt[1] as string);
    return Number.isFinite(time) ? withAccounts({ kind: 'nak-at', time }) : undefined;
  }
  return undefined;
}

/** The first fault that applies to a frame of `account` (null for items that are no frame). */
export function faultFor(faults: readonly ArcFault[], account: string | null): ArcFault {
  const upper = account?.toUpperCase() ?? null;
  for (const fault of faults) {
    if (fault.accounts === undefined) return fault;
    if (upper !== null && fault.accounts.has(upper)) return fault;
  }
  return NO_FAULT;
}

export interface TimestampWindow {
  /** How old a timestamp may be. */
  readonly pastMs: number;
  /** How far ahead of the receiver clock a timestamp may be. */
  readonly futureMs: number;
}

// docs/dc09.md §Timestamps: −40 s / +20 s, pysiaalarm's default and the common reading of DC-09 §5.5.1.8.
export const DEFAULT_TIMESTAMP_WINDOW: TimestampWindow = { pastMs: 40_000, futureMs: 20_000 };

export interface ArcAnswerPolicy {
  /** One key for every account; null accepts clear frames only. */
  readonly key: Uint8Array | null;
  /** Accounts accepted (upper case); null accepts any. */
  readonly accounts: ReadonlySet<string> | null;
  /** null turns the timestamp check off. */
  readonly window: TimestampWindow | null;
}

export type ResponseToken = 'ACK' | 'NAK' | 'DUH';

/** One line of `hik-arc receiver` output: exactly these keys, for every received item. */
export interface FrameRecord {
  readonly transport: LinkTransport;
  readonly token: string | null;
  readonly encrypted: boolean;
  readonly seq: string | null;
  readonly receiver: string | null;
  readonly line: string | null;
  readonly account: string | null;
  readonly data: string | null;
  readonly extended: readonly Dc09Block[];
  /** ISO 8601 UTC. */
  readonly timestamp: string | null;
  readonly response: ResponseToken | null;
  readonly error: { readonly code: ErrorCode; readonly message: string } | null;
}

export interface ArcAnswer {
  readonly record: FrameRecord;
  readonly response: Buffer | null;
  /** Close the connection (after writing `response`, if any). */
  readonly close: boolean;
  readonly delayMs: number;
  /** Written a moment after the answer, as its own packet (the early-ack fault). */
  readonly followUp?: Buffer;
}

/** An answer echoing the request's seq, R, L and account, with no data (docs/dc09.md §Answers). */
function echoFor(token: 'ACK' | 'DUH', header: Dc09Header, timestamp: number | null, options?: EncodeOptions): Buffer {
  const frame = {
    token,
    sequence: header.sequence,
    receiver: header.receiver,
    line: header.line,
    account: header.account,
    accountMark: '#',
    data: '',
    extended: [],
    timestamp,
  } as const;
  return encodeFrame(frame, options);
}

/** `"ACK"` echoing seq, R, L and account; `"*ACK"` with timestamp and pad when the request was encrypted. */
export function ackFor(header: Dc09Header, key: Uint8Array | null, nowMs: number, pad: PadSource): Buffer {
  return echoFor('ACK', header, key === null ? null : nowMs, { key, pad });
}

/** `"NAK"0000R0L0A0[]_<receiver time>`, never encrypted (docs/dc09.md §Answers). */
export function nakAt(nowMs: number): Buffer {
  return encodeFrame({ token: 'NAK', sequence: 0, receiver: '0', line: '0', account: '0', accountMark: 'A', data: '', extended: [], timestamp: nowMs });
}

/** `"DUH"` echoing seq, R, L and account, unencrypted. */
export function duhFor(header: Dc09Header): Buffer {
  return echoFor('DUH', header, null);
}

const EVENT_TOKENS: ReadonlySet<string> = new Set(['SIA-DCS', 'ADM-CID', 'NULL']);
// docs/dc09.md §Payloads: `#acct|QEEE GG CCC`, exactly 11 characters after the pipe.
const ADM_CID_DATA = /^(?:#[0-9A-Fa-f]{3,16})?\|[136]\d{3} \d{2} \d{3}$/;
// docs/dc09.md §Payloads: `#acct|N...` (new event) or an A text block.
const SIA_DCS_DATA = /^(?:#[0-9A-Fa-f]{3,16})?\|[NA]/;

interface Judgement {
  readonly response: ResponseToken | null;
  readonly error: FrameRecord['error'];
}

function problem(response: ResponseToken | null, code: ErrorCode, message: string): Judgement {
  return { response, error: { code, message } };
}

function emptyRecord(transport: LinkTransport): FrameRecord {
  return {
    transport,
    token: null,
    encrypted: false,
    seq: null,
    receiver: null,
    line: null,
    account: null,
    data: null,
    extended: [],
    timestamp: null,
    response: null,
    error: null,
  };
}

function iso(ms: number | null): string | null {
  return ms === null ? null : new Date(ms).toISOString();
}

/** The standard answer to one item, before any fault is applied. */
function judge(
  item: Dc09Item,
  policy: ArcAnswerPolicy,
  nowMs: number,
  transport: LinkTransport,
): { record: FrameRecord; judgement: Judgement; header: Dc09Header | null } {
  if (item.kind === 'error') {
    // DC-09-2007 Annex C: a frame with a bad CRC gets no answer at all; nor do bytes that are no frame.
    return { record: emptyRecord(transport), judgement: problem(null, item.error.code, item.error.message), header: null };
  }
  if (item.kind === 'bare') {
    return {
      record: { ...emptyRecord(transport), token: item.token },
      judgement: problem(null, 'HIKARC_DC09_FRAMING', `a bare "${item.token}" without LF, CRC, length or CR`),
      header: null,
    };
  }
  const frame = item.frame;
  let record: FrameRecord = {
    ...emptyRecord(transport),
    token: frame.token,
    encrypted: frame.encrypted,
    seq: String(frame.sequence).padStart(4, '0'),
    receiver: frame.receiver,
    line: frame.line,
    account: frame.account,
  };
  const header: Dc09Header = frame;
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
  if (!opened.ok) return { record, judgement: problem('NAK', opened.error.code, opened.error.message), header };
  const content = opened.value;
  record = { ...record, data: content.data, extended: content.extended, timestamp: iso(content.timestamp) };
  if (policy.window !== null && content.timestamp !== null) {
    const age = nowMs - content.timestamp;
    if (age > policy.window.pastMs || -age > policy.window.futureMs) {
      return {
        record,
        judgement: problem(
          'NAK',
          'HIKARC_DC09_TIMESTAMP_WINDOW',
          `timestamp is ${Math.round(age / 1000)} s old; the window is -${policy.window.pastMs / 1000}/+${policy.window.futureMs / 1000} s`,
        ),
        header,
      };
    }
  }
  const payload = frame.token === 'ADM-CID' ? ADM_CID_DATA : frame.token === 'SIA-DCS' ? SIA_DCS_DATA : null;
  if (payload !== null && !payload.test(content.data)) {
    return {
      record,
      judgement: problem('DUH', 'HIKARC_DC09_UNSUPPORTED_MESSAGE', `the ${frame.token} data "${content.data}" is not in the expected form`),
      header,
    };
  }
  return { record, judgement: { response: 'ACK', error: null }, header };
}

const GARBAGE = Buffer.from('\nthis is no DC-09 frame\r', 'latin1');
const BARE = { nak: Buffer.from('"NAK"', 'latin1'), duh: Buffer.from('"DUH"', 'latin1') } as const;

/** The answer to one received item under `policy`, with the first fault that applies to it. */
export function answerItem(
  item: Dc09Item,
  policy: ArcAnswerPolicy,
  faults: ArcFault | readonly ArcFault[],
  nowMs: number,
  transport: LinkTransport,
  pad: PadSource,
): ArcAnswer {
  const { record, judgement, header } = judge(item, policy, nowMs, transport);
  const fault = faultFor(Array.isArray(faults) ? faults : [faults as ArcFault], header?.account ?? record.account);
  let response = judgement.response;
  let close = false;
  let delayMs = 0;
  let nakTime = nowMs;
  let extra: Buffer | null = null;
  let encryptedAck = item.kind === 'frame' && item.frame.encrypted ? policy.key : null;
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
      if (header === null) break;
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
    case 'clear-ack':
      encryptedAck = null;
      break;
    case 'hangup':
    case 'none':
      break;
  }
  let bytes: Buffer | null = null;
  if (response === 'NAK') bytes = nakAt(nakTime);
  else if (response === 'DUH' && header !== null) bytes = duhFor(header);
  else if (response === 'ACK' && header !== null) bytes = ackFor(header, encryptedAck, nowMs, pad);
  const answer = { record: { ...record, response: bytes === null ? null : response, error: judgement.error }, response: bytes, close, delayMs };
  return extra === null || bytes === null ? answer : { ...answer, followUp: extra };
}

function bogusAnswer(
  kind: 'bare-nak' | 'bare-duh' | 'garbage' | 'wrong-seq' | 'wrong-account',
  header: Dc09Header,
  key: Uint8Array | null,
  nowMs: number,
  pad: PadSource,
): Buffer {
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
