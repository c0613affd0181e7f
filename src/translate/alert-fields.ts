// The scalar fields of an EventNotificationAlert that hik-arc reads, in one list: zod's schema and
// its projection are built from it, salvage looks for exactly these, and a test holds the direct
// path (readAlert) to it field by field.

export type FieldKind = 'text' | 'integer';

/** CIDAlarm (guide A.5) and VideoReview.HikCIDParams (A.10); both spellings of the zone key occur. */
export const CID_FIELDS = { CIDCode: 'text', CIDParam: 'text', subSys: 'integer', zoneNo: 'integer', ZoneNo: 'integer', videoURL: 'text' } as const satisfies Record<string, FieldKind>;

/** The alert's own fields; `dataTime` is a misspelling some devices send for `dateTime`. */
export const ALERT_FIELDS = {
  eventType: 'text',
  eventState: 'text',
  dateTime: 'text',
  dataTime: 'text',
  activePostCount: 'integer',
  devIndex: 'text',
  deviceID: 'text',
  deviceSerial: 'text',
  channelID: 'integer',
  status: 'text',
  subSys: 'integer',
  zoneNo: 'integer',
  ZoneNo: 'integer',
  inputIOPortID: 'integer',
  videoURL: 'text',
} as const satisfies Record<string, FieldKind>;

export type CidField = keyof typeof CID_FIELDS;
export type AlertField = keyof typeof ALERT_FIELDS;
