// Reads a parsed vendor document into a normalized VendorEvent, in one pass over the field table of
// alert-fields.ts. Field by field it is lenient in the ways devices need (numbers sent as strings,
// `" abnormal"`, `dataTime` for `dateTime`, a document without its EventNotificationAlert wrapper)
// and strict where a wrong value would send a wrong alarm: a number comes from a string only when
// the string is a plain integer (a general coercion would turn `""` into zone 0). A field that cannot
// be read is dropped and named in the event's defects; it never costs the whole alarm.

import { HikArcError } from '../errors.js';
import { ALERT_FIELDS, CAPTURE_LIST, CID_FIELDS, VIDEO_INFO_LIST, type FieldKind } from './alert-fields.js';
import { isPlainObject, parseTolerantJson, type RepairLevel } from '../vendor-json/tolerant-json.js';
import { salvageAlert } from './alert-salvage.js';

const INTEGER_TEXT = /^\s*[-+]?\d{1,10}\s*$/;

// The documented conversions: a plain integer string becomes a number, text is trimmed, an empty
// string is no value, a number where text belongs is its decimal text.
function asInteger(value: unknown): unknown {
  if (value === undefined || value === null || typeof value === 'number') return value ?? null;
  return typeof value === 'string' ? (integerOf(value) ?? value) : value;
}

/** A plain decimal integer (optional sign, surrounding spaces, at most 10 digits), else undefined. */
function integerOf(text: string): number | undefined {
  return INTEGER_TEXT.test(text) ? Number(text) : undefined;
}

function asText(value: unknown): unknown {
  if (value === undefined || value === null) return null;
  if (typeof value === 'string') {
    const trimmed = value.trim();
    return trimmed === '' ? null : trimmed;
  }
  return typeof value === 'number' ? String(value) : value;
}

type FieldValue<K extends FieldKind> = K extends 'text' ? string | null : number | null;
type FieldValues<T extends Readonly<Record<string, FieldKind>>> = { -readonly [K in keyof T]: FieldValue<T[K]> };

function describe(value: unknown): string {
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'string') return `"${value.length > 20 ? `${value.slice(0, 20)}…` : value}"`;
  return typeof value === 'object' ? 'an object' : String(value);
}

/**
 * The fields of `source` that `fields` lists, converted; one that does not convert to its kind is
 * null and named in `defects` (`CIDAlarm.zoneNo: "1a" is not an integer; ignored`).
 */
function readFields<T extends Readonly<Record<string, FieldKind>>>(
  source: Record<string, unknown>,
  fields: T,
  place: string,
  defects: string[],
): FieldValues<T> {
  const values: Record<string, string | number | null> = {};
  for (const key in fields) {
    const raw = source[key];
    if (fields[key] === 'text') {
      const text = asText(raw);
      if (text === null || typeof text === 'string') values[key] = text;
      else {
        defects.push(`${place}${key}: ${describe(raw)} is not text; ignored`);
        values[key] = null;
      }
    } else {
      const number = asInteger(raw);
      if (number === null || Number.isSafeInteger(number)) values[key] = number as number | null;
      else {
        defects.push(`${place}${key}: ${describe(raw)} is not an integer; ignored`);
        values[key] = null;
      }
    }
  }
  return values as FieldValues<T>;
}

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
    const value = integerOf(raw.slice(start, comma));
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
function mediaUrlsOf(
  alert: Record<string, unknown>,
  hikCid: unknown,
  visibleLight: string | null,
  thermal: string | null,
  picture: string | null,
): readonly MediaUrl[] {
  const captures = alert[CAPTURE_LIST];
  const videoInfo = hikCid !== undefined && isPlainObject(hikCid) ? hikCid[VIDEO_INFO_LIST] : undefined;
  if (captures === undefined && videoInfo === undefined && visibleLight === null && thermal === null && picture === null) return NO_MEDIA;
  const urls: MediaUrl[] = [];
  listedUrls(videoInfo, 'video', 'videoURL', urls);
  for (const url of [visibleLight, thermal, picture]) if (url !== null) urls.push({ kind: 'picture', url });
  listedUrls(captures, 'picture', 'resourcesContent', urls);
  return urls.length === 0 ? NO_MEDIA : urls;
}

function readCid(value: unknown, place: string, defects: string[]): CidFields | null {
  if (value === undefined || value === null) return null;
  if (!isPlainObject(value)) {
    defects.push(`${place}: ${describe(value)} is not an object; ignored`);
    return null;
  }
  const fields = readFields(value, CID_FIELDS, `${place}.`, defects);
  return {
    cidCode: fields.CIDCode,
    subSys: fields.subSys,
    zoneNo: fields.zoneNo ?? fields.ZoneNo,
    cidParam: parseCidParam(fields.CIDParam, defects),
    videoUrl: link(fields.videoURL),
  };
}

/** The event of one alert object; every field that cannot be read is named in `defects`. */
export function readAlert(alert: Record<string, unknown>, repair: RepairLevel, defects: string[]): VendorEvent {
  const fields = readFields(alert, ALERT_FIELDS, '', defects);
  const cidAlarm = readCid(alert['CIDAlarm'], 'CIDAlarm', defects);
  const review = alert['VideoReview'];
  let hikCidValue: unknown;
  let hikCid: CidFields | null = null;
  if (isPlainObject(review)) {
    hikCidValue = review['HikCIDParams'];
    hikCid = readCid(hikCidValue, 'VideoReview.HikCIDParams', defects);
  } else if (review !== undefined && review !== null) {
    defects.push(`VideoReview: ${describe(review)} is not an object; ignored`);
  }
  if (fields.eventType === null) defects.push('eventType missing');
  return {
    eventType: fields.eventType ?? '',
    eventState: fields.eventState?.toLowerCase() ?? null,
    dateTime: fields.dateTime ?? fields.dataTime,
    activePostCount: fields.activePostCount,
    devIndex: fields.devIndex,
    deviceId: fields.deviceID,
    deviceSerial: fields.deviceSerial,
    channelId: fields.channelID,
    status: fields.status?.toLowerCase() ?? null,
    subSys: fields.subSys,
    zoneNo: fields.ZoneNo ?? fields.zoneNo,
    inputIoPortId: fields.inputIOPortID,
    videoUrl: link(fields.videoURL),
    mediaUrls: mediaUrlsOf(alert, hikCidValue, link(fields.visibleLightURL), link(fields.thermalURL), link(fields.pictureURL)),
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

  return { kind: 'event', event: readAlert(alert, repair, defects) };
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
