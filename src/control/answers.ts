// What the receiver answered a control call, and what that means (guide A.1 ErrorList, A.39
// ResponseStatus, Appendix C; docs/panel-control.md §4-5). Pure: HTTP status and body text in,
// a verdict out. The body is read tolerantly; XML ResponseStatus (some firmware answers an
// unknown URL that way) and hopeless JSON still yield the status fields through the ingest
// stage's field-by-field reader.

import type { ErrorCode } from '../errors.js';
import { parseResponseStatus, type ResponseStatusInfo } from '../ingest/index.js';
import { arrayAt, integerField, objectAt, readHikDocument, textField, type JsonObject } from './answer-fields.js';
import type { ControlCommand } from './commands.js';

/** One entry of an ErrorList that reports a failure (entries without a failure are left out). */
export interface BatchFailure {
  readonly id: string;
  readonly statusCode: number | null;
  readonly subStatusCode: string | null;
  readonly errorCode: number | null;
  readonly errorMsg: string | null;
}

export interface HikAnswer {
  readonly httpStatus: number;
  readonly status: ResponseStatusInfo | null;
  /** Failed entries of an ErrorList; null when the answer had none. */
  readonly failures: readonly BatchFailure[] | null;
  /** The body was broken JSON and had to be repaired, or could only be read field by field. */
  readonly repaired: boolean;
  /** The body was empty. */
  readonly empty: boolean;
  /** Neither JSON nor a status could be read from a non-empty body. */
  readonly unreadable: boolean;
  /** The start of the body, for the audit trail and logs. */
  readonly sample: string;
}

const SAMPLE_CHARS = 500;

// Appendix C: statusCode 1 is OK; 2 Device Busy. errorCode values of the sub-status codes used here.
const STATUS_OK = 1;
const STATUS_DEVICE_BUSY = 2;
const LOW_PRIVILEGE = 0x40000002;
const DEVICE_ID_DOES_NOT_EXIST = 0x4000113b;
const NOT_SUPPORT = 0x40000001;
const METHOD_NOT_ALLOWED = 0x40000004;

function statusOf(value: JsonObject): ResponseStatusInfo | null {
  const holder = objectAt(value, 'ResponseStatus') ?? value;
  const info: ResponseStatusInfo = {
    statusCode: integerField(holder['statusCode']),
    statusString: textField(holder['statusString']),
    subStatusCode: textField(holder['subStatusCode']),
    errorCode: integerField(holder['errorCode']),
    errorMsg: textField(holder['errorMsg']),
  };
  if (info.statusCode === null && info.statusString === null && info.subStatusCode === null && info.errorCode === null) return null;
  return info;
}

function isSuccess(statusCode: number | null, subStatusCode: string | null, errorMsg: string | null): boolean {
  if (statusCode !== null) return statusCode === STATUS_OK;
  // A.1: statusCode and subStatusCode "will not be returned when succeeded".
  return subStatusCode === null || subStatusCode.toLowerCase() === 'ok' || errorMsg?.toLowerCase() === 'ok';
}

function failuresOf(value: JsonObject): BatchFailure[] | null {
  const holder = 'ErrorList' in value ? value : objectAt(value, 'ResponseStatus');
  if (holder === undefined || !('ErrorList' in holder)) return null;
  const failures: BatchFailure[] = [];
  arrayAt(holder, 'ErrorList').forEach((item, index) => {
    const entry = objectAt(item, 'Error') ?? (item as JsonObject);
    if (typeof entry !== 'object' || entry === null) return;
    const statusCode = integerField(entry['statusCode']);
    const subStatusCode = textField(entry['subStatusCode']);
    const errorMsg = textField(entry['errorMsg']);
    if (isSuccess(statusCode, subStatusCode, errorMsg)) return;
    failures.push({ id: textField(entry['id']) ?? String(index), statusCode, subStatusCode, errorCode: integerField(entry['errorCode']), errorMsg });
  });
  return failures;
}

/** Reads an answer body; never throws. */
export function readAnswer(httpStatus: number, text: string): HikAnswer {
  const sample = text.slice(0, SAMPLE_CHARS);
  if (text.trim() === '') return { httpStatus, status: null, failures: null, repaired: false, empty: true, unreadable: false, sample };
  const document = readHikDocument(text);
  if (document !== undefined) {
    return {
      httpStatus,
      status: statusOf(document.value),
      failures: failuresOf(document.value),
      repaired: document.repaired,
      empty: false,
      unreadable: false,
      sample,
    };
  }
  const status = parseResponseStatus(text);
  return { httpStatus, status, failures: null, repaired: status !== null, empty: false, unreadable: status === null, sample };
}

export const REFUSALS = ['arming', 'low-privilege', 'panel-unreachable', 'unknown-panel', 'all-partitions', 'not-supported', 'refused'] as const;
export type Refusal = (typeof REFUSALS)[number];

export const REFUSAL_CODES: Readonly<Record<Refusal, ErrorCode>> = {
  arming: 'HIKARC_CONTROL_ARMING_REFUSED',
  'low-privilege': 'HIKARC_CONTROL_LOW_PRIVILEGE',
  'panel-unreachable': 'HIKARC_CONTROL_PANEL_UNREACHABLE',
  'unknown-panel': 'HIKARC_CONTROL_PANEL_UNKNOWN',
  'all-partitions': 'HIKARC_CONTROL_ALL_PARTITIONS_UNSUPPORTED',
  'not-supported': 'HIKARC_CONTROL_NOT_SUPPORTED',
  refused: 'HIKARC_CONTROL_REFUSED',
};

export const REFUSAL_MESSAGES: Readonly<Record<Refusal, string>> = {
  arming: 'the panel refused to arm',
  'low-privilege': 'the receiver user has no permission for this call (lowPrivilege)',
  'panel-unreachable': 'the receiver is busy or cannot reach the panel; the command was not carried out',
  'unknown-panel': 'the receiver does not know this devIndex',
  'all-partitions': 'the receiver does not accept the all-partitions id; give the partitions one by one',
  'not-supported': 'the receiver or the panel does not support this call',
  refused: 'the receiver refused the command',
};

export type CommandVerdict =
  | { readonly kind: 'accepted' }
  /** Some entries of a batch failed; `failed` are the ids the receiver names. */
  | { readonly kind: 'partial'; readonly failed: readonly BatchFailure[] }
  | { readonly kind: 'refused'; readonly refusal: Refusal }
  /** A 2xx answer whose body says nothing readable: the outcome is unknown. */
  | { readonly kind: 'unreadable' };

function lower(value: string | null | undefined): string {
  return value?.toLowerCase() ?? '';
}

/** Why a call was refused; `command` is null for status reads. */
export function refusalOf(command: ControlCommand | null, answer: HikAnswer, failure: ResponseStatusInfo | BatchFailure | null = answer.status): Refusal {
  const sub = lower(failure?.subStatusCode);
  const errorCode = failure?.errorCode ?? null;
  if (sub === 'lowprivilege' || errorCode === LOW_PRIVILEGE) return 'low-privilege';
  if (sub === 'thedeviceiddoesnotexist' || errorCode === DEVICE_ID_DOES_NOT_EXIST) return 'unknown-panel';
  if (answer.httpStatus === 503 || failure?.statusCode === STATUS_DEVICE_BUSY || sub === 'networkerror' || sub === 'deviceoffline') return 'panel-unreachable';
  const unknownCall =
    answer.httpStatus === 404 ||
    answer.httpStatus === 405 ||
    sub === 'notsupport' ||
    sub === 'methodnotallowed' ||
    errorCode === NOT_SUPPORT ||
    errorCode === METHOD_NOT_ALLOWED;
  const partition = command !== null && 'partition' in command ? command.partition : null;
  if (partition === 'all' && (unknownCall || sub === 'badurlformat')) return 'all-partitions';
  if (unknownCall) return 'not-supported';
  // The guide names no sub-status for "cannot arm": any other refusal of an arm call is one.
  if (command?.action === 'arm') return 'arming';
  return 'refused';
}

function requestedCount(command: ControlCommand): number {
  if ('zones' in command) return command.zones.length;
  if ('relays' in command) return command.relays.length;
  return 1;
}

/** What the answer to `command` means. */
export function judgeCommandAnswer(command: ControlCommand, answer: HikAnswer): CommandVerdict {
  const ok = answer.httpStatus >= 200 && answer.httpStatus < 300;
  if (!ok) return { kind: 'refused', refusal: refusalOf(command, answer, answer.status ?? answer.failures?.[0] ?? null) };
  if (answer.unreadable) return { kind: 'unreadable' };
  const { status, failures } = answer;
  if (status !== null && !isSuccess(status.statusCode, status.subStatusCode, status.errorMsg) && (failures === null || failures.length === 0)) {
    return { kind: 'refused', refusal: refusalOf(command, answer, status) };
  }
  if (failures !== null && failures.length > 0) {
    if (failures.length >= requestedCount(command)) return { kind: 'refused', refusal: refusalOf(command, answer, failures[0] ?? null) };
    return { kind: 'partial', failed: failures };
  }
  // Success as JSON, an empty 200, or an object without status fields: the receiver took it.
  return { kind: 'accepted' };
}

/** The answer as the audit trail and the JSON output show it. */
export function describeAnswer(answer: HikAnswer): Record<string, unknown> {
  return {
    httpStatus: answer.httpStatus,
    statusCode: answer.status?.statusCode ?? null,
    statusString: answer.status?.statusString ?? null,
    subStatusCode: answer.status?.subStatusCode ?? null,
    errorCode: answer.status?.errorCode ?? null,
    errorMsg: answer.status?.errorMsg ?? null,
    ...(answer.failures === null ? {} : { failures: answer.failures }),
    repaired: answer.repaired,
    body: answer.sample,
  };
}
