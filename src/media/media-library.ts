// The alarm media hik-arc keeps: the references (media-store), the files in the media folder, and
// fetching a file from the receiver when no copy is kept. A file is fetched once however many
// operators open the link at the same moment; it is kept until retention (media.retentionDays) or
// until the folder passes its cap (media.maxDiskMB), oldest alarm first (docs/media.md §9).

import { randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { rename } from 'node:fs/promises';
import { join } from 'node:path';
import type { Clock } from '../clock.js';
import { errorMessage, HikArcError, isHikArcError, type ErrorCode } from '../errors.js';
import type { HikHttp } from '../ingest/hik-http.js';
import type { Logger } from '../log.js';
import type { Counter, MetricsRegistry } from '../metrics.js';
import type { FetchSlots } from './fetch-slots.js';
import { mediaExtension } from './media-type.js';
import type { MediaItem, MediaStore } from './media-store.js';
import { downloadToFile } from './hik-download.js';

export type FetchTrigger = 'request' | 'archive' | 'command';

export interface LocalCopy {
  readonly path: string;
  readonly bytes: number;
  readonly contentType: string;
  readonly sha256: string;
  /** `kept`: a copy was on disk already; `receiver`: fetched for this call. */
  readonly source: 'kept' | 'receiver';
}

export interface MediaLibraryOptions {
  readonly store: MediaStore;
  readonly dir: string;
  readonly http: HikHttp;
  readonly slots: FetchSlots;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly metrics: MetricsRegistry;
  readonly maxDiskBytes: number;
  readonly maxFileBytes: number;
  readonly fetchTimeoutMs: number;
  readonly headersTimeoutMs: number;
}

const PARTIAL_DIR = '.partial';
// Only files of this shape are ours to remove from the folder (media.dir may be shared).
const KEPT_FILE = /^\d+-\d+\.[a-z0-9]+$/;

export class MediaLibrary {
  private readonly store: MediaStore;
  private readonly dir: string;
  private readonly partialDir: string;
  private readonly http: HikHttp;
  private readonly slots: FetchSlots;
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly options: MediaLibraryOptions;
  private readonly fetching = new Map<string, Promise<LocalCopy>>();
  private readonly stopping = new AbortController();
  private readonly fetched: Counter;
  private readonly fetchedBytes: Counter;
  private readonly failures: Counter;
  private readonly evicted: Counter;

  constructor(options: MediaLibraryOptions) {
    this.options = options;
    this.store = options.store;
    this.dir = options.dir;
    this.partialDir = join(options.dir, PARTIAL_DIR);
    this.http = options.http;
    this.slots = options.slots;
    this.clock = options.clock;
    this.logger = options.logger;
    const { metrics } = options;
    this.fetched = metrics.counter('hik_arc_media_fetched_total', 'Media files fetched from the receiver, by what asked for them (request, archive, command)', [
      'trigger',
    ]);
    this.fetchedBytes = metrics.counter('hik_arc_media_fetched_bytes_total', 'Bytes of media fetched from the receiver');
    this.failures = metrics.counter('hik_arc_media_fetch_failures_total', 'Media fetches from the receiver that failed, by code', ['code']);
    this.evicted = metrics.counter('hik_arc_media_evicted_total', 'Kept media files removed, by reason (cap, retention, missing)', ['reason']);
    metrics.gauge('hik_arc_media_disk_bytes', 'Bytes of media kept in the media folder').collect(() => [[{}, this.store.storedTotals().bytes]]);
    metrics.gauge('hik_arc_media_files', 'Media files kept in the media folder').collect(() => [[{}, this.store.storedTotals().files]]);
  }

  /**
   * Prepares the folder at start: leftovers of interrupted downloads go, references to files that
   * are missing are cleared, and kept-file names no reference knows (a crash between the rename
   * and the database write) are removed.
   */
  open(): void {
    try {
      mkdirSync(this.partialDir, { recursive: true });
      for (const name of readdirSync(this.partialDir)) rmSync(join(this.partialDir, name), { force: true });
      const known = new Set<string>();
      for (const item of this.store.storedItems()) {
        if (item.file !== null && this.exists(item.file, item.bytes)) known.add(item.file);
        else {
          this.store.markRemoved(item.refId, item.item);
          this.evicted.inc({ reason: 'missing' });
          this.logger.warn(
            { code: 'HIKARC_MEDIA_STORE_FAILED', mediaId: item.refId, item: item.item },
            'kept media file is missing from the media folder; it will be fetched again when asked for',
          );
        }
      }
      for (const name of readdirSync(this.dir)) {
        if (KEPT_FILE.test(name) && !known.has(name)) rmSync(join(this.dir, name), { force: true });
      }
    } catch (error) {
      throw isHikArcError(error)
        ? error
        : new HikArcError('HIKARC_MEDIA_STORE_FAILED', `the media folder cannot be prepared: ${errorMessage(error)}`, { cause: error });
    }
  }

  /** Breaks off the downloads in progress (the service stops; an archive item stays due). */
  abortDownloads(): void {
    this.stopping.abort();
  }

  /** The file of one item, from the folder or fetched from the receiver now. Throws HikArcError. */
  async localCopy(refId: number, index: number, trigger: FetchTrigger): Promise<LocalCopy> {
    const item = this.store.item(refId, index);
    if (item === undefined) throw new HikArcError('HIKARC_MEDIA_UNKNOWN', 'no media is kept for this alarm item', { detail: { mediaId: refId, item: index } });
    const kept = this.kept(item);
    if (kept !== undefined) return kept;
    const key = `${refId}/${index}`;
    let fetching = this.fetching.get(key);
    if (fetching === undefined) {
      fetching = this.fetch(item, trigger).finally(() => this.fetching.delete(key));
      this.fetching.set(key, fetching);
    }
    return fetching;
  }

  /** The copy on disk, or undefined (then the reference is cleared if it named a missing file). */
  kept(item: MediaItem): LocalCopy | undefined {
    if (item.file === null || item.bytes === null || item.contentType === null || item.sha256 === null) return undefined;
    if (this.exists(item.file, item.bytes))
      return { path: join(this.dir, item.file), bytes: item.bytes, contentType: item.contentType, sha256: item.sha256, source: 'kept' };
    this.store.markRemoved(item.refId, item.item);
    this.evicted.inc({ reason: 'missing' });
    return undefined;
  }

  /** Removes what is past retention: the files, then the references. */
  pruneRetention(before: number): number {
    const files = this.store.storedBefore(before);
    for (const item of files) this.removeFile(item, 'retention');
    const references = this.store.removeReferencesBefore(before);
    if (references > 0) this.logger.info({ references, files: files.length }, 'media past media.retentionDays removed');
    return references;
  }

  private exists(file: string, bytes: number | null): boolean {
    try {
      return statSync(join(this.dir, file)).size === bytes;
    } catch {
      return false;
    }
  }

  private async fetch(item: MediaItem, trigger: FetchTrigger): Promise<LocalCopy> {
    const release = await this.slots.acquire(trigger === 'archive' ? 'archive' : 'request');
    const started = this.clock.monotonic();
    const partial = join(this.partialDir, `${item.refId}-${item.item}-${randomBytes(4).toString('hex')}`);
    try {
      const downloaded = await downloadToFile(this.http, this.clock, {
        path: item.source,
        dest: partial,
        maxBytes: this.options.maxFileBytes,
        timeoutMs: this.options.fetchTimeoutMs,
        headersTimeoutMs: this.options.headersTimeoutMs,
        signal: this.stopping.signal,
      });
      const file = `${item.refId}-${item.item}.${mediaExtension(downloaded.contentType)}`;
      try {
        await rename(partial, join(this.dir, file));
        this.store.markStored(item.refId, item.item, {
          file,
          bytes: downloaded.bytes,
          contentType: downloaded.contentType,
          sha256: downloaded.sha256,
          storedAt: this.clock.now(),
        });
      } catch (error) {
        rmSync(partial, { force: true });
        throw isHikArcError(error)
          ? error
          : new HikArcError('HIKARC_MEDIA_STORE_FAILED', `the media file cannot be kept: ${errorMessage(error)}`, { cause: error });
      }
      this.fetched.inc({ trigger });
      this.fetchedBytes.inc(undefined, downloaded.bytes);
      this.logger.info(
        {
          mediaId: item.refId,
          item: item.item,
          trigger,
          bytes: downloaded.bytes,
          contentType: downloaded.contentType,
          sha256: downloaded.sha256,
          ms: Math.round(this.clock.monotonic() - started),
        },
        'media file fetched from the receiver and kept',
      );
      this.enforceCap(file);
      return { path: join(this.dir, file), bytes: downloaded.bytes, contentType: downloaded.contentType, sha256: downloaded.sha256, source: 'receiver' };
    } catch (error) {
      const code: ErrorCode = isHikArcError(error) ? error.code : 'HIKARC_MEDIA_RECEIVER_FAILED';
      this.failures.inc({ code });
      throw isHikArcError(error) ? error : new HikArcError('HIKARC_MEDIA_RECEIVER_FAILED', 'the media file could not be fetched', { cause: error });
    } finally {
      release();
    }
  }

  // Oldest alarm first until the folder is under its cap; the file just kept stays.
  private enforceCap(justKept: string): void {
    let { bytes } = this.store.storedTotals();
    while (bytes > this.options.maxDiskBytes) {
      const oldest = this.store.oldestStored(16).filter((item) => item.file !== justKept);
      if (oldest.length === 0) return;
      for (const item of oldest) {
        if (bytes <= this.options.maxDiskBytes) break;
        this.removeFile(item, 'cap');
        bytes -= item.bytes ?? 0;
        this.logger.info(
          { mediaId: item.refId, item: item.item, bytes: item.bytes, maxDiskBytes: this.options.maxDiskBytes },
          'kept media file removed: the media folder is at media.maxDiskMB',
        );
      }
    }
  }

  private removeFile(item: MediaItem, reason: 'cap' | 'retention'): void {
    if (item.file !== null) rmSync(join(this.dir, item.file), { force: true });
    this.store.markRemoved(item.refId, item.item);
    this.evicted.inc({ reason });
  }
}
