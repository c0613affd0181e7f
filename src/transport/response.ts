// What a receiver's answer means for the frame in flight (docs/dc09.md §Answers). Only a valid ACK
// with our sequence number and account counts: an encrypted request needs an *ACK that decrypts with
// our key. A framed NAK carries no sequence (always 0000) and is never encrypted, so it answers the
// frame in flight on its connection; a DUH must echo our sequence. A bare "NAK" or "DUH" - no frame,
// no sequence, no account - cannot be tied to any frame and is ignored (counted), as is everything
// else that is not an answer to this frame: the wait goes on until the ACK timeout.

import type { ErrorCode } from '../errors.js';
import { DC09_QUIRKS, openFrame, type Dc09Item, type Dc09Quirk } from './dc09-frame.js';

export interface ExpectedAnswer {
  readonly sequence: number;
  readonly account: string;
  readonly receiver: string | null;
  readonly line: string;
  /** The key the request was encrypted with; null for a clear request. */
  readonly key: Uint8Array | null;
  /** The destination takes a clear ACK to an encrypted frame (arc.deviations, docs/dc09.md §Deviations per destination). */
  readonly acceptClearAck?: boolean;
}

export type ResponseVerdict =
  | {
      readonly kind: 'ack';
      /** The receiver's clock from an *ACK (or an ACK that carries one), epoch ms. */
      readonly arcTime: number | null;
      /** R or L differ from ours: accepted (some receivers mangle them, docs/dc09.md §Receivers seen in the field) but logged. */
      readonly headerMismatch: boolean;
      readonly quirks: readonly Dc09Quirk[];
    }
  | { readonly kind: 'nak'; readonly arcTime: number | null; readonly quirks: readonly Dc09Quirk[] }
  | { readonly kind: 'duh'; readonly quirks: readonly Dc09Quirk[] }
  | { readonly kind: 'ignore'; readonly code: ErrorCode; readonly detail: string };

function unmatched(detail: string): ResponseVerdict {
  return { kind: 'ignore', code: 'HIKARC_TRANSPORT_UNMATCHED_RESPONSE', detail };
}

function sameAccount(a: string, b: string): boolean {
  return a.toUpperCase() === b.toUpperCase();
}

export function classifyResponse(item: Dc09Item, expected: ExpectedAnswer): ResponseVerdict {
  if (item.kind === 'error') return { kind: 'ignore', code: item.error.code, detail: item.error.message };
  if (item.kind === 'bare')
    return {
      kind: 'ignore',
      code: 'HIKARC_TRANSPORT_BARE_ANSWER',
      detail: `a bare "${item.token}" without sequence number or account answers no frame in particular`,
    };
  const frame = item.frame;
  switch (frame.token) {
    case 'NAK':
      if (frame.encrypted) return unmatched('an encrypted NAK (a NAK is never encrypted)');
      return { kind: 'nak', arcTime: frame.timestamp, quirks: frame.quirks };
    case 'DUH':
      if (frame.sequence !== expected.sequence) return unmatched(`DUH for sequence ${frame.sequence}, ours is ${expected.sequence}`);
      if (frame.account !== '' && !sameAccount(frame.account, expected.account)) return unmatched(`DUH for account ${frame.account}`);
      return { kind: 'duh', quirks: frame.quirks };
    case 'ACK': {
      if (frame.sequence !== expected.sequence) return unmatched(`ACK for sequence ${frame.sequence}, ours is ${expected.sequence}`);
      if (!sameAccount(frame.account, expected.account)) return unmatched(`ACK for account ${frame.account}, ours is ${expected.account}`);
      // Forgeable, so only where the installer allowed it for this destination; logged as a quirk.
      const clearAck = expected.key !== null && !frame.encrypted;
      if (clearAck && expected.acceptClearAck !== true) return unmatched('a clear ACK to an encrypted frame');
      if (expected.key === null && frame.encrypted) return unmatched('an encrypted ACK to a clear frame');
      const opened = openFrame(frame, expected.key);
      if (!opened.ok) return { kind: 'ignore', code: opened.error.code, detail: `*ACK: ${opened.error.message}` };
      // A frame sent without R (arc.deviations omitReceiverNumber) has no R for the ACK to echo.
      const headerMismatch = (frame.receiver !== null && expected.receiver !== null && frame.receiver !== expected.receiver) || frame.line !== expected.line;
      const quirks = clearAck ? [...opened.value.quirks, DC09_QUIRKS.CLEAR_ACK] : opened.value.quirks;
      return { kind: 'ack', arcTime: opened.value.timestamp, headerMismatch, quirks };
    }
    default:
      return unmatched(`a ${frame.token} frame is not an answer`);
  }
}
