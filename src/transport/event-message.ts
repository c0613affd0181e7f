// The DC-09 message for one translated alarm, and the NULL link test: which token and payload the
// configured format uses, the R/L/account header, and the `[V<link>]` verification block.

import type { Dc09Block, Dc09Message, Dc09Token } from './dc09-frame.js';
import { SUPERVISION_SEQUENCE } from '../outbox/sequence.js';

/** The DC-09 payload formats: Contact ID (`ADM-CID`) or SIA DC-03 (`SIA-DCS`). */
export const ARC_FORMATS = ['adm-cid', 'sia-dcs'] as const;
export type ArcFormat = (typeof ARC_FORMATS)[number];

/** What the transport needs of an AlarmMessage from the translate stage. */
export interface AlarmPayload {
  readonly account: string;
  /** `#ACCT|QEEE GG CCC` */
  readonly admCid: string;
  /** `#ACCT|Nri<p>/<SIA><nnn>` */
  readonly siaDcs: string;
  readonly videoUrl: string | null;
}

export interface HeaderSettings {
  readonly format: ArcFormat;
  /** R field; always sent (a missing R made Home Assistant answer with `None`, docs/dc09.md §Receivers seen in the field). */
  readonly receiverNumber: string;
  readonly linePrefix: string;
}

/** A message without the parts that change per attempt: the timestamp (fresh each time). */
export type MessageTemplate = Omit<Dc09Message, 'timestamp'>;

/**
 * The template with its timestamp, built field by field in one order: every message then has the
 * same shape and encodeFrame stays monomorphic (a spread copy costs it about 2 µs per frame).
 */
export function stampMessage(template: MessageTemplate, timestamp: number | null): Dc09Message {
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

// docs/dc09.md §Payloads: V carries the verification link, at most 256 characters (pysiaalarm's table).
export const MAX_VIDEO_LINK_BYTES = 256;
// A bracket or pipe would end the block or the data early; control bytes would break the frame.
const VIDEO_LINK_FORBIDDEN = /[[\]|\x00-\x1f\x7f-\uffff]/;

export type VideoLinkDecision =
  | { readonly kind: 'none' }
  | { readonly kind: 'included'; readonly block: Dc09Block; readonly truncatedFrom: number | null }
  | { readonly kind: 'omitted'; readonly reason: string };

export function videoLinkBlock(videoUrl: string | null): VideoLinkDecision {
  if (videoUrl === null || videoUrl === '') return { kind: 'none' };
  if (VIDEO_LINK_FORBIDDEN.test(videoUrl)) return { kind: 'omitted', reason: 'the link holds [, ], |, a control byte or a non-ASCII character' };
  if (videoUrl.length > MAX_VIDEO_LINK_BYTES) {
    return { kind: 'included', block: { id: 'V', value: videoUrl.slice(0, MAX_VIDEO_LINK_BYTES) }, truncatedFrom: videoUrl.length };
  }
  return { kind: 'included', block: { id: 'V', value: videoUrl }, truncatedFrom: null };
}

const FORMAT_TOKEN = { 'adm-cid': 'ADM-CID', 'sia-dcs': 'SIA-DCS' } as const satisfies Record<ArcFormat, Dc09Token>;

export function eventTemplate(alarm: AlarmPayload, settings: HeaderSettings, sequence: number, video: VideoLinkDecision): MessageTemplate {
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
export function supervisionTemplate(account: string, settings: HeaderSettings): MessageTemplate {
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
