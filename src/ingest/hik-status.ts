// Reads the receiver's JSON_ResponseStatus (guide A.39, status codes in Appendix C) and turns a
// refused request into one of a few kinds, each with its own error code and log line, so an
// operator reads "automation output not set to Private" instead of "HTTP 403".

import type { ErrorCode } from '../errors.js';

export interface ResponseStatusInfo {
  readonly statusCode: number | null;
  readonly statusString: string | null;
  readonly subStatusCode: string | null;
  readonly errorCode: number | null;
  readonly errorMsg: string | null;
}

function pick(text: string, name: string): string | null {
  const json = new RegExp(`"${name}"\\s*:\\s*(?:"([^"]*)"|(-?\\d+))`, 'i').exec(text);
  if (json) return (json[1] ?? json[2] ?? '').trim();
  const xml = new RegExp(`<${name}>\\s*([^<]*?)\\s*</${name}>`, 'i').exec(text);
  return xml?.[1] ?? null;
}

function number(value: string | null): number | null {
  return value !== null && /^-?\d{1,12}$/.test(value) ? Number(value) : null;
}

/**
 * The status fields of a ResponseStatus body, JSON or XML, wrapped or not. Field by field with a
 * pattern rather than JSON.parse: refusals come from the same firmware whose event JSON is often
 * broken, and a broken status must still be read.
 */
export function parseResponseStatus(text: string): ResponseStatusInfo | null {
  const info: ResponseStatusInfo = {
    statusCode: number(pick(text, 'statusCode')),
    statusString: pick(text, 'statusString'),
    subStatusCode: pick(text, 'subStatusCode'),
    errorCode: number(pick(text, 'errorCode')),
    errorMsg: pick(text, 'errorMsg'),
  };
  if (info.statusCode === null && info.statusString === null && info.subStatusCode === null && info.errorCode === null) return null;
  return info;
}

export const REFUSAL_KINDS = ['not-private', 'subscription-taken', 'busy', 'not-multipart', 'other'] as const;
export type RefusalKind = (typeof REFUSAL_KINDS)[number];

export interface Refusal {
  readonly kind: RefusalKind;
  readonly code: ErrorCode;
  readonly httpStatus: number;
  readonly status: ResponseStatusInfo | null;
  /** Constant log message for the kind. */
  readonly message: string;
}

// Appendix C: noMoreTasksCanBeAdded 0x4000118A; statusCode 2 is "Device Busy".
const NO_MORE_TASKS_ERROR_CODE = 0x4000118a;
const STATUS_DEVICE_BUSY = 2;
const BUSY_SUB_STATUS = new Set(['devicebusy', 'networkerror', 'nomemory', 'upgrading']);

export const REFUSAL_MESSAGES: Readonly<Record<RefusalKind, string>> = {
  'not-private': 'subscription refused: the receiver automation output is not enabled and set to Private',
  'subscription-taken': 'subscription refused: another subscription holds the receiver (noMoreTasksCanBeAdded)',
  busy: 'receiver busy',
  'not-multipart': 'receiver accepted the subscription but answered without a multipart event stream',
  other: 'receiver refused the request',
};

const REFUSAL_CODES: Readonly<Record<RefusalKind, ErrorCode>> = {
  'not-private': 'HIKARC_RECEIVER_NOT_PRIVATE',
  'subscription-taken': 'HIKARC_RECEIVER_SUBSCRIPTION_TAKEN',
  busy: 'HIKARC_RECEIVER_BUSY',
  'not-multipart': 'HIKARC_RECEIVER_BAD_RESPONSE',
  other: 'HIKARC_RECEIVER_REFUSED',
};

function kindOf(httpStatus: number, status: ResponseStatusInfo | null): RefusalKind {
  const sub = status?.subStatusCode?.toLowerCase() ?? '';
  // Shares statusString "Invalid Operation" with the Private case; only subStatusCode tells them
  // apart (docs/hik-receiver.md §Subscription).
  if (sub === 'nomoretaskscanbeadded' || status?.errorCode === NO_MORE_TASKS_ERROR_CODE) return 'subscription-taken';
  if (httpStatus === 503 || status?.statusCode === STATUS_DEVICE_BUSY || BUSY_SUB_STATUS.has(sub)) return 'busy';
  const invalidOperation = sub === 'invalidoperation' || (sub === '' && (status?.statusString ?? '').trim().toLowerCase() === 'invalid operation');
  if (httpStatus === 403 && invalidOperation) return 'not-private';
  return 'other';
}

/** What a non-2xx answer (or a 2xx ResponseStatus that is not OK) means. */
export function classifyRefusal(httpStatus: number, body: string): Refusal {
  const status = parseResponseStatus(body);
  const kind = kindOf(httpStatus, status);
  return { kind, code: REFUSAL_CODES[kind], httpStatus, status, message: REFUSAL_MESSAGES[kind] };
}

/** True when a ResponseStatus reports success (statusCode 1, or subStatusCode ok). */
export function isStatusOk(status: ResponseStatusInfo | null): boolean {
  return status !== null && (status.statusCode === 1 || status.subStatusCode?.toLowerCase() === 'ok');
}
