// Everything the media stage is tuned by, in milliseconds and bytes. The service derives it from
// the configuration; tests pass their own (caps of a few kilobytes, timeouts of a second).

import type { BackoffPolicy } from '../backoff.js';

export interface MediaSettings {
  /** media.listen; empty: no endpoint, the [V] block keeps the receiver path. */
  readonly listen: string;
  readonly publicUrl: string;
  readonly tls: { readonly certFile: string; readonly keyFile: string } | null;
  readonly secret: string;
  readonly linkTtlMs: number;
  readonly archive: boolean;
  readonly dir: string;
  /** The store file the references live in (store.path). */
  readonly storePath: string;
  readonly retentionMs: number;
  readonly maxDiskBytes: number;
  readonly maxFileBytes: number;
  /** Downloads from the receiver at once. */
  readonly maxConcurrent: number;
  /** Requests waiting for a download slot before more are turned away (503). */
  readonly maxWaiting: number;
  /** Answers in progress at once; more are turned away (503). */
  readonly maxActiveResponses: number;
  readonly fetchTimeoutMs: number;
  /** The receiver's first answer (headers) to a download must come within this. */
  readonly headersTimeoutMs: number;
  readonly archiveRetry: BackoffPolicy;
  /** Archive fetches of one item before it is left to on-demand fetches. */
  readonly archiveAttempts: number;
  /** Retention runs this often (and at start). */
  readonly pruneIntervalMs: number;
  readonly receiver: { readonly url: string; readonly username: string; readonly password: string; readonly authRetryMs: number };
}

const SECOND_MS = 1_000;
const HOUR_MS = 3_600 * SECOND_MS;

// A clip is often still being pulled from the camera when the alarm arrives (the receiver's
// visualState, guide A.9): the archive tries again at about 15 s, 30 s, 1, 2 and 4 minutes.
export const MEDIA_DEFAULTS = {
  maxWaiting: 32,
  maxActiveResponses: 32,
  headersTimeoutMs: 10 * SECOND_MS,
  archiveRetry: { minMs: 15 * SECOND_MS, maxMs: 5 * 60 * SECOND_MS, factor: 2 },
  archiveAttempts: 6,
  pruneIntervalMs: HOUR_MS,
} as const;
