// The receiver's device list (guide §7.2, A.40 SearchDescription, A.41 SearchResult): devIndex and
// devSerial to accountID, read page by page. It sits under the config `accounts` map
// (LayeredAccountDirectory), so the operator's mapping always wins.
//
// Receivers answer this as badly as they send events, and a wrong list routes alarms to another
// customer's account, so:
// - a page goes through the same tolerant JSON path as events (A.41's own example misses a comma);
// - paging follows whichever of totalMatches and responseStatusStrg ("MORE" / "OK" / "NO MATCH") the
//   receiver gives, else goes on until a page comes back empty (numOfMatches 0): a short page is no
//   end, since receivers cap pages below maxResult. Devices are counted once by devIndex, and a page
//   with nothing new (a receiver ignoring `position`) ends the read;
// - every page request has a hard total deadline (headers and body), not only idle timeouts;
// - only a complete read replaces the last good list. A partial one (repeated page, fewer entries
//   than totalMatches, page limit, or no devices at all where there were some) is laid over it, a
//   failed one changes nothing;
// - the last good list is kept on disk (written atomically), and read at start, so a restart during
//   a receiver fault still routes right.

import { existsSync, readFileSync } from 'node:fs';
import { rename, writeFile } from 'node:fs/promises';
import type { Clock } from '../clock.js';
import { isDc09Account } from '../transport/dc09-fields.js';
import { errorMessage, HikArcError, type ErrorCode } from '../errors.js';
import type { Logger } from '../log.js';
import type { Counter, Gauge, MetricsRegistry } from '../metrics.js';
import { normalizeAccount, StaticAccountDirectory, type AccountDirectory } from './account-directory.js';
import { isPlainObject, parseTolerantJson } from '../vendor-json/tolerant-json.js';
import { readBodyText, type HikHttp } from './hik-http.js';

export const DEVICE_LIST_PATH = '/ISAPI/ContentMgmt/DeviceMgmt/deviceList?format=json';

// A device list of thousands of panels is megabytes of JSON; a page is read whole before parsing.
const MAX_PAGE_BYTES = 16 * 1024 * 1024;
// Bounds the paging loop when a receiver keeps answering with one new device per page.
const MAX_PAGES = 2000;
const CACHE_VERSION = 1;

export interface DirectoryDevice {
  readonly devIndex: string | null;
  readonly devSerial: string | null;
  readonly accountId: string | null;
  /** devName, devType (else OTAP from devSource / connectionMode) and devStatus, for people
   * (hik-arc devices); routing never reads them. Absent in lists saved by older versions. */
  readonly name?: string | null;
  readonly type?: string | null;
  readonly status?: string | null;
}

/** responseStatusStrg of A.41: more pages follow, this was the last one, or nothing matched. */
export type SearchStatus = 'OK' | 'MORE' | 'NO MATCH';

export interface SearchPage {
  readonly devices: readonly DirectoryDevice[];
  /** Entries of MatchList, readable or not: how far the page moves the position. */
  readonly entries: number;
  readonly totalMatches: number | null;
  readonly numOfMatches: number | null;
  readonly status: SearchStatus | null;
  /** The page was broken JSON, repaired. */
  readonly repaired: boolean;
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

function searchStatus(value: unknown): SearchStatus | null {
  const status =
    typeof value === 'string'
      ? value
          .trim()
          .toUpperCase()
          .replace(/[\s_]+/g, ' ')
      : '';
  return status === 'OK' || status === 'MORE' || status === 'NO MATCH' ? status : null;
}

// A.41: devSource 7 or connectionMode 4 is an alarm device connected over OTAP.
function deviceType(device: Record<string, unknown>): string | null {
  const named = text(device['devType']) ?? text(device['deviceType']);
  if (named !== null) return named;
  return text(device['devSource']) === '7' || text(device['connectionMode']) === '4' || text(device['connectionMode'])?.toUpperCase() === 'OTAP'
    ? 'OTAP'
    : null;
}

function directoryError(message: string, sample: string): HikArcError {
  return new HikArcError('HIKARC_RECEIVER_DIRECTORY_FAILED', message, { detail: { sample: sample.slice(0, 200) } });
}

/** One SearchResult page, broken JSON repaired; throws HIKARC_RECEIVER_DIRECTORY_FAILED when it is not one. */
export function parseSearchResult(body: string): SearchPage {
  const parsed = parseTolerantJson(body);
  if (!parsed.ok) throw directoryError(`the device list page is not JSON: ${parsed.error.message}`, body);
  const result = record(parsed.value['SearchResult']);
  if (result === undefined) throw directoryError('the device list page has no SearchResult', body);
  const matches = Array.isArray(result['MatchList']) ? (result['MatchList'] as unknown[]) : [];
  const devices: DirectoryDevice[] = [];
  for (const entry of matches) {
    const device = record(record(entry)?.['Device']) ?? record(entry);
    if (device === undefined) continue;
    devices.push({
      devIndex: text(device['devIndex']),
      devSerial: text(device['devSerial']),
      accountId: text(device['accountID']),
      name: text(device['devName']),
      type: deviceType(device),
      status: text(device['devStatus']),
    });
  }
  return {
    devices,
    entries: matches.length,
    totalMatches: count(result['totalMatches']),
    numOfMatches: count(result['numOfMatches']),
    status: searchStatus(result['responseStatusStrg']),
    repaired: parsed.repair !== 'none',
  };
}

/** Who a device is, for counting it once: its devIndex, else its serial (either case). */
function identity(device: DirectoryDevice): string | null {
  const id = device.devIndex ?? device.devSerial;
  return id === null ? null : id.trim().toLowerCase();
}

export interface HikDeviceDirectoryOptions {
  readonly http: HikHttp;
  readonly basePath: string;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly metrics: MetricsRegistry;
  readonly pageSize: number;
  /** Hard deadline of one page request, headers and body together. */
  readonly requestTimeoutMs: number;
  /** Refreshes asked for by an unknown device, at most one per this interval. */
  readonly unknownRefreshMinMs: number;
  /** Where the last good list is kept; null keeps it in memory only. */
  readonly cachePath?: string | null;
}

export type RefreshReason = 'start' | 'periodic' | 'unknown-device';

/** `ok`: complete, now the list. `partial`: laid over the last good list. `failed`: nothing changed. */
export type RefreshOutcome = 'ok' | 'partial' | 'failed';

interface ReadResult {
  readonly devices: DirectoryDevice[];
  readonly totalMatches: number | null;
  /** Why the read is incomplete; null when it is complete. */
  readonly incomplete: string | null;
  readonly pages: number;
  readonly repairedPages: number;
}

/** One list of devices: the lookup, and who is in it. */
class DeviceList {
  readonly accounts: StaticAccountDirectory;
  /** Identities of devices with a valid account. */
  readonly withAccount: ReadonlySet<string>;
  readonly withoutAccount: number;

  constructor(readonly devices: readonly DirectoryDevice[]) {
    const map: Record<string, string> = {};
    const withAccount = new Set<string>();
    let withoutAccount = 0;
    for (const device of devices) {
      if (device.accountId === null) {
        withoutAccount++;
        continue;
      }
      const id = identity(device);
      if (isDc09Account(normalizeAccount(device.accountId)) && id !== null) withAccount.add(id);
      else withoutAccount++;
      if (device.devIndex !== null) map[device.devIndex] = device.accountId;
      if (device.devSerial !== null) map[device.devSerial] = device.accountId;
    }
    this.accounts = new StaticAccountDirectory(map);
    this.withAccount = withAccount;
    this.withoutAccount = withoutAccount;
  }
}

const EMPTY_LIST = new DeviceList([]);

function isDevice(value: unknown): value is DirectoryDevice {
  if (!isPlainObject(value)) return false;
  return (
    ['devIndex', 'devSerial', 'accountId'].every((key) => value[key] === null || typeof value[key] === 'string') &&
    ['name', 'type', 'status'].every((key) => value[key] === undefined || value[key] === null || typeof value[key] === 'string')
  );
}

/** devIndex or serial to account, as the service routes by a device list. */
export function deviceListAccounts(devices: readonly DirectoryDevice[]): AccountDirectory {
  return new DeviceList(devices).accounts;
}

/**
 * A device list saved by hik-arc: the service's last good list (store.path with .devices.json) or
 * `hik-arc devices --save`. Throws HIKARC_INGEST_DIRECTORY_CACHE_FAILED when it is not one.
 */
export function readSavedDeviceList(path: string): { readonly devices: readonly DirectoryDevice[]; readonly savedAt: string | null } {
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(path, 'utf8')) as unknown;
  } catch (error) {
    throw new HikArcError('HIKARC_INGEST_DIRECTORY_CACHE_FAILED', `the saved device list ${path} cannot be read: ${errorMessage(error)}`, {
      cause: error,
      detail: { path },
    });
  }
  const saved = isPlainObject(value) ? value : {};
  const devices: unknown = saved['version'] === CACHE_VERSION ? saved['devices'] : undefined;
  if (!Array.isArray(devices) || !devices.every(isDevice)) {
    throw new HikArcError('HIKARC_INGEST_DIRECTORY_CACHE_FAILED', `${path} is not a device list written by hik-arc`, { detail: { path } });
  }
  return { devices, savedAt: typeof saved['savedAt'] === 'string' ? saved['savedAt'] : null };
}

export class HikDeviceDirectory implements AccountDirectory {
  /** The last complete read (or the one from disk). */
  private good: DeviceList = EMPTY_LIST;
  /** A partial read after it, asked first. */
  private overlay: DeviceList | null = null;
  private inFlight: Promise<RefreshOutcome> | null = null;
  private lastUnknownRefreshMs: number | null = null;
  private readonly abort = new AbortController();
  private readonly refreshes: Counter;
  private readonly devices: Gauge;
  private saving: Promise<void> = Promise.resolve();
  private failure: { readonly code: ErrorCode; readonly message: string } | null = null;

  constructor(private readonly options: HikDeviceDirectoryOptions) {
    this.refreshes = options.metrics.counter(
      'hik_arc_ingest_directory_refreshes_total',
      'Device list refreshes from the receiver, by outcome (ok, partial, failed)',
      ['outcome'],
    );
    this.devices = options.metrics.gauge('hik_arc_ingest_directory_devices', 'Devices with an account in the device list in use');
    this.loadFromDisk();
  }

  accountFor(devIndex: string | null, deviceSerial: string | null): string | undefined {
    return this.overlay?.accounts.accountFor(devIndex, deviceSerial) ?? this.good.accounts.accountFor(devIndex, deviceSerial);
  }

  /** Devices with a valid account in the list in use. */
  get deviceCount(): number {
    if (this.overlay === null) return this.good.withAccount.size;
    const ids = new Set(this.good.withAccount);
    for (const id of this.overlay.withAccount) ids.add(id);
    return ids.size;
  }

  /** The devices of the list in use: a partial read's over the last good list's, each once. */
  listed(): readonly DirectoryDevice[] {
    if (this.overlay === null) return this.good.devices;
    const seen = new Set<string>();
    const out: DirectoryDevice[] = [];
    for (const device of [...this.overlay.devices, ...this.good.devices]) {
      const id = identity(device);
      if (id !== null && seen.has(id)) continue;
      if (id !== null) seen.add(id);
      out.push(device);
    }
    return out;
  }

  /** Why the last refresh failed (its code and message); null after one that read a list. */
  get lastFailure(): { readonly code: ErrorCode; readonly message: string } | null {
    return this.failure;
  }

  /** The refresh running now, if any. */
  get pending(): Promise<RefreshOutcome> | null {
    return this.inFlight;
  }

  /** Reads the whole list; one refresh at a time (a second caller shares the first). Never throws. */
  refresh(reason: RefreshReason): Promise<RefreshOutcome> {
    if (this.inFlight !== null) return this.inFlight;
    const running = this.load(reason).finally(() => {
      this.inFlight = null;
    });
    this.inFlight = running;
    return running;
  }

  /** The rate-limited refresh for an unknown devIndex: the running one, a new one, or none. */
  refreshForUnknown(): Promise<RefreshOutcome> | undefined {
    if (this.inFlight !== null) return this.inFlight;
    const now = this.options.clock.monotonic();
    if (this.lastUnknownRefreshMs !== null && now - this.lastUnknownRefreshMs < this.options.unknownRefreshMinMs) return undefined;
    this.lastUnknownRefreshMs = now;
    return this.refresh('unknown-device');
  }

  /** Stops any read in progress; resolves once the last write to disk is done. */
  async close(): Promise<void> {
    this.abort.abort();
    await this.saving;
  }

  private async load(reason: RefreshReason): Promise<RefreshOutcome> {
    const { logger } = this.options;
    let read: ReadResult;
    try {
      read = await this.readAllPages();
    } catch (error) {
      this.refreshes.inc({ outcome: 'failed' });
      const code = error instanceof HikArcError ? error.code : 'HIKARC_RECEIVER_DIRECTORY_FAILED';
      this.failure = { code, message: errorMessage(error) };
      // A login on hold was logged where it was refused; the list simply waits for the next refresh.
      const level = code === 'HIKARC_DIGEST_HOLD' || code === 'HIKARC_DIGEST_LOCKED' || this.abort.signal.aborted ? 'debug' : 'error';
      logger[level]({ code, reason, err: errorMessage(error) }, 'device list could not be read: keeping the last one');
      return 'failed';
    }
    this.failure = null;
    const list = new DeviceList(read.devices);
    const fields = { reason, devices: read.devices.length, totalMatches: read.totalMatches, pages: read.pages };
    if (read.repairedPages > 0) logger.warn({ reason, repairedPages: read.repairedPages }, 'device list pages were broken JSON: repaired');
    if (list.withoutAccount > 0)
      logger.warn(
        { reason, devices: read.devices.length, withoutAccount: list.withoutAccount },
        'devices in the receiver list without a valid 3-16 hex digit accountID',
      );
    // A receiver that suddenly lists nothing (a restart, a glitch) is not believed over a list that
    // had devices: their alarms would all go to the fallback account.
    const incomplete = read.incomplete ?? (read.devices.length === 0 && this.good.devices.length > 0 ? 'the receiver listed no devices' : null);
    if (incomplete !== null) {
      this.overlay = list;
      this.refreshes.inc({ outcome: 'partial' });
      this.devices.set(undefined, this.deviceCount);
      logger.warn(
        { code: 'HIKARC_RECEIVER_DIRECTORY_PARTIAL', ...fields, why: incomplete, lastGoodDevices: this.good.devices.length },
        'device list read only in part: used over the last good list, which stays',
      );
      return 'partial';
    }
    this.good = list;
    this.overlay = null;
    this.refreshes.inc({ outcome: 'ok' });
    this.devices.set(undefined, this.deviceCount);
    logger.info(fields, 'device list read');
    this.save(read.devices);
    return 'ok';
  }

  /** One page request under a hard deadline for headers and body together. */
  private async readPage(position: number): Promise<SearchPage> {
    const { http, pageSize, requestTimeoutMs, basePath, clock } = this.options;
    const deadline = new AbortController();
    const cancel = clock.setTimer(requestTimeoutMs, () => deadline.abort());
    try {
      const response = await http.request({
        method: 'POST',
        path: `${basePath}${DEVICE_LIST_PATH}`,
        body: searchDescription(position, pageSize),
        signal: AbortSignal.any([this.abort.signal, deadline.signal]),
        headersTimeoutMs: requestTimeoutMs,
        bodyTimeoutMs: requestTimeoutMs,
      });
      if (!response.ok) {
        throw new HikArcError('HIKARC_RECEIVER_DIRECTORY_FAILED', `the receiver answered the device list with HTTP ${response.statusCode}`, {
          detail: { statusCode: response.statusCode, sample: response.text.slice(0, 200) },
        });
      }
      return parseSearchResult(await readBodyText(response.body, MAX_PAGE_BYTES));
    } catch (error) {
      if (deadline.signal.aborted && !this.abort.signal.aborted) {
        throw new HikArcError('HIKARC_RECEIVER_DIRECTORY_FAILED', `the device list page at position ${position} did not arrive within ${requestTimeoutMs} ms`, {
          cause: error,
        });
      }
      throw error;
    } finally {
      cancel();
    }
  }

  private async readAllPages(): Promise<ReadResult> {
    const seen = new Set<string>();
    const devices: DirectoryDevice[] = [];
    let totalMatches: number | null = null;
    let position = 0;
    let repairedPages = 0;
    for (let page = 1; page <= MAX_PAGES; page++) {
      const result = await this.readPage(position);
      if (result.repaired) repairedPages++;
      totalMatches = result.totalMatches ?? totalMatches;
      let added = 0;
      for (const device of result.devices) {
        const id = identity(device);
        if (id !== null && seen.has(id)) continue;
        if (id !== null) seen.add(id);
        devices.push(device);
        added++;
      }
      const done = (incomplete: string | null): ReadResult => {
        // However it ended, fewer entries than the receiver said it has is no complete list.
        const entries = position + result.entries;
        const short = incomplete === null && totalMatches !== null && entries < totalMatches ? `${entries} of ${totalMatches} entries` : null;
        return { devices, totalMatches, incomplete: incomplete ?? short, pages: page, repairedPages };
      };
      if (result.entries === 0 || result.status === 'OK' || result.status === 'NO MATCH') return done(null);
      // Nothing new on a non-empty page: the receiver answers the same page again (it ignores
      // position); going on would only count the same devices again.
      if (added === 0) return done(`page ${page} at position ${position} repeated devices already read`);
      position += result.entries;
      if (result.status === 'MORE') continue;
      if (totalMatches !== null && position >= totalMatches) return done(null);
      // Neither total nor status: the end is an empty page (one request more than needed).
    }
    return { devices, totalMatches, incomplete: `stopped after ${MAX_PAGES} pages`, pages: MAX_PAGES, repairedPages };
  }

  private loadFromDisk(): void {
    const path = this.options.cachePath;
    if (path === undefined || path === null || !existsSync(path)) return;
    try {
      const saved = readSavedDeviceList(path);
      this.good = new DeviceList(saved.devices);
      this.devices.set(undefined, this.deviceCount);
      this.options.logger.info({ path, devices: saved.devices.length, savedAt: saved.savedAt }, 'device list read from disk');
    } catch (error) {
      this.cacheFailed('read', path, error);
    }
  }

  // Written whole to a temporary file and renamed over the old one: a crash leaves the old list or
  // the new one, never half of one. Writes queue behind each other.
  private save(devices: readonly DirectoryDevice[]): void {
    const path = this.options.cachePath;
    if (path === undefined || path === null) return;
    const body = `${JSON.stringify({ version: CACHE_VERSION, savedAt: new Date(this.options.clock.now()).toISOString(), devices })}\n`;
    const temporary = `${path}.${process.pid}.tmp`;
    this.saving = this.saving.then(async () => {
      try {
        await writeFile(temporary, body, { mode: 0o640 });
        await rename(temporary, path);
      } catch (error) {
        this.cacheFailed('write', path, error);
      }
    });
  }

  private cacheFailed(action: 'read' | 'write', path: string, error: unknown): void {
    const code: ErrorCode = 'HIKARC_INGEST_DIRECTORY_CACHE_FAILED';
    this.options.logger.warn(
      { code, path, action, err: errorMessage(error) },
      action === 'read' ? 'the device list on disk cannot be used: waiting for the receiver' : 'the device list could not be written to disk',
    );
  }
}
