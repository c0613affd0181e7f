// Gives memory back after a burst. V8 collects old garbage when allocation pushes it to, and during
// an ARC outage a service that has just stored a storm allocates little: the garbage of the storm
// can sit in the heap for minutes. Once the stream has been quiet for a while and the heap has grown
// well past what the last full collection left, one full collection returns it (a pause of tens of
// milliseconds, only in a quiet moment). It needs node's --expose-gc (deploy/hik-arc.service sets
// it); without it this does nothing.

import type { Clock } from '../clock.js';
import type { Logger } from '../log.js';

export interface MemoryTrimOptions {
  readonly clock: Clock;
  readonly logger: Logger;
  /** Wall ms of the last stored event; the trim waits for the stream to be quiet. */
  readonly lastActivityAt: () => number;
  /** Heap in use, bytes. */
  readonly heapUsed?: () => number;
  /** A full garbage collection; undefined when node was started without --expose-gc. */
  readonly collect?: (() => void) | undefined;
  readonly intervalMs?: number;
  readonly quietMs?: number;
}

const CHECK_INTERVAL_MS = 5_000;
const QUIET_MS = 10_000;
// Compact when the heap holds this much more than the last full collection left (and at least
// MIN_GROWTH_BYTES): below that, V8's own collections are doing fine.
const GROWTH_FACTOR = 2;
const MIN_GROWTH_BYTES = 32 * 1024 * 1024;

function exposedGc(): (() => void) | undefined {
  const candidate = (globalThis as { gc?: unknown }).gc;
  return typeof candidate === 'function' ? () => (candidate as () => void)() : undefined;
}

export class MemoryTrim {
  private baseline: number;
  private cancel: (() => void) | null = null;
  private readonly heapUsed: () => number;
  private readonly collect: (() => void) | undefined;

  constructor(private readonly options: MemoryTrimOptions) {
    this.heapUsed = options.heapUsed ?? (() => process.memoryUsage().heapUsed);
    this.collect = 'collect' in options ? options.collect : exposedGc();
    this.baseline = this.heapUsed();
  }

  get enabled(): boolean {
    return this.collect !== undefined;
  }

  start(): void {
    if (!this.collect || this.cancel) return;
    const tick = (): void => {
      this.check();
      this.cancel = this.options.clock.setTimer(this.options.intervalMs ?? CHECK_INTERVAL_MS, tick);
    };
    this.cancel = this.options.clock.setTimer(this.options.intervalMs ?? CHECK_INTERVAL_MS, tick);
  }

  stop(): void {
    this.cancel?.();
    this.cancel = null;
  }

  /** Compacts when quiet and grown; returns whether it did. */
  check(): boolean {
    if (!this.collect) return false;
    const quietFor = this.options.clock.now() - this.options.lastActivityAt();
    const used = this.heapUsed();
    if (quietFor < (this.options.quietMs ?? QUIET_MS)) return false;
    if (used < this.baseline * GROWTH_FACTOR || used - this.baseline < MIN_GROWTH_BYTES) return false;
    const started = this.options.clock.monotonic();
    this.collect();
    this.baseline = this.heapUsed();
    this.options.logger.info(
      { heapBeforeMb: Math.round(used / 2 ** 20), heapAfterMb: Math.round(this.baseline / 2 ** 20), pauseMs: Math.round(this.options.clock.monotonic() - started) },
      'memory given back after a burst',
    );
    return true;
  }
}
