// The transport stage as the service, replay and send use it: the paths built from `arc.*` and the
// dispatcher that feeds them from an outbox. Built here from the config and nowhere else.

import { systemClock, type Clock } from '../clock.js';
import { ConfigError, isHikArcError } from '../errors.js';
import { silentLogger, type Logger } from '../log.js';
import { MetricsRegistry } from '../metrics.js';
import type { Outbox, OutboxEntry } from '../outbox/index.js';
import { RateLimitedLog } from '../rate-limited-log.js';
import { ArcPath, type PathState, type PathStateChange } from './arc-path.js';
import { isDc09Account } from './dc09-fields.js';
import { connectLink } from './connect.js';
import { createRandomPadSource, parseAesKey, type KeyFormat, type PadSource } from './dc09-crypto.js';
import { ackTimeoutFor, parseDestinationUrl, type DestinationName } from './destination.js';
import { failoverFigures } from './delivery-policy.js';
import { activeDeviations, DC09_DEVIATIONS, STANDARD, type DeviationSettings } from './dc09-deviations.js';
import { Dispatcher, type DispatchOutcome } from './dispatcher.js';
import { supervisionTemplate, type AlarmPayload, type ArcFormat, type HeaderSettings } from './event-message.js';
import type { LinkConnector } from './link.js';
import { transportMetrics } from './transport-metrics.js';

export interface DestinationStatus {
  readonly destination: DestinationName;
  readonly url: string;
  readonly state: PathState;
  readonly clockOffsetMs: number;
  readonly inFlight: number;
  readonly connections: number;
}

export interface ArcDeliveryDeps {
  readonly outbox: Outbox;
  /** The outbox destination to serve. */
  readonly destination: string;
  readonly decode: (entry: OutboxEntry) => AlarmPayload | null;
  /** Account of the NULL link tests (`receiver.account`), sent when `arc.supervisionSec` > 0. */
  readonly supervisionAccount: string;
  readonly clock?: Clock;
  readonly logger?: Logger;
  readonly metrics?: MetricsRegistry;
  readonly connect?: LinkConnector;
  readonly pad?: PadSource;
  /** Key bytes to use instead of parsing `arc.key` (a command's --key). */
  readonly key?: Uint8Array | null;
  readonly random?: () => number;
  readonly whenUndelivered?: 'retry' | 'dead-letter';
  readonly onPathState?: (change: PathStateChange) => void;
  readonly onOutcome?: (outcome: DispatchOutcome) => void;
}

/** What the transport is tuned by: the config's `arc.*` (docs in config/schema.ts, docs/delivery.md). */
export interface ArcSettings {
  /** `tcp://HOST:PORT` or `udp://HOST:PORT`. */
  readonly primary: string;
  /** Same form; empty for none. */
  readonly secondary: string;
  readonly format: ArcFormat;
  readonly receiverNumber: string;
  readonly linePrefix: string;
  /** AES key text, empty for plain frames; read as `keyFormat`. */
  readonly key: string;
  readonly keyFormat: KeyFormat;
  /** 0: the transport's default (10 s TCP, 5 s UDP). */
  readonly ackTimeoutMs: number;
  readonly attempts: number;
  readonly supervisionSec: number;
  readonly maxInFlight: number;
  /** TCP connections per path; 0: as many as maxInFlight. */
  readonly connections: number;
  /** `arc.deviations`: where a destination's receiver bends DC-09; all off when absent. */
  readonly deviations?: DeviationSettings;
}

/** The key bytes of `arc.key`, or null when it is empty; a ConfigError names a bad key. */
export function arcKey(key: string, format: KeyFormat): Buffer | null {
  if (key === '') return null;
  try {
    return parseAesKey(key, format);
  } catch (error) {
    throw new ConfigError('HIKARC_CONFIG_INVALID', [`arc.key: ${isHikArcError(error) ? error.message : String(error)}`]);
  }
}

export class ArcDelivery {
  readonly paths: readonly ArcPath[];
  readonly dispatcher: Dispatcher;
  private readonly limitedLog: RateLimitedLog;

  constructor(arc: ArcSettings, deps: ArcDeliveryDeps) {
    const clock = deps.clock ?? systemClock;
    const logger = (deps.logger ?? silentLogger).child({ stage: 'transport' });
    const metrics = transportMetrics(deps.metrics ?? new MetricsRegistry());
    this.limitedLog = new RateLimitedLog({ logger, clock });
    const key = deps.key === undefined ? arcKey(arc.key, arc.keyFormat) : deps.key;
    const headers: HeaderSettings = { format: arc.format, receiverNumber: arc.receiverNumber, linePrefix: arc.linePrefix };
    const pad = deps.pad ?? createRandomPadSource();
    // docs/delivery.md §Paths: NULL tests only where the installer turned supervision on.
    const nullTest = arc.supervisionSec > 0 && isDc09Account(deps.supervisionAccount) ? supervisionTemplate(deps.supervisionAccount, headers) : null;
    const specs: Array<{ name: DestinationName; url: string }> = [{ name: 'primary', url: arc.primary }];
    if (arc.secondary !== '') specs.push({ name: 'secondary', url: arc.secondary });
    this.paths = specs.map((spec) => {
      const address = parseDestinationUrl(spec.url);
      if (address === undefined) throw new ConfigError('HIKARC_CONFIG_INVALID', [`arc.${spec.name}: "${spec.url}" is not tcp://HOST:PORT or udp://HOST:PORT`]);
      // docs/delivery.md §Window: TCP carries one frame per connection at a time; UDP one per socket.
      const window = address.transport === 'tcp' && arc.connections > 0 ? Math.min(arc.connections, arc.maxInFlight) : arc.maxInFlight;
      const deviations = arc.deviations?.[spec.name] ?? STANDARD;
      // docs/dc09.md §Deviations per destination: each one said once, at start, as what it is.
      for (const deviation of activeDeviations(deviations)) {
        logger.warn(
          { code: 'HIKARC_DC09_DEVIATION', destination: spec.name, url: spec.url, deviation, setting: `arc.deviations.${spec.name}.${deviation}` },
          `DC-09 deviation for this destination: ${DC09_DEVIATIONS[deviation].summary}`,
        );
      }
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
        deviations,
        ...(deps.random === undefined ? {} : { random: deps.random }),
        onPathState: (change) => {
          if (change.to === 'up') this.dispatcher.pathRecovered();
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
    logger.info(
      {
        destinations: this.paths.map((path) => ({ url: path.address.url, window: path.window })),
        format: arc.format,
        encrypted: key !== null,
        attempts: arc.attempts,
        supervisionSec: arc.supervisionSec,
        nullTests: nullTest !== null,
        // The README's worst case, for these settings: what the ARC may ask about failover.
        ...(this.paths.length > 1 && this.paths[0] !== undefined
          ? {
              worstCaseFailoverMs: failoverFigures({
                ackTimeoutMs: ackTimeoutFor(this.paths[0].address.transport, arc.ackTimeoutMs),
                attempts: arc.attempts,
                supervisionSec: nullTest === null ? 0 : arc.supervisionSec,
              }).alarmMs,
            }
          : {}),
      },
      'transport ready',
    );
  }

  status(): DestinationStatus[] {
    return this.paths.map((path) => ({
      destination: path.name,
      url: path.address.url,
      state: path.state,
      clockOffsetMs: path.offsetMs,
      inFlight: path.outstanding,
      connections: path.openConnections(),
    }));
  }

  start(): void {
    this.dispatcher.start();
  }

  /** Something was stored: look now. */
  poke(): void {
    this.dispatcher.poke();
  }

  async stop(deadlineMs: number): Promise<void> {
    await this.dispatcher.stop(deadlineMs);
    this.limitedLog.flush();
  }
}
