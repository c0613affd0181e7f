// The composition root of `hik-arc run`: ingest → translate → outbox → transport, the health and
// metrics endpoint, and an orderly stop. Everything is built from the frozen config here and
// nowhere else.

import { systemClock, type Clock } from '../clock.js';
import type { Config } from '../config/load.js';
import type { ApiToken } from '../control/api-tokens.js';
import { startControl, type RunningControl } from '../control/control-service.js';
import { controlServiceSettingsFromConfig, controlTokens, ingestSettingsFromConfig, mediaEnabled, mediaSettingsFromConfig } from '../config/stage-settings.js';
import { errorMessage } from '../errors.js';
import { AuthGuard, createIngest, type DispatcherFactory, type Ingest, type IngestItem } from '../ingest/index.js';
import type { Logger } from '../log.js';
import { createMediaStage, type MediaStage } from '../media/index.js';
import { MetricsRegistry } from '../metrics.js';
import { hikLinkAlarm, Translator } from '../translate/index.js';
import { openSqliteOutbox, type CloseReport, type StoreOutbox } from '../outbox/index.js';
import { VERSION } from '../version.js';
import { composeDelivery, type DeliveryStack } from './compose.js';
import { startHttpServer, type HealthReport, type RunningHttpServer } from './http-server.js';
import { MemoryTrim } from './memory-trim.js';
import { ARC_DESTINATION } from './stored-event.js';

// Shutdown budget: ingest drains its queue into the store (its own 10 s stop timeout), then the
// messages in flight get this long to be acknowledged; then the store this long to take what is
// left. deploy/hik-arc.service allows more than the sum.
export const DELIVERY_DRAIN_MS = 15_000;
export const STORE_CLOSE_MS = 5_000;
const PRUNE_INTERVAL_MS = 60 * 60 * 1000;

export interface ServiceOptions {
  readonly config: Config;
  readonly logger: Logger;
  readonly metrics?: MetricsRegistry;
  readonly clock?: Clock;
  readonly dispatcherFactory?: DispatcherFactory;
}

export interface RunningService {
  health(): HealthReport;
  readonly httpAddress: string | null;
  /** The media endpoint's `host:port`; null when media.listen is empty. */
  readonly mediaAddress: string | null;
  /** `host:port` of the control API; null when it is off. */
  readonly controlAddress: string | null;
  readonly metrics: MetricsRegistry;
  /** SIGTERM: stop taking parts, unsubscribe, finish what is in flight, leave the rest stored. */
  stop(): Promise<StopReport>;
}

export interface StopReport extends CloseReport {
  /** Alarms left in the store for the next start. */
  readonly pendingInStore: number;
}

type ServiceState = 'running' | 'stopping' | 'stopped';

class Service implements RunningService {
  private state: ServiceState = 'running';
  private http: RunningHttpServer | null = null;
  private cancelPrune: () => void = () => undefined;
  private control: RunningControl | null = null;

  constructor(
    private readonly config: Config,
    private readonly logger: Logger,
    readonly metrics: MetricsRegistry,
    private readonly clock: Clock,
    private readonly outbox: StoreOutbox,
    private readonly stack: DeliveryStack,
    private readonly ingest: Ingest,
    private readonly memoryTrim: MemoryTrim,
    private readonly media: MediaStage | null,
    /** The control API's tokens; null when the API is off (control.enabled alone still confirms). */
    private readonly controlTokens: readonly ApiToken[] | null,
  ) {}

  /** The stream tap of panel control; null when control is off. */
  get controlTap(): RunningControl | null {
    return this.control;
  }

  get httpAddress(): string | null {
    return this.http ? `${this.http.address.address}:${this.http.address.port}` : null;
  }

  get mediaAddress(): string | null {
    return this.media?.address ?? null;
  }

  get controlAddress(): string | null {
    return this.control?.address ?? null;
  }

  async start(): Promise<void> {
    // First: a port problem stops the start before anything is subscribed.
    if (this.config.control.enabled) {
      this.control = await startControl({
        settings: controlServiceSettingsFromConfig(this.config),
        tokens: this.controlTokens,
        receiver: this.ingest.requestClient,
        clock: this.clock,
        logger: this.logger.child({ stage: 'control' }),
        metrics: this.metrics,
      });
    }
    if (this.config.http.listen !== '') {
      this.http = await startHttpServer({
        listen: this.config.http.listen,
        health: () => this.health(),
        metrics: this.metrics,
        logger: this.logger.child({ stage: 'http' }),
      });
    }
    await this.media?.start();
    this.stack.start();
    this.ingest.start();
    this.schedulePrune();
    this.memoryTrim.start();
  }

  health(): HealthReport {
    const ingest = this.ingest.health();
    const paths = this.stack.delivery.status();
    const stats = this.outbox.stats(ARC_DESTINATION);
    const store = this.outbox.storeHealth();
    const now = this.clock.now();
    const reasons: string[] = [];
    if (this.state !== 'running') reasons.push(`service is ${this.state}`);
    if (ingest.link !== 'up') {
      reasons.push(`receiver event stream down for ${Math.round((now - ingest.linkSince) / 1000)} s (ingest ${ingest.state})`);
    }
    // Unknown (no traffic yet, supervision off) is not evidence of a dead path; all paths down is.
    // Path state comes from link evidence only: an account the ARC refuses does not count here.
    if (paths.length > 0 && paths.every((path) => path.state === 'down')) {
      reasons.push(`no ARC path up: ${paths.map((path) => `${path.destination} ${path.url} down`).join(', ')}`);
    }
    if (store.state !== 'ok') {
      reasons.push(
        `outbox ${store.state} (${store.code ?? ''}) for ${Math.round((now - store.since) / 1000)} s: ${stats.unstored} alarm(s) held in memory only`,
      );
    }
    return {
      healthy: reasons.length === 0,
      reasons,
      details: {
        stream: { link: ingest.link, state: ingest.state, lastPartAgeSec: ingest.lastPartAt === null ? null : Math.round((now - ingest.lastPartAt) / 1000) },
        arc: Object.fromEntries(
          paths.map((path) => [path.destination, { url: path.url, state: path.state, inFlight: path.inFlight, connections: path.connections }]),
        ),
        outbox: {
          store: store.state,
          pending: stats.pending,
          oldestAgeSec: stats.oldestPendingReceivedAt === null ? null : Math.round((now - stats.oldestPendingReceivedAt) / 1000),
          deadLetters: stats.dead,
          accounts: stats.lanes,
          accountsWaitingRetry: stats.blockedLanes,
          unstored: stats.unstored,
        },
      },
    };
  }

  async stop(): Promise<StopReport> {
    if (this.state !== 'running') return { unstored: 0, unwrittenOutcomes: 0, pendingInStore: 0 };
    this.setState('stopping');
    this.cancelPrune();
    this.memoryTrim.stop();
    // No new panel commands; what waits for a confirmation settles as not confirmed.
    await this.control?.stop();
    // 1. No new parts: unsubscribe, and hand what ingest already holds to the outbox.
    await this.ingest.stop();
    // 2. What is in flight gets its ACK or is aborted; alarms the store could not take are still
    //    delivered until the deadline; everything else stays stored.
    await this.stack.stop(DELIVERY_DRAIN_MS);
    const stats = this.outbox.stats(ARC_DESTINATION);
    // 3. The store gets a last chance to take what it could not; the rest is logged with its payload.
    await this.media?.stop();
    const report = await this.outbox.close(STORE_CLOSE_MS);
    await this.http?.close();
    this.setState('stopped');
    const pendingInStore = Math.max(0, stats.pending - stats.unstored);
    if (report.unstored > 0) {
      this.logger.error(
        { code: 'HIKARC_STORE_UNSTORED', unstored: report.unstored, pendingInStore },
        'stopped with alarms that never reached the store; each is logged above with its payload',
      );
    } else {
      this.logger.info(
        { pendingInStore, unwrittenOutcomes: report.unwrittenOutcomes },
        pendingInStore > 0 ? 'stopped; undelivered alarms stay stored and are sent at the next start' : 'stopped; nothing waiting',
      );
    }
    return { ...report, pendingInStore };
  }

  private setState(next: ServiceState): void {
    this.logger.info({ from: this.state, to: next }, 'service state changed');
    this.state = next;
  }

  private schedulePrune(): void {
    const prune = (): void => {
      try {
        const removed = this.outbox.pruneDelivered(this.clock.now() - this.config.store.retentionHours * 3_600_000);
        if (removed > 0) this.logger.info({ removed, retentionHours: this.config.store.retentionHours }, 'delivered alarms past retention removed');
      } catch (error) {
        this.logger.error({ err: errorMessage(error) }, 'pruning delivered alarms failed');
      }
      this.cancelPrune = this.clock.setTimer(PRUNE_INTERVAL_MS, prune);
    };
    prune();
  }
}

// Items a failed store write hands over again were shown to the tap already.
const tapped = new WeakSet<IngestItem>();

/**
 * The confirmation hook of panel control (docs/panel-control.md §6): each vendor event is shown to
 * the commands waiting for their panel's confirmation. It only reads: the items go on to the
 * pipeline, and so to the ARC, unchanged.
 */
function tapControlEvents(control: RunningControl | null, items: readonly IngestItem[]): void {
  if (control === null) return;
  for (const item of items) {
    if (item.kind !== 'event' || tapped.has(item)) continue;
    tapped.add(item);
    control.observe(item.event, item.receivedAt);
  }
}

/**
 * prom-client's standard process and Node.js metrics (resident memory, heap, event loop lag, GC,
 * start time: memory is what an operator watches during a long ARC outage) and which build runs.
 */
function registerProcessMetrics(metrics: MetricsRegistry): void {
  metrics.collectDefaultMetrics();
  metrics
    .gauge('hik_arc_build_info', 'The hik-arc version and the Node.js version running it; always 1', ['version', 'node'])
    .set({ version: VERSION, node: process.version }, 1);
}

export async function startService(options: ServiceOptions): Promise<RunningService> {
  const { config, logger } = options;
  const clock = options.clock ?? systemClock;
  const metrics = options.metrics ?? new MetricsRegistry();
  // A bad tokens file stops the start before the store is opened (exit 78).
  const tokens = controlTokens(config);
  registerProcessMetrics(metrics);
  const writeFailures = metrics.counter('hik_arc_store_write_failures_total', 'Commits of the outbox that failed (each is retried until it lands), by code', [
    'code',
  ]);
  // Opened, checked and locked before anything else: a damaged store or a second service stops here.
  const outbox = openSqliteOutbox({
    path: config.store.path,
    exclusive: true,
    holder: 'hik-arc run',
    ...(config.store.maxSizeMB > 0 ? { maxSizeBytes: config.store.maxSizeMB * 1024 * 1024 } : {}),
    clock,
    logger: logger.child({ stage: 'store' }),
    onWriteFailure: (code) => writeFailures.inc({ code }),
  });
  let stack: DeliveryStack | undefined;
  let lastActivityAt = clock.now();
  let service: Service | undefined;
  const consumer = async (items: readonly IngestItem[]): Promise<void> => {
    if (!stack) throw new Error('pipeline not ready');
    lastActivityAt = clock.now();
    tapControlEvents(service?.controlTap ?? null, items);
    await stack.pipeline.accept(
      items.map((item) =>
        item.kind === 'event'
          ? { kind: 'event' as const, event: item.event, receivedAt: item.receivedAt, source: 'stream' as const, key: item }
          : { kind: 'alarm' as const, alarm: hikLinkAlarm(item.account, item.state), receivedAt: item.at },
      ),
    );
  };
  const ingestSettings = ingestSettingsFromConfig(config);
  // One lockout guard for every client of the receiver: a login the receiver rejects for a media
  // download stops the stream's logins too, and the other way round (guide chapter 2).
  const authGuard = new AuthGuard(ingestSettings.authRetryMs);
  let ingest: Ingest;
  let media: MediaStage | null = null;
  try {
    ingest = createIngest({
      settings: ingestSettings,
      logger: logger.child({ stage: 'ingest' }),
      metrics,
      clock,
      consumer,
      authGuard,
      ...(options.dispatcherFactory === undefined ? {} : { dispatcherFactory: options.dispatcherFactory }),
    });
    // Media links (src/media): a hook before the store, nothing else in the pipeline.
    media = mediaEnabled(config)
      ? createMediaStage({ settings: mediaSettingsFromConfig(config), guard: authGuard, clock, logger: logger.child({ stage: 'media' }), metrics })
      : null;
    const translator = new Translator({
      settings: config.translate,
      hikAccount: config.receiver.account,
      directory: ingest.directory,
      clock,
      logger: logger.child({ stage: 'translate' }),
      metrics,
    });
    stack = composeDelivery({
      arc: config.arc,
      supervisionAccount: config.receiver.account,
      outbox,
      translator,
      clock,
      logger,
      metrics,
      ...(media === null ? {} : { beforeStore: media.beforeStore }),
    });
  } catch (error) {
    await outbox.close();
    throw error;
  }
  const memoryTrim = new MemoryTrim({ clock, logger: logger.child({ stage: 'memory' }), lastActivityAt: () => lastActivityAt });
  service = new Service(config, logger, metrics, clock, outbox, stack, ingest, memoryTrim, media, tokens);
  try {
    await service.start();
  } catch (error) {
    await service.stop().catch(() => undefined);
    throw error;
  }
  return service;
}
