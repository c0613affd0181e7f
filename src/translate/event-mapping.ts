// Pure mapping of one normalized vendor event to Contact ID / SIA codes, partition and zone, by the
// rules of each event family (Appendix B event types, Appendix D code tables). No account, no
// state: those are the translator's business.

import type { ErrorCode } from '../errors.js';
import { lookupCode, lookupLowerCode, type CodeFamily, type CodeRow } from './code-tables.js';
import type { Qualifier } from './payload.js';
import type { CidFields, VendorEvent } from '../ingest/vendor-event.js';

/** What translation is tuned by (the config's `translate.*`, docs in config/schema.ts). */
export interface TranslateSettings {
  /** Account for devices without one; empty keeps their events as unroutable dead letters. */
  readonly fallbackAccount: string;
  /** An eventType hik-arc does not know: `forward` as CID 140 / SIA UA, or `drop`. */
  readonly unknownEvent: 'forward' | 'drop';
  /** eventState inactive for families without a restore code: `drop`, or send as `restore`. */
  readonly inactive: 'drop' | 'restore';
  /** A re-sent durative alarm within this window of its last forward is not forwarded again; 0 = off. */
  readonly repeatWindowSec: number;
}

export type EventFamily = CodeFamily | 'pir' | 'unknown';

export interface EventCodes {
  readonly family: EventFamily;
  /** The Hik code or table key the codes came from. */
  readonly hikCode: string | null;
  readonly qualifier: Qualifier;
  /** Contact ID event code, three digits. */
  readonly code: string;
  readonly sia: string;
  readonly partition: number;
  readonly zone: number;
  readonly user: number | null;
  readonly description: string;
  readonly videoUrl: string | null;
  /** Problems that did not stop the alarm (unknown code, number out of range), with their codes. */
  readonly warnings: ReadonlyArray<{ readonly code: ErrorCode; readonly message: string }>;
}

export type MappingSkipReason = 'heartbeat' | 'inactive' | 'unknown-event';

export type EventMapping =
  | { readonly kind: 'mapped'; readonly codes: EventCodes }
  | { readonly kind: 'skip'; readonly reason: MappingSkipReason; readonly detail: string };

type Warning = EventCodes['warnings'][number];

// Contact ID 140 "general alarm" and SIA UA/UR "untyped zone alarm/restore" carry events that have
// no code of their own, so the operator still sees that something happened.
const GENERAL_ALARM_CODE = '140';
const UNTYPED_ALARM_SIA = 'UA';
const UNTYPED_RESTORE_SIA = 'UR';

// Appendix D.1 PIR codes: eventType PIR is reported as 1774 (E774 AX), its end as 3774.
const PIR_ALARM_CODE = '1774';
const PIR_RESTORE_CODE = '3774';

const MAX_PARTITION = 99;
const MAX_ZONE_OR_USER = 999;

interface Location {
  readonly partition: number | null;
  readonly zone: number | null;
  readonly user: number | null;
  readonly videoUrl: string | null;
}

function inRange(value: number | null, max: number, what: string, warnings: Warning[]): number {
  if (value === null) return 0;
  if (value < 0 || value > max) {
    warnings.push({ code: 'HIKARC_TRANSLATE_FIELD_OUT_OF_RANGE', message: `${what} ${value} does not fit Contact ID (0..${max}); sent as 0` });
    return 0;
  }
  return value;
}

function fromRow(family: EventFamily, row: CodeRow, location: Location, warnings: Warning[], restore = false): EventCodes {
  const restoreRow = restore || row.cid.startsWith('R');
  return {
    family,
    hikCode: row.key,
    qualifier: restoreRow ? 3 : 1,
    code: row.cid.slice(1),
    sia: row.sia,
    partition: inRange(location.partition, MAX_PARTITION, 'partition', warnings),
    zone: inRange(location.zone, MAX_ZONE_OR_USER, 'zone', warnings),
    user: location.user === null ? null : inRange(location.user, MAX_ZONE_OR_USER, 'user', warnings),
    description: row.description,
    videoUrl: location.videoUrl,
    warnings,
  };
}

function generalAlarm(
  family: EventFamily,
  hikCode: string | null,
  qualifier: Qualifier,
  description: string,
  location: Location,
  warnings: Warning[],
): EventCodes {
  return {
    family,
    hikCode,
    qualifier,
    code: GENERAL_ALARM_CODE,
    sia: qualifier === 3 ? UNTYPED_RESTORE_SIA : UNTYPED_ALARM_SIA,
    partition: inRange(location.partition, MAX_PARTITION, 'partition', warnings),
    zone: inRange(location.zone, MAX_ZONE_OR_USER, 'zone', warnings),
    user: location.user === null ? null : inRange(location.user, MAX_ZONE_OR_USER, 'user', warnings),
    description,
    videoUrl: location.videoUrl,
    warnings,
  };
}

/** A Hik code from the security-control table, or the rule for codes the table does not have. */
function securityControl(family: EventFamily, eventType: string, hikCode: string | null, location: Location): EventCodes {
  const warnings: Warning[] = [];
  if (hikCode === null) {
    warnings.push({ code: 'HIKARC_TRANSLATE_INVALID_CODE', message: `${eventType} without a CIDCode; sent as general alarm 140` });
    return generalAlarm(family, null, 1, `${eventType} without CIDCode`, location, warnings);
  }
  const row = lookupCode('security-control', hikCode);
  if (row) return fromRow(family, row, location, warnings);
  // Appendix A.5: "the last three digits indicate the event/alarm code, and the first digit
  // indicates the alarm status (1-triggered, 3-restored)".
  if (/^[13]\d{3}$/.test(hikCode)) {
    const qualifier: Qualifier = hikCode.startsWith('3') ? 3 : 1;
    warnings.push({ code: 'HIKARC_TRANSLATE_UNKNOWN_CODE', message: `Hik code ${hikCode} is not in the security-control table` });
    return {
      ...generalAlarm(family, hikCode, qualifier, `Unknown Hik code ${hikCode}`, location, warnings),
      code: hikCode.slice(1),
    };
  }
  warnings.push({ code: 'HIKARC_TRANSLATE_INVALID_CODE', message: `Hik code "${hikCode}" is not 4 digits starting with 1 or 3; sent as general alarm 140` });
  return generalAlarm(family, hikCode, 1, `Invalid Hik code ${hikCode}`, location, warnings);
}

function cidLocation(fields: CidFields | null, fallbackVideoUrl: string | null): Location {
  const param = fields?.cidParam ?? null;
  return {
    partition: fields?.subSys ?? 0,
    zone: fields?.zoneNo ?? param?.zoneNo ?? 0,
    user: param?.userNo ?? null,
    videoUrl: fields?.videoUrl ?? fallbackVideoUrl,
  };
}

// Encoding-device events and PIR: partition and zone from VideoReview.HikCIDParams, then the
// top-level fields, then the IO port, then the channel.
function encodingLocation(event: VendorEvent): Location {
  const hik = event.hikCid;
  return {
    partition: hik?.subSys ?? event.subSys ?? 0,
    zone: hik?.zoneNo ?? event.zoneNo ?? event.inputIoPortId ?? event.channelId ?? 0,
    user: null,
    videoUrl: hik?.videoUrl ?? event.videoUrl,
  };
}

function channelLocation(event: VendorEvent): Location {
  return { partition: 0, zone: event.channelId ?? 0, user: null, videoUrl: event.videoUrl };
}

const RECEIVER_LOCATION: Location = { partition: 0, zone: 0, user: null, videoUrl: null };

// eventType (lower-cased) → status value → device-status table key (Appendix D.5).
const STATUS_EVENTS: ReadonlyMap<string, ReadonlyMap<string, string>> = new Map([
  [
    'devstatuschanged',
    new Map([
      ['online', 'deviceonline'],
      ['offline', 'deviceoffline'],
    ]),
  ],
  [
    'devicekeystatechanged',
    new Map([
      ['normal', 'deviceKeyNormal'],
      ['abnormal', 'deviceKeyAbnormal'],
    ]),
  ],
  [
    'hppconnectionstatuschanged',
    new Map([
      ['normal', 'hppConnectNormal'],
      ['abnormal', 'hppConnectAbnormal'],
    ]),
  ],
  [
    'hppconnectstatechanged',
    new Map([
      ['normal', 'hppConnectNormal'],
      ['abnormal', 'hppConnectAbnormal'],
    ]),
  ],
  [
    'devicehppnetworkchanged',
    new Map([
      ['normal', 'deviceHppNormal'],
      ['abnormal', 'deviceHppAbnormal'],
    ]),
  ],
]);

export const DEVICE_DELETED_EVENT = 'devicedeleted';

/** True for events about the receiver or a device's connection rather than a zone. */
export function isStatusEvent(eventType: string): boolean {
  const type = eventType.toLowerCase();
  return type === DEVICE_DELETED_EVENT || STATUS_EVENTS.has(type);
}

function unknownEvent(event: VendorEvent, settings: TranslateSettings, description: string, location: Location): EventMapping {
  if (settings.unknownEvent === 'drop') return { kind: 'skip', reason: 'unknown-event', detail: description };
  const inactive = event.eventState === 'inactive';
  if (inactive && settings.inactive === 'drop') return { kind: 'skip', reason: 'inactive', detail: description };
  return { kind: 'mapped', codes: generalAlarm('unknown', null, inactive ? 3 : 1, description, location, []) };
}

/** Events of families whose table has no restore code: eventState inactive per `translate.inactive`. */
function tableEvent(family: CodeFamily, row: CodeRow, event: VendorEvent, settings: TranslateSettings, location: Location): EventMapping {
  if (event.eventState === 'inactive') {
    if (settings.inactive === 'drop') return { kind: 'skip', reason: 'inactive', detail: `${event.eventType} ended (eventState inactive)` };
    return { kind: 'mapped', codes: fromRow(family, row, location, [], true) };
  }
  return { kind: 'mapped', codes: fromRow(family, row, location, []) };
}

export function mapEvent(event: VendorEvent, settings: TranslateSettings): EventMapping {
  const type = event.eventType.toLowerCase();
  if (type === 'heartbeat') return { kind: 'skip', reason: 'heartbeat', detail: 'receiver heartbeat' };

  if (type === 'cidalarm') {
    return {
      kind: 'mapped',
      codes: securityControl('security-control', event.eventType, event.cidAlarm?.cidCode ?? null, cidLocation(event.cidAlarm, event.videoUrl)),
    };
  }
  if (type === 'videoreview') {
    return {
      kind: 'mapped',
      codes: securityControl('security-control', event.eventType, event.hikCid?.cidCode ?? null, cidLocation(event.hikCid, event.videoUrl)),
    };
  }
  if (type === 'pir') {
    const hikCode = event.eventState === 'inactive' ? PIR_RESTORE_CODE : PIR_ALARM_CODE;
    return { kind: 'mapped', codes: securityControl('pir', event.eventType, hikCode, encodingLocation(event)) };
  }

  const encoding = lookupLowerCode('encoding-device', type);
  if (encoding) return tableEvent('encoding-device', encoding, event, settings, encodingLocation(event));
  const radar = lookupLowerCode('radar', type);
  if (radar) return tableEvent('radar', radar, event, settings, channelLocation(event));
  const access = lookupLowerCode('access-control', type);
  if (access) return tableEvent('access-control', access, event, settings, channelLocation(event));

  if (type === DEVICE_DELETED_EVENT) {
    const row = lookupCode('device-status', 'devicedeleted');
    if (row) return { kind: 'mapped', codes: fromRow('device-status', row, RECEIVER_LOCATION, []) };
  }
  const statuses = STATUS_EVENTS.get(type);
  if (statuses) {
    const key = event.status === null ? undefined : statuses.get(event.status);
    const row = key === undefined ? undefined : lookupCode('device-status', key);
    if (row) return { kind: 'mapped', codes: fromRow('device-status', row, RECEIVER_LOCATION, []) };
    return unknownEvent(event, settings, `${event.eventType} with unknown status "${event.status ?? ''}"`, RECEIVER_LOCATION);
  }

  const name = event.eventType === '' ? '(no eventType)' : event.eventType;
  return unknownEvent(event, settings, `Unknown event ${name}`, encodingLocation(event));
}

/** The last three Contact ID digits: the user for open/close codes (400-499) when known, else the zone. */
export function reportNumber(codes: Pick<EventCodes, 'code' | 'zone' | 'user'>): number {
  const numeric = Number(codes.code);
  if (numeric >= 400 && numeric <= 499 && codes.user !== null) return codes.user;
  return codes.zone;
}
