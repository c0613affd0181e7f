// Panel control's I/O shell (docs/panel-control.md): finds the panel, reads its status (through
// PanelReader), and carries out one command under the safety rules: one command in flight per panel (a lease in the
// store, shared with other processes), a per-receiver rate limit, the status cached for a few
// seconds, every call through the ingest stage's Digest client and lock-out guard, an audit entry
// written before anything is sent, never a retry, an unknown outcome answered by reading the
// status back, and confirmation by the panel's own event (in `run`) or its status read back.

import { randomUUID } from 'node:crypto';
import { sleep, type Clock } from '../clock.js';
import { errorMessage, HikArcError, isHikArcError, type ErrorCode } from '../errors.js';
import type { HikHttp } from '../ingest/index.js';
import type { Logger } from '../log.js';
import type { Counter, MetricsRegistry } from '../metrics.js';
import { RateLimitedLog } from '../rate-limited-log.js';
import type { VendorEvent } from '../ingest/index.js';
import { describeAnswer, judgeCommandAnswer, REFUSAL_CODES, REFUSAL_MESSAGES, type HikAnswer } from './answers.js';
import { describeCommand, type Actor, type ControlCommand } from './commands.js';
import type { CommandRecord, ConfirmingEvent, PanelRef, ReadBackRecord } from './command-record.js';
import { CONFIRMATION_CODES, ConfirmationTracker, expectationFor, matchEvent, outcomeOf, type TargetCheck, type TrackerState } from './confirmation.js';
import type { AuditPhase, ControlStore } from './control-store.js';
import { findPanel, type PanelInfo } from './panel-lookup.js';
import { PanelReader } from './panel-reader.js';
import {
  partitionView,
  summarizeZones,
  zonesBlockingArming,
  zoneView,
  type PartitionStatus,
  type Peripheral,
  type ZoneStatus,
  type ZoneSummary,
} from './panel-status.js';
import { SlidingWindow } from './rate-window.js';
import { commandCall, type HikCall } from './hik-calls.js';

export interface ControlSettings {
  readonly requestTimeoutMs: number;
  readonly confirmTimeoutMs: number;
  readonly statusCacheMs: number;
  readonly requestsPerMinute: number;
  readonly eventZoneOffset: number;
}

export interface PanelStatusView {
  readonly panel: PanelInfo;
  /** null for OTAP panels, which have no partition status call. */
  readonly partitions: readonly PartitionStatus[] | null;
  readonly zones: readonly ZoneStatus[];
  readonly summary: ZoneSummary;
  readonly readAt: string;
}

/** The status as the command line (--json) and the API print it. */
export function statusJson(status: PanelStatusView): Record<string, unknown> {
  return {
    panel: status.panel,
    partitions: status.partitions?.map(partitionView) ?? null,
    zones: status.zones.map(zoneView),
    summary: status.summary,
    readAt: status.readAt,
  };
}

export interface Submitted {
  /** The record once the receiver answered (or the command was not sent). */
  readonly record: CommandRecord;
  /** The final record, once the confirmation arrived or its time ran out. */
  readonly settled: Promise<CommandRecord>;
}

export interface PanelControlOptions {
  readonly http: HikHttp;
  readonly basePath: string;
  readonly store: ControlStore;
  readonly settings: ControlSettings;
  /** `events`: `run` taps the stream (observe); `status`: the command line polls the status. */
  readonly confirmBy: 'events' | 'status';
  readonly clock: Clock;
  readonly logger: Logger;
  readonly metrics: MetricsRegistry;
  readonly newId?: () => string;
}

const MINUTE_MS = 60_000;
const PANEL_CACHE_MS = 60_000;
const MIN_POLL_MS = 250;
const MAX_POLL_MS = 3_000;

const AUDIT_MESSAGES: Readonly<Record<AuditPhase, string>> = {
  requested: 'control command requested',
  answered: 'control command answered',
  'no-answer': 'control command without answer: outcome unknown, status read back',
  failed: 'control command not carried out',
  'not-sent': 'control command refused before sending',
  observed: 'control command of another process: its panel event observed',
  settled: 'control command settled',
  'late-event': 'control command event after it had settled',
};

// Errors before the request could reach the receiver: nothing was carried out.
const NOT_SENT_NETWORK_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'UND_ERR_CONNECT_TIMEOUT']);

type SendFailure = { readonly kind: 'failed'; readonly code: ErrorCode; readonly message: string } | { readonly kind: 'unknown'; readonly message: string };

function sendFailure(error: unknown): SendFailure {
  if (isHikArcError(error) && error.code.startsWith('HIKARC_DIGEST_')) return { kind: 'failed', code: error.code, message: error.message };
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && NOT_SENT_NETWORK_CODES.has(code)) {
    return { kind: 'failed', code: 'HIKARC_RECEIVER_UNREACHABLE', message: `the receiver could not be reached (${code}); nothing was sent` };
  }
  return { kind: 'unknown', message: `no answer after the command was sent (${typeof code === 'string' ? code : errorMessage(error)})` };
}

function panelRef(panel: PanelInfo): PanelRef {
  return { devIndex: panel.devIndex, account: panel.account, serial: panel.serial, name: panel.name };
}

interface Pending {
  readonly commandId: string;
  readonly tracker: ConfirmationTracker;
  readonly events: ConfirmingEvent[];
  wake: () => void;
}

interface Seen {
  readonly outcome: TrackerState;
  readonly events: readonly ConfirmingEvent[];
}

interface Settled {
  readonly record: CommandRecord;
  readonly tracker: ConfirmationTracker;
  readonly untilMs: number;
}

export class PanelControl {
  private readonly http: HikHttp;
  private readonly basePath: string;
  private readonly store: ControlStore;
  private readonly settings: ControlSettings;
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly limited: RateLimitedLog;
  private readonly newId: () => string;
  private readonly reads: SlidingWindow;
  private readonly statusCache = new Map<string, { readonly atMs: number; readonly status: PanelStatusView }>();
  private readonly panels = new Map<string, { readonly atMs: number; readonly panel: PanelInfo }>();
  private readonly reader: PanelReader;
  private readonly pending: Pending[] = [];
  private settledRecently: Settled[] = [];
  private readonly stopping = new AbortController();
  private readonly running = new Set<Promise<unknown>>();
  private readonly commands: Counter;
  private readonly auditEntries: Counter;
  private readonly lateEvents: Counter;

  constructor(private readonly options: PanelControlOptions) {
    this.http = options.http;
    this.basePath = options.basePath;
    this.store = options.store;
    this.settings = options.settings;
    this.clock = options.clock;
    this.logger = options.logger;
    this.limited = new RateLimitedLog({ logger: options.logger, clock: options.clock });
    this.newId = options.newId ?? randomUUID;
    this.reads = new SlidingWindow(options.settings.requestsPerMinute, MINUTE_MS);
    this.reader = new PanelReader({
      http: options.http,
      basePath: options.basePath,
      requestTimeoutMs: options.settings.requestTimeoutMs,
      signal: this.stopping.signal,
      clock: options.clock,
      limited: this.limited,
      metrics: options.metrics,
      newId: this.newId,
    });
    const { metrics } = options;
    this.commands = metrics.counter('hik_arc_control_commands_total', 'Panel commands by action and final state', ['action', 'state']);
    this.auditEntries = metrics.counter('hik_arc_control_audit_entries_total', 'Entries appended to the control audit trail, by phase', ['phase']);
    this.lateEvents = metrics.counter('hik_arc_control_late_events_total', 'Confirming events that arrived after their command had settled');
  }

  /** The panel named by account, devIndex or serial (cached for a minute). */
  async resolve(id: string): Promise<PanelInfo> {
    const key = id.trim().toLowerCase();
    const cached = this.panels.get(key);
    const now = this.clock.monotonic();
    if (cached !== undefined && now - cached.atMs < PANEL_CACHE_MS) return cached.panel;
    const panel = await findPanel(id, { http: this.http, basePath: this.basePath, timeoutMs: this.settings.requestTimeoutMs });
    this.panels.set(key, { atMs: now, panel });
    return panel;
  }

  /** The request a command would send (`--dry-run`). */
  plan(panel: PanelInfo, command: ControlCommand): HikCall {
    return commandCall(this.basePath, panel.devIndex, command);
  }

  /** Partitions and zones; reused for control.statusCacheSec, read again after a command. */
  async status(panel: PanelInfo): Promise<PanelStatusView> {
    const now = this.clock.monotonic();
    const cached = this.statusCache.get(panel.devIndex);
    if (cached !== undefined && now - cached.atMs < this.settings.statusCacheMs) return cached.status;
    this.takeRead();
    const partitions = panel.otap ? null : await this.reader.readPartitions(panel);
    const zones = await this.reader.readZones(panel);
    const status: PanelStatusView = { panel, partitions, zones, summary: summarizeZones(zones), readAt: new Date(this.clock.now()).toISOString() };
    this.statusCache.set(panel.devIndex, { atMs: this.clock.monotonic(), status });
    return status;
  }

  async zones(panel: PanelInfo): Promise<ZoneStatus[]> {
    this.takeRead();
    return this.reader.readZones(panel);
  }

  async peripherals(panel: PanelInfo): Promise<Peripheral[]> {
    this.takeRead();
    return this.reader.readPeripherals(panel);
  }

  /** The current record of a command, from the audit trail. */
  commandRecord(commandId: string): CommandRecord | undefined {
    return this.store.latest(commandId)?.command;
  }

  /** Carries out one command. Never retries; never throws for what the receiver answered. */
  async submit(panel: PanelInfo, command: ControlCommand, actor: Actor, commandId: string = this.newId()): Promise<Submitted> {
    const call = this.plan(panel, command);
    let record: CommandRecord = {
      commandId,
      state: 'requested',
      action: command.action,
      command,
      panel: panelRef(panel),
      operator: actor.operator,
      reason: actor.reason,
      via: actor.via,
      tokenName: actor.tokenName,
      login: actor.login,
      requestedAt: new Date(this.clock.now()).toISOString(),
      request: { method: call.method, path: call.path, body: call.body ?? null },
      answer: null,
      confirmation: null,
      readBack: null,
      blockingZones: null,
      code: null,
      message: null,
    };
    const local = this.localRefusal(panel, command);
    if (local !== undefined) return this.notSent(record, local.code, local.message);
    const nowMs = this.clock.now();
    let lease;
    try {
      if (this.store.commandsSince(nowMs - MINUTE_MS) >= this.settings.requestsPerMinute) {
        return this.notSent(
          record,
          'HIKARC_CONTROL_RATE_LIMITED',
          `more than ${this.settings.requestsPerMinute} commands to this receiver in the last minute; try again shortly`,
        );
      }
      // Held through the answer and, for an unknown outcome, the status read back.
      lease = this.store.acquirePanel(panel.devIndex, commandId, nowMs, nowMs + 4 * this.settings.requestTimeoutMs);
    } catch (error) {
      return this.auditFailed(record, error);
    }
    if (!lease.ok) {
      return this.notSent(
        record,
        'HIKARC_CONTROL_PANEL_BUSY',
        `command ${lease.holder} for this panel is still in flight; try again when it has been answered`,
      );
    }
    let pending: Pending | null = null;
    try {
      // Fail closed: a command that cannot be audited is not sent. Once it is sent, a failed
      // entry is logged (safeAppend) and never reported as "not sent".
      this.append('requested', record);
      this.statusCache.delete(panel.devIndex);
      if (this.options.confirmBy === 'events') {
        pending = {
          commandId,
          tracker: new ConfirmationTracker(expectationFor(command, this.settings.eventZoneOffset), panelRef(panel)),
          events: [],
          wake: () => undefined,
        };
        this.pending.push(pending);
      }
      let exchanged: { answer: HikAnswer; text: string };
      try {
        exchanged = await this.reader.exchange(call);
      } catch (error) {
        const failure = sendFailure(error);
        this.dropPending(pending);
        if (failure.kind === 'failed') {
          record = { ...record, state: 'failed', code: failure.code, message: failure.message };
          this.safeAppend('failed', record);
          return this.final(record);
        }
        const readBack = await this.reader.readBack(panel, command);
        record = { ...record, state: 'unknown', code: 'HIKARC_CONTROL_OUTCOME_UNKNOWN', message: `${failure.message}; not resent, status read back`, readBack };
        this.safeAppend('no-answer', record);
        return this.final(record);
      }
      const { answer } = exchanged;
      const verdict = judgeCommandAnswer(command, answer);
      record = { ...record, answer: describeAnswer(answer) };
      switch (verdict.kind) {
        case 'accepted': {
          record = { ...record, state: 'accepted' };
          this.safeAppend('answered', record);
          const accepted = record;
          const claimed = pending;
          pending = null; // settle() owns it now
          const settled = this.track(this.settle(panel, command, accepted, claimed));
          // The panel's event came before the receiver's answer: the command is settled already.
          if (claimed !== null && claimed.tracker.state !== 'waiting') return { record: await settled, settled };
          return { record: accepted, settled };
        }
        case 'partial': {
          this.dropPending(pending);
          const ids = verdict.failed.map((failure) => failure.id).join(', ');
          const readBack = await this.reader.readBack(panel, command);
          record = {
            ...record,
            state: 'partial',
            code: 'HIKARC_CONTROL_PARTIAL',
            message: `the receiver reports failures for ${ids}; the rest was carried out`,
            readBack,
          };
          this.safeAppend('answered', record);
          return this.final(record);
        }
        case 'refused': {
          this.dropPending(pending);
          record = { ...record, state: 'refused', code: REFUSAL_CODES[verdict.refusal], message: REFUSAL_MESSAGES[verdict.refusal] };
          record = await this.explainRefusal(panel, command, record, verdict.refusal);
          this.safeAppend('answered', record);
          return this.final(record);
        }
        case 'unreadable': {
          this.dropPending(pending);
          this.limited.warn(
            'HIKARC_CONTROL_BAD_ANSWER',
            { devIndex: panel.devIndex, httpStatus: answer.httpStatus, sample: answer.sample.slice(0, 200) },
            'receiver answer to a command cannot be read',
          );
          const readBack = await this.reader.readBack(panel, command);
          record = {
            ...record,
            state: 'unknown',
            code: 'HIKARC_CONTROL_OUTCOME_UNKNOWN',
            message: 'the receiver answered with a body that says nothing readable; status read back',
            readBack,
          };
          this.safeAppend('no-answer', record);
          return this.final(record);
        }
      }
    } catch (error) {
      this.dropPending(pending);
      return this.auditFailed(record, error);
    } finally {
      this.store.releasePanel(panel.devIndex, commandId);
    }
  }

  /** The stream tap of `run`: an event that confirms or refutes a command waiting for one. */
  observe(event: VendorEvent, receivedAt: number): void {
    const code = event.cidAlarm?.cidCode;
    if (code === undefined || code === null || !CONFIRMATION_CODES.has(code)) return;
    const confirming = (match: { code: string; partition: number | null; zone: number | null }): ConfirmingEvent => ({
      code: match.code,
      partition: match.partition,
      zone: match.zone,
      receivedAt: new Date(receivedAt).toISOString(),
    });
    for (const pending of this.pending) {
      const before = pending.tracker.matched.length;
      if (!pending.tracker.offer(event)) continue;
      const match = pending.tracker.matched[before];
      if (match !== undefined) pending.events.push(confirming(match));
      pending.wake();
      return;
    }
    if (this.observeForOthers(event, confirming)) return;
    const now = this.clock.monotonic();
    this.settledRecently = this.settledRecently.filter((settled) => settled.untilMs > now);
    for (const settled of this.settledRecently) {
      const match = matchEvent(settled.tracker.expectation, settled.tracker.panel, event);
      if (match.kind === 'unrelated') continue;
      this.lateEvents.inc();
      const at = new Date(this.clock.now()).toISOString();
      const events = [confirming(match)];
      const outcome = match.kind === 'confirms' ? 'confirmed' : 'refuted';
      this.safeAppend('late-event', { ...settled.record, confirmation: { source: 'event', outcome, events, at } });
      return;
    }
  }

  // A command of `hik-arc panel` waits for its confirmation by reading the status back; the
  // service, which holds the stream, writes the panel's event to the audit trail for it.
  private observeForOthers(
    event: VendorEvent,
    confirming: (match: { code: string; partition: number | null; zone: number | null }) => ConfirmingEvent,
  ): boolean {
    const windowMs = this.settings.confirmTimeoutMs + 2 * this.settings.requestTimeoutMs;
    let waiting;
    try {
      waiting = this.store.awaitingConfirmation(new Date(this.clock.now() - windowMs).toISOString());
    } catch (error) {
      this.limited.warn('HIKARC_CONTROL_AUDIT_FAILED', { err: errorMessage(error) }, 'commands of other processes could not be read');
      return false;
    }
    for (const entry of waiting) {
      const record = entry.command;
      if (this.pending.some((pending) => pending.commandId === record.commandId)) continue;
      const match = matchEvent(expectationFor(record.command, this.settings.eventZoneOffset), record.panel, event);
      if (match.kind === 'unrelated') continue;
      const outcome = match.kind === 'confirms' ? 'confirmed' : 'refuted';
      this.safeAppend('observed', {
        ...record,
        confirmation: { source: 'event', outcome, events: [confirming(match)], at: new Date(this.clock.now()).toISOString() },
      });
      return true;
    }
    return false;
  }

  /** Stops waiting for confirmations; what is pending settles as not confirmed. */
  async stop(): Promise<void> {
    this.stopping.abort();
    for (const pending of this.pending) pending.wake();
    await Promise.allSettled([...this.running]);
    this.limited.flush();
  }

  private track<T>(promise: Promise<T>): Promise<T> {
    this.running.add(promise);
    void promise.finally(() => this.running.delete(promise)).catch(() => undefined);
    return promise;
  }

  private takeRead(): void {
    const decision = this.reads.take(this.clock.monotonic());
    if (!decision.ok) {
      throw new HikArcError('HIKARC_CONTROL_RATE_LIMITED', `more than ${this.settings.requestsPerMinute} status reads in the last minute`, {
        detail: { retryAfterMs: Math.round(decision.retryAfterMs) },
      });
    }
  }

  private localRefusal(panel: PanelInfo, command: ControlCommand): { code: ErrorCode; message: string } | undefined {
    // Guide 7.11: OTAP devices have no outputs call.
    if (panel.otap && command.action === 'relay') {
      return { code: 'HIKARC_CONTROL_NOT_SUPPORTED', message: 'the panel is connected over OTAP, which has no relay control (guide 7.11)' };
    }
    return undefined;
  }

  // Only the store can fail before the request is sent: nothing was sent then.
  private auditFailed(record: CommandRecord, error: unknown): Submitted {
    if (!isHikArcError(error) || error.code !== 'HIKARC_CONTROL_AUDIT_FAILED') throw error;
    this.logger.error(
      { code: error.code, err: error.message, commandId: record.commandId, devIndex: record.panel.devIndex },
      'control audit trail cannot be written: command not sent',
    );
    return this.final({ ...record, state: 'failed', code: error.code, message: 'the audit trail cannot be written; the command was not sent' });
  }

  private notSent(record: CommandRecord, code: ErrorCode, message: string): Submitted {
    const failed: CommandRecord = { ...record, state: 'failed', code, message };
    this.safeAppend('not-sent', failed);
    return this.final(failed);
  }

  private final(record: CommandRecord): Submitted {
    this.commands.inc({ action: record.action, state: record.state });
    return { record, settled: Promise.resolve(record) };
  }

  private dropPending(pending: Pending | null): void {
    if (pending === null) return;
    const index = this.pending.indexOf(pending);
    if (index >= 0) this.pending.splice(index, 1);
  }

  private append(phase: AuditPhase, record: CommandRecord): void {
    const entry = this.store.append(this.clock.now(), phase, record);
    this.auditEntries.inc({ phase });
    const level =
      record.state === 'refused' || record.state === 'unknown' || record.state === 'failed' || record.state === 'unconfirmed' || record.state === 'partial'
        ? 'warn'
        : 'info';
    // The journal keeps each entry's hash: a copy of the chain outside the database.
    this.logger[level](
      {
        commandId: record.commandId,
        phase,
        state: record.state,
        command: describeCommand(record.command),
        devIndex: record.panel.devIndex,
        account: record.panel.account,
        operator: record.operator,
        via: record.via,
        tokenName: record.tokenName,
        login: record.login,
        ...(record.code === null ? {} : { code: record.code }),
        seq: entry.seq,
        hash: entry.hash,
      },
      AUDIT_MESSAGES[phase],
    );
  }

  /** For entries after the command was sent or refused: a failed write is logged, never thrown. */
  private safeAppend(phase: AuditPhase, record: CommandRecord): void {
    try {
      this.append(phase, record);
    } catch (error) {
      this.logger.error(
        { code: 'HIKARC_CONTROL_AUDIT_FAILED', err: errorMessage(error), commandId: record.commandId, phase, state: record.state },
        'control audit entry could not be written',
      );
    }
  }

  private async explainRefusal(panel: PanelInfo, command: ControlCommand, record: CommandRecord, refusal: string): Promise<CommandRecord> {
    if (refusal === 'arming' && command.action === 'arm') return this.withBlockingZones(panel, command.partition, record);
    if (refusal === 'all-partitions' && !panel.otap) {
      try {
        const ids = (await this.reader.readPartitions(panel)).filter((partition) => partition.enabled !== false).map((partition) => partition.id);
        return { ...record, message: `${record.message ?? ''}: ${ids.join(', ')}` };
      } catch {
        return record;
      }
    }
    return record;
  }

  // Guide 7.14: the open or faulted zones that keep the partition from arming. Never bypassed here.
  private async withBlockingZones(panel: PanelInfo, partition: number | 'all', record: CommandRecord): Promise<CommandRecord> {
    try {
      const zones = zonesBlockingArming(await this.reader.readZones(panel), partition);
      const list = zones
        .map((zone) => `${zone.id}${zone.name === null ? '' : ` ${zone.name}`} (${zone.status ?? (zone.alarm === true ? 'alarm' : 'tamper')})`)
        .join(', ');
      return {
        ...record,
        blockingZones: zones.map(zoneView),
        message: zones.length === 0 ? record.message : `${record.message ?? ''}; open or faulted zones: ${list}`,
      };
    } catch (error) {
      return { ...record, message: `${record.message ?? ''}; the zones could not be read back (${errorMessage(error)})` };
    }
  }

  private pollMs(): number {
    return Math.min(MAX_POLL_MS, Math.max(MIN_POLL_MS, Math.round(this.settings.confirmTimeoutMs / 10)));
  }

  private async pause(ms: number, pending: Pending | null): Promise<void> {
    const wake = new AbortController();
    const onStop = (): void => wake.abort();
    this.stopping.signal.addEventListener('abort', onStop, { once: true });
    if (pending !== null) pending.wake = () => wake.abort();
    await sleep(this.clock, ms, wake.signal);
    this.stopping.signal.removeEventListener('abort', onStop);
  }

  // Waits for the panel's confirmation: its event (run), or its status read back (the command line,
  // and relays, which report no event). At the end one last read back decides.
  private async settle(panel: PanelInfo, command: ControlCommand, accepted: CommandRecord, pending: Pending | null): Promise<CommandRecord> {
    const poll = this.options.confirmBy === 'status' || (pending?.tracker.expectation.confirms.length ?? 0) === 0;
    const deadline = this.clock.monotonic() + this.settings.confirmTimeoutMs;
    let record = accepted;
    try {
      let lastCheck: ReadBackRecord | null = null;
      while (!this.stopping.signal.aborted) {
        const seen = this.eventsSoFar(command, accepted.commandId, pending);
        if (seen.outcome !== 'waiting') return await this.finishByEvent(panel, command, record, seen, pending);
        if (poll) {
          lastCheck = await this.reader.readBack(panel, command);
          if (lastCheck.check === 'reached')
            return this.finish(
              { ...record, state: 'confirmed', readBack: lastCheck, confirmation: { source: 'status', check: 'reached', at: lastCheck.at } },
              pending,
            );
        }
        const remaining = deadline - this.clock.monotonic();
        if (remaining <= 0) break;
        await this.pause(poll ? Math.min(this.pollMs(), remaining) : remaining, pending);
      }
      const seen = this.eventsSoFar(command, accepted.commandId, pending);
      if (seen.outcome !== 'waiting') return await this.finishByEvent(panel, command, record, seen, pending);
      if (this.stopping.signal.aborted) {
        return this.finish(
          { ...record, state: 'unconfirmed', code: 'HIKARC_CONTROL_UNCONFIRMED', message: 'the confirmation was not awaited: the service stopped' },
          pending,
        );
      }
      const readBack = await this.reader.readBack(panel, command);
      record = { ...record, readBack, confirmation: { source: 'status', check: readBack.check, at: readBack.at } };
      return this.finish(this.byReadBack(record, readBack.check), pending);
    } catch (error) {
      this.logger.error({ err: errorMessage(error), commandId: accepted.commandId }, 'waiting for the confirmation failed');
      return this.finish(
        { ...record, state: 'unconfirmed', code: 'HIKARC_CONTROL_UNCONFIRMED', message: `the confirmation could not be awaited: ${errorMessage(error)}` },
        pending,
      );
    }
  }

  private byReadBack(record: CommandRecord, check: TargetCheck): CommandRecord {
    const seconds = Math.round(this.settings.confirmTimeoutMs / 1000);
    switch (check) {
      case 'reached':
        return { ...record, state: 'confirmed' };
      case 'in-progress':
        return { ...record, state: 'accepted', message: 'the panel shows the change in progress (exit delay)' };
      case 'not-reached':
        return {
          ...record,
          state: 'unconfirmed',
          code: 'HIKARC_CONTROL_UNCONFIRMED',
          message: `no confirmation within ${seconds} s and the status read back does not show the change`,
        };
      case 'unknown':
        return {
          ...record,
          state: 'unconfirmed',
          code: 'HIKARC_CONTROL_UNCONFIRMED',
          message: `no confirmation within ${seconds} s and the status read back cannot show the change`,
        };
    }
  }

  // What the panel's events say so far: this process's own tap (run), or what `run` observed for
  // this process and wrote to the audit trail (the command line).
  private eventsSoFar(command: ControlCommand, commandId: string, pending: Pending | null): Seen {
    if (pending !== null) return { outcome: pending.tracker.state, events: pending.events };
    let events: ConfirmingEvent[] = [];
    try {
      events = this.store.observedEvents(commandId);
    } catch (error) {
      this.logger.warn(
        { code: isHikArcError(error) ? error.code : 'HIKARC_CONTROL_AUDIT_FAILED', err: errorMessage(error), commandId },
        'observed events could not be read',
      );
    }
    return { outcome: outcomeOf(expectationFor(command, this.settings.eventZoneOffset), events), events };
  }

  private async finishByEvent(panel: PanelInfo, command: ControlCommand, record: CommandRecord, seen: Seen, pending: Pending | null): Promise<CommandRecord> {
    const outcome = seen.outcome === 'refuted' ? 'refuted' : 'confirmed';
    const confirmed: CommandRecord = {
      ...record,
      confirmation: { source: 'event', outcome, events: [...seen.events], at: new Date(this.clock.now()).toISOString() },
    };
    if (outcome === 'confirmed') return this.finish({ ...confirmed, state: 'confirmed' }, pending);
    const code = seen.events.at(-1)?.code ?? '';
    if (command.action === 'arm') {
      const refused: CommandRecord = {
        ...confirmed,
        state: 'refused',
        code: 'HIKARC_CONTROL_ARMING_REFUSED',
        message: `the panel reported arming failed (${code})`,
      };
      return this.finish(await this.withBlockingZones(panel, command.partition, refused), pending);
    }
    return this.finish({ ...confirmed, state: 'refused', code: 'HIKARC_CONTROL_REFUSED', message: `the panel reported the command failed (${code})` }, pending);
  }

  private finish(record: CommandRecord, pending: Pending | null): CommandRecord {
    this.dropPending(pending);
    this.safeAppend('settled', record);
    this.commands.inc({ action: record.action, state: record.state });
    if (pending !== null) this.settledRecently.push({ record, tracker: pending.tracker, untilMs: this.clock.monotonic() + this.settings.confirmTimeoutMs });
    return record;
  }
}
