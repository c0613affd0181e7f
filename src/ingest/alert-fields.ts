// The scalar fields of an EventNotificationAlert that hik-arc reads, in one list: the reader
// (vendor-event.ts) reads exactly these, each by its kind, and salvage looks for exactly these.

export type FieldKind = 'text' | 'integer';

/** CIDAlarm (guide A.5) and VideoReview.HikCIDParams (A.10); both spellings of the zone key occur. */
export const CID_FIELDS = {
  CIDCode: 'text',
  CIDParam: 'text',
  subSys: 'integer',
  zoneNo: 'integer',
  ZoneNo: 'integer',
  videoURL: 'text',
} as const satisfies Record<string, FieldKind>;

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
  // Picture URLs (docs/media.md §2): thermal and fire events (guide A.15, A.23-A.25) name them;
  // pictureURL is what ISAPI access-control events use (not shown in the guide, 7.1 remark).
  visibleLightURL: 'text',
  thermalURL: 'text',
  pictureURL: 'text',
} as const satisfies Record<string, FieldKind>;

/**
 * Lists of media URLs, read leniently (a list that is not one is no media, never a defect that
 * costs the alarm): PIR CaptureList entries (guide A.26) and the second lens of a dual-lens camera
 * in HikCIDParams.videoInfoList (A.29).
 */
export const CAPTURE_LIST = 'CaptureList';
export const VIDEO_INFO_LIST = 'videoInfoList';

export type CidField = keyof typeof CID_FIELDS;
export type AlertField = keyof typeof ALERT_FIELDS;
