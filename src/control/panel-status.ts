// A panel's real-time status as the receiver reports it (guide 7.12-7.14, A.2 ExDevStatus, A.44
// SubSysList, A.46 ZoneSearch, A.47 ZoneList), normalized to what an operator reads: partitions
// with their arming and alarm, zones with their state, peripherals. Pure; bodies are read
// tolerantly, and a document that is not the expected one is an error, never an empty panel.

import { HikArcError } from '../errors.js';
import { arrayAt, booleanField, integerField, integerList, listEntries, objectAt, readHikDocument, textField, type JsonObject } from './answer-fields.js';

export const ARMING_STATES = ['disarm', 'away', 'stay', 'arming', 'unknown'] as const;
export type ArmingState = (typeof ARMING_STATES)[number];

export interface PartitionStatus {
  readonly id: number;
  readonly arming: ArmingState;
  readonly alarm: boolean | null;
  readonly enabled: boolean | null;
}

export interface ZoneStatus {
  readonly id: number;
  readonly name: string | null;
  /** notRelated, online, offline, trigger (open), breakDown (fault), heartbeatAbnormal. */
  readonly status: string | null;
  readonly alarm: boolean | null;
  readonly bypassed: boolean | null;
  readonly armed: boolean | null;
  /** subSystemNo, else the first linked partition. */
  readonly partition: number | null;
  readonly partitions: readonly number[];
  readonly tamper: boolean | null;
  readonly oneTimeDeactivationMode: string | null;
  readonly deactivationMode: string | null;
}

export interface Peripheral {
  /** The list it came from: output, relay, siren, repeater, cardReader, extension, keypad, remote. */
  readonly kind: string;
  readonly id: number | null;
  readonly seq: string | null;
  readonly name: string | null;
  readonly status: string | null;
  readonly tamper: boolean | null;
  readonly charge: string | null;
}

export interface ZonePage {
  readonly zones: readonly ZoneStatus[];
  /** responseStatusStrg MORE: another page follows. */
  readonly more: boolean;
  readonly totalMatches: number | null;
}

export interface ZoneSummary {
  readonly total: number;
  readonly open: number;
  readonly faulted: number;
  readonly alarm: number;
  readonly bypassed: number;
}

function badAnswer(what: string, text: string): HikArcError {
  return new HikArcError('HIKARC_CONTROL_BAD_ANSWER', `the receiver's ${what} answer cannot be read`, { detail: { sample: text.slice(0, 200) } });
}

function documentOf(text: string, what: string): JsonObject {
  const document = readHikDocument(text);
  if (document === undefined) throw badAnswer(what, text);
  return document.value;
}

function armingOf(value: unknown): ArmingState {
  const text = textField(value)?.toLowerCase();
  if (text === 'disarm' || text === 'away' || text === 'stay' || text === 'arming') return text;
  return 'unknown';
}

/** 7.13 SubSysList. */
export function parseSubSystems(text: string): PartitionStatus[] {
  const value = documentOf(text, 'partition status');
  if (!('SubSysList' in value)) throw badAnswer('partition status', text);
  const partitions: PartitionStatus[] = [];
  for (const entry of listEntries(arrayAt(value, 'SubSysList'), 'SubSys')) {
    const id = integerField(entry['id']);
    if (id === null) continue;
    partitions.push({ id, arming: armingOf(entry['arming']), alarm: booleanField(entry['alarm']), enabled: booleanField(entry['enabled']) });
  }
  return partitions.sort((a, b) => a.id - b.id);
}

function zoneOf(entry: JsonObject): ZoneStatus | undefined {
  const id = integerField(entry['id']);
  if (id === null) return undefined;
  const partitions = integerList(entry['linkageSubSystem']);
  return {
    id,
    name: textField(entry['name']),
    status: textField(entry['status']),
    alarm: booleanField(entry['alarm']),
    bypassed: booleanField(entry['bypassed']),
    armed: booleanField(entry['armed']),
    partition: integerField(entry['subSystemNo']) ?? partitions[0] ?? null,
    partitions,
    tamper: booleanField(entry['tamperEvident']),
    oneTimeDeactivationMode: textField(entry['oneTimeDeactivationMode']),
    deactivationMode: textField(entry['deactivationMode']),
  };
}

/** One answer of the zone status call: a ZoneSearch page (7.14) or a whole ZoneList (A.47). */
export function parseZonePage(text: string): ZonePage {
  const value = documentOf(text, 'zone status');
  const search = objectAt(value, 'ZoneSearch');
  const holder = search ?? value;
  if (search === undefined && !('ZoneList' in value)) throw badAnswer('zone status', text);
  const zones = listEntries(arrayAt(holder, 'ZoneList'), 'Zone')
    .map(zoneOf)
    .filter((zone): zone is ZoneStatus => zone !== undefined);
  const status = textField(search?.['responseStatusStrg'])?.toUpperCase() ?? 'OK';
  return { zones, more: status === 'MORE', totalMatches: integerField(search?.['totalMatches']) };
}

// A.2: each list and the wrapper of its entries.
const PERIPHERAL_LISTS = [
  ['OutputModList', 'OutputMod', 'outputModule'],
  ['OutputList', 'Output', 'relay'],
  ['SirenList', 'Siren', 'siren'],
  ['RepeaterList', 'Repeater', 'repeater'],
  ['CardReaderList', 'CardReader', 'cardReader'],
  ['ExtensionList', 'ExtensionModule', 'extension'],
  ['KeypadList', 'Keypad', 'keypad'],
  ['RemoteList', 'Remote', 'remote'],
] as const;

/** 7.12 ExDevStatus. */
export function parseExDevStatus(text: string): Peripheral[] {
  const value = documentOf(text, 'peripheral status');
  const status = objectAt(value, 'ExDevStatus');
  if (status === undefined) throw badAnswer('peripheral status', text);
  const peripherals: Peripheral[] = [];
  for (const [list, wrapper, kind] of PERIPHERAL_LISTS) {
    for (const entry of listEntries(arrayAt(status, list), wrapper)) {
      peripherals.push({
        kind,
        id: integerField(entry['id']),
        seq: textField(entry['seq']),
        name: textField(entry['name']),
        status: textField(entry['status']),
        tamper: booleanField(entry['tamperEvident']),
        charge: textField(entry['charge']),
      });
    }
  }
  return peripherals;
}

// Zone status values that are a problem (A.46): open, fault, lost, missed heartbeats.
const FAULT_STATES = new Set(['trigger', 'breakdown', 'offline', 'heartbeatabnormal']);

/** Open, faulted, tampered or in alarm. */
export function isFaultedZone(zone: ZoneStatus): boolean {
  return FAULT_STATES.has(zone.status?.toLowerCase() ?? '') || zone.alarm === true || zone.tamper === true;
}

function inPartition(zone: ZoneStatus, partition: number | 'all'): boolean {
  if (partition === 'all' || (zone.partition === null && zone.partitions.length === 0)) return true;
  return zone.partition === partition || zone.partitions.includes(partition);
}

/** The zones that keep `partition` from arming: faulted and not bypassed. */
export function zonesBlockingArming(zones: readonly ZoneStatus[], partition: number | 'all'): ZoneStatus[] {
  return zones.filter((zone) => isFaultedZone(zone) && zone.bypassed !== true && inPartition(zone, partition));
}

export function summarizeZones(zones: readonly ZoneStatus[]): ZoneSummary {
  return {
    total: zones.length,
    open: zones.filter((zone) => zone.status?.toLowerCase() === 'trigger').length,
    faulted: zones.filter(isFaultedZone).length,
    alarm: zones.filter((zone) => zone.alarm === true).length,
    bypassed: zones.filter((zone) => zone.bypassed === true).length,
  };
}

/** The zone as the command line and API print it. */
export function zoneView(zone: ZoneStatus): Record<string, unknown> {
  return { id: zone.id, name: zone.name, status: zone.status, alarm: zone.alarm, bypassed: zone.bypassed, armed: zone.armed, partition: zone.partition };
}

export function partitionView(partition: PartitionStatus): Record<string, unknown> {
  return { id: partition.id, arming: partition.arming, alarm: partition.alarm };
}
