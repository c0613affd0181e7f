// What the built-in commissioning receiver answers to each received item, as a pure function: the
// validation order an ARC applies (reference §1.8) and the answers of §4.1, plus fault injection for
// tests. The socket server in dc09-receiver.ts only moves the bytes.

import type { ErrorCode } from '../errors.js';
import type { PadSource } from './dc09-crypto.js';
import { encodeFrame, openFrame, type Dc09Block, type Dc09Header, type Dc09Item } from './dc09-frame.js';
import type { LinkTransport } from './destination.js';

export type ReceiverFault =
  | { readonly kind: 'none' }
  | { readonly kind: 'nak' }
  | { readonly kind: 'duh' }
  | { readonly kind: 'silent' }
  | { readonly kind: 'close' }
  | { readonly kind: 'delay'; readonly ms: number };

export const NO_FAULT: ReceiverFault = { kind: 'none' };

/** `nak`, `duh`, `silent`, `close` or `delay=MS`; undefined for anything else. */
export function parseFault(text: string): ReceiverFault | undefined {
  if (text === 'nak' || text === 'duh' || text === 'silent' || text === 'close' || text === 'none') return { kind: text };
  const delay = /^delay=(\d{1,7})$/.exec(text);
  return delay ? { kind: 'delay', ms: Number(delay[1]) } : undefined;
}

export interface TimestampWindow {
  /** How old a timestamp may be. */
  readonly pastMs: number;
  /** How far ahead of the receiver clock a timestamp may be. */
  readonly futureMs: number;
}

// Reference §4.3: −40 s / +20 s, pysiaalarm's default and the common reading of DC-09 §5.5.1.8.
export const DEFAULT_TIMESTAMP_WINDOW: TimestampWindow = { pastMs: 40_000, futureMs: 20_000 };

export interface ReceiverPolicy {
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

export interface ReceiverAnswer {
  readonly record: FrameRecord;
  readonly response: Buffer | null;
  /** Close the connection (after writing `response`, if any). */
  readonly close: boolean;
  readonly delayMs: number;
}

/** `"ACK"` echoing seq, R, L and account; `"*ACK"` with timestamp and pad when the request was encrypted. */
export function ackFor(header: Dc09Header, key: Uint8Array | null, nowMs: number, pad: PadSource): Buffer {
  return encodeFrame(
    { token: 'ACK', sequence: header.sequence, receiver: header.receiver, line: header.line, account: header.account, accountMark: '#', data: '', extended: [], timestamp: key === null ? null : nowMs },
    { key, pad },
  );
}

/** `"NAK"0000R0L0A0[]_<receiver time>`, never encrypted (reference §4.1). */
export function nakAt(nowMs: number): Buffer {
  return encodeFrame({ token: 'NAK', sequence: 0, receiver: '0', line: '0', account: '0', accountMark: 'A', data: '', extended: [], timestamp: nowMs });
}

/** `"DUH"` echoing seq, R, L and account, unencrypted. */
export function duhFor(header: Dc09Header): Buffer {
  return encodeFrame({ token: 'DUH', sequence: header.sequence, receiver: header.receiver, line: header.line, account: header.account, accountMark: '#', data: '', extended: [], timestamp: null });
}

const EVENT_TOKENS: ReadonlySet<string> = new Set(['SIA-DCS', 'ADM-CID', 'NULL']);
// Reference §2.1: `#acct|QEEE GG CCC`, exactly 11 characters after the pipe.
const ADM_CID_DATA = /^(?:#[0-9A-Fa-f]{3,16})?\|[136]\d{3} \d{2} \d{3}$/;
// Reference §2.2: `#acct|N...` (new event) or an A text block.
const SIA_DCS_DATA = /^(?:#[0-9A-Fa-f]{3,16})?\|[NA]/;

interface Judgement {
  readonly response: ResponseToken | null;
  readonly error: FrameRecord['error'];
}

function problem(response: ResponseToken | null, code: ErrorCode, message: string): Judgement {
  return { response, error: { code, message } };
}

function emptyRecord(transport: LinkTransport): FrameRecord {
  return { transport, token: null, encrypted: false, seq: null, receiver: null, line: null, account: null, data: null, extended: [], timestamp: null, response: null, error: null };
}

function iso(ms: number | null): string | null {
  return ms === null ? null : new Date(ms).toISOString();
}

/** The standard answer to one item, before any fault is applied. */
function judge(item: Dc09Item, policy: ReceiverPolicy, nowMs: number, transport: LinkTransport): { record: FrameRecord; judgement: Judgement; header: Dc09Header | null } {
  if (item.kind === 'error') {
    // DC-09-2007 Annex C: a frame with a bad CRC gets no answer at all; nor do bytes that are no frame.
    return { record: emptyRecord(transport), judgement: problem(null, item.error.code, item.error.message), header: null };
  }
  if (item.kind === 'bare') {
    return { record: { ...emptyRecord(transport), token: item.token }, judgement: problem(null, 'HIKARC_DC09_FRAMING', `a bare "${item.token}" without LF, CRC, length or CR`), header: null };
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
  if (!EVENT_TOKENS.has(frame.token)) return { record, judgement: problem(null, 'HIKARC_DC09_UNSUPPORTED_MESSAGE', `a receiver does not take ${frame.token} frames`), header: null };
  if (policy.accounts !== null && !policy.accounts.has(frame.account.toUpperCase())) {
    return { record, judgement: problem('NAK', 'HIKARC_DC09_UNKNOWN_ACCOUNT', `account ${frame.account} is not configured`), header };
  }
  if (policy.key !== null && !frame.encrypted) {
    // ioBroker.sia refuses clear frames for an account with a key (reference §11).
    return { record, judgement: problem('NAK', 'HIKARC_DC09_KEY_MISMATCH', 'a clear frame where encryption is configured'), header };
  }
  const opened = openFrame(frame, policy.key);
  if (!opened.ok) return { record, judgement: problem('NAK', opened.error.code, opened.error.message), header };
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

/** The answer to one received item under `policy`, with `fault` applied. */
export function answerItem(item: Dc09Item, policy: ReceiverPolicy, fault: ReceiverFault, nowMs: number, transport: LinkTransport, pad: PadSource): ReceiverAnswer {
  const { record, judgement, header } = judge(item, policy, nowMs, transport);
  let response = judgement.response;
  let close = false;
  let delayMs = 0;
  switch (fault.kind) {
    case 'nak':
      response = 'NAK';
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
    case 'none':
      break;
  }
  let bytes: Buffer | null = null;
  if (response === 'NAK') bytes = nakAt(nowMs);
  else if (response === 'DUH' && header !== null) bytes = duhFor(header);
  else if (response === 'ACK' && header !== null) bytes = ackFor(header, item.kind === 'frame' && item.frame.encrypted ? policy.key : null, nowMs, pad);
  return { record: { ...record, response: bytes === null ? null : response, error: judgement.error }, response: bytes, close, delayMs };
}
