// The transport stage as the service, replay and send use it: the paths built from `arc.*` and the
// dispatcher that feeds them from an outbox. Built here from the config and nowhere else.
import { systemClock } from '../clock.js';
import { ConfigError, isHikArcError } from '../errors.js';
import { silentLogger } from '../log.js';
import { MetricsRegistry } from '../metrics.js';
import { createMemoryOutbox } from '../outbox/index.js';
import { RateLimitedLog } from '../rate-limited-log.js';
import { ArcPath } from './arc-path.js';
import { isDc09Account } from './dc09-fields.js';
import { connectLink } from './connect.js';
import { createRandomPadSource, parseAesKey } from './dc09-crypto.js';
import { ackTimeoutFor, parseDestinationUrl } from './destination.js';
import { Dispatcher } from './dispatcher.js';
import { supervisionTemplate } from './event-message.js';
import { transportMetrics } from './transport-metrics.js';
/** The key bytes of `arc.key`, or null when it is empty; a ConfigError names a bad key. */
export function arcKey(key, format) {
    if (key === '')
        return null;
    try {
        return parseAesKey(key, format);
    }
    catch (error) {
        throw new ConfigError('HIKARC_CONFIG_INVALID', [`arc.key: ${isHikArcError(error) ? error.message : String(error)}`]);
    }
}
export class ArcDelivery {
    paths;
    dispatcher;
    limitedLog;
    constructor(arc, deps) {
        const clock = deps.clock ?? systemClock;
        const logger = (deps.logger ?? silentLogger).child({ stage: 'transport' });
        const metrics = transportMetrics(deps.metrics ?? new MetricsRegistry());
        this.limitedLog = new RateLimitedLog({ logger, clock });
        const key = deps.key === undefined ? arcKey(arc.key, arc.keyFormat) : deps.key;
        const headers = { format: arc.format, receiverNumber: arc.receiverNumber, linePrefix: arc.linePrefix };
        const pad = deps.pad ?? createRandomPadSource();
        // docs/delivery.md §Paths: NULL tests only where the installer turned supervision on.
        const nullTest = arc.supervisionSec > 0 && isDc09Account(deps.supervisionAccount) ? supervisionTemplate(deps.supervisionAccount, headers) : null;
        const specs = [{ name: 'primary', url: arc.primary }];
        if (arc.secondary !== '')
            specs.push({ name: 'secondary', url: arc.secondary });
        this.paths = specs.map((spec) => {
            const address = parseDestinationUrl(spec.url);
            if (address === undefined)
                throw new ConfigError('HIKARC_CONFIG_INVALID', [`arc.${spec.name}: "${spec.url}" is not tcp://HOST:PORT or udp://HOST:PORT`]);
            // docs/delivery.md §Window: TCP carries one frame per connection at a time; UDP one per socket.
            const window = address.transport === 'tcp' && arc.connections > 0 ? Math.min(arc.connections, arc.maxInFlight) : arc.maxInFlight;
            return new ArcPath({
                name: spec.name,
                address,
                ackTimeoutMs: ackTimeoutFor(address.transport, arc.ackTimeoutMs),
                window,
                key,
                pad,
                clock,
                logger,
                limitedLog: this.limitedLog,
                metrics,
                connect: deps.connect ?? connectLink,
                nullTest,
                supervisionMs: arc.supervisionSec * 1000,
                ...(deps.random === undefined ? {} : { random: deps.random }),
                onPathState: (change) => {
                    if (change.to === 'up')
                        this.dispatcher.pathRecovered();
                    deps.onPathState?.(change);
                },
            });
        });
        // Read at scrape time: a frame does not pay for its gauges.
        metrics.inFlight.collect(() => this.paths.map((path) => [{ destination: path.name }, path.outstanding]));
        metrics.connections.collect(() => this.paths.map((path) => [{ destination: path.name }, path.openConnections()]));
        this.dispatcher = new Dispatcher({
            outbox: deps.outbox,
            destination: deps.destination,
            paths: this.paths,
            headers,
            encrypted: key !== null,
            attemptsPerPath: arc.attempts,
            decode: deps.decode,
            clock,
            logger,
            limitedLog: this.limitedLog,
            metrics,
            ...(deps.whenUndelivered === undefined ? {} : { whenUndelivered: deps.whenUndelivered }),
            ...(deps.random === undefined ? {} : { random: deps.random }),
            ...(deps.onOutcome === undefined ? {} : { onOutcome: deps.onOutcome }),
        });
        logger.info({
            destinations: this.paths.map((path) => ({ url: path.address.url, window: path.window })),
            format: arc.format,
            encrypted: key !== null,
            attempts: arc.attempts,
            supervisionSec: arc.supervisionSec,
            nullTests: nullTest !== null,
        }, 'transport ready');
    }
    status() {
        return this.paths.map((path) => ({ destination: path.name, url: path.address.url, state: path.state, clockOffsetMs: path.offsetMs, inFlight: path.outstanding, connections: path.openConnections() }));
    }
    start() {
        this.dispatcher.start();
    }
    /** Something was stored: look now. */
    poke() {
        this.dispatcher.poke();
    }
    async stop(deadlineMs) {
        await this.dispatcher.stop(deadlineMs);
        this.limitedLog.flush();
    }
}
/**
 * One alarm through the service's delivery path - framing, numbering, attempts, failover, answer
 * checks - with an outbox in memory; resolves with what became of it, or null when stopped first.
 * `hik-arc send` proves a path to the ARC with it.
 */
export async function deliverOne(arc, alarm, deps) {
    const clock = deps.clock ?? systemClock;
    const outbox = createMemoryOutbox({ clock, ...(deps.logger === undefined ? {} : { logger: deps.logger }) });
    let settle = () => undefined;
    const settled = new Promise((resolve) => {
        settle = resolve;
    });
    const delivery = new ArcDelivery(arc, {
        ...deps,
        outbox,
        destination: 'one',
        decode: () => alarm,
        whenUndelivered: 'dead-letter',
        onOutcome: (outcome) => settle(outcome),
    });
    const abort = () => settle(null);
    if (deps.signal?.aborted === true)
        abort();
    deps.signal?.addEventListener('abort', abort, { once: true });
    delivery.start();
    await outbox.append([{ destination: 'one', account: alarm.account, receivedAt: clock.now(), payload: '' }]);
    const outcome = await settled;
    deps.signal?.removeEventListener('abort', abort);
    await delivery.stop(0);
    await outbox.close();
    return outcome;
}
