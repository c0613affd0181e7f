// Typed errors of the transport stage. The codec returns them (never throws on bad input bytes) so a
// receiver's garbage can only ever become a counted, logged, typed error.

import { HikArcError, type ErrorCode, type HikArcErrorOptions } from '../errors.js';

export type Dc09ErrorCode = Extract<ErrorCode, `HIKARC_DC09_${string}`>;
export type TransportErrorCode = Extract<ErrorCode, `HIKARC_TRANSPORT_${string}`>;

export class Dc09Error extends HikArcError {
  override readonly name = 'Dc09Error';
  declare readonly code: Dc09ErrorCode;

  constructor(code: Dc09ErrorCode, message: string, options: HikArcErrorOptions = {}) {
    super(code, message, options);
  }
}

/** A delivery problem: carried in results and logs, thrown only by connectors to their caller. */
export class TransportError extends HikArcError {
  override readonly name = 'TransportError';
  declare readonly code: TransportErrorCode;

  constructor(code: TransportErrorCode, message: string, options: HikArcErrorOptions = {}) {
    super(code, message, options);
  }
}

export type Result<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: Dc09Error };

export function ok<T>(value: T): Result<T> {
  return { ok: true, value };
}

export function fail<T>(code: Dc09ErrorCode, message: string, detail?: Readonly<Record<string, unknown>>): Result<T> {
  return { ok: false, error: new Dc09Error(code, message, detail === undefined ? {} : { detail }) };
}
