// The receiver's device list for commands (devices, translate): read once, whole, through the same
// paging, deadlines and tolerant parsing as the service (ingest's HikDeviceDirectory), or taken from
// a saved copy. How an account is found for a device mirrors the translator: a deviceID its events
// carry (as seen in the service's store), then the config `accounts`, then the list's accountID,
// then translate.fallbackAccount.

import { systemClock } from '../clock.js';
import type { Config } from '../config/load.js';
import { ingestSettingsFromConfig } from '../config/stage-settings.js';
import type { ErrorCode } from '../errors.js';
import { normalizeAccount, HikDeviceDirectory, hikClients, StaticAccountDirectory, type DirectoryDevice, type RefreshOutcome } from '../ingest/index.js';
import type { Logger } from '../log.js';
import { MetricsRegistry } from '../metrics.js';
import { isDc09Account } from '../transport/dc09-fields.js';
import { existsSync } from 'node:fs';
import { OutboxReader } from '../outbox/index.js';
import type { VendorEvent } from '../ingest/index.js';

export interface DeviceListRead {
  readonly outcome: RefreshOutcome;
  readonly devices: readonly DirectoryDevice[];
  readonly failure: { readonly code: ErrorCode; readonly message: string } | null;
}

/** Whether the config names a receiver that can be asked (url and login). */
export function hikConfigured(config: Config): boolean {
  return config.receiver.url !== '' && config.receiver.username !== '' && config.receiver.password !== '';
}

/** Reads the whole list from the receiver; `savePath` keeps a complete one as the service does. */
export async function readHikDeviceList(config: Config, logger: Logger, savePath: string | null): Promise<DeviceListRead> {
  const settings = ingestSettingsFromConfig(config);
  const metrics = new MetricsRegistry();
  const clients = hikClients({ ...settings, clock: systemClock, logger, metrics });
  const directory = new HikDeviceDirectory({
    http: clients.control,
    basePath: clients.basePath,
    clock: systemClock,
    logger,
    metrics,
    pageSize: settings.directoryPageSize,
    requestTimeoutMs: settings.requestTimeoutMs,
    unknownRefreshMinMs: settings.unknownDeviceRefreshMinMs,
    // Never the service's own file: a command must not replace the list the service routes by.
    cachePath: savePath,
  });
  try {
    const outcome = await directory.refresh('start');
    return { outcome, devices: directory.listed(), failure: directory.lastFailure };
  } finally {
    await directory.close();
    await clients.close(1000);
  }
}

/** Where a device's account comes from, in the translator's order. */
export const ACCOUNT_SOURCES = {
  deviceId: 'deviceID',
  config: 'config accounts',
  list: 'device list',
  fallback: 'translate.fallbackAccount',
  none: 'none',
} as const;
export type AccountSource = (typeof ACCOUNT_SOURCES)[keyof typeof ACCOUNT_SOURCES];

export interface DeviceAccount {
  readonly account: string | null;
  readonly source: AccountSource;
  /** Something the installer should know: a listed account the config overrides, or an invalid one. */
  readonly note: string | null;
}

/**
 * The deviceID the device's events carried, by devIndex and serial (lower case), from the vendor
 * events the service stored: an event with a valid deviceID goes out with it, before any mapping.
 */
export type SeenDeviceIds = ReadonlyMap<string, string>;

export function seenDeviceIds(config: Config, rows: number): SeenDeviceIds {
  const seen = new Map<string, string>();
  if (config.store.path === ':memory:' || !existsSync(config.store.path)) return seen;
  const reader = OutboxReader.open(config.store.path);
  try {
    // Newest first: the first deviceID seen for a device is its latest.
    for (const attachment of reader.recentAttachments(rows)) {
      let event: Partial<VendorEvent> | null;
      try {
        event = JSON.parse(attachment) as Partial<VendorEvent> | null;
      } catch {
        continue;
      }
      if (event === null || typeof event.deviceId !== 'string' || !isDc09Account(normalizeAccount(event.deviceId))) continue;
      for (const id of [event.devIndex, event.deviceSerial]) {
        if (typeof id === 'string' && !seen.has(id.trim().toLowerCase())) seen.set(id.trim().toLowerCase(), normalizeAccount(event.deviceId));
      }
    }
  } finally {
    reader.close();
  }
  return seen;
}

export function deviceAccount(device: DirectoryDevice, config: Config, seen: SeenDeviceIds = new Map()): DeviceAccount {
  const carried = [device.devIndex, device.devSerial].map((id) => (id === null ? undefined : seen.get(id.trim().toLowerCase()))).find((id) => id !== undefined);
  if (carried !== undefined)
    return { account: carried, source: ACCOUNT_SOURCES.deviceId, note: 'its stored events carry this deviceID, which is used before any mapping' };
  const configured = new StaticAccountDirectory(config.accounts).accountFor(device.devIndex, device.devSerial);
  const listed = device.accountId === null ? null : normalizeAccount(device.accountId);
  if (configured !== undefined) {
    const note = listed !== null && listed !== configured ? `the receiver lists account ${listed}; config accounts overrides it` : null;
    return { account: configured, source: ACCOUNT_SOURCES.config, note };
  }
  const invalid = listed !== null && !isDc09Account(listed) ? `the listed accountID "${device.accountId ?? ''}" is not 3-16 hex digits` : null;
  if (listed !== null && invalid === null) return { account: listed, source: ACCOUNT_SOURCES.list, note: null };
  const missing = invalid ?? 'the receiver lists no accountID';
  if (config.translate.fallbackAccount !== '') return { account: config.translate.fallbackAccount, source: ACCOUNT_SOURCES.fallback, note: missing };
  return { account: null, source: ACCOUNT_SOURCES.none, note: `${missing}: its alarms become dead letters unless they carry a deviceID` };
}

/** Keys of config `accounts` that match no listed device: a typo, or a device not (yet) on the receiver. */
export function unmatchedAccountKeys(devices: readonly DirectoryDevice[], config: Config): string[] {
  const known = new Set<string>();
  for (const device of devices) {
    if (device.devIndex !== null) known.add(device.devIndex.trim().toLowerCase());
    if (device.devSerial !== null) known.add(device.devSerial.trim().toLowerCase());
  }
  return Object.keys(config.accounts).filter((key) => !known.has(key.trim().toLowerCase()));
}
