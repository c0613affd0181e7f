// The media stage (docs/media.md): signed links in the [V] block instead of the receiver path,
// files fetched on demand through the receiver's Digest client, the optional archive, and the
// media endpoint. Public surface for the service composition and the commands.
import { mkdirSync } from 'node:fs';
import { Pool } from 'undici';
import { errorMessage } from '../errors.js';
import { ReceiverHttp } from '../ingest/receiver-http.js';
import { RateLimitedLog } from '../rate-limited-log.js';
import { FetchSlots } from './fetch-slots.js';
import { MediaArchive } from './media-archive.js';
import { MediaLibrary } from './media-library.js';
import { MediaLinker } from './media-linker.js';
import { startMediaServer } from './media-server.js';
import { MediaStore } from './media-store.js';
export { MEDIA_DEFAULTS } from './media-settings.js';
export { MediaStore } from './media-store.js';
export { MediaLibrary } from './media-library.js';
export { mediaLink, tokenInText } from './media-link.js';
export { readMediaToken, signMediaToken, verifyMediaToken } from './media-token.js';
export { receiverMediaPath } from './media-source.js';
export { downloadToFile } from './receiver-download.js';
export { alarmMediaUrls } from './media-linker.js';
export { FetchSlots } from './fetch-slots.js';
export const defaultMediaDispatcherFactory = (origin, connections) => new Pool(origin, { connections, pipelining: 1 });
/** The receiver's Digest client for media downloads: its own connections, the lockout guard given. */
export function receiverMediaClient(settings, guard, options) {
    const dispatcher = (options.dispatcherFactory ?? defaultMediaDispatcherFactory)(new URL(settings.receiver.url).origin, settings.maxConcurrent);
    const http = new ReceiverHttp({
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
export function mediaLinker(settings, store, options) {
    return new MediaLinker({
        store,
        receiverUrl: new URL(settings.receiver.url),
        signing: settings.listen === '' ? null : { publicUrl: settings.publicUrl, secret: settings.secret, ttlMs: settings.linkTtlMs },
        archive: settings.archive,
        ...options,
    });
}
class Media {
    options;
    state = 'idle';
    server = null;
    cancelPrune = () => undefined;
    store;
    library;
    archive;
    linker;
    client;
    warnings;
    beforeStore;
    constructor(options) {
        this.options = options;
        const { settings, clock, logger, metrics } = options;
        this.store = new MediaStore({ path: settings.storePath });
        this.warnings = new RateLimitedLog({ logger, clock });
        this.client = receiverMediaClient(settings, options.guard, { clock, logger, metrics, dispatcherFactory: options.dispatcherFactory });
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
            ? new MediaArchive({ store: this.store, library: this.library, clock, logger, warnings: this.warnings, retry: settings.archiveRetry, attempts: settings.archiveAttempts, batch: settings.maxConcurrent })
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
    get address() {
        return this.server === null ? null : `${this.server.address.address}:${this.server.address.port}`;
    }
    async start() {
        if (this.state !== 'idle')
            return;
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
    async stop() {
        if (this.state !== 'running' && this.state !== 'idle')
            return;
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
    setState(next) {
        this.options.logger.info({ from: this.state, to: next }, 'media stage state changed');
        this.state = next;
    }
    schedulePrune() {
        const { settings, clock } = this.options;
        const prune = () => {
            try {
                this.library.pruneRetention(clock.now() - settings.retentionMs);
            }
            catch (error) {
                this.warnings.error('HIKARC_MEDIA_STORE_FAILED', { err: errorMessage(error) }, 'removing media past retention failed');
            }
            this.cancelPrune = clock.setTimer(settings.pruneIntervalMs, prune);
        };
        prune();
    }
}
export function createMediaStage(options) {
    return new Media(options);
}
