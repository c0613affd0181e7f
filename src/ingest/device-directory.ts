// The receiver's device list (guide §7.2, A.40 SearchDescription, A.41 SearchResult): devIndex and
// devSerial to accountID, read page by page until totalMatches. It sits under the config `accounts`
// map (LayeredAccountDirectory), so the operator's mapping always wins. A failed refresh keeps the
// last good list.

import type { Clock } from '../clock.js';
import { isDc09Account } from '../config/schema.js';
import { errorMessage, HikArcError } from '../errors.js';
import type { Logger } from '../log.js';
import type { Counter, Gauge, MetricsRegistry } from '../metrics.js';
import { normalizeAccount, StaticAccountDirectory, type AccountDirectory } from '../translate/index.js';
import { isPlainObject } from '../translate/event-json.js';
import { readBodyText, type ReceiverHttp } from './receiver-http.js';

export const DEVICE_LIST_PATH = '/ISAPI/ContentMgmt/DeviceMgmt/deviceList?format=json';

// A device list of thousands of panels is megabytes of JSON; a page is read whole before parsing.
const MAX_PAGE_BYTES = 16 * 1024 * 1024;
// Bounds the paging loop when a receiver keeps answering with one device per page.
const MAX_PAGES = 1000;

export interface DirectoryDevice {
  readonly devIndex: string | null;
  readonly devSerial: string | null;
  readonly accountId: string | null;
}

export interface SearchPage {
  readonly devices: readonly DirectoryDevice[];
  readonly totalMatches: number | null;
}

export function searchDescription(position: number, maxResult: number): string {
  return JSON.stringify({ SearchDescription: { position, maxResult } });
}

function record(value: unknown): Record<string, unknown> | undefined {
  return isPlainObject(value) ? value : undefined;
}

function text(value: unknown): string | null {
  if (typeof value === 'number') return String(value);
  if (typeof value !== 'string') return null;
  const trimmed = value.trim();
  return trimmed === '' ? null : trimmed;
}

function count(value: unknown): number | null {
  if (typeof value === 'number' && Number.isInteger(value) && value >= 0) return value;
  if (typeof value === 'string' && /^\s*\d{1,9}\s*$/.test(value)) return Number(value);
  return null;
}

/** One SearchResult page; throws HIKARC_RECEIVER_DIRECTORY_FAILED when it is not one. */
export function parseSearchResult(body: string): SearchPage {
  let value: unknown;
  try {
    value = JSON.parse(body.replace(/^\uFEFF/, ''));
  } catch (error) {
    throw new HikArcError('HIKARC_RECEIVER_DIRECTORY_FAILED', `the device list page is not JSON: ${errorMessage(error)}`, { detail: { sample: body.slice(0, 200) } });
  }
  const result = record(record(value)?.['SearchResult']);
  if (result === undefined) {
    throw new HikArcError('HIKARC_RECEIVER_DIRECTORY_FAILED', 'the device list page has no SearchResult', { detail: { sample: body.slice(0, 200) } });
  }
  const matches = Array.isArray(result['MatchList']) ? (result['MatchList'] as unknown[]) : [];
  const devices: DirectoryDevice[] = [];
  for (const entry of matches) {
    const device = record(record(entry)?.['Device']) ?? record(entry);
    if (device === undefined) continue;
    devices.push({ devIndex: text(device['devIndex']), devSerial: text(device['devSerial']), accountId: text(device['accountID']) });
  }
  return { devices, totalMatches: count(result['totalMatches']) };
}

export interface ReceiverDirectoryOptions {
  readonly http: ReceiverHttp;
  readonly basePath: string;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly metrics: MetricsRegistry;
  readonly pageSize: number;
  readonly requestTimeoutMs: number;
  /** Refreshes asked for by an unknown device, at most one per this interval. */
  readonly unknownRefreshMinMs: number;
}

export type RefreshReason = 'start' | 'periodic' | 'unknown-device';

export class ReceiverDirectory implements AccountDirectory {
  private accounts = new StaticAccountDirectory({});
  private inFlight: Promise<boolean> | null = null;
  private lastUnknownRefreshMs: number | null = null;
  private devicesWithAccount = 0;
  private readonly abort = new AbortController();
  private readonly refreshes: Counter;
  private readonly devices: Gauge;

  constructor(private readonly options: ReceiverDirectoryOptions) {
    this.refreshes = options.metrics.counter('hik_arc_ingest_directory_refreshes_total', 'Device list refreshes from the receiver, by outcome', ['outcome']);
    this.devices = options.metrics.gauge('hik_arc_ingest_directory_devices', 'Devices with an account in the last device list read from the receiver');
  }

  accountFor(devIndex: string | null, deviceSerial: string | null): string | undefined {
    return this.accounts.accountFor(devIndex, deviceSerial);
  }

  /** Devices with a valid account in the last list read. */
  get deviceCount(): number {
    return this.devicesWithAccount;
  }

  /** Reads the whole list; one refresh at a time (a second caller shares the first). Never throws. */
  refresh(reason: RefreshReason): Promise<boolean> {
    if (this.inFlight !== null) return this.inFlight;
    const running = this.load(reason).finally(() => {
      this.inFlight = null;
    });
    this.inFlight = running;
    return running;
  }

  /** The rate-limited refresh for an unknown devIndex: the running one, a new one, or none. */
  refreshForUnknown(): Promise<boolean> | undefined {
    if (this.inFlight !== null) return this.inFlight;
    const now = this.options.clock.monotonic();
    if (this.lastUnknownRefreshMs !== null && now - this.lastUnknownRefreshMs < this.options.unknownRefreshMinMs) return undefined;
    this.lastUnknownRefreshMs = now;
    return this.refresh('unknown-device');
  }

  close(): void {
    this.abort.abort();
  }

  private async load(reason: RefreshReason): Promise<boolean> {
    const { logger } = this.options;
    try {
      const { devices, totalMatches } = await this.readAllPages();
      const map: Record<string, string> = {};
      let withoutAccount = 0;
      for (const device of devices) {
        if (device.accountId === null) {
          withoutAccount++;
          continue;
        }
        if (!isDc09Account(normalizeAccount(device.accountId))) withoutAccount++;
        if (device.devIndex !== null) map[device.devIndex] = device.accountId;
        if (device.devSerial !== null) map[device.devSerial] = device.accountId;
      }
      this.accounts = new StaticAccountDirectory(map);
      this.devicesWithAccount = devices.length - withoutAccount;
      this.devices.set(undefined, this.devicesWithAccount);
      this.refreshes.inc({ outcome: 'ok' });
      if (totalMatches !== null && devices.length < totalMatches) {
        logger.warn({ reason, devices: devices.length, totalMatches }, 'device list ended before totalMatches: using the devices read');
      }
      if (withoutAccount > 0) logger.warn({ reason, devices: devices.length, withoutAccount }, 'devices in the receiver list without a valid 3-16 hex digit accountID');
      logger.info({ reason, devices: devices.length }, 'device list read');
      return true;
    } catch (error) {
      this.refreshes.inc({ outcome: 'failed' });
      const code = error instanceof HikArcError ? error.code : 'HIKARC_RECEIVER_DIRECTORY_FAILED';
      // A login on hold was logged where it was refused; the list simply waits for the next refresh.
      const level = code === 'HIKARC_DIGEST_HOLD' || code === 'HIKARC_DIGEST_LOCKED' ? 'debug' : 'error';
      logger[level]({ code, reason, err: errorMessage(error) }, 'device list could not be read: keeping the last one');
      return false;
    }
  }

  private async readAllPages(): Promise<{ devices: DirectoryDevice[]; totalMatches: number | null }> {
    const { http, pageSize, requestTimeoutMs, basePath } = this.options;
    const devices: DirectoryDevice[] = [];
    let totalMatches: number | null = null;
    for (let page = 0; page < MAX_PAGES; page++) {
      const response = await http.request({
        method: 'POST',
        path: `${basePath}${DEVICE_LIST_PATH}`,
        body: searchDescription(devices.length, pageSize),
        signal: this.abort.signal,
        headersTimeoutMs: requestTimeoutMs,
        bodyTimeoutMs: requestTimeoutMs,
      });
      if (!response.ok) {
        throw new HikArcError('HIKARC_RECEIVER_DIRECTORY_FAILED', `the receiver answered the device list with HTTP ${response.statusCode}`, {
          detail: { statusCode: response.statusCode, sample: response.text.slice(0, 200) },
        });
      }
      const result = parseSearchResult(await readBodyText(response.body, MAX_PAGE_BYTES));
      devices.push(...result.devices);
      totalMatches = result.totalMatches ?? totalMatches;
      if (result.devices.length === 0) break;
      if (totalMatches !== null ? devices.length >= totalMatches : result.devices.length < pageSize) break;
    }
    return { devices, totalMatches };
  }
}
