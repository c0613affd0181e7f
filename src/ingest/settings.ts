// Everything the ingest stage is tuned by, in milliseconds. The config derives it
// (config/stage-settings.ts); tests pass their own (heartbeat timeouts in the hundreds of milliseconds).

import { basename, dirname, extname, join } from 'node:path';
import type { BackoffPolicy } from '../backoff.js';

export interface IngestSettings {
  /** receiver.url: origin plus an optional path prefix. */
  readonly url: string;
  readonly username: string;
  readonly password: string;
  /** receiver.account: the account of upstream link faults; empty means they cannot be reported. */
  readonly account: string;
  /** Config `accounts`: devIndex or serial to account, over the receiver's device list. */
  readonly accounts: Readonly<Record<string, string>>;
  readonly heartbeatTimeoutMs: number;
  readonly authRetryMs: number;
  readonly linkLossReportMs: number;
  readonly directoryRefreshMs: number;
  /** An unknown devIndex refreshes the device list at most this often. */
  readonly unknownDeviceRefreshMinMs: number;
  /** How long an event of an unknown device waits for that refresh before it is delivered anyway. */
  readonly unknownDeviceWaitMs: number;
  /** Headers timeout of every request, and the whole of short requests (device list, unsubscribe). */
  readonly requestTimeoutMs: number;
  /** stop(): unsubscribe, drain the queue and close, all within this. */
  readonly stopTimeoutMs: number;
  readonly reconnectBackoff: BackoffPolicy;
  readonly consumerRetryBackoff: BackoffPolicy;
  readonly maxPartBytes: number;
  readonly directoryPageSize: number;
  /** Queue length at which the stream stops being read until the consumer catches up. */
  readonly queueHighWater: number;
  /** File that keeps the last good device list across restarts; null keeps it in memory only. */
  readonly directoryCachePath: string | null;
  /** PEM text of receiver.caFile: what to trust for an https receiver instead of the system CAs. */
  readonly caPem: string | null;
  /** receiver.certFingerprint as `AB:CD:…`: the one certificate to accept. */
  readonly certFingerprint: string | null;
  /** Repeated warnings (quarantined parts, stray bytes, ...): lines written per code and window. */
  readonly warnBurst: number;
  /** ... and the window, after which one summary line per code says how many were left out. */
  readonly warnWindowMs: number;
}

const SECOND_MS = 1000;

export const INGEST_DEFAULTS = {
  unknownDeviceRefreshMinMs: 60 * SECOND_MS,
  unknownDeviceWaitMs: 3 * SECOND_MS,
  requestTimeoutMs: 10 * SECOND_MS,
  stopTimeoutMs: 10 * SECOND_MS,
  consumerRetryBackoff: { minMs: 100, maxMs: 5 * SECOND_MS, factor: 2 },
  directoryPageSize: 50,
  queueHighWater: 10_000,
  warnBurst: 5,
  warnWindowMs: 10 * SECOND_MS,
} as const;

/** The last good device list lives next to the outbox: `hik-arc.db` → `hik-arc.devices.json`. */
export function directoryCachePathFor(storePath: string): string | null {
  if (storePath === '' || storePath === ':memory:') return null;
  return join(dirname(storePath), `${basename(storePath, extname(storePath))}.devices.json`);
}
