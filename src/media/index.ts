// The media stage (docs/media.md): signed links in the [V] block instead of the receiver path,
// files fetched on demand through the receiver's Digest client, the optional archive, and the
// media endpoint. Public surface for the service composition and the commands.

import { mkdirSync } from 'node:fs';
import { Pool, type Dispatcher } from 'undici';
import type { CancelTimer, Clock } from '../clock.js';
import { errorMessage } from '../errors.js';
import type { AuthGuard } from '../ingest/auth-guard.js';
import { HikHttp } from '../ingest/hik-http.js';
import type { Logger } from '../log.js';
import type { MetricsRegistry } from '../metrics.js';
import { RateLimitedLog } from '../rate-limited-log.js';
import type { AlarmMessage } from '../translate/index.js';
import type { VendorEvent } from '../ingest/index.js';
import { FetchSlots } from './fetch-slots.js';
import { MediaArchive } from './media-archive.js';
import { MediaLibrary } from './media-library.js';
import { MediaLinker } from './media-linker.js';
import { startMediaServer, type RunningMediaServer } from './media-server.js';
import type { MediaSettings } from './media-settings.js';
import { MediaStore } from './media-store.js';

export { MEDIA_DEFAULTS, type MediaSettings } from './media-settings.js';
export { MediaStore, type MediaReference, type MediaItem } from './media-store.js';
export { MediaLibrary, type LocalCopy } from './media-library.js';
export { mediaLink, tokenInText } from './media-link.js';
export { readMediaToken, signMediaToken, verifyMediaToken } from './media-token.js';
export { hikMediaPath } from './media-source.js';
export { downloadToFile } from './hik-download.js';
export { alarmMediaUrls } from './media-linker.js';
export { FetchSlots } from './fetch-slots.js';

export type MediaDispatcherFactory = (origin: string, connections: number) => Dispatcher;

export const defaultMediaDispatcherFactory: MediaDispatcherFactory = (origin, connections) => new Pool(origin, { connections, pipelining: 1 });

export interface HikMediaClient {
  readonly http: HikHttp;
  close(): Promise<void>;
}

/** The receiver's Digest client for media downloads: its own connections, the lockout guard given. */
export function hikMediaClient(
  settings: MediaSettings,
  guard: AuthGuard,
  options: { clock: Clock; logger: Logger; metrics: MetricsRegistry; dispatcherFactory?: MediaDispatcherFactory | undefined },
): HikMediaClient {
  const dispatcher = (options.dispatcherFactory ?? defaultMediaDispatcherFactory)(new URL(settings.receiver.url).origin, settings.maxConcurrent);
  const http = new HikHttp({
    dispatcher,
    credentials: { username: settings.receiver.username, password: settings.receiver.password },
    guard,
    clock: options.clock,
    logger: options.logger,
    metrics: options.metrics,
  });
  return { http, close: () => dispatcher.close().catch(() => dispatcher.destroy()) };
}

/** The link hook for a media store: signed links when media.listen is set, references otherwise. */
export function mediaLinker(
  settings: MediaSettings,
  store: MediaStore,
  options: { clock: Clock; logger: Logger; metrics: MetricsRegistry; warnings: RateLimitedLog; onArchiveDue?: () => void },
): MediaLinker {
  return new MediaLinker({
    store,
    hikUrl: new URL(settings.receiver.url),
    signing: settings.listen === '' ? null : { publicUrl: settings.publicUrl, secret: settings.secret, ttlMs: settings.linkTtlMs },
    archive: settings.archive,
    ...options,
  });
}

export interface MediaStageOptions {
  readonly settings: MediaSettings;
  /** The ingest stage's lockout guard: one rejected login stops media downloads and the stream alike. */
  readonly guard: AuthGuard;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly metrics: MetricsRegistry;
  readonly dispatcherFactory?: MediaDispatcherFactory;
}

export type MediaStageState = 'idle' | 'running' | 'stopping' | 'stopped';

export interface MediaStage {
  /** The pipeline hook: the alarm with its media link, to be stored and sent. */
  readonly beforeStore: (message: AlarmMessage, event: VendorEvent | null) => AlarmMessage;
  /** `host:port` of the endpoint once started; null when media.listen is empty. */
  readonly address: string | null;
  readonly store: MediaStore;
  start(): Promise<void>;
  stop(): Promise<void>;
}

class Media implements MediaStage {
  private state: MediaStageState = 'idle';
  private server: RunningMediaServer | null = null;
  private cancelPrune: CancelTimer = () => undefined;
  readonly store: MediaStore;
  private readonly library: MediaLibrary;
  private readonly archive: MediaArchive | null;
  private readonly linker: MediaLinker;
  private readonly client: HikMediaClient;
  private readonly warnings: RateLimitedLog;
  readonly beforeStore: MediaStage['beforeStore'];

  constructor(private readonly options: MediaStageOptions) {
    const { settings, clock, logger, metrics } = options;
    this.store = new MediaStore({ path: settings.storePath });
    this.warnings = new RateLimitedLog({ logger, clock });
    this.client = hikMediaClient(settings, options.guard, { clock, logger, metrics, dispatcherFactory: options.dispatcherFactory });
    mkdirSync(settings.dir, { recursive: true });
    this.library = new MediaLibrary({
      store: this.store,
      dir: settings.dir,
      http: this.client.http,
      slots: new FetchSlots(settings.maxConcurrent, settings.maxWaiting),
      clock,
      logger,
      metrics,
      maxDiskBytes: settings.maxDiskBytes,
      maxFileBytes: settings.maxFileBytes,
      fetchTimeoutMs: settings.fetchTimeoutMs,
      headersTimeoutMs: settings.headersTimeoutMs,
    });
    this.archive = settings.archive
      ? new MediaArchive({
          store: this.store,
          library: this.library,
          clock,
          logger,
          warnings: this.warnings,
          retry: settings.archiveRetry,
          attempts: settings.archiveAttempts,
          batch: settings.maxConcurrent,
        })
      : null;
    this.linker = mediaLinker(settings, this.store, {
      clock,
      logger,
      metrics,
      warnings: this.warnings,
      ...(this.archive === null ? {} : { onArchiveDue: () => this.archive?.poke() }),
    });
    this.beforeStore = this.linker.link;
  }

  get address(): string | null {
    return this.server === null ? null : `${this.server.address.address}:${this.server.address.port}`;
  }

  async start(): Promise<void> {
    if (this.state !== 'idle') return;
    const { settings, clock, logger, metrics } = this.options;
    this.library.open();
    this.schedulePrune();
    if (settings.listen !== '') {
      this.server = await startMediaServer({
        listen: settings.listen,
        tls: settings.tls,
        secret: settings.secret,
        linkTtlMs: settings.linkTtlMs,
        store: this.store,
        library: this.library,
        maxActiveResponses: settings.maxActiveResponses,
        clock,
        logger,
        warnings: this.warnings,
        metrics,
      });
    }
    this.archive?.start();
    this.setState('running');
  }

  async stop(): Promise<void> {
    if (this.state !== 'running' && this.state !== 'idle') return;
    this.setState('stopping');
    this.cancelPrune();
    // Nothing waits for a clip at shutdown: downloads break off, archive items stay due.
    this.library.abortDownloads();
    await this.server?.close();
    await this.archive?.stop();
    await this.client.close();
    this.warnings.flush();
    this.store.close();
    this.setState('stopped');
  }

  private setState(next: MediaStageState): void {
    this.options.logger.info({ from: this.state, to: next }, 'media stage state changed');
    this.state = next;
  }

  private schedulePrune(): void {
    const { settings, clock } = this.options;
    const prune = (): void => {
      try {
        this.library.pruneRetention(clock.now() - settings.retentionMs);
      } catch (error) {
        this.warnings.error('HIKARC_MEDIA_STORE_FAILED', { err: errorMessage(error) }, 'removing media past retention failed');
      }
      this.cancelPrune = clock.setTimer(settings.pruneIntervalMs, prune);
    };
    prune();
  }
}

export function createMediaStage(options: MediaStageOptions): MediaStage {
  return new Media(options);
}
