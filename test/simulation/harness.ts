// The deterministic fault simulator (docs/simulation.md): one seed → one scenario (scenario.ts),
// played against the real translate → outbox → transport code on a simulated clock, with simulated
// receivers (sim-arc.ts) and a fault-injecting store (fault-storage.ts); then the invariants are
// checked. A failing seed prints what failed and the last lines of the run's trace, and the same
// seed replays it exactly.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { silentLogger } from '../../src/log.js';
import { MetricsRegistry } from '../../src/metrics.js';
import { decodeEventDocument, StaticAccountDirectory, type VendorEvent } from '../../src/ingest/index.js';
import {
  MemoryStorage,
  SEQUENCE_SKIP_AFTER_UNCLEAN_STOP,
  SqliteStorage,
  StoreOutbox,
  type Outbox,
  type OutboxEntry,
  type OutboxStorage,
  type StorageBatch,
  type StoredRow,
} from '../../src/outbox/index.js';
import { composeDelivery, type DeliveryStack } from '../../src/service/compose.js';
import type { DeliveryOutcome, PipelineInput } from '../../src/service/pipeline.js';
import { decodeStoredAlarm } from '../../src/service/stored-event.js';
import { Translator } from '../../src/translate/index.js';
import { createRandomPadSource } from '../../src/transport/dc09-crypto.js';
import { parseAesKey } from '../../src/transport/dc09-crypto.js';
import { LINK_RETRY_PAUSE_MS } from '../../src/transport/delivery-policy.js';
import type { LinkConnector } from '../../src/transport/link.js';
import { FaultStorage } from './fault-storage.js';
import { Prng } from './prng.js';
import { SimArc, type ArcObserver, type ReceivedEvent } from './sim-arc.js';
import { installImmediateCounter, SimClock, SpinError } from './sim-clock.js';
import { describeScenario, drawScenario, KEY_HEX, type Scenario } from './scenario.js';

/**
 * Bugs the harness can plant around the real code, to show the invariants catch them
 * (HIKARC_SIMULATE_BUG; read here only, never in src/).
 */
export const SIMULATED_BUGS = ['resequence-retry', 'delivered-before-ack'] as const;
export type SimulatedBug = (typeof SIMULATED_BUGS)[number];

export interface RunOptions {
  readonly seed: number;
  readonly bug?: SimulatedBug | undefined;
  /** Trace lines kept for a failure report. */
  readonly traceLines?: number;
}

export interface RunResult {
  readonly seed: number;
  readonly ok: boolean;
  readonly violations: readonly string[];
  readonly trace: readonly string[];
  readonly scenario: string;
  readonly stats: {
    readonly events: number;
    readonly acked: number;
    readonly dead: number;
    readonly lostInCrash: number;
    readonly frames: number;
    readonly bounded: boolean;
    readonly simSeconds: number;
    readonly timers: number;
  };
}

/** After the faults stop, the run has this long (simulated) to drain: rounds back off to a minute. */
const DRAIN_LIMIT_MS = 20 * 60_000;
const STOP_DEADLINE_MS = 5_000;
const START_WALL_MS = Date.UTC(2026, 2, 29, 0, 59, 0);
const DEFAULT_TRACE_LINES = 40;
/** A device ID that is no DC-09 account: the event becomes a dead letter as it is stored. */
const UNROUTABLE = 'XYZQ';
const TRACE_AFTER_FIRST_VIOLATION = 5;
// Violations kept per run: the first ones say it; a thousand more only bury the trace.
const MAX_VIOLATIONS = 20;

interface AlarmInfo {
  readonly key: string;
  readonly account: string;
  /** Order the pipeline accepted it in (across accounts); null until accept() resolved. */
  rank: number | null;
  acceptedAt: number | null;
  /** In the store (a commit that inserted it landed). */
  stored: boolean;
  /** Accepted while not stored: held in memory by the outbox. */
  held: boolean;
  /** Held, never stored, and the process died: lost by design (docs/simulation.md). */
  lostInCrash: boolean;
  sequence: number | null;
  frames: number;
  processedAt: number | null;
  ackedAt: number | null;
  readonly genuineAcks: Set<string>;
  rowId: number | null;
  /** The process that accepted it. */
  process: number;
  /** Held when the process stopped with the store down: its record is the error log. */
  loggedAtStop: boolean;
}

interface Process {
  readonly id: number;
  readonly storage: FaultStorage;
  readonly inner: OutboxStorage;
  readonly outbox: StoreOutbox;
  readonly stack: DeliveryStack;
  alive: boolean;
}

function cidEvent(account: string, zone: number): VendorEvent {
  const decoded = decodeEventDocument(
    JSON.stringify({ EventNotificationAlert: { eventType: 'CIDAlarm', deviceID: account, activePostCount: 1, CIDAlarm: { CIDCode: '1130', zoneNo: zone } } }),
  );
  if (decoded.kind !== 'event') throw new Error('the simulator built an event the decoder refuses');
  return decoded.event;
}

/** Wraps the real outbox with a planted bug (the delivery core sees only the Outbox contract). */
function plantBug(outbox: Outbox, bug: SimulatedBug | undefined, clock: { now(): number }): Outbox {
  if (bug === undefined) return outbox;
  const next = (destination: string, limit: number, now: number): OutboxEntry[] => {
    const entries = outbox.next(destination, limit, now);
    if (bug === 'resequence-retry') {
      // A retransmission takes a fresh number, as if the first one had been forgotten.
      return entries.map((entry) => (entry.attempts > 0 && entry.sequence !== null ? { ...entry, sequence: (entry.sequence % 9999) + 1 } : entry));
    }
    // delivered-before-ack: the alarm is marked delivered as it leaves, not when the ARC ACKs it.
    for (const entry of entries) void outbox.ack(entry.id, { via: 'primary', at: clock.now() });
    return entries;
  };
  return new Proxy(outbox, {
    get(target, property, receiver) {
      if (property === 'next') return next;
      const value = Reflect.get(target, property, receiver) as unknown;
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}

export async function runSimulation(options: RunOptions): Promise<RunResult> {
  const restoreImmediate = installImmediateCounter();
  const savedRandom = Math.random;
  const prng = new Prng(options.seed);
  const scenario = drawScenario(prng.fork());
  // Backoff jitter in the code under test draws from Math.random: the run's stream replaces it.
  Math.random = prng.fork().random;
  const run = new SimulationRun(options, scenario, prng);
  try {
    return await run.play();
  } finally {
    Math.random = savedRandom;
    restoreImmediate();
    run.cleanup();
  }
}

class SimulationRun {
  private readonly clock = new SimClock(START_WALL_MS);
  private readonly trace: string[] = [];
  private readonly traceLines: number;
  private readonly violations: string[] = [];
  // The trace up to the first violation, and a few lines after it: the part that explains it.
  private failureTrace: string[] | null = null;
  private failureTraceLimit = 0;
  private failureAccount: string | null = null;
  private readonly alarms = new Map<string, AlarmInfo>();
  private readonly byRow = new Map<number, AlarmInfo>();
  // Latest committed state of every row, by id.
  private readonly rows = new Map<number, StoredRow>();
  private readonly sequenceOwner = new Map<string, string>(); // account + seq → key
  private readonly lastProcessedRank = new Map<string, number>();
  // Processes that got at least one commit into the store (their start mark, skipped counters included).
  private readonly landed = new Set<number>();
  // Alarms held only in memory and lost in a crash, by process and account.
  private readonly lostHeld = new Map<string, number>();
  private readonly arcs: SimArc[] = [];
  private process: Process | null = null;
  private processCount = 0;
  private readonly queue: Array<{ account: string; zone: number; event: VendorEvent; input: object }> = [];
  private submitting: Array<{ account: string; zone: number; event: VendorEvent; input: object }> | null = null;
  private submitTimerSet = false;
  private rank = 0;
  private frames = 0;
  // Invariant 7 applied to this run.
  private bounded = false;
  private readonly memory = new MemoryStorage();
  // Dead letters for events without an account, held in memory at the stop (their count).
  private unroutableHeld = 0;
  // Error lines of the outbox's log (the journal that is the last record of unstored alarms).
  private readonly errorLines: string[] = [];
  private readonly errorLog = pino(
    { level: 'error', base: null, timestamp: false },
    {
      write: (line: string) => {
        if (line.includes('HIKARC_STORE_UNSTORED')) this.errorLines.push(line);
      },
    },
  );

  private readonly tempDir: string | null;
  private readonly key: Uint8Array | null;

  constructor(
    private readonly options: RunOptions,
    private readonly scenario: Scenario,
    private readonly prng: Prng,
  ) {
    this.traceLines = options.traceLines ?? DEFAULT_TRACE_LINES;
    this.tempDir = scenario.store === 'sqlite' ? mkdtempSync(join(tmpdir(), 'hik-arc-sim-')) : null;
    this.key = scenario.arc.key === '' ? null : parseAesKey(KEY_HEX, 'hex');
    const observer: ArcObserver = {
      onFrame: (event) => this.onFrame(event),
      onProcessed: (event) => this.onProcessed(event),
      onGenuineAck: (event) => this.onGenuineAck(event),
      onUnreadable: (path, detail) => this.violate(`${path} received bytes it cannot read: ${detail}`),
      trace: (line) => this.log(line),
    };
    const paths: Array<['primary' | 'secondary', Scenario['primary']]> = [['primary', scenario.primary]];
    if (scenario.secondary !== null) paths.push(['secondary', scenario.secondary]);
    for (const [name, path] of paths) {
      this.arcs.push(
        new SimArc({
          name,
          transport: path.transport,
          key: this.key,
          pad: createRandomPadSource(),
          clock: this.clock,
          prng: prng.fork(),
          episodes: path.episodes,
          skewMs: path.skewMs,
          trueNow: () => START_WALL_MS + this.clock.time,
          latencyMs: scenario.latencyMs,
          observer,
        }),
      );
    }
  }

  cleanup(): void {
    if (this.process !== null) this.closeInner(this.process);
    if (this.tempDir !== null) rmSync(this.tempDir, { recursive: true, force: true });
  }

  private log(line: string): void {
    const stamped = `t=${(this.clock.time / 1000).toFixed(3)}s ${line}`;
    // A few lines of what followed the first violation, after what led to it.
    if (this.failureTrace !== null && this.failureTrace.length < this.failureTraceLimit && this.relevant(stamped)) this.failureTrace.push(stamped);
    this.trace.push(stamped);
    if (this.trace.length > 40 * this.traceLines) this.trace.splice(0, this.trace.length - 20 * this.traceLines);
  }

  /** A trace line about the failing account, or about no account at all (faults, paths, crashes). */
  private relevant(line: string): boolean {
    const mentions = (account: string): boolean =>
      line.includes(`#${account}|`) || line.includes(` ${account} `) || line.includes(` ${account}:`) || line.includes(` ${account},`);
    if (this.failureAccount !== null && mentions(this.failureAccount)) return true;
    return !this.scenario.accounts.some(mentions);
  }

  private violate(message: string): void {
    const line = `t=${(this.clock.time / 1000).toFixed(3)}s ${message}`;
    if (this.violations.length < MAX_VIOLATIONS) this.violations.push(line);
    if (this.failureTrace === null) {
      // The minimal trace: the lines about the account that failed and about no account.
      this.failureAccount =
        /#([0-9A-Fa-f]{3,16})\||account ([0-9A-Fa-f]{3,16})/
          .exec(message)
          ?.slice(1)
          .find((match) => match !== undefined) ?? null;
      this.failureTrace = this.trace.filter((entry) => this.relevant(entry)).slice(-this.traceLines);
      this.failureTraceLimit = this.failureTrace.length + 1 + TRACE_AFTER_FIRST_VIOLATION;
    }
    this.log(`VIOLATION ${message}`);
  }

  // --- the process ------------------------------------------------------------------------------

  private openInner(): OutboxStorage {
    if (this.tempDir === null) return this.memory;
    return SqliteStorage.open({ path: join(this.tempDir, 'outbox.sqlite') });
  }

  private closeInner(process: Process): void {
    if (process.inner === this.memory) return;
    try {
      process.inner.close();
    } catch {
      // Closed already.
    }
  }

  private start(): void {
    const id = ++this.processCount;
    const inner = this.openInner();
    const storage = new FaultStorage(inner, this.clock, id, this.scenario.storeEpisodes, this.prng.fork().random, {
      onCommitted: (batch, incarnation) => {
        this.landed.add(incarnation);
        this.onCommitted(batch);
      },
      trace: (line) => this.log(line),
    });
    const clock = this.clock.view(id);
    const outbox = new StoreOutbox(storage, {
      clock,
      logger: this.errorLog,
      ...(this.scenario.maxUnstored === undefined ? {} : { maxUnstored: this.scenario.maxUnstored }),
    });
    const connectors = new Map(this.arcs.map((arc) => [arc.name, arc.connector(id)]));
    const connect: LinkConnector = (address, handlers, options) =>
      (connectors.get(address.host.replace(/\.sim$/, '')) as LinkConnector)(address, handlers, options);
    const stack = composeDelivery({
      arc: this.scenario.arc,
      supervisionAccount: this.scenario.supervisionAccount,
      outbox: plantBug(outbox, this.options.bug, clock),
      translator: new Translator({
        settings: { fallbackAccount: '', unknownEvent: 'forward', inactive: 'drop', repeatWindowSec: 60 },
        hikAccount: this.scenario.supervisionAccount,
        directory: new StaticAccountDirectory({}),
        clock,
      }),
      clock,
      logger: silentLogger,
      metrics: new MetricsRegistry(),
      connect,
      onOutcome: (outcome) => this.onOutcome(outcome, id),
      onPathState: (change) => this.log(`path ${change.destination} ${change.from} → ${change.to} (${change.reason})`),
    });
    this.process = { id, storage, inner, outbox, stack, alive: true };
    stack.start();
    this.log(`process ${id} started`);
    this.submit();
  }

  private crash(downMs: number): void {
    const process = this.process;
    if (process === null || !process.alive) return;
    process.alive = false;
    this.clock.kill(process.id);
    process.storage.kill();
    for (const arc of this.arcs) arc.dropProcess(process.id);
    this.closeInner(process);
    // Alarms held only in memory die with the process.
    let lost = 0;
    for (const alarm of this.alarms.values()) {
      if (alarm.held && !alarm.stored && !alarm.lostInCrash) {
        alarm.lostInCrash = true;
        lost++;
        const where = `${alarm.process}/${alarm.account.toUpperCase()}`;
        this.lostHeld.set(where, (this.lostHeld.get(where) ?? 0) + 1);
      }
    }
    if (this.submitting !== null) {
      // The in-flight call never answered: the source hands those events again.
      this.queue.unshift(...this.submitting.filter((item) => this.alarms.get(this.keyFor(item.account, item.zone))?.stored !== true));
      this.submitting = null;
    }
    this.log(`CRASH of process ${process.id}${lost > 0 ? `: ${lost} alarms held in memory lost` : ''}; restart in ${downMs} ms`);
    this.clock.setTimer(0, downMs, () => this.start());
  }

  // --- the event source -----------------------------------------------------------------------

  private keyFor(account: string, zone: number): string {
    const z = String(zone).padStart(3, '0');
    return this.scenario.arc.format === 'adm-cid' ? `#${account}|1130 00 ${z}` : `#${account}|Nri0/BA${z}`;
  }

  private info(key: string, account: string): AlarmInfo {
    let alarm = this.alarms.get(key);
    if (alarm === undefined) {
      alarm = {
        key,
        account,
        rank: null,
        acceptedAt: null,
        stored: false,
        held: false,
        lostInCrash: false,
        sequence: null,
        frames: 0,
        processedAt: null,
        ackedAt: null,
        genuineAcks: new Set(),
        rowId: null,
        process: this.process?.id ?? 0,
        loggedAtStop: false,
      };
      this.alarms.set(key, alarm);
    }
    return alarm;
  }

  private submit(): void {
    const process = this.process;
    if (process === null || !process.alive || this.submitting !== null || this.queue.length === 0) return;
    const items = this.queue.splice(0, this.queue.length);
    this.submitting = items;
    const inputs: PipelineInput[] = items.map((item) => ({
      kind: 'event',
      event: item.event,
      receivedAt: this.clock.now(),
      source: 'stream',
      key: item.input,
    }));
    process.stack.pipeline.accept(inputs).then(
      (accepted) => {
        if (!process.alive || this.submitting !== items) return;
        this.submitting = null;
        accepted.forEach((result, index) => {
          const item = items[index] as (typeof items)[number];
          const key = this.keyFor(item.account, item.zone);
          if (item.account === UNROUTABLE) {
            // An event naming no valid device: stored (here: held) as a dead letter at once.
            if (result.translation?.forwarded !== false || result.outboxId === null) this.violate('an event without an account was not kept as a dead letter');
            else this.unroutableHeld += 1;
            return;
          }
          if (result.translation?.forwarded !== true) {
            this.violate(`event ${key} was not forwarded by the translator`);
            return;
          }
          if (result.translation.message[this.scenario.arc.format === 'adm-cid' ? 'admCid' : 'siaDcs'] !== key)
            this.violate(`event ${key} translated to an unexpected payload`);
          const alarm = this.info(key, item.account);
          alarm.rank = ++this.rank;
          alarm.process = process.id;
          alarm.acceptedAt = this.clock.time;
          if (!alarm.stored) alarm.held = true;
        });
        this.submit();
      },
      (error: unknown) => {
        if (!process.alive || this.submitting !== items) return;
        this.submitting = null;
        // The outbox refused (its memory is full too): the source keeps the events and tries again.
        this.log(`accept refused (${(error as { code?: string }).code ?? String(error)}); ${items.length} events kept by the source`);
        this.queue.unshift(...items);
        if (!this.submitTimerSet) {
          this.submitTimerSet = true;
          this.clock.setTimer(0, 1_000, () => {
            this.submitTimerSet = false;
            this.submit();
          });
        }
      },
    );
  }

  // --- what the store and the receivers saw ---------------------------------------------------

  private onCommitted(batch: StorageBatch): void {
    for (const row of [...batch.inserts, ...batch.updates, ...batch.rewrites]) {
      const previous = this.rows.get(row.id);
      const merged: StoredRow = batch.inserts.includes(row as (typeof batch.inserts)[number]) || previous === undefined ? { ...row } : { ...previous, ...row };
      this.rows.set(row.id, merged);
      let alarm = this.byRow.get(row.id);
      if (alarm === undefined) {
        const message = decodeStoredAlarm(merged.payload)?.message ?? null;
        if (message === null) {
          this.violate(`row ${row.id} stored without a readable alarm`);
          continue;
        }
        alarm = this.info(this.scenario.arc.format === 'adm-cid' ? message.admCid : message.siaDcs, message.account);
        if (alarm.rowId !== null && alarm.rowId !== row.id) this.violate(`alarm ${alarm.key} stored twice (rows ${alarm.rowId} and ${row.id})`);
        alarm.rowId = row.id;
        this.byRow.set(row.id, alarm);
      }
      alarm.stored = true;
      if (merged.sequence !== null) {
        if (alarm.sequence !== null && alarm.sequence !== merged.sequence)
          this.violate(`alarm ${alarm.key} stored with number ${merged.sequence} after it was sent with ${alarm.sequence}`);
        if (alarm.sequence === null) this.claimSequence(alarm, merged.sequence);
      }
      if (merged.state === 'delivered' && (previous?.state !== 'delivered' || batch.inserts.includes(row as (typeof batch.inserts)[number]))) {
        const via = merged.deliveredVia ?? '?';
        if (!alarm.genuineAcks.has(via)) this.violate(`alarm ${alarm.key} stored as delivered via ${via}, which never sent it a real ACK`);
      }
    }
  }

  private claimSequence(alarm: AlarmInfo, sequence: number): void {
    alarm.sequence = sequence;
    const owner = `${alarm.account.toUpperCase()}/${sequence}`;
    const previous = this.sequenceOwner.get(owner);
    if (previous !== undefined && previous !== alarm.key && !this.reuseUnknowable(this.alarms.get(previous)))
      this.violate(`sequence ${sequence} of account ${alarm.account} reused: ${previous} and ${alarm.key}`);
    this.sequenceOwner.set(owner, alarm.key);
  }

  /**
   * A number no later process can know was used (docs/simulation.md §Sequence numbers): that of an
   * alarm held in memory and lost in a crash, when its process never got a single commit into the
   * store, or held more such alarms of the account than the jump after an unclean stop covers.
   */
  private reuseUnknowable(previous: AlarmInfo | undefined): boolean {
    if (previous === undefined || !previous.lostInCrash) return false;
    if (!this.landed.has(previous.process)) return true;
    return (this.lostHeld.get(`${previous.process}/${previous.account.toUpperCase()}`) ?? 0) > SEQUENCE_SKIP_AFTER_UNCLEAN_STOP;
  }

  private alarmOf(event: ReceivedEvent): AlarmInfo | undefined {
    const alarm = this.alarms.get(event.frame.data);
    if (alarm === undefined || alarm.account.toUpperCase() !== event.frame.account.toUpperCase()) return undefined;
    return alarm;
  }

  private onFrame(event: ReceivedEvent): void {
    this.frames++;
    const frame = event.frame;
    if (frame.token === 'NULL') {
      if (frame.sequence !== 0) this.violate(`NULL test with sequence ${frame.sequence}`);
      return;
    }
    const alarm = this.alarmOf(event);
    if (alarm === undefined) {
      this.violate(`${event.path} received ${frame.account} "${frame.data}", which the outbox never accepted`);
      return;
    }
    alarm.frames++;
    if (!alarm.stored && !alarm.held) this.violate(`${event.path} received ${alarm.key} before it was stored (or held by a failing store)`);
    if (alarm.lostInCrash) this.violate(`${event.path} received ${alarm.key}, lost in a crash before it was stored`);
    if (alarm.sequence === null) this.claimSequence(alarm, frame.sequence);
    else if (frame.sequence !== alarm.sequence) this.violate(`${alarm.key} retransmitted with sequence ${frame.sequence}, first sent as ${alarm.sequence}`);
  }

  private onProcessed(event: ReceivedEvent): void {
    if (event.frame.token === 'NULL') return;
    const alarm = this.alarmOf(event);
    if (alarm === undefined || alarm.processedAt !== null) return;
    alarm.processedAt = this.clock.time;
    const account = alarm.account.toUpperCase();
    const last = this.lastProcessedRank.get(account) ?? 0;
    const rank = alarm.rank ?? Number.POSITIVE_INFINITY;
    if (rank < last) this.violate(`account ${alarm.account}: ${alarm.key} (received #${rank}) reached the ARC after a later alarm (#${last})`);
    else this.lastProcessedRank.set(account, rank);
  }

  private onGenuineAck(event: ReceivedEvent): void {
    if (event.frame.token === 'NULL') return;
    this.alarmOf(event)?.genuineAcks.add(event.path);
  }

  private onOutcome(outcome: DeliveryOutcome, process: number): void {
    if (this.process?.id !== process) return;
    const message = outcome.message;
    if (message === null) return;
    const alarm = this.alarms.get(this.scenario.arc.format === 'adm-cid' ? message.admCid : message.siaDcs);
    if (alarm === undefined) return;
    if (outcome.outcome === 'acked') {
      this.log(`${alarm.key} acked via ${outcome.via}`);
      if (!alarm.genuineAcks.has(outcome.via)) this.violate(`${alarm.key} counted as ACKed via ${outcome.via}, which never sent it a real ACK`);
      if (alarm.ackedAt === null) alarm.ackedAt = this.clock.time;
    } else {
      this.log(`${alarm.key} ${outcome.outcome}: ${outcome.detail}`);
    }
  }

  // --- the run --------------------------------------------------------------------------------

  private drained(): boolean {
    if (this.queue.length > 0 || this.submitting !== null) return false;
    const process = this.process;
    if (process === null || !process.alive) return false;
    for (const alarm of this.alarms.values()) {
      if (alarm.lostInCrash) continue;
      const row = alarm.rowId === null ? undefined : this.rows.get(alarm.rowId);
      if (row === undefined ? alarm.ackedAt === null : row.state === 'pending') return false;
    }
    const stats = process.outbox.stats('arc');
    return stats.pending === 0 && stats.unwrittenOutcomes === 0 && stats.unstored === 0;
  }

  /** Runs the clock until `work` settles (a stop or close, which waits on timers). */
  private async drive(work: Promise<unknown>): Promise<void> {
    let done = false;
    void work.finally(() => {
      done = true;
    });
    const limit = this.clock.time + 10 * 60_000;
    while (!done && this.clock.time < limit) await this.clock.runUntil(this.clock.time + 50);
    if (!done) this.violate('stop or close did not finish within 10 simulated minutes');
  }

  async play(): Promise<RunResult> {
    try {
      await this.playScenario();
    } catch (error) {
      if (!(error instanceof SpinError)) throw error;
      this.violate(error.message);
    }
    return this.result();
  }

  private result(): RunResult {
    const scenario = this.scenario;
    let acked = 0;
    let dead = 0;
    let lostInCrash = 0;
    for (const alarm of this.alarms.values()) {
      const state = alarm.rowId === null ? undefined : this.rows.get(alarm.rowId)?.state;
      if (state === 'delivered') acked++;
      else if (state === 'dead') dead++;
      if (alarm.lostInCrash) lostInCrash++;
    }
    const events = scenario.batches.reduce((sum, batch) => sum + batch.items.length, 0);
    return {
      seed: this.options.seed,
      ok: this.violations.length === 0,
      violations: this.violations,
      trace: this.failureTrace ?? this.trace.slice(-this.traceLines),
      scenario: describeScenario(scenario),
      stats: {
        events,
        acked,
        dead,
        lostInCrash,
        frames: this.frames,
        bounded: this.bounded,
        simSeconds: Math.round(this.clock.time / 1000),
        timers: this.clock.fired,
      },
    };
  }

  private async playScenario(): Promise<void> {
    const scenario = this.scenario;
    this.log(`scenario: ${describeScenario(scenario)}`);
    for (const batch of scenario.batches) {
      this.clock.setTimer(0, batch.at, () => {
        for (const item of batch.items) this.queue.push({ ...item, event: cidEvent(item.account, item.zone), input: {} });
        this.submit();
      });
    }
    for (const crash of scenario.crashes) this.clock.setTimer(0, crash.at, () => this.crash(crash.downMs));
    for (const step of scenario.clockSteps) {
      this.clock.setTimer(0, step.at, () => {
        this.clock.stepWall(step.stepMs);
        this.log(`clock stepped by ${Math.round(step.stepMs / 1000)} s`);
      });
    }
    for (const episode of [
      ...scenario.primary.episodes.map((e) => ['primary', e] as const),
      ...(scenario.secondary?.episodes ?? []).map((e) => ['secondary', e] as const),
    ]) {
      const [path, e] = episode;
      const what = `${path} ${e.kind}${e.accounts ? ` for ${[...e.accounts].join(',')}` : ''}${e.rate < 1 ? ` (${e.rate * 100}%)` : ''}`;
      this.clock.setTimer(0, e.from, () => this.log(`fault on: ${what}`));
      this.clock.setTimer(0, e.to, () => this.log(`fault off: ${what}`));
    }
    for (const e of scenario.storeEpisodes) {
      this.clock.setTimer(0, e.from, () => this.log(`store fault on: ${e.kind}`));
      this.clock.setTimer(0, e.to, () => this.log(`store fault off: ${e.kind}`));
    }
    this.start();
    await this.clock.runUntil(scenario.faultEnd);
    this.log('faults over; draining');
    const limit = scenario.faultEnd + DRAIN_LIMIT_MS;
    while (!this.drained() && this.clock.time < limit) await this.clock.runUntil(this.clock.time + 1_000);
    const drained = this.drained();
    const process = this.process as Process;
    // One run in four stops with the store full, after a last burst (and the ARC gone, at times).
    const ending = new Prng(this.options.seed ^ 0x2545f491);
    const storeDownAtStop = ending.chance(0.25);
    const lastBurst: AlarmInfo[] = [];
    if (storeDownAtStop) await this.lastBurst(process, ending, lastBurst);
    await this.drive(process.stack.stop(STOP_DEADLINE_MS));
    const report = { value: { unstored: 0, unwrittenOutcomes: 0 } };
    await this.drive(process.outbox.close(STOP_DEADLINE_MS).then((closed) => (report.value = closed)));
    if (storeDownAtStop) this.checkStopWithStoreDown(report.value, lastBurst);
    else if (report.value.unstored > 0 || report.value.unwrittenOutcomes > 0)
      this.violate(`a clean stop with a healthy store left ${report.value.unstored} unstored alarms and ${report.value.unwrittenOutcomes} unwritten outcomes`);
    this.checkEnd(drained);
  }

  /** The store fills up; a last burst comes; maybe the ARC goes away too; then SIGTERM. */
  private async lastBurst(process: Process, ending: Prng, burst: AlarmInfo[]): Promise<void> {
    process.storage.forcedFull = true;
    this.log('store fault on: full, until the stop');
    if (ending.chance(0.4)) {
      for (const arc of this.arcs) arc.goDown();
      this.log('every receiver down, until the stop');
    }
    const zones = new Map<string, number>();
    for (const batch of this.scenario.batches) for (const item of batch.items) zones.set(item.account, Math.max(zones.get(item.account) ?? 0, item.zone));
    for (let i = ending.int(1, 30); i > 0; i--) {
      if (ending.chance(0.15)) {
        this.queue.push({ account: UNROUTABLE, zone: i, event: cidEvent(UNROUTABLE, i), input: {} });
        continue;
      }
      const account = ending.pick(this.scenario.accounts);
      const zone = (zones.get(account) ?? 0) + 1;
      if (zone > 999) continue;
      zones.set(account, zone);
      this.queue.push({ account, zone, event: cidEvent(account, zone), input: {} });
    }
    const keys = this.queue.map((item) => this.keyFor(item.account, item.zone));
    this.submit();
    await this.clock.runUntil(this.clock.time + ending.pick([0, 50, 500, 3_000]));
    for (const key of keys) {
      const alarm = this.alarms.get(key);
      if (alarm !== undefined) burst.push(alarm);
    }
  }

  /** docs/outbox.md §Stopping with the store down: held alarms are delivered or logged, never dropped. */
  private checkStopWithStoreDown(report: { unstored: number; unwrittenOutcomes: number }, burst: readonly AlarmInfo[]): void {
    const logged = new Map<string, string>();
    let loggedUnroutable = 0;
    for (const line of this.errorLines) {
      const entry = JSON.parse(line) as { code?: string; payload?: string; state?: string };
      if (entry.code !== 'HIKARC_STORE_UNSTORED' || entry.payload === undefined) continue;
      const decoded = decodeStoredAlarm(entry.payload);
      const message = decoded?.message;
      if (message) logged.set(this.scenario.arc.format === 'adm-cid' ? message.admCid : message.siaDcs, entry.state ?? '?');
      else if (decoded !== undefined && entry.state === 'dead') loggedUnroutable++;
    }
    // Held and never ACKed: pending, or a dead letter (every path said DUH, or no account).
    let unacked = this.unroutableHeld;
    if (loggedUnroutable !== this.unroutableHeld)
      this.violate(`${this.unroutableHeld} events without an account held as dead letters at the stop, ${loggedUnroutable} logged with their payload`);
    for (const alarm of burst) {
      if (alarm.stored) continue;
      if (alarm.ackedAt === null) unacked++;
      const state = logged.get(alarm.key);
      if (alarm.ackedAt === null && state !== 'pending' && state !== 'dead')
        this.violate(`${alarm.key} held when the store was full at the stop, not acknowledged, and not logged with its payload`);
      alarm.loggedAtStop = true;
    }
    this.log(
      `stopped with the store full: ${burst.length} alarms and ${this.unroutableHeld} events without an account in the last burst, ${unacked} neither stored nor acknowledged, ${logged.size + loggedUnroutable} logged with their payload`,
    );
    if (report.unstored !== unacked)
      this.violate(`the stop reported ${report.unstored} unstored alarms; ${unacked} held alarms were neither stored nor acknowledged`);
  }

  private checkEnd(drained: boolean): void {
    const scenario = this.scenario;
    const stuck: string[] = [];
    for (const alarm of this.alarms.values()) {
      if (alarm.lostInCrash || alarm.loggedAtStop) continue;
      const row = alarm.rowId === null ? undefined : this.rows.get(alarm.rowId);
      if (row === undefined) {
        // Held in memory, ACKed, then dropped from the audit record to make room for newer held
        // alarms (docs/outbox.md §When the store fails): delivered, only its row is gone.
        if (alarm.ackedAt === null) stuck.push(`${alarm.key} (never stored)`);
        continue;
      }
      if (row.state === 'pending') stuck.push(`${alarm.key} (pending, ${row.attempts} rounds, ${row.lastError ?? 'no error'})`);
      else if (row.state === 'dead' && (row.lastError ?? '') === '') this.violate(`${alarm.key} is a dead letter without a reason`);
      else if (row.state === 'delivered' && !alarm.genuineAcks.has(row.deliveredVia ?? '?'))
        this.violate(`${alarm.key} ends delivered via ${row.deliveredVia ?? '?'} without a real ACK from it`);
    }
    if (stuck.length > 0)
      this.violate(
        `${drained ? '' : 'did not drain: '}${stuck.length} accepted alarms neither ACKed nor dead letters ${DRAIN_LIMIT_MS / 60_000} min after the faults stopped: ${stuck.slice(0, 5).join('; ')}`,
      );
    // Bounded time, where it is promised: a healthy secondary, and nothing else wrong but the primary.
    const secondary = scenario.secondary;
    const healthySecondary = secondary !== null && secondary.episodes.length === 0 && secondary.skewMs === 0;
    const onlyPrimary =
      scenario.storeEpisodes.length === 0 && scenario.crashes.length === 0 && scenario.clockSteps.length === 0 && scenario.maxUnstored === undefined;
    const wholePrimary = scenario.primary.episodes.every((episode) => episode.accounts === undefined && episode.rate === 1);
    if (!healthySecondary || !onlyPrimary || !wholePrimary) return;
    this.bounded = true;
    const bound = this.worstCaseMs();
    const byAccount = new Map<string, AlarmInfo[]>();
    for (const alarm of this.alarms.values()) {
      const list = byAccount.get(alarm.account) ?? [];
      list.push(alarm);
      byAccount.set(alarm.account, list);
    }
    for (const list of byAccount.values()) {
      list.sort((a, b) => (a.rank ?? 0) - (b.rank ?? 0));
      let previousAck = 0;
      for (const alarm of list) {
        if (alarm.ackedAt === null || alarm.acceptedAt === null) continue;
        // From when the alarm became its account's next one: an account's alarms go in order.
        const head = Math.max(alarm.acceptedAt, previousAck);
        if (alarm.ackedAt - head > bound)
          this.violate(`${alarm.key} waited ${alarm.ackedAt - head} ms at the head of its lane with a healthy secondary; the worst case is ${bound} ms`);
        previousAck = alarm.ackedAt;
      }
    }
  }

  /** attempts × (ACK timeout + link pause) + 5 s, plus the window's queue for a burst. */
  private worstCaseMs(): number {
    const arc = this.scenario.arc;
    const events = this.scenario.batches.reduce((max, batch) => Math.max(max, batch.items.length), 0);
    const window = Math.max(1, Math.min(arc.maxInFlight, arc.connections > 0 ? arc.connections : arc.maxInFlight));
    const roundTrip = 2 * this.scenario.latencyMs + 1;
    return arc.attempts * (arc.ackTimeoutMs + LINK_RETRY_PAUSE_MS) + 5_000 + Math.ceil(events / window) * roundTrip * 2;
  }
}
