// Finds the panel an operator names (ARC account, devIndex or device serial) in the receiver's
// device list (guide 7.2, A.40 Filter.key, A.41; docs/panel-control.md §3), with what control
// needs beyond the account: whether it is online and whether it is an OTAP device (which lacks
// some calls). The parser is pure; the search is one filtered page, else the whole list.

import { HikArcError } from '../errors.js';
import { DEVICE_LIST_PATH, readBodyText, type HikHttp } from '../ingest/index.js';
import { normalizeAccount } from '../ingest/index.js';
import { arrayAt, integerField, listEntries, objectAt, readHikDocument, textField } from './answer-fields.js';
import type { PanelRef } from './command-record.js';

export interface PanelInfo extends PanelRef {
  readonly online: boolean | null;
  /** Connected over OTAP: no outputs, exDevStatus or subSystems (guide 7.11-7.13 remarks). */
  readonly otap: boolean;
}

export interface DevicePage {
  readonly devices: readonly PanelInfo[];
  readonly totalMatches: number | null;
}

const PAGE_SIZE = 50;
const MAX_PAGES = 1000;
const MAX_PAGE_BYTES = 16 * 1024 * 1024;
// A.41: devSource 7 and connectionMode 4 are OTAP; onlineType 2 is OTAP on a dual connection.
const DEV_SOURCE_OTAP = 7;
const CONNECTION_OTAP = 4;
const CONNECTION_DUAL = 2;
const ONLINE_OTAP = 2;

const UUID = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;

/** A.40: one page, optionally narrowed by the receiver's keyword search (serial, name, account). */
export function deviceSearchBody(position: number, maxResult: number, key?: string): string {
  return JSON.stringify({ SearchDescription: { position, maxResult, ...(key === undefined ? {} : { Filter: { key } }) } });
}

function isOtap(device: Record<string, unknown>): boolean {
  const mode = device['connectionMode'];
  if (textField(mode)?.toUpperCase() === 'OTAP') return true;
  const connection = integerField(mode);
  return (
    integerField(device['devSource']) === DEV_SOURCE_OTAP ||
    connection === CONNECTION_OTAP ||
    (connection === CONNECTION_DUAL && integerField(device['onlineType']) === ONLINE_OTAP)
  );
}

/** One SearchResult page; throws HIKARC_CONTROL_BAD_ANSWER when it is not one. */
export function parseDevicePage(text: string): DevicePage {
  const result = objectAt(readHikDocument(text)?.value, 'SearchResult');
  if (result === undefined) {
    throw new HikArcError('HIKARC_CONTROL_BAD_ANSWER', 'the device list page has no SearchResult', { detail: { sample: text.slice(0, 200) } });
  }
  const devices: PanelInfo[] = [];
  for (const device of listEntries(arrayAt(result, 'MatchList'), 'Device')) {
    const devIndex = textField(device['devIndex']);
    if (devIndex === null) continue;
    const status = textField(device['devStatus'])?.toLowerCase();
    devices.push({
      devIndex,
      account: textField(device['accountID']),
      serial: textField(device['devSerial']),
      name: textField(device['devName']),
      online: status === 'online' ? true : status === 'offline' ? false : null,
      otap: isOtap(device),
    });
  }
  return { devices, totalMatches: integerField(result['totalMatches']) };
}

/** Devices that are exactly the one named: devIndex, account (as the ARC writes it) or serial. */
export function matchingPanels(devices: readonly PanelInfo[], id: string): PanelInfo[] {
  const wanted = id.trim().toLowerCase();
  const account = normalizeAccount(id);
  return devices.filter(
    (device) =>
      device.devIndex.toLowerCase() === wanted ||
      device.serial?.toLowerCase() === wanted ||
      (device.account !== null && normalizeAccount(device.account) === account),
  );
}

export interface FindPanelOptions {
  readonly http: HikHttp;
  readonly basePath: string;
  readonly timeoutMs: number;
  readonly signal?: AbortSignal;
}

async function readPage(options: FindPanelOptions, position: number, key?: string): Promise<DevicePage> {
  const response = await options.http.request({
    method: 'POST',
    path: `${options.basePath}${DEVICE_LIST_PATH}`,
    body: deviceSearchBody(position, PAGE_SIZE, key),
    headersTimeoutMs: options.timeoutMs,
    bodyTimeoutMs: options.timeoutMs,
    ...(options.signal === undefined ? {} : { signal: options.signal }),
  });
  if (!response.ok) {
    throw new HikArcError('HIKARC_RECEIVER_DIRECTORY_FAILED', `the receiver answered the device list with HTTP ${response.statusCode}`, {
      detail: { statusCode: response.statusCode, sample: response.text.slice(0, 200) },
    });
  }
  return parseDevicePage(await readBodyText(response.body, MAX_PAGE_BYTES));
}

function decide(id: string, found: readonly PanelInfo[]): PanelInfo | undefined {
  const unique = [...new Map(found.map((device) => [device.devIndex, device])).values()];
  if (unique.length > 1) {
    throw new HikArcError('HIKARC_CONTROL_PANEL_AMBIGUOUS', `"${id}" names ${unique.length} devices; give the devIndex`, {
      detail: { devIndexes: unique.map((device) => device.devIndex) },
    });
  }
  return unique[0];
}

/** The panel named `id`; throws HIKARC_CONTROL_PANEL_UNKNOWN or _AMBIGUOUS. */
export async function findPanel(id: string, options: FindPanelOptions): Promise<PanelInfo> {
  // Filter.key searches serial, name and account but not devIndex (A.40).
  if (!UUID.test(id.trim())) {
    const page = await readPage(options, 0, id.trim());
    const found = decide(id, matchingPanels(page.devices, id));
    if (found !== undefined) return found;
  }
  const found: PanelInfo[] = [];
  let read = 0;
  for (let page = 0; page < MAX_PAGES; page++) {
    const result = await readPage(options, read);
    read += result.devices.length;
    found.push(...matchingPanels(result.devices, id));
    if (result.devices.length === 0 || (result.totalMatches !== null ? read >= result.totalMatches : result.devices.length < PAGE_SIZE)) break;
  }
  const panel = decide(id, found);
  if (panel === undefined) throw new HikArcError('HIKARC_CONTROL_PANEL_UNKNOWN', `the receiver lists no device with account, devIndex or serial "${id}"`);
  return panel;
}
