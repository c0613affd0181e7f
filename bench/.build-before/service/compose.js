// The one place that wires translate → outbox → transport for `run` and `replay`: the pipeline that
// stores, the ARC delivery that sends from the store, and the outcome path between them.
import { ArcDelivery } from '../transport/index.js';
import { Pipeline, storedAlarm } from './pipeline.js';
import { ARC_DESTINATION } from './stored-event.js';
export function composeDelivery(options) {
    let pipeline;
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
