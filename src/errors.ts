// Every error hik-arc raises or logs carries one of these stable codes. Retry and routing logic
// branches on the code, never on the message; docs/errors.md explains each one to an operator and a
// test keeps the two lists equal.

export const ERROR_CODES = {
  // configuration and command line
  HIKARC_CONFIG_INVALID: 'the configuration failed validation',
  HIKARC_CONFIG_MISSING: 'a setting the command needs is not set',
  HIKARC_CONFIG_UNREADABLE: 'the configuration file cannot be read or is not JSON',
  HIKARC_CONFIG_FILE_READABLE: 'a config file holding secrets can be read by its group or by everyone',
  HIKARC_CONFIG_FORGEABLE_ACK: 'a destination takes a clear ACK to an encrypted frame, which anyone on the path can forge',
  HIKARC_USAGE: 'the command line is wrong',
  HIKARC_LISTEN_FAILED: 'the health and metrics endpoint or the control API cannot listen on its address (in use, or not on this host)',

  // event files and vendor documents
  HIKARC_EVENT_FILE_UNRECOGNISED: 'a file is neither a multipart capture nor JSON event documents',
  HIKARC_EVENT_UNPARSEABLE: 'an event document could not be parsed, repaired or salvaged',
  HIKARC_EVENT_NOT_AN_ALERT: 'a JSON document is not an EventNotificationAlert',
  HIKARC_EVENT_TRUNCATED: 'an event document ends before its closing brace',

  // multipart stream
  HIKARC_MULTIPART_PART_TOO_LARGE: 'a multipart part exceeded the size cap and was quarantined',
  HIKARC_MULTIPART_HEADERS_TOO_LARGE: 'a multipart header block exceeded the size cap',
  HIKARC_MULTIPART_STRAY_BYTES: 'bytes between parts that belong to no part',
  HIKARC_MULTIPART_TRUNCATED_PART: 'the stream ended inside a part',
  HIKARC_MULTIPART_PART_TOO_SLOW: 'one part took longer than 5 × the heartbeat timeout to arrive; quarantined, the stream kept',

  // translation
  HIKARC_TRANSLATE_UNKNOWN_CODE: 'a Hik code is missing from the security-control table',
  HIKARC_TRANSLATE_INVALID_CODE: 'a Hik code is not four digits starting with 1 or 3',
  HIKARC_TRANSLATE_NO_ACCOUNT: 'no valid DC-09 account could be found for an event',
  HIKARC_TRANSLATE_FIELD_OUT_OF_RANGE: 'a partition, zone or user number does not fit Contact ID',

  // transport: DC-09 frames (decoding what a receiver or panel sent, encoding what we send)
  HIKARC_DC09_FRAMING: 'bytes outside an LF ... CR frame',
  HIKARC_DC09_EMPTY_FRAME: 'an empty LF CR frame (some receivers answer a bad CRC this way)',
  HIKARC_DC09_FRAME_TOO_LARGE: 'no CR within the longest possible DC-09 frame',
  HIKARC_DC09_BAD_LENGTH: 'the 0LLL length field is not hex or does not match the body',
  HIKARC_DC09_BAD_CRC: 'the CRC field is not hex or does not match the body',
  HIKARC_DC09_BAD_TOKEN: 'the ID token is missing, unquoted or unknown',
  HIKARC_DC09_BAD_HEADER: 'the sequence, R, L or account field is malformed',
  HIKARC_DC09_BAD_DATA: 'the data, extended blocks or what follows them are malformed',
  HIKARC_DC09_BAD_TIMESTAMP: 'the timestamp is malformed or not a real UTC time',
  HIKARC_DC09_DECRYPT_FAILED: 'an encrypted frame could not be decrypted',
  HIKARC_DC09_KEY_MISMATCH: 'an encrypted frame where no key is set, or a plain frame where one is',
  HIKARC_DC09_INVALID_KEY: 'an AES key is not 16, 24 or 32 bytes in its stated format',
  HIKARC_DC09_INVALID_MESSAGE: 'a message cannot be encoded as a DC-09 frame',
  HIKARC_DC09_TIMESTAMP_WINDOW: 'a frame timestamp is outside the receiver window',
  HIKARC_DC09_UNKNOWN_ACCOUNT: 'a frame for an account the receiver does not know',
  HIKARC_DC09_UNSUPPORTED_MESSAGE: 'a correctly received frame the receiver cannot process',
  HIKARC_DC09_DEVIATION: 'a destination is set to bend DC-09 (arc.deviations), logged once at start',

  // transport: delivery to the ARC
  HIKARC_TRANSPORT_ACK_TIMEOUT: 'no valid answer from the ARC receiver within the ACK timeout',
  HIKARC_TRANSPORT_NAK: 'the ARC receiver answered NAK',
  HIKARC_TRANSPORT_DUH: 'the ARC receiver answered DUH: it will never take this message',
  HIKARC_TRANSPORT_CONNECT_FAILED: 'the connection to the ARC receiver could not be opened',
  HIKARC_TRANSPORT_LINK_CLOSED: 'the ARC receiver closed the connection, or the socket failed, before answering',
  HIKARC_TRANSPORT_UNMATCHED_RESPONSE: 'an answer that does not acknowledge the frame in flight',
  HIKARC_TRANSPORT_BARE_ANSWER: 'a bare NAK or DUH without sequence number and account: it is tied to no frame and ignored',
  HIKARC_TRANSPORT_EARLY_ANSWER: 'bytes that arrived before the frame they would answer was written: ignored',
  HIKARC_TRANSPORT_CLOCK_IMPLAUSIBLE: 'a NAK carried a receiver time more than an hour from ours: not adopted',
  HIKARC_TRANSPORT_PATH_DOWN: 'every path to the ARC is down; the alarm waits in the outbox for one to come back',
  HIKARC_TRANSPORT_CLOCK_SKEW: 'the ARC receiver clock differs from ours by more than 10 s',
  HIKARC_TRANSPORT_SUPERVISION_FAILED: 'a NULL link test was not acknowledged: the path is down',
  HIKARC_TRANSPORT_UNDELIVERED: 'no destination acknowledged a message; it goes back to the caller',
  HIKARC_TRANSPORT_STOPPED: 'the transmitter was stopped before the message was acknowledged',
  HIKARC_TRANSPORT_VIDEO_LINK_OMITTED: 'a verification link was left out of, or shortened in, the [V] block',

  // outbox
  HIKARC_STORE_FULL: 'the outbox disk is full',
  HIKARC_STORE_LOCKED: 'the outbox database is locked by another process',
  HIKARC_STORE_FAILED: 'the outbox could not be opened or written',
  HIKARC_STORE_CORRUPT: 'the outbox file is empty, damaged or not an outbox database',
  HIKARC_STORE_INCOMPATIBLE: 'the outbox was written by a newer hik-arc',
  HIKARC_STORE_IN_USE: 'another hik-arc run holds this outbox',
  HIKARC_STORE_MISSING: 'the outbox file does not exist',
  HIKARC_STORE_UNSTORED: 'an alarm could not be stored before the stop deadline; the log line is its only record',

  // ingest
  HIKARC_DIGEST_CHALLENGE_INVALID: 'the receiver answered 401 without a usable Digest challenge',
  HIKARC_DIGEST_UNSUPPORTED: 'the receiver asks for a Digest algorithm or qop hik-arc does not implement',
  HIKARC_DIGEST_REJECTED: 'the receiver rejected the username or password',
  HIKARC_DIGEST_LOCKED: 'the receiver reports lock information for the login; logins stop until the config changes',
  HIKARC_DIGEST_HOLD: 'a request was not sent because logins are on hold after a rejection',
  HIKARC_RECEIVER_UNREACHABLE: 'the receiver could not be reached or the connection failed',
  HIKARC_RECEIVER_TLS_FAILED: 'the receiver certificate is not trusted (receiver.caFile) or does not match receiver.certFingerprint',
  HIKARC_RECEIVER_NOT_PRIVATE: 'the subscription was refused: the automation output is not enabled and set to Private',
  HIKARC_RECEIVER_SUBSCRIPTION_TAKEN: 'the subscription was refused: another subscription holds the receiver',
  HIKARC_RECEIVER_BUSY: 'the receiver answered device busy',
  HIKARC_RECEIVER_REFUSED: 'the receiver refused a request for another reason',
  HIKARC_RECEIVER_BAD_RESPONSE: 'the receiver accepted the subscription but did not answer with a multipart stream',
  HIKARC_RECEIVER_STREAM_STATUS: 'the receiver sent a ResponseStatus inside the event stream',
  HIKARC_RECEIVER_UNSUBSCRIBE_FAILED: 'the subscription could not be cancelled on the receiver',
  HIKARC_RECEIVER_DIRECTORY_FAILED: 'the device list could not be read from the receiver',
  HIKARC_RECEIVER_DIRECTORY_PARTIAL: 'the device list was read only in part; the last good list stays in use',
  HIKARC_INGEST_HEARTBEAT_TIMEOUT: 'no part arrived within the heartbeat timeout; the stream is dropped and re-subscribed',
  HIKARC_INGEST_STREAM_ENDED: 'the receiver ended the event stream',
  HIKARC_INGEST_INVALID_UTF8: 'a part held bytes that are not UTF-8; they were replaced',
  HIKARC_INGEST_CONTENT_TYPE_MISMATCH: 'a part labelled as something other than JSON held an event; it was taken as one',
  HIKARC_INGEST_DIRECTORY_CACHE_FAILED: 'the last good device list could not be read from or written to disk',
  HIKARC_INGEST_CONSUMER_FAILED: 'handing an event to the next stage failed; it is retried in order',
  HIKARC_INGEST_UNDELIVERED_AT_STOP: 'events were still queued when the stop deadline passed',
  HIKARC_INGEST_LINK_NO_ACCOUNT: 'an upstream link fault cannot be reported because receiver.account is empty',

  // media links (guide 7.1, docs/media.md)
  HIKARC_MEDIA_TOKEN_MALFORMED: 'a media link token is not in the form hik-arc issues',
  HIKARC_MEDIA_TOKEN_INVALID: "a media link token does not carry hik-arc's signature (altered, or signed with another secret)",
  HIKARC_MEDIA_TOKEN_EXPIRED: 'a media link is past its expiry',
  HIKARC_MEDIA_UNKNOWN: 'a media link names an alarm or item hik-arc keeps no media reference for',
  HIKARC_MEDIA_UNSUPPORTED_URL: "an alarm's media URL cannot be fetched from the receiver (another host, or not HTTP); no link is made",
  HIKARC_MEDIA_RECEIVER_NOT_FOUND: "the receiver answered 404 for an alarm's media file",
  HIKARC_MEDIA_RECEIVER_FAILED: "the receiver refused or broke off the download of an alarm's media file",
  HIKARC_MEDIA_RECEIVER_TIMEOUT: "the download of an alarm's media file from the receiver took longer than allowed",
  HIKARC_MEDIA_TOO_LARGE: "an alarm's media file is larger than media.maxFileMB",
  HIKARC_MEDIA_NOT_MEDIA: 'the receiver answered with something that is not a picture or a video',
  HIKARC_MEDIA_BUSY: 'too many media downloads at once; the request was turned away',
  HIKARC_MEDIA_STORE_FAILED: 'the media reference table or the evidence folder could not be written',
  HIKARC_MEDIA_LISTEN_FAILED: 'the media endpoint could not be started (address in use, TLS certificate or key unreadable)',

  // panel control (guide chapter 6, 7.5-7.14; docs/panel-control.md)
  HIKARC_CONTROL_DISABLED: 'panel control is off in the configuration',
  HIKARC_CONTROL_PANEL_UNKNOWN: 'no panel with that account, devIndex or serial, or the receiver does not know its devIndex',
  HIKARC_CONTROL_PANEL_AMBIGUOUS: 'several devices match the panel given',
  HIKARC_CONTROL_NOT_SUPPORTED: 'the panel or the receiver does not support this call',
  HIKARC_CONTROL_ALL_PARTITIONS_UNSUPPORTED: 'the receiver refused the all-partitions id 0xffffffff',
  HIKARC_CONTROL_ARMING_REFUSED: 'the panel refused to arm (open or faulted zones, or arming failed)',
  HIKARC_CONTROL_REFUSED: 'the receiver or the panel refused the command',
  HIKARC_CONTROL_LOW_PRIVILEGE: 'the receiver user has no permission for this call',
  HIKARC_CONTROL_PANEL_UNREACHABLE: 'the receiver answered that it is busy or cannot reach the panel',
  HIKARC_CONTROL_PARTIAL: 'a batch command was carried out for some zones or relays only',
  HIKARC_CONTROL_OUTCOME_UNKNOWN: 'no answer after the command was sent: it may or may not have been carried out',
  HIKARC_CONTROL_UNCONFIRMED: 'the receiver accepted the command but the panel did not show the change',
  HIKARC_CONTROL_BAD_ANSWER: 'an answer from the receiver could not be read, even tolerantly',
  HIKARC_CONTROL_PANEL_BUSY: 'another command for the same panel is in flight',
  HIKARC_CONTROL_RATE_LIMITED: 'the per-receiver rate limit of control requests was reached',
  HIKARC_CONTROL_INVALID_REQUEST: 'a control request is malformed (partition, zones, relays, operator, reason)',
  HIKARC_CONTROL_UNAUTHORIZED: 'a control API request without a valid bearer token',
  HIKARC_CONTROL_FORBIDDEN: 'the bearer token lacks the role the request needs',
  HIKARC_CONTROL_IDEMPOTENCY_CONFLICT: 'an idempotency key was used again for a different request',
  HIKARC_CONTROL_TOKENS_INVALID: 'the control API tokens file cannot be read or is invalid',
  HIKARC_CONTROL_AUDIT_FAILED: 'the control audit trail could not be written; the command was not sent',
  HIKARC_CONTROL_AUDIT_BROKEN: 'the control audit trail does not verify: an entry was changed, removed or reordered',
} as const satisfies Record<string, string>;

export type ErrorCode = keyof typeof ERROR_CODES;

export interface HikArcErrorOptions extends ErrorOptions {
  readonly detail?: Readonly<Record<string, unknown>>;
}

export class HikArcError extends Error {
  override readonly name: string = 'HikArcError';
  readonly code: ErrorCode;
  readonly detail: Readonly<Record<string, unknown>> | undefined;

  constructor(code: ErrorCode, message: string, options: HikArcErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.detail = options.detail;
  }
}

export class ConfigError extends HikArcError {
  override readonly name = 'ConfigError';
  readonly problems: readonly string[];

  constructor(
    code:
      | 'HIKARC_CONFIG_INVALID'
      | 'HIKARC_CONFIG_MISSING'
      | 'HIKARC_CONFIG_UNREADABLE'
      | 'HIKARC_CONTROL_DISABLED'
      | 'HIKARC_CONTROL_TOKENS_INVALID'
      | 'HIKARC_STORE_MISSING',
    problems: readonly string[],
    options: HikArcErrorOptions = {},
  ) {
    super(code, problems.join('; '), options);
    this.problems = problems;
  }
}

export function isHikArcError(value: unknown): value is HikArcError {
  return value instanceof HikArcError;
}

/** Message of anything thrown, for log fields. */
export function errorMessage(value: unknown): string {
  if (value instanceof Error) return value.message;
  return String(value);
}
