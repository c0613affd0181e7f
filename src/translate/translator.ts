// The translate stage: normalized vendor event → Contact ID / SIA alarm for one DC-09 account, or
// an explicit reason why it is not forwarded. Nothing is dropped silently: every outcome is counted,
// and anything that is not plainly routine (heartbeat, repeat) is logged.

import { systemClock, type Clock } from '../clock.js';
import type { TranslateSettings } from './event-mapping.js';
import { silentLogger, type Logger } from '../log.js';
import { MetricsRegistry, type Counter } from '../metrics.js';
import { isDc09Account } from '../transport/dc09-fields.js';
import { normalizeAccount, type AccountDirectory } from '../ingest/account-directory.js';
import type { RepairLevel } from '../vendor-json/tolerant-json.js';
import { isStatusEvent, mapEvent, reportNumber, type EventCodes, type EventFamily } from './event-mapping.js';
import { admCidPayload, siaDcsPayload, type Qualifier } from './payload.js';
import { RepeatFilter } from './repeat-filter.js';
import { decodeEventDocument, type VendorEvent } from '../ingest/vendor-event.js';
import type { HikArcError } from '../errors.js';

export interface AlarmMessage {
  /** The event family, or `receiver-link` for hik-arc's own upstream link fault and restore. */
  readonly family: EventFamily | 'receiver-link';
  readonly eventType: string;
  readonly account: string;
  readonly hikCode: string | null;
  readonly qualifier: Qualifier;
  /** Contact ID event code, three digits. */
  readonly code: string;
  /** Qualifier letter and code, e.g. `E130`. */
  readonly cid: string;
  readonly sia: string;
  readonly partition: number;
  readonly zone: number;
  readonly user: number | null;
  /** Zone or user: what the last three digits of the payload carry. */
  readonly reportNumber: number;
  readonly description: string;
  readonly videoUrl: string | null;
  readonly repair: RepairLevel;
  /** `#ACCT|QEEE GG CCC` */
  readonly admCid: string;
  /** `#ACCT|Nri<p>/<SIA><nnn>` */
  readonly siaDcs: string;
}

/**
 * The upstream link fault hik-arc itself reports for `receiver.account` when the receiver's event
 * stream has been down too long, and its restore (Contact ID 350 communication trouble, SIA YC/YK).
 */
export function hikLinkAlarm(account: string, state: 'fault' | 'restore'): AlarmMessage {
  const restore = state === 'restore';
  const fields = {
    account: normalizeAccount(account),
    qualifier: (restore ? 3 : 1) as Qualifier,
    code: '350',
    sia: restore ? 'YK' : 'YC',
    partition: 0,
    reportNumber: 0,
  };
  return {
    family: 'receiver-link',
    eventType: restore ? 'receiverLinkRestored' : 'receiverLinkLost',
    account: fields.account,
    hikCode: null,
    qualifier: fields.qualifier,
    code: fields.code,
    cid: restore ? 'R350' : 'E350',
    sia: fields.sia,
    partition: 0,
    zone: 0,
    user: null,
    reportNumber: 0,
    description: restore ? 'Receiver event stream restored' : 'Receiver event stream lost',
    videoUrl: null,
    repair: 'none',
    admCid: admCidPayload(fields),
    siaDcs: siaDcsPayload(fields),
  };
}

export type SkipReason = 'heartbeat' | 'inactive' | 'repeat' | 'unknown-event' | 'no-account';

export type Translation =
  | { readonly forwarded: true; readonly message: AlarmMessage }
  | {
      readonly forwarded: false;
      readonly reason: SkipReason;
      readonly eventType: string;
      readonly detail: string;
      /** For `no-account`: the codes, so the event can be kept as unroutable and sent after a fix. */
      readonly codes?: EventCodes;
    };

/** What became of one raw document (a multipart part, a line of a file). */
export type DocumentOutcome =
  | { readonly kind: 'translated'; readonly event: VendorEvent; readonly translation: Translation }
  | { readonly kind: 'control'; readonly name: 'SubscribeDeviceMgmtRsp' | 'ResponseStatus'; readonly value: Record<string, unknown> }
  | { readonly kind: 'error'; readonly error: HikArcError };

export interface TranslatorOptions {
  readonly settings: TranslateSettings;
  /** `receiver.account`: for events about the receiver itself (no devIndex). */
  readonly hikAccount: string;
  readonly directory: AccountDirectory;
  readonly clock?: Clock;
  readonly logger?: Logger;
  readonly metrics?: MetricsRegistry;
}

type AccountResolution = { readonly account: string; readonly source: string } | { readonly account: null; readonly detail: string };

export class Translator {
  private readonly settings: TranslateSettings;
  private readonly hikAccount: string;
  private readonly fallbackAccount: string;
  private readonly directory: AccountDirectory;
  private readonly logger: Logger;
  private readonly repeats: RepeatFilter;
  private readonly outcomes: Counter;
  private readonly warnings: Counter;
  private readonly repairs: Counter;
  private readonly failures: Counter;
  private readonly countForwarded: () => void;

  constructor(options: TranslatorOptions) {
    this.settings = options.settings;
    this.hikAccount = normalizeAccount(options.hikAccount);
    this.fallbackAccount = normalizeAccount(options.settings.fallbackAccount);
    this.directory = options.directory;
    this.logger = options.logger ?? silentLogger;
    this.repeats = new RepeatFilter(options.settings.repeatWindowSec * 1000, options.clock ?? systemClock);
    const metrics = options.metrics ?? new MetricsRegistry();
    this.outcomes = metrics.counter('hik_arc_translate_events_total', 'Events translated, by outcome (forwarded or the reason they were not)', ['outcome']);
    this.warnings = metrics.counter('hik_arc_translate_warnings_total', 'Alarms forwarded with a translation problem (unknown code, number out of range)', [
      'code',
    ]);
    this.repairs = metrics.counter('hik_arc_parse_repairs_total', 'Vendor documents that needed repair or salvage to parse', ['level']);
    this.failures = metrics.counter('hik_arc_parse_failures_total', 'Vendor documents that could not be read as events at all', ['code']);
    this.countForwarded = this.outcomes.bind({ outcome: 'forwarded' });
  }

  /** Decodes and translates one raw document; never throws. */
  translateText(text: string): DocumentOutcome {
    const decoded = decodeEventDocument(text);
    if (decoded.kind === 'event') return { kind: 'translated', event: decoded.event, translation: this.translate(decoded.event) };
    if (decoded.kind === 'control') return decoded;
    this.failures.inc({ code: decoded.error.code });
    this.logger.error({ code: decoded.error.code, sample: text.slice(0, 200) }, 'vendor document is not a readable event');
    return decoded;
  }

  translate(event: VendorEvent): Translation {
    if (event.repair !== 'none') {
      this.repairs.inc({ level: event.repair });
      // Receivers send malformed JSON routinely (half of the guide's own examples need a repair),
      // so a repair is expected: info, and counted by hik_arc_parse_repairs_total. A salvage kept
      // only the fields an alarm needs, so something was lost: that stays a warning.
      const fields = { eventType: event.eventType, devIndex: event.devIndex, repair: event.repair, defects: event.defects };
      if (event.repair === 'repaired') this.logger.info(fields, 'vendor document repaired');
      else this.logger.warn(fields, "vendor document salvaged: fields beyond the alarm's were lost");
    }
    const mapping = mapEvent(event, this.settings);
    if (mapping.kind === 'skip') {
      if (mapping.reason === 'unknown-event')
        this.logger.warn({ eventType: event.eventType, devIndex: event.devIndex }, 'unknown event type dropped (translate.unknownEvent is drop)');
      return this.skip(mapping.reason, event, mapping.detail);
    }
    const codes = mapping.codes;
    for (const warning of codes.warnings) {
      this.warnings.inc({ code: warning.code });
      this.logger.warn({ code: warning.code, eventType: event.eventType, devIndex: event.devIndex, hikCode: codes.hikCode }, warning.message);
    }
    if (codes.family === 'unknown') {
      this.logger.warn({ eventType: event.eventType, devIndex: event.devIndex }, 'unknown event type forwarded as general alarm 140');
    }

    const resolution = this.resolveAccount(event);
    if (resolution.account === null) {
      this.logger.error(
        {
          code: 'HIKARC_TRANSLATE_NO_ACCOUNT',
          eventType: event.eventType,
          devIndex: event.devIndex,
          deviceSerial: event.deviceSerial,
          detail: resolution.detail,
        },
        'event has no account: kept as unroutable',
      );
      return this.skip('no-account', event, resolution.detail, codes);
    }
    const account = resolution.account;
    const repeatKey = { account, qualifier: codes.qualifier, code: Number(codes.code), partition: codes.partition, zone: codes.zone };
    if (this.repeats.check(repeatKey, event.activePostCount)) {
      return this.skip('repeat', event, `activePostCount ${event.activePostCount ?? ''} within ${this.settings.repeatWindowSec} s of the last forward`);
    }

    const number = reportNumber(codes);
    const payloadFields = { account, qualifier: codes.qualifier, code: codes.code, sia: codes.sia, partition: codes.partition, reportNumber: number };
    this.countForwarded();
    return {
      forwarded: true,
      message: {
        family: codes.family,
        eventType: event.eventType,
        account,
        hikCode: codes.hikCode,
        qualifier: codes.qualifier,
        code: codes.code,
        cid: `${codes.qualifier === 3 ? 'R' : 'E'}${codes.code}`,
        sia: codes.sia,
        partition: codes.partition,
        zone: codes.zone,
        user: codes.user,
        reportNumber: number,
        description: codes.description,
        videoUrl: codes.videoUrl,
        repair: event.repair,
        admCid: admCidPayload(payloadFields),
        siaDcs: siaDcsPayload(payloadFields),
      },
    };
  }

  private skip(reason: SkipReason, event: VendorEvent, detail: string, codes?: EventCodes): Translation {
    this.outcomes.inc({ outcome: reason });
    return codes === undefined
      ? { forwarded: false, reason, eventType: event.eventType, detail }
      : { forwarded: false, reason, eventType: event.eventType, detail, codes };
  }

  // The device's own accountID first, then the configured / receiver-listed account of its
  // devIndex or serial; receiver-level status events use receiver.account; last the fallback.
  private resolveAccount(event: VendorEvent): AccountResolution {
    const rejected: string[] = [];
    if (event.deviceId !== null) {
      const account = normalizeAccount(event.deviceId);
      if (isDc09Account(account)) return { account, source: 'deviceID' };
      rejected.push(`deviceID "${event.deviceId}" is not 3-16 hex digits`);
    }
    const listed = this.directory.accountFor(event.devIndex, event.deviceSerial);
    if (listed !== undefined) {
      if (isDc09Account(listed)) return { account: listed, source: 'directory' };
      rejected.push(`account "${listed}" listed for the device is not 3-16 hex digits`);
    }
    if (event.devIndex === null && event.deviceSerial === null && isStatusEvent(event.eventType) && this.hikAccount !== '') {
      return { account: this.hikAccount, source: 'receiver.account' };
    }
    if (this.fallbackAccount !== '') return { account: this.fallbackAccount, source: 'translate.fallbackAccount' };
    const device = event.devIndex ?? event.deviceSerial;
    rejected.push(device === null ? 'the event names no device' : `no account for device ${device}`);
    return { account: null, detail: rejected.join('; ') };
  }
}
