// Validates a parsed vendor document into a normalized VendorEvent. Field by field it is lenient in
// the ways devices need (numbers sent as strings, `" abnormal"`, `dataTime` for `dateTime`, a document
// without its EventNotificationAlert wrapper) and strict where a wrong value would send a wrong alarm:
// a number comes from a string only when the string is a plain integer (`z.coerce.number()` would
// turn `""` into zone 0). A field that fails validation is dropped and recorded as a defect; it never
// costs the whole alarm.

import { z } from 'zod';
import { HikArcError } from '../errors.js';
import { ALERT_FIELDS, CAPTURE_LIST, CID_FIELDS, VIDEO_INFO_LIST, type FieldKind } from './alert-fields.js';
import { isPlainObject, parseTolerantJson, type RepairLevel } from '../vendor-json/tolerant-json.js';
import { salvageAlert } from './alert-salvage.js';

const INTEGER_TEXT = /^\s*[-+]?\d{1,10}\s*$/;

// The documented conversions (asInteger, asText) happen before any type check, on the direct path
// (readAlert) and on zod's (projectAlert) alike: a plain integer string becomes a number, text is
// trimmed, an empty string is no value. zod then validates plain types; whatever could not be
// converted reaches it unchanged and is rejected.
function asInteger(value: unknown): unknown {
  if (value === undefined || value === null || typeof value === 'number') return value ?? null;
  return typeof value === 'string' && INTEGER_TEXT.test(value) ? Number(value) : value;
}

function asText(value: unknown): unknown {
  if (value === undefined || value === null) return null;
  if (typeof value === 'string') {
    const trimmed = value.trim();
    return trimmed === '' ? null : trimmed;
  }
  return typeof value === 'number' ? String(value) : value;
}

const FIELD_SCHEMA = { text: z.string().nullish(), integer: z.number().int('not an integer').nullish() } as const;
const FIELD_CONVERSION = { text: asText, integer: asInteger } as const satisfies Record<FieldKind, (value: unknown) => unknown>;

type ScalarShape<T extends Record<string, FieldKind>> = { [K in keyof T]: (typeof FIELD_SCHEMA)[T[K]] };

function scalarShape<T extends Record<string, FieldKind>>(fields: T): ScalarShape<T> {
  return Object.fromEntries(Object.entries(fields).map(([key, kind]) => [key, FIELD_SCHEMA[kind]])) as ScalarShape<T>;
}

/** The listed fields of `value`, converted as readAlert converts them. */
function projectScalars(value: Record<string, unknown>, fields: Readonly<Record<string, FieldKind>>): Record<string, unknown> {
  const projected: Record<string, unknown> = {};
  for (const [key, kind] of Object.entries(fields)) projected[key] = FIELD_CONVERSION[kind](value[key]);
  return projected;
}

const cidFieldsShape = z.object({ ...scalarShape(CID_FIELDS), [VIDEO_INFO_LIST]: z.unknown() });

export const alertShape = z.object({
  ...scalarShape(ALERT_FIELDS),
  [CAPTURE_LIST]: z.unknown(),
  CIDAlarm: cidFieldsShape.nullish(),
  VideoReview: z.object({ HikCIDParams: cidFieldsShape.nullish() }).nullish(),
});

type AlertFields = z.infer<typeof alertShape>;

/** The eight comma-separated sub-parameters of CIDParam (guide A.5/A.6); -1 means none. */
export interface CidParam {
  readonly userType: number | null;
  readonly userNo: number | null;
  readonly zoneNo: number | null;
  readonly keyboardNo: number | null;
  readonly videoChanNo: number | null;
  readonly dskNo: number | null;
  readonly moduleAddr: number | null;
  readonly userName: string | null;
}

export interface CidFields {
  readonly cidCode: string | null;
  readonly subSys: number | null;
  readonly zoneNo: number | null;
  readonly cidParam: CidParam | null;
  readonly videoUrl: string | null;
}

/** A picture or clip the alert points to, besides the videoURL fields (docs/media.md §2). */
export interface MediaUrl {
  readonly kind: 'video' | 'picture';
  readonly url: string;
}

export interface VendorEvent {
  /** eventType as sent, trimmed; empty when the alert carried none. */
  readonly eventType: string;
  /** eventState trimmed and lower-cased (`active` / `inactive`). */
  readonly eventState: string | null;
  /** Device time as sent (often wrong or without offset): data only, never used for DC-09. */
  readonly dateTime: string | null;
  readonly activePostCount: number | null;
  readonly devIndex: string | null;
  /** `deviceID`, which the receiver fills with the device's accountID. */
  readonly deviceId: string | null;
  readonly deviceSerial: string | null;
  readonly channelId: number | null;
  /** `status` trimmed and lower-cased (`online`, `abnormal`, ...). */
  readonly status: string | null;
  readonly subSys: number | null;
  readonly zoneNo: number | null;
  readonly inputIoPortId: number | null;
  readonly videoUrl: string | null;
  /** Picture URLs, CaptureList pictures and the videoInfoList clips; placeholders left out. */
  readonly mediaUrls: readonly MediaUrl[];
  /** `CIDAlarm` block of a CID alarm. */
  readonly cidAlarm: CidFields | null;
  /** `VideoReview.HikCIDParams` of video verification and encoding-device events. */
  readonly hikCid: CidFields | null;
  readonly repair: RepairLevel;
  /** What was wrong with the document and what was done about it, for logs and counters. */
  readonly defects: readonly string[];
}

export type DecodedDocument =
  | { readonly kind: 'event'; readonly event: VendorEvent }
  /** Stream control documents: the subscription id, or a ResponseStatus sent inside the stream. */
  | { readonly kind: 'control'; readonly name: 'SubscribeDeviceMgmtRsp' | 'ResponseStatus'; readonly value: Record<string, unknown> }
  | { readonly kind: 'error'; readonly error: HikArcError };

// Plain decimal integer (optional sign, surrounding spaces), else undefined. Hand-written: this
// runs for every field of every CID alarm.
function parseIntegerField(text: string, from: number, to: number): number | undefined {
  let i = from;
  let end = to;
  while (i < end && text.charCodeAt(i) === 0x20) i++;
  while (end > i && text.charCodeAt(end - 1) === 0x20) end--;
  let negative = false;
  if (i < end && (text.charCodeAt(i) === 0x2d || text.charCodeAt(i) === 0x2b)) {
    negative = text.charCodeAt(i) === 0x2d;
    i++;
  }
  if (i === end || end - i > 10) return undefined;
  let value = 0;
  for (; i < end; i++) {
    const digit = text.charCodeAt(i) - 0x30;
    if (digit < 0 || digit > 9) return undefined;
    value = value * 10 + digit;
  }
  return negative ? -value : value;
}

const CID_PARAM_NUMBERS = 7;

function parseCidParam(raw: string | null | undefined, defects: string[]): CidParam | null {
  if (raw === null || raw === undefined) return null;
  const numbers: Array<number | null> = [];
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
    } else numbers.push(value === -1 ? null : value);
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
function link(raw: string | null | undefined): string | null {
  if (raw === null || raw === undefined) return null;
  return /^[.\u2026\s]*$/.test(raw) ? null : raw;
}

const NO_MEDIA: readonly MediaUrl[] = Object.freeze([]);

function listedUrls(list: unknown, kind: MediaUrl['kind'], urlKey: string, into: MediaUrl[]): void {
  if (!Array.isArray(list)) return;
  for (const entry of list) {
    if (!isPlainObject(entry)) continue;
    // CaptureList entries say how the resource comes; only `url` ones are URLs.
    const type = entry['resourcesContentType'];
    if (kind === 'picture' && typeof type === 'string' && type.trim().toLowerCase() !== 'url') continue;
    const text = asText(entry[urlKey]);
    const url = typeof text === 'string' ? link(text) : null;
    if (url !== null) into.push({ kind, url });
  }
}

// Most alerts carry none of these: no list is built for them.
function mediaUrlsOf(alert: Record<string, unknown>, hikCid: unknown, visibleLight: string | null, thermal: string | null, picture: string | null): readonly MediaUrl[] {
  const captures = alert[CAPTURE_LIST];
  const videoInfo = hikCid !== undefined && isPlainObject(hikCid) ? hikCid[VIDEO_INFO_LIST] : undefined;
  if (captures === undefined && videoInfo === undefined && visibleLight === null && thermal === null && picture === null) return NO_MEDIA;
  const urls: MediaUrl[] = [];
  listedUrls(videoInfo, 'video', 'videoURL', urls);
  for (const url of [visibleLight, thermal, picture]) if (url !== null) urls.push({ kind: 'picture', url });
  listedUrls(captures, 'picture', 'resourcesContent', urls);
  return urls.length === 0 ? NO_MEDIA : urls;
}

function removePath(root: Record<string, unknown>, path: readonly PropertyKey[]): Record<string, unknown> {
  if (path.length === 0) return root;
  const [head, ...rest] = path;
  const copy: Record<string, unknown> = { ...root };
  const key = String(head);
  if (rest.length === 0) delete copy[key];
  else {
    const child = copy[key];
    if (isPlainObject(child)) copy[key] = removePath(child, rest);
    else delete copy[key];
  }
  return copy;
}

// Each round drops the fields zod rejected; a handful of rounds covers every nesting level.
const MAX_VALIDATION_ROUNDS = 4;

// Only the fields hik-arc reads, converted as readAlert converts them, for zod to judge and name
// the defects of a document readAlert rejected.
function projectCid(value: unknown): unknown {
  return isPlainObject(value) ? { ...projectScalars(value, CID_FIELDS), [VIDEO_INFO_LIST]: value[VIDEO_INFO_LIST] } : (value ?? null);
}

export function projectAlert(alert: Record<string, unknown>): Record<string, unknown> {
  const review = alert['VideoReview'];
  return {
    ...projectScalars(alert, ALERT_FIELDS),
    [CAPTURE_LIST]: alert[CAPTURE_LIST],
    CIDAlarm: projectCid(alert['CIDAlarm']),
    VideoReview: isPlainObject(review) ? { HikCIDParams: projectCid(review['HikCIDParams']) } : (review ?? null),
  };
}

export function validateAlert(alert: Record<string, unknown>, defects: string[]): AlertFields {
  let candidate = projectAlert(alert);
  for (let round = 0; round < MAX_VALIDATION_ROUNDS; round++) {
    const result = alertShape.safeParse(candidate);
    if (result.success) return result.data;
    for (const issue of result.error.issues) {
      defects.push(`${issue.path.join('.')}: ${issue.message}; ignored`);
      candidate = removePath(candidate, issue.path);
    }
  }
  return alertShape.parse({});
}

// The direct path: the VendorEvent read straight from the parsed alert, converting as projectAlert
// does and accepting exactly the types alertShape accepts (a test holds the two together). Nearly
// every document passes; for the others zod runs on the projection to name what is wrong, and the
// event is read from what it leaves.
const REJECTED = Symbol('rejected by alertShape');
type Read<T> = T | null | typeof REJECTED;

function readText(value: unknown): Read<string> {
  const text = asText(value);
  return text === null || typeof text === 'string' ? text : REJECTED;
}

function readInteger(value: unknown): Read<number> {
  const number = asInteger(value);
  return number === null || Number.isSafeInteger(number) ? (number as number | null) : REJECTED;
}

function readCid(value: unknown, defects: string[]): Read<CidFields> {
  if (value === undefined || value === null) return null;
  if (!isPlainObject(value)) return REJECTED;
  const cidCode = readText(value['CIDCode']);
  const cidParam = readText(value['CIDParam']);
  const subSys = readInteger(value['subSys']);
  const zoneNo = readInteger(value['zoneNo']);
  const upperZoneNo = readInteger(value['ZoneNo']);
  const videoUrl = readText(value['videoURL']);
  if (cidCode === REJECTED || cidParam === REJECTED || subSys === REJECTED || zoneNo === REJECTED || upperZoneNo === REJECTED || videoUrl === REJECTED) return REJECTED;
  return { cidCode, subSys, zoneNo: zoneNo ?? upperZoneNo, cidParam: parseCidParam(cidParam, defects), videoUrl: link(videoUrl) };
}

/** The event, or undefined when alertShape would reject a field (then nothing is added to defects). */
export function readAlert(alert: Record<string, unknown>, repair: RepairLevel, defects: string[]): VendorEvent | undefined {
  const mark = defects.length;
  const eventType = readText(alert['eventType']);
  const eventState = readText(alert['eventState']);
  const dateTime = readText(alert['dateTime']);
  const dataTime = readText(alert['dataTime']);
  const activePostCount = readInteger(alert['activePostCount']);
  const devIndex = readText(alert['devIndex']);
  const deviceId = readText(alert['deviceID']);
  const deviceSerial = readText(alert['deviceSerial']);
  const channelId = readInteger(alert['channelID']);
  const status = readText(alert['status']);
  const subSys = readInteger(alert['subSys']);
  const zoneNo = readInteger(alert['zoneNo']);
  const upperZoneNo = readInteger(alert['ZoneNo']);
  const inputIoPortId = readInteger(alert['inputIOPortID']);
  const videoUrl = readText(alert['videoURL']);
  const visibleLightUrl = readText(alert['visibleLightURL']);
  const thermalUrl = readText(alert['thermalURL']);
  const pictureUrl = readText(alert['pictureURL']);
  const cidAlarm = readCid(alert['CIDAlarm'], defects);
  const review = alert['VideoReview'];
  const hikCidValue = isPlainObject(review) ? review['HikCIDParams'] : undefined;
  const hikCid = review === undefined || review === null ? null : isPlainObject(review) ? readCid(hikCidValue, defects) : REJECTED;
  if (
    eventType === REJECTED || eventState === REJECTED || dateTime === REJECTED || dataTime === REJECTED || activePostCount === REJECTED ||
    devIndex === REJECTED || deviceId === REJECTED || deviceSerial === REJECTED || channelId === REJECTED || status === REJECTED ||
    subSys === REJECTED || zoneNo === REJECTED || upperZoneNo === REJECTED || inputIoPortId === REJECTED || videoUrl === REJECTED ||
    visibleLightUrl === REJECTED || thermalUrl === REJECTED || pictureUrl === REJECTED || cidAlarm === REJECTED || hikCid === REJECTED
  ) {
    defects.length = mark;
    return undefined;
  }
  if (eventType === null) defects.push('eventType missing');
  return {
    eventType: eventType ?? '',
    eventState: eventState?.toLowerCase() ?? null,
    dateTime: dateTime ?? dataTime,
    activePostCount,
    devIndex,
    deviceId,
    deviceSerial,
    channelId,
    status: status?.toLowerCase() ?? null,
    subSys,
    zoneNo: upperZoneNo ?? zoneNo,
    inputIoPortId,
    videoUrl: link(videoUrl),
    mediaUrls: mediaUrlsOf(alert, hikCidValue, link(visibleLightUrl), link(thermalUrl), link(pictureUrl)),
    cidAlarm,
    hikCid,
    repair,
    defects,
  };
}

/** Normalizes an already-parsed document. */
export function normalizeDocument(value: Record<string, unknown>, repair: RepairLevel, parseDefects: readonly string[] = []): DecodedDocument {
  const defects = [...parseDefects];
  let alert: Record<string, unknown>;
  const wrapped = value['EventNotificationAlert'];
  if (isPlainObject(wrapped)) alert = wrapped;
  else if ('eventType' in value) {
    defects.push('no EventNotificationAlert wrapper');
    alert = value;
  } else if (isPlainObject(value['SubscribeDeviceMgmtRsp'])) {
    return { kind: 'control', name: 'SubscribeDeviceMgmtRsp', value };
  } else if (isPlainObject(value['ResponseStatus']) || ('statusCode' in value && 'statusString' in value)) {
    return { kind: 'control', name: 'ResponseStatus', value };
  } else {
    const keys = Object.keys(value).slice(0, 5).join(', ');
    return {
      kind: 'error',
      error: new HikArcError('HIKARC_EVENT_NOT_AN_ALERT', `the document is not an EventNotificationAlert (top-level keys: ${keys || 'none'})`),
    };
  }

  // What zod leaves always reads (a test holds readAlert to alertShape); the error is a safety net.
  const event = readAlert(alert, repair, defects) ?? readAlert(validateAlert(alert, defects), repair, defects);
  if (event === undefined) return { kind: 'error', error: new HikArcError('HIKARC_EVENT_UNPARSEABLE', `the alert has no readable fields (${defects.join('; ')})`) };
  return { kind: 'event', event };
}

/** Text of one part or line → event, control document or error; never throws. */
export function decodeEventDocument(input: string): DecodedDocument {
  const parsed = parseTolerantJson(input);
  if (parsed.ok) return normalizeDocument(parsed.value, parsed.repair, parsed.defects);
  if (parsed.error.code === 'HIKARC_EVENT_NOT_AN_ALERT') return { kind: 'error', error: parsed.error };
  const defects = [`salvaged after: ${parsed.error.message}`];
  const salvaged = salvageAlert(input, defects);
  if (salvaged === undefined) return { kind: 'error', error: parsed.error };
  return normalizeDocument(salvaged, 'salvaged', defects);
}
