// The SecurityCP calls of guide chapter 6 and 7.5-7.14 as exact requests: method, request target
// (query included, which is also the Digest uri) and JSON body. Pure; every byte is pinned by a
// test, and `hik-arc panel ... --dry-run` prints exactly what these return.

import type { ControlCommand, PartitionTarget } from './commands.js';

export interface HikCall {
  readonly method: 'GET' | 'POST' | 'PUT';
  /** basePath of receiver.url, then the path and query. */
  readonly path: string;
  readonly body?: string;
}

const SECURITY_CP = '/ISAPI/SecurityCP';

/** Guide 7.5, 7.9, 7.10: the partition id that selects every partition, written as the guide writes it. */
export const ALL_PARTITIONS_ID = '0xffffffff';

// Guide chapter 3.2: `format=json` for JSON messages, `devIndex` names the panel behind the receiver.
function query(devIndex: string, first?: string): string {
  return `${first === undefined ? '' : `${first}&`}format=json&devIndex=${encodeURIComponent(devIndex)}`;
}

function partitionId(partition: PartitionTarget): string {
  return partition === 'all' ? ALL_PARTITIONS_ID : String(partition);
}

function idList(ids: readonly number[]): Array<{ id: number }> {
  return ids.map((id) => ({ id }));
}

/** The request that carries out `command` on the panel `devIndex`. */
export function commandCall(basePath: string, devIndex: string, command: ControlCommand): HikCall {
  const control = `${basePath}${SECURITY_CP}/control`;
  switch (command.action) {
    case 'arm': // 7.5
      return { method: 'PUT', path: `${control}/arm/${partitionId(command.partition)}?${query(devIndex, `ways=${command.mode}`)}` };
    case 'disarm': // 7.10
      return { method: 'PUT', path: `${control}/disarm/${partitionId(command.partition)}?${query(devIndex)}` };
    case 'clear-alarm': // 7.9
      return { method: 'PUT', path: `${control}/clearAlarm/${partitionId(command.partition)}?${query(devIndex)}` };
    case 'bypass': // 7.6, A.36
      return { method: 'PUT', path: `${control}/bypass?${query(devIndex)}`, body: JSON.stringify({ List: idList(command.zones) }) };
    case 'bypass-restore': // 7.7, A.36
      return { method: 'PUT', path: `${control}/bypassRecover?${query(devIndex)}`, body: JSON.stringify({ List: idList(command.zones) }) };
    case 'deactivate': {
      // 7.8, A.37: one-time deactivation ends at the next disarm; the permanent one stays.
      const field = command.permanent ? 'deactivationMode' : 'oneTimeDeactivationMode';
      const list = command.zones.map((id) => ({ id, [field]: command.mode }));
      return { method: 'PUT', path: `${control}/deactivation?${query(devIndex)}`, body: JSON.stringify({ List: list }) };
    }
    case 'relay': // 7.11, A.38
      return {
        method: 'POST',
        path: `${control}/outputs?${query(devIndex)}`,
        body: JSON.stringify({ OutputsCtrl: { switch: command.on ? 'open' : 'close', List: idList(command.relays) } }),
      };
  }
}

/** 7.13: every partition's arming and alarm state. */
export function subSystemsCall(basePath: string, devIndex: string): HikCall {
  return { method: 'GET', path: `${basePath}${SECURITY_CP}/status/subSystems?${query(devIndex)}` };
}

/** 7.14 (POST with JSON_ZoneCond): one page of zone states. */
export function zoneSearchCall(basePath: string, devIndex: string, searchId: string, position: number, maxResults: number): HikCall {
  return {
    method: 'POST',
    path: `${basePath}${SECURITY_CP}/status/zones?${query(devIndex)}`,
    body: JSON.stringify({ ZoneCond: { searchID: searchId, searchResultPosition: position, maxResults } }),
  };
}

/** Chapter 6 lists the zone status as a GET without a body; some receivers only answer that. */
export function zoneListCall(basePath: string, devIndex: string): HikCall {
  return { method: 'GET', path: `${basePath}${SECURITY_CP}/status/zones?${query(devIndex)}` };
}

/** 7.12: relays, sirens, keypads and the other peripherals. */
export function exDevStatusCall(basePath: string, devIndex: string): HikCall {
  return { method: 'GET', path: `${basePath}${SECURITY_CP}/status/exDevStatus?${query(devIndex)}` };
}
