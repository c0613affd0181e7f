// Every error hik-arc raises or logs carries one of these stable codes. Retry and routing logic
// branches on the code, never on the message; docs/errors.md explains each one to an operator and a
// test keeps the two lists equal.

export const ERROR_CODES = {
  // configuration and command line
  HIKARC_CONFIG_INVALID: 'the configuration failed validation',
  HIKARC_CONFIG_MISSING: 'a setting the command needs is not set',
  HIKARC_CONFIG_UNREADABLE: 'the configuration file cannot be read or is not JSON',
  HIKARC_USAGE: 'the command line is wrong',

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

  // translation
  HIKARC_TRANSLATE_UNKNOWN_CODE: 'a Hik code is missing from the security-control table',
  HIKARC_TRANSLATE_INVALID_CODE: 'a Hik code is not four digits starting with 1 or 3',
  HIKARC_TRANSLATE_NO_ACCOUNT: 'no valid DC-09 account could be found for an event',
  HIKARC_TRANSLATE_FIELD_OUT_OF_RANGE: 'a partition, zone or user number does not fit Contact ID',

  // outbox
  HIKARC_STORE_FULL: 'the outbox disk is full',
  HIKARC_STORE_LOCKED: 'the outbox database is locked by another process',
  HIKARC_STORE_FAILED: 'the outbox could not be opened or written',
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
    code: 'HIKARC_CONFIG_INVALID' | 'HIKARC_CONFIG_MISSING' | 'HIKARC_CONFIG_UNREADABLE',
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
