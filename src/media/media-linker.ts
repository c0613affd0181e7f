// The pipeline hook that gives an alarm its media link before the alarm is stored, so that a
// retransmission after a restart carries the same link (docs/media.md §5). For an alarm with
// pictures or clips it writes one media reference (the receiver paths, in item order) and, when
// the endpoint is on, puts `<media.publicUrl>/v1/media/<token>` where the receiver path was: the
// [V] block then names neither the receiver's address nor anything that needs its login. Never
// throws and never delays the alarm: what cannot be linked goes out without a link.

import type { Clock } from '../clock.js';
import { errorMessage, isHikArcError } from '../errors.js';
import type { Logger } from '../log.js';
import type { Counter, MetricsRegistry } from '../metrics.js';
import type { RateLimitedLog } from '../rate-limited-log.js';
import type { AlarmMessage } from '../translate/index.js';
import type { MediaUrl, VendorEvent } from '../ingest/index.js';
import { MAX_ITEMS_PER_ALARM, mediaLink } from './media-link.js';
import { hikMediaPath } from './media-source.js';
import type { MediaKind, MediaStore } from './media-store.js';
import { signMediaToken } from './media-token.js';

/** Every picture and clip of an alarm, the one its [V] block names first, without repeats. */
export function alarmMediaUrls(message: Pick<AlarmMessage, 'videoUrl'>, event: VendorEvent | null): MediaUrl[] {
  const urls: MediaUrl[] = [];
  const add = (kind: MediaKind, url: string | null | undefined): void => {
    if (url === null || url === undefined || urls.length >= MAX_ITEMS_PER_ALARM || urls.some((known) => known.url === url)) return;
    urls.push({ kind, url });
  };
  add('video', message.videoUrl);
  add('video', event?.hikCid?.videoUrl);
  add('video', event?.cidAlarm?.videoUrl);
  add('video', event?.videoUrl);
  for (const media of event?.mediaUrls ?? []) add(media.kind, media.url);
  return urls;
}

export interface LinkSigning {
  readonly publicUrl: string;
  readonly secret: string;
  readonly ttlMs: number;
}

export interface MediaLinkerOptions {
  readonly store: MediaStore;
  /** receiver.url: the only origin media is fetched from. */
  readonly hikUrl: URL;
  /** null: references only (media.archive without an endpoint), the [V] block as translated. */
  readonly signing: LinkSigning | null;
  /** media.archive: the items are due for fetching as soon as they are stored. */
  readonly archive: boolean;
  readonly onArchiveDue?: () => void;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly warnings: RateLimitedLog;
  readonly metrics: MetricsRegistry;
}

export class MediaLinker {
  private readonly links: Counter;

  constructor(private readonly options: MediaLinkerOptions) {
    this.links = options.metrics.counter(
      'hik_arc_media_links_total',
      'Alarms with media, by outcome (issued, referenced without a link, unsupported URL, failed)',
      ['outcome'],
    );
  }

  /** The message to store and send. */
  readonly link = (message: AlarmMessage, event: VendorEvent | null): AlarmMessage => {
    const urls = alarmMediaUrls(message, event);
    if (urls.length === 0) return message;
    const { signing, warnings } = this.options;
    const items: Array<{ kind: MediaKind; source: string }> = [];
    for (const media of urls) {
      const source = hikMediaPath(media.url, this.options.hikUrl);
      if (source.ok) items.push({ kind: media.kind, source: source.path });
      // The reason only: the URL itself may name the receiver's address.
      else
        warnings.warn(
          'HIKARC_MEDIA_UNSUPPORTED_URL',
          { account: message.account, cid: message.cid, kind: media.kind, reason: source.reason },
          'media URL of an alarm cannot be fetched from the receiver; no link for it',
        );
    }
    // With links on, an unfetchable receiver URL must not reach the ARC either.
    const withoutLink = signing === null ? message : { ...message, videoUrl: null };
    if (items.length === 0) {
      this.links.inc({ outcome: 'unsupported' });
      return withoutLink;
    }
    const now = this.options.clock.now();
    let mediaId: number;
    try {
      mediaId = this.options.store.addReference({
        createdAt: now,
        account: message.account,
        cid: message.cid,
        zone: message.zone,
        eventType: message.eventType,
        items,
        archiveDueAt: this.options.archive ? now : null,
      });
    } catch (error) {
      this.links.inc({ outcome: 'failed' });
      warnings.error(
        isHikArcError(error) ? error.code : 'HIKARC_MEDIA_STORE_FAILED',
        { account: message.account, cid: message.cid, err: errorMessage(error) },
        'media reference not stored: the alarm goes out without its media link',
      );
      return withoutLink;
    }
    if (this.options.archive) this.options.onArchiveDue?.();
    if (signing === null) {
      this.links.inc({ outcome: 'referenced' });
      this.options.logger.info({ mediaId, account: message.account, cid: message.cid, items: items.length }, 'alarm media referenced for the archive');
      return message;
    }
    const expiresAtSec = Math.floor((now + signing.ttlMs) / 1000);
    const link = mediaLink(signing.publicUrl, signMediaToken(signing.secret, { mediaId, expiresAtSec }));
    this.links.inc({ outcome: 'issued' });
    this.options.logger.info(
      { mediaId, account: message.account, cid: message.cid, items: items.length, expiresAt: new Date(expiresAtSec * 1000).toISOString() },
      'media link issued for the [V] block',
    );
    return { ...message, videoUrl: link };
  };
}
