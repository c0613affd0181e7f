// The one place that wires translate → outbox → transport, for `run`, `replay` and `send`: the pipeline that
// stores, the ARC delivery that sends from the store, and the outcome path between them.

import type { Clock } from '../clock.js';
import type { Config } from '../config/load.js';
import type { Logger } from '../log.js';
import type { MetricsRegistry } from '../metrics.js';
import type { Outbox } from '../outbox/index.js';
import type { Translator } from '../translate/index.js';
import { ArcDelivery, type PathStateChange } from '../transport/index.js';
import type { LinkConnector } from '../transport/link.js';
import { Pipeline, storedAlarm, type DeliveryOutcome, type PipelineOptions } from './pipeline.js';
import { ARC_DESTINATION } from './stored-event.js';

export interface DeliveryStackOptions {
  readonly arc: Config['arc'];
  /** Account of NULL link tests; empty: none (a down path is probed with an alarm). */
  readonly supervisionAccount: string;
  readonly outbox: Outbox;
  readonly translator: Translator;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly metrics: MetricsRegistry;
  readonly whenUndelivered?: 'retry' | 'dead-letter';
  readonly connect?: LinkConnector;
  readonly onOutcome?: (outcome: DeliveryOutcome) => void;
  readonly onPathState?: (change: PathStateChange) => void;
  /** The pipeline's hook before an alarm is stored (media links). */
  readonly beforeStore?: PipelineOptions['beforeStore'];
}

export interface DeliveryStack {
  readonly pipeline: Pipeline;
  readonly delivery: ArcDelivery;
  start(): void;
  /** Stops sending: in-flight alarms get `deadlineMs` for their answers; the outbox stays open. */
  stop(deadlineMs: number): Promise<void>;
}

export function composeDelivery(options: DeliveryStackOptions): DeliveryStack {
  let pipeline: Pipeline | undefined;
  const delivery = new ArcDelivery(options.arc, {
    outbox: options.outbox,
    destination: ARC_DESTINATION,
    decode: storedAlarm,
    supervisionAccount: options.supervisionAccount,
    clock: options.clock,
    logger: options.logger,
    metrics: options.metrics,
    ...(options.connect === undefined ? {} : { connect: options.connect }),
    ...(options.whenUndelivered === undefined ? {} : { whenUndelivered: options.whenUndelivered }),
    ...(options.onPathState === undefined ? {} : { onPathState: options.onPathState }),
    onOutcome: (outcome) => pipeline?.delivered(outcome),
  });
  pipeline = new Pipeline({
    outbox: options.outbox,
    translator: options.translator,
    wake: () => delivery.poke(),
    clock: options.clock,
    logger: options.logger.child({ stage: 'store' }),
    metrics: options.metrics,
    ...(options.onOutcome === undefined ? {} : { onOutcome: options.onOutcome }),
    ...(options.beforeStore === undefined ? {} : { beforeStore: options.beforeStore }),
  });
  const built = pipeline;
  return {
    pipeline: built,
    delivery,
    start() {
      built.start();
      delivery.start();
    },
    async stop(deadlineMs) {
      built.stop();
      await delivery.stop(deadlineMs);
    },
  };
}
