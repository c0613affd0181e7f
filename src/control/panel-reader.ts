// Reads a panel's status from the receiver (guide 7.12-7.14; docs/panel-control.md §1, §4): the
// partitions, every zone over pages (POST, or the GET of chapter 6 when the receiver does not know
// the POST), the peripherals, and what a command changed, read back. The I/O half of
// panel-status.ts; a refusal comes back with its own error code.

import type { Clock } from '../clock.js';
import { errorMessage, HikArcError, isHikArcError } from '../errors.js';
import { readBodyText, type HikHttp } from '../ingest/index.js';
import type { Counter, MetricsRegistry } from '../metrics.js';
import type { RateLimitedLog } from '../rate-limited-log.js';
import { readAnswer, refusalOf, REFUSAL_CODES, REFUSAL_MESSAGES, type HikAnswer } from './answers.js';
import type { ControlCommand } from './commands.js';
import type { ReadBackRecord } from './command-record.js';
import { readBackFor, statusShowsTarget, type StatusSnapshot } from './confirmation.js';
import type { PanelInfo } from './panel-lookup.js';
import {
  parseExDevStatus,
  parseSubSystems,
  parseZonePage,
  partitionView,
  zoneView,
  type PartitionStatus,
  type Peripheral,
  type ZoneStatus,
} from './panel-status.js';
import { exDevStatusCall, subSystemsCall, zoneListCall, zoneSearchCall, type HikCall } from './hik-calls.js';

const MAX_ANSWER_BYTES = 4 * 1024 * 1024;
const ZONE_PAGE_SIZE = 30;
const MAX_ZONE_PAGES = 100;

export interface PanelReaderOptions {
  readonly http: HikHttp;
  readonly basePath: string;
  readonly requestTimeoutMs: number;
  /** Aborts every request at stop. */
  readonly signal: AbortSignal;
  readonly clock: Clock;
  readonly limited: RateLimitedLog;
  readonly metrics: MetricsRegistry;
  readonly newId: () => string;
}

export class PanelReader {
  private readonly zoneMethod = new Map<string, 'POST' | 'GET'>();
  private readonly statusReads: Counter;
  private readonly repairs: Counter;
  private readonly limited: RateLimitedLog;

  constructor(private readonly options: PanelReaderOptions) {
    this.limited = options.limited;
    this.statusReads = options.metrics.counter('hik_arc_control_status_reads_total', 'Panel status reads from the receiver, by kind and outcome', [
      'kind',
      'outcome',
    ]);
    this.repairs = options.metrics.counter('hik_arc_control_answers_repaired_total', 'Receiver answers that were broken JSON and read tolerantly');
  }

  /** One call to the receiver; the body read whole (capped). Throws what HikHttp throws. */
  async exchange(call: HikCall): Promise<{ answer: HikAnswer; text: string }> {
    const timeoutMs = this.options.requestTimeoutMs;
    const response = await this.options.http.request({
      method: call.method,
      path: call.path,
      ...(call.body === undefined ? {} : { body: call.body }),
      headersTimeoutMs: timeoutMs,
      bodyTimeoutMs: timeoutMs,
      signal: this.options.signal,
    });
    const text = response.ok ? await readBodyText(response.body, MAX_ANSWER_BYTES) : response.text;
    const answer = readAnswer(response.statusCode, text);
    if (answer.repaired) this.repairs.inc();
    return { answer, text };
  }

  // A status read the receiver refused, with the refusal's own code.
  private refusedRead(answer: HikAnswer, what: string): HikArcError {
    const refusal = refusalOf(null, answer);
    return new HikArcError(REFUSAL_CODES[refusal], `${what}: ${REFUSAL_MESSAGES[refusal]}`, {
      detail: { httpStatus: answer.httpStatus, subStatusCode: answer.status?.subStatusCode ?? null },
    });
  }

  private async readDocument<T>(call: HikCall, kind: string, parse: (text: string) => T): Promise<T> {
    try {
      const { answer, text } = await this.exchange(call);
      if (answer.httpStatus < 200 || answer.httpStatus >= 300) throw this.refusedRead(answer, kind);
      try {
        const value = parse(text);
        this.statusReads.inc({ kind, outcome: 'ok' });
        return value;
      } catch (error) {
        // A 200 carrying a failed ResponseStatus instead of the document.
        if (answer.status !== null && answer.status.statusCode !== 1) throw this.refusedRead(answer, kind);
        throw error;
      }
    } catch (error) {
      this.statusReads.inc({ kind, outcome: isHikArcError(error) ? error.code : 'network' });
      if (isHikArcError(error) && error.code === 'HIKARC_CONTROL_BAD_ANSWER') {
        this.limited.warn(error.code, { kind, sample: error.detail?.['sample'] ?? null }, 'receiver status answer cannot be read');
      }
      throw error;
    }
  }

  readPartitions(panel: PanelInfo): Promise<PartitionStatus[]> {
    if (panel.otap)
      return Promise.reject(new HikArcError('HIKARC_CONTROL_NOT_SUPPORTED', 'the panel is connected over OTAP, which has no partition status (guide 7.13)'));
    return this.readDocument(subSystemsCall(this.options.basePath, panel.devIndex), 'partitions', parseSubSystems);
  }

  readPeripherals(panel: PanelInfo): Promise<Peripheral[]> {
    if (panel.otap)
      return Promise.reject(new HikArcError('HIKARC_CONTROL_NOT_SUPPORTED', 'the panel is connected over OTAP, which has no peripheral status (guide 7.12)'));
    return this.readDocument(exDevStatusCall(this.options.basePath, panel.devIndex), 'peripherals', parseExDevStatus);
  }

  // 7.14 documents a POST with paging, chapter 6 a GET: POST first, GET when the receiver does not
  // know the POST, remembered per panel.
  async readZones(panel: PanelInfo): Promise<ZoneStatus[]> {
    if (this.zoneMethod.get(panel.devIndex) === 'GET')
      return (await this.readDocument(zoneListCall(this.options.basePath, panel.devIndex), 'zones', parseZonePage)).zones.slice();
    const searchId = this.options.newId();
    const zones = new Map<number, ZoneStatus>();
    for (let page = 0; page < MAX_ZONE_PAGES; page++) {
      const call = zoneSearchCall(this.options.basePath, panel.devIndex, searchId, zones.size, ZONE_PAGE_SIZE);
      let result;
      try {
        result = await this.readDocument(call, 'zones', parseZonePage);
      } catch (error) {
        if (page === 0 && isHikArcError(error) && error.code === 'HIKARC_CONTROL_NOT_SUPPORTED') {
          this.zoneMethod.set(panel.devIndex, 'GET');
          return this.readZones(panel);
        }
        throw error;
      }
      this.zoneMethod.set(panel.devIndex, 'POST');
      const before = zones.size;
      for (const zone of result.zones) zones.set(zone.id, zone);
      if (!result.more) break;
      if (zones.size === before)
        throw new HikArcError('HIKARC_CONTROL_BAD_ANSWER', 'the receiver answered MORE without new zones', { detail: { position: before } });
    }
    return [...zones.values()].sort((a, b) => a.id - b.id);
  }

  private async snapshot(panel: PanelInfo, command: ControlCommand): Promise<StatusSnapshot> {
    switch (readBackFor(command)) {
      case 'partitions':
        return { partitions: await this.readPartitions(panel) };
      case 'zones':
        return { zones: await this.readZones(panel) };
      case 'peripherals':
        return { peripherals: await this.readPeripherals(panel) };
    }
  }

  // What the record shows of a snapshot: the partitions, or the zones or relays of the command.
  private snapshotView(command: ControlCommand, snapshot: StatusSnapshot): Record<string, unknown> {
    if (snapshot.partitions !== undefined) return { partitions: snapshot.partitions.map(partitionView) };
    if (snapshot.zones !== undefined) {
      const ids = 'zones' in command ? command.zones : [];
      return {
        zones: snapshot.zones
          .filter((zone) => ids.includes(zone.id))
          .map((zone) => ({ ...zoneView(zone), oneTimeDeactivationMode: zone.oneTimeDeactivationMode, deactivationMode: zone.deactivationMode })),
      };
    }
    const ids = 'relays' in command ? command.relays : [];
    return {
      relays: (snapshot.peripherals ?? []).filter((peripheral) => peripheral.kind === 'relay' && peripheral.id !== null && ids.includes(peripheral.id)),
    };
  }

  /** Reads back what the command changes; never throws. Internal: not rate limited. */
  async readBack(panel: PanelInfo, command: ControlCommand): Promise<ReadBackRecord> {
    try {
      const snapshot = await this.snapshot(panel, command);
      return {
        at: new Date(this.options.clock.now()).toISOString(),
        check: statusShowsTarget(command, snapshot),
        status: this.snapshotView(command, snapshot),
        error: null,
      };
    } catch (error) {
      return {
        at: new Date(this.options.clock.now()).toISOString(),
        check: 'unknown',
        status: null,
        error: isHikArcError(error) ? `${error.code}: ${error.message}` : errorMessage(error),
      };
    }
  }
}
