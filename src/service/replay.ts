// Replays captured event files through the service's own pipeline (translate → outbox → transport)
// to the configured ARC, for commissioning, support cases and the demo. The outbox is held in
// memory: the same code path as the service, without touching the service's store.

import { readFileSync } from 'node:fs';
import { sleep, systemClock, type Clock } from '../clock.js';
import type { Config } from '../config/load.js';
import { errorMessage, HikArcError } from '../errors.js';
import { readEventFile } from '../ingest/event-file.js';
import type { Logger } from '../log.js';
import { MetricsRegistry } from '../metrics.js';
import { Translator, type Translation } from '../translate/index.js';
import { decodeEventDocument, StaticAccountDirectory } from '../ingest/index.js';
import { createMemoryOutbox } from '../outbox/index.js';
import { composeDelivery } from './compose.js';
import type { DeliveryOutcome, PipelineOptions } from './pipeline.js';

export interface ReplayOptions {
  readonly config: Config;
  readonly files: readonly string[];
  /** Events per second; undefined sends as fast as the ARC acknowledges. */
  readonly ratePerSec?: number;
  readonly logger: Logger;
  readonly metrics?: MetricsRegistry;
  readonly clock?: Clock;
  readonly signal?: AbortSignal;
  /** One line per event, in input order, once its outcome is known. */
  readonly onLine: (line: ReplayLine) => void;
  /** The pipeline's hook before the store (the demo's media links). */
  readonly beforeStore?: PipelineOptions['beforeStore'];
}

export interface ReplayLine {
  readonly index: number;
  readonly file: string;
  readonly translation: Translation | null;
  /** Why the input was no event (unreadable or not an alert). */
  readonly error: string | null;
  readonly delivery: DeliveryOutcome | null;
}

export interface ReplaySummary {
  events: number;
  forwarded: number;
  acked: number;
  undelivered: number;
  unroutable: number;
  notForwarded: Record<string, number>;
  unreadable: number;
  unreadableFiles: string[];
}

/** Prints lines in input order although deliveries of different accounts finish in any order. */
class OrderedLines {
  private readonly waiting = new Map<number, ReplayLine>();
  private nextIndex = 0;

  constructor(private readonly emit: (line: ReplayLine) => void) {}

  add(line: ReplayLine): void {
    this.waiting.set(line.index, line);
    for (let ready = this.waiting.get(this.nextIndex); ready !== undefined; ready = this.waiting.get(this.nextIndex)) {
      this.waiting.delete(this.nextIndex);
      this.nextIndex++;
      this.emit(ready);
    }
  }
}

export async function replayFiles(options: ReplayOptions): Promise<ReplaySummary> {
  const { config, logger } = options;
  const clock = options.clock ?? systemClock;
  const metrics = options.metrics ?? new MetricsRegistry();
  const summary: ReplaySummary = { events: 0, forwarded: 0, acked: 0, undelivered: 0, unroutable: 0, notForwarded: {}, unreadable: 0, unreadableFiles: [] };
  const lines = new OrderedLines(options.onLine);
  // outbox id → the event line waiting for its delivery outcome
  const waiting = new Map<number, Omit<ReplayLine, 'delivery'>>();
  // Outcomes that arrive before acceptEvent has returned the entry's id.
  const early = new Map<number, DeliveryOutcome>();
  let allSettled: (() => void) | undefined;
  const settle = (line: Omit<ReplayLine, 'delivery'>, delivery: DeliveryOutcome): void => {
    if (delivery.outcome === 'acked') summary.acked++;
    else summary.undelivered++;
    lines.add({ ...line, delivery });
    if (waiting.size === 0) allSettled?.();
  };

  const outbox = createMemoryOutbox({ clock, logger: logger.child({ stage: 'store' }) });
  const translator = new Translator({
    settings: config.translate,
    hikAccount: config.receiver.account,
    directory: new StaticAccountDirectory(config.accounts),
    clock,
    logger: logger.child({ stage: 'translate' }),
    metrics,
  });
  const stack = composeDelivery({
    arc: { ...config.arc, supervisionSec: 0 },
    supervisionAccount: config.receiver.account,
    outbox,
    translator,
    clock,
    logger,
    metrics,
    whenUndelivered: 'dead-letter',
    ...(options.beforeStore === undefined ? {} : { beforeStore: options.beforeStore }),
    onOutcome: (delivery) => {
      if (delivery.outcome === 'retry') return;
      const line = waiting.get(delivery.id);
      if (!line) {
        early.set(delivery.id, delivery);
        return;
      }
      waiting.delete(delivery.id);
      settle(line, delivery);
    },
  });
  const { pipeline } = stack;
  stack.start();

  const intervalMs = options.ratePerSec === undefined ? 0 : 1000 / options.ratePerSec;
  let index = 0;
  try {
    for (const file of options.files) {
      let items;
      try {
        items = readEventFile(readFileSync(file), file).items;
      } catch (error) {
        summary.unreadableFiles.push(file);
        logger.error({ file, code: error instanceof HikArcError ? error.code : undefined, err: errorMessage(error) }, 'event file cannot be replayed');
        continue;
      }
      for (const item of items) {
        if (options.signal?.aborted) break;
        if (item.kind === 'skipped') continue;
        const decoded = item.kind === 'document' ? decodeEventDocument(item.text) : null;
        if (decoded?.kind === 'control') continue;
        const lineIndex = index++;
        summary.events++;
        if (decoded === null || decoded.kind === 'error') {
          summary.unreadable++;
          const error = decoded?.kind === 'error' ? decoded.error.message : item.kind === 'quarantined' ? item.error.message : 'not an event';
          lines.add({ index: lineIndex, file, translation: null, error, delivery: null });
          continue;
        }
        const accepted = await pipeline.acceptEvent(decoded.event, clock.now(), 'replay');
        const { translation } = accepted;
        const line = { index: lineIndex, file, translation, error: null };
        if (translation.forwarded && accepted.outboxId !== null) {
          summary.forwarded++;
          const delivery = early.get(accepted.outboxId);
          if (delivery) {
            early.delete(accepted.outboxId);
            settle(line, delivery);
          } else waiting.set(accepted.outboxId, line);
        } else {
          if (!translation.forwarded) {
            summary.notForwarded[translation.reason] = (summary.notForwarded[translation.reason] ?? 0) + 1;
            if (translation.reason === 'no-account') summary.unroutable++;
          }
          lines.add({ ...line, delivery: null });
        }
        if (intervalMs > 0) await sleep(clock, intervalMs, options.signal);
      }
    }
    if (waiting.size > 0 && !options.signal?.aborted) {
      await new Promise<void>((resolve) => {
        allSettled = resolve;
        options.signal?.addEventListener('abort', () => resolve(), { once: true });
      });
    }
  } finally {
    await stack.stop(1_000);
    await outbox.close();
  }
  return summary;
}
