// The service as it runs in production, measured from outside: `hik-arc run` and `hik-arc receiver`
// as separate processes on loopback, fed by the fake Hik IP Receiver Pro of the tests. Every event
// is stored durably (SQLite, synchronous=FULL) before it is sent and marked only on the ARC's ACK.

import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { request } from 'undici';
import { startFakeHikReceiver, type FakeHikReceiver } from '../test/helpers/fake-hik-receiver.js';
import { uniqueAlarm } from './corpus.js';
import { freePort } from '../src/free-port.js';
import { startPortGate } from '../test/helpers/port-gate.js';
import { waitFor } from '../test/helpers/wait-for.js';

// The service runs compiled, as deployed (`npm run build`); the TypeScript loader of a source run
// would add its own memory to every figure.
export const BUILD_DIR = fileURLToPath(new URL('./.build', import.meta.url));
const CLI = join(BUILD_DIR, 'cli.js');
/** The node options of the deployed service: the ExecStart line of deploy/hik-arc.service. */
export const NODE_FLAGS: readonly string[] = deployedNodeFlags();

function deployedNodeFlags(): string[] {
  const unit = readFileSync(fileURLToPath(new URL('../deploy/hik-arc.service', import.meta.url)), 'utf8');
  const words = /^ExecStart=\S+\s+(.*)$/m.exec(unit)?.[1]?.split(/\s+/) ?? [];
  const script = words.findIndex((word) => word.endsWith('hik-arc.js'));
  return words.slice(0, Math.max(0, script)).filter((word) => word.startsWith('--'));
}

/** Compiles src/ into bench/.build (not dist/, which the hik-arc command would then prefer). */
export function buildService(): void {
  rmSync(BUILD_DIR, { recursive: true, force: true });
  const tsc = fileURLToPath(new URL('../node_modules/typescript/bin/tsc', import.meta.url));
  execFileSync(
    process.execPath,
    [tsc, '-p', fileURLToPath(new URL('../tsconfig.build.json', import.meta.url)), '--outDir', BUILD_DIR, '--sourceMap', 'false'],
    { stdio: 'inherit' },
  );
}

export interface ServiceFigures {
  readonly stormDrainSec: number;
  readonly stormMeanLatencySec: number;
  readonly stormMaxLatencySec: number;
  readonly e2eEventsPerSec: number;
  readonly e2eP99Ms: number;
  readonly rssMbQueued100k: number;
  readonly rssGrowthPctSoak: number;
  readonly context: Record<string, unknown>;
}

export interface ServiceBenchOptions {
  /** The storm into a slow ARC: alarms, accounts, and the ARC's time to ACK each. */
  readonly stormEvents: number;
  readonly stormAccounts: number;
  readonly stormAckDelayMs: number;
  readonly burstEvents: number;
  readonly accounts: number;
  readonly steadyRate: number;
  readonly steadySec: number;
  readonly queuedEvents: number;
  readonly soakWarmupSec: number;
  readonly soakSec: number;
  /** How long to wait for the backlog's resident size to settle. */
  readonly settleSec: number;
  readonly log: (line: string) => void;
}

// The benchmark polls less often than the tests: its waits are long and its figures are timings.
const POLL_MS = 20;

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Resident memory of a process in MB, from /proc. */
function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/^VmRSS:\s+(\d+) kB$/m.exec(status)?.[1] ?? Number.NaN);
  return kb / 1024;
}

function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] as number;
}

function median(values: readonly number[]): number {
  return percentile(values, 50);
}

/** `hik-arc receiver` as its own process; every ACKed frame's data with the time we read it. */
class ReceiverProcess {
  readonly acked = new Map<string, number>();
  ackCount = 0;
  /** The port it bound; it listens on port 0 and says which, so no port is picked ahead of it. */
  port = 0;
  private constructor(private readonly child: ChildProcess) {}

  static async start(fault?: string): Promise<ReceiverProcess> {
    const args = [...NODE_FLAGS, CLI, 'receiver', '--listen', 'tcp://127.0.0.1:0', ...(fault === undefined ? [] : ['--fault', fault])];
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, HIK_ARC_LOG_LEVEL: 'warn' } });
    const receiver = new ReceiverProcess(child);
    const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
    lines.on('line', (line) => {
      const at = performance.now();
      // Only the fields needed: the frame's data and the answer.
      const data = /"data":"([^"]*)"/.exec(line)?.[1];
      if (data !== undefined && line.includes('"response":"ACK"') && !line.includes('"token":"NULL"')) {
        receiver.ackCount++;
        if (!receiver.acked.has(data)) receiver.acked.set(data, at);
      }
    });
    let ready = false;
    let errors = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      const text = chunk.toString();
      const bound = /listening on tcp:\/\/127\.0\.0\.1:(\d+)/.exec(text);
      if (bound !== null) {
        receiver.port = Number(bound[1]);
        ready = true;
      } else errors += text;
    });
    await waitFor(() => ready || child.exitCode !== null, 20_000, 'hik-arc receiver to listen', POLL_MS);
    if (!ready) throw new Error(`hik-arc receiver did not start: ${errors}`);
    return receiver;
  }

  async stop(): Promise<void> {
    this.child.kill('SIGTERM');
    await new Promise((resolve) => this.child.once('exit', resolve));
  }
}

class ServiceProcess {
  private constructor(
    readonly child: ChildProcess,
    readonly httpPort: number,
  ) {}

  /**
   * The service says its bound HTTP address only in an info line, and the bench runs it at warn to
   * keep logging out of the figures; so its port is picked ahead and may be taken before the
   * service binds it. A service that exits before answering /metrics is started again on another.
   */
  static async start(config: Record<string, unknown>, dir: string): Promise<ServiceProcess> {
    for (let attempt = 1; ; attempt++) {
      const httpPort = await freePort();
      const file = join(dir, `config-${Date.now()}-${attempt}.json`);
      writeFileSync(file, JSON.stringify({ ...config, http: { listen: `127.0.0.1:${httpPort}` }, log: { level: 'warn' } }));
      const child = spawn(process.execPath, [...NODE_FLAGS, CLI, 'run', '--config', file], { stdio: ['ignore', 'ignore', 'inherit'] });
      const service = new ServiceProcess(child, httpPort);
      await waitFor(
        async () => child.exitCode !== null || (await service.metric('hik_arc_outbox_depth')) !== undefined,
        30_000,
        'hik-arc run to answer /metrics',
        POLL_MS,
      );
      if (child.exitCode === null) return service;
      if (attempt >= 3) throw new Error(`hik-arc run exited with ${child.exitCode} before answering /metrics`);
    }
  }

  async metric(name: string): Promise<number | undefined> {
    try {
      const response = await request(`http://127.0.0.1:${this.httpPort}/metrics`);
      const text = await response.body.text();
      const match = new RegExp(`^${name} (\\S+)$`, 'm').exec(text);
      return match ? Number(match[1]) : undefined;
    } catch {
      return undefined;
    }
  }

  get pid(): number {
    return this.child.pid as number;
  }

  async stop(): Promise<void> {
    this.child.kill('SIGTERM');
    await new Promise((resolve) => this.child.once('exit', resolve));
  }
}

function serviceConfig(hik: FakeHikReceiver, arcPort: number, store: string): Record<string, unknown> {
  return {
    receiver: { url: hik.url, username: 'admin', password: 'hik12345', account: 'AAAA', heartbeatTimeoutSec: 30 },
    arc: { primary: `tcp://127.0.0.1:${arcPort}`, ackTimeoutMs: 2000, attempts: 3 },
    translate: { fallbackAccount: 'FFFF' },
    store: { path: store },
  };
}

export async function benchService(options: ServiceBenchOptions): Promise<ServiceFigures> {
  const dir = mkdtempSync(join(tmpdir(), 'hik-arc-bench-'));
  const cleanups: Array<() => Promise<void>> = [];
  const context: Record<string, unknown> = {};
  let serial = 0;
  const nextAlarms = (count: number): Array<{ body: string; payload: string }> => Array.from({ length: count }, () => uniqueAlarm(serial++, options.accounts));
  try {
    const hik = await startFakeHikReceiver({ events: [], heartbeatIntervalMs: 10_000, recordStreams: false });
    cleanups.push(() => hik.close());

    // 0. The storm into a slow ARC (its software takes stormAckDelayMs per ACK, a normal figure):
    //    how long until the last alarm is ACKed, and how long each waited from receipt to ACK.
    options.log(`storm: ${options.stormEvents} alarms across ${options.stormAccounts} accounts into an ARC that takes ${options.stormAckDelayMs} ms per ACK`);
    const slowArc = await ReceiverProcess.start(`delay=${options.stormAckDelayMs}`);
    const stormService = await ServiceProcess.start(serviceConfig(hik, slowArc.port, join(dir, 'storm.db')), dir);
    await waitFor(() => hik.subscribeCount() > 0, 20_000, 'the subscription', POLL_MS);
    const storm = Array.from({ length: options.stormEvents }, (_, n) => uniqueAlarm(1_000_000 + n, options.stormAccounts));
    const stormStart = performance.now();
    hik.pushEvents(...storm.map((alarm) => alarm.body));
    await waitFor(() => storm.every((alarm) => slowArc.acked.has(alarm.payload)), 600_000, 'the storm to be acknowledged', POLL_MS);
    // The receiver prints a frame when it receives it and answers stormAckDelayMs later.
    const stormLatencies = storm.map((alarm) => ((slowArc.acked.get(alarm.payload) as number) + options.stormAckDelayMs - stormStart) / 1000);
    const stormDrainSec = Math.max(...stormLatencies);
    const stormMeanLatencySec = stormLatencies.reduce((sum, value) => sum + value, 0) / stormLatencies.length;
    const stormMaxLatencySec = stormDrainSec;
    context['storm'] = {
      events: storm.length,
      accounts: options.stormAccounts,
      ackDelayMs: options.stormAckDelayMs,
      p95Sec: Number(percentile(stormLatencies, 95).toFixed(2)),
      duplicates: slowArc.ackCount - storm.length,
    };
    await stormService.stop();
    await slowArc.stop();
    const subscriptionsBefore = hik.subscribeCount();

    const arc = await ReceiverProcess.start();
    cleanups.push(() => arc.stop());
    const service = await ServiceProcess.start(serviceConfig(hik, arc.port, join(dir, 'outbox.db')), dir);
    cleanups.push(() => service.stop());
    await waitFor(() => hik.subscribeCount() > subscriptionsBefore, 20_000, 'the subscription', POLL_MS);

    // 1. A burst across many accounts, as fast as the ARC acknowledges.
    options.log(`e2e burst: ${options.burstEvents} events across ${options.accounts} accounts`);
    const burst = nextAlarms(options.burstEvents);
    const before = arc.ackCount;
    const burstStart = performance.now();
    hik.pushEvents(...burst.map((alarm) => alarm.body));
    await waitFor(() => arc.ackCount - before >= burst.length, 600_000, 'the burst to be acknowledged', POLL_MS);
    const burstSec = (performance.now() - burstStart) / 1000;
    const e2eEventsPerSec = burst.length / burstSec;
    context['burst'] = { events: burst.length, accounts: options.accounts, seconds: Number(burstSec.toFixed(2)) };

    // 2. A steady rate: latency from the moment the receiver sends an event to the ARC's ACK.
    options.log(`e2e steady: ${options.steadyRate} events/s for ${options.steadySec} s`);
    const sentAt = new Map<string, number>();
    const intervalMs = 1000 / options.steadyRate;
    const steadyStart = performance.now();
    for (let i = 0; i < options.steadyRate * options.steadySec; i++) {
      const due = steadyStart + i * intervalMs;
      const wait = due - performance.now();
      if (wait > 1) await sleep(wait);
      const [alarm] = nextAlarms(1);
      if (!alarm) continue;
      sentAt.set(alarm.payload, performance.now());
      hik.pushEvents(alarm.body);
    }
    await waitFor(() => [...sentAt.keys()].every((payload) => arc.acked.has(payload)), 60_000, 'the steady events to be acknowledged', POLL_MS);
    const latencies = [...sentAt].map(([payload, at]) => (arc.acked.get(payload) as number) - at);
    const e2eP99Ms = percentile(latencies, 99);
    context['steady'] = {
      rate: options.steadyRate,
      events: latencies.length,
      p50Ms: Number(median(latencies).toFixed(2)),
      p99Ms: Number(e2eP99Ms.toFixed(2)),
      maxMs: Number(Math.max(...latencies).toFixed(2)),
    };

    // 3. Memory over a steady run after warm-up.
    options.log(`soak: ${options.soakWarmupSec} s warm-up, then ${options.soakSec} s at ${options.steadyRate} events/s`);
    const samples: number[] = [];
    const soakStart = performance.now();
    const warmupMs = options.soakWarmupSec * 1000;
    const totalMs = warmupMs + options.soakSec * 1000;
    let sent = 0;
    let nextSample = soakStart + warmupMs;
    while (performance.now() - soakStart < totalMs) {
      const due = soakStart + sent * intervalMs;
      const wait = due - performance.now();
      if (wait > 1) await sleep(wait);
      hik.pushEvents(...nextAlarms(1).map((alarm) => alarm.body));
      sent++;
      if (performance.now() >= nextSample) {
        samples.push(rssMb(service.pid));
        nextSample += Math.max(1000, (options.soakSec * 1000) / 60);
      }
    }
    const quarter = Math.max(1, Math.floor(samples.length / 4));
    const startRss = median(samples.slice(0, quarter));
    const endRss = median(samples.slice(-quarter));
    const rssGrowthPctSoak = ((endRss - startRss) / startRss) * 100;
    context['soak'] = {
      warmupSec: options.soakWarmupSec,
      seconds: options.soakSec,
      events: sent,
      samples: samples.length,
      startRssMb: Number(startRss.toFixed(1)),
      endRssMb: Number(endRss.toFixed(1)),
      maxRssMb: Number(Math.max(...samples).toFixed(1)),
    };
    await service.stop();
    await arc.stop();
    cleanups.length = 1; // only the fake receiver is left to close

    // 4. The ARC down: how much memory the service needs to hold the backlog.
    options.log(`queued: ${options.queuedEvents} events with the ARC down`);
    // An ARC that is down at an address the bench holds, so no one else can answer there.
    const arcDown = await startPortGate();
    cleanups.push(() => arcDown.close());
    const queued = await ServiceProcess.start(serviceConfig(hik, arcDown.port, join(dir, 'queued.db')), dir);
    cleanups.push(() => queued.stop());
    await waitFor(() => hik.subscribeCount() > 1, 30_000, 'the new subscription', POLL_MS);
    const batch = 5_000;
    for (let pushed = 0; pushed < options.queuedEvents; pushed += batch) {
      hik.pushEvents(...nextAlarms(Math.min(batch, options.queuedEvents - pushed)).map((alarm) => alarm.body));
      await waitFor(async () => ((await queued.metric('hik_arc_outbox_depth')) ?? 0) >= pushed, 120_000, 'the backlog to be stored', POLL_MS);
    }
    await waitFor(async () => ((await queued.metric('hik_arc_outbox_depth')) ?? 0) >= options.queuedEvents, 300_000, 'every event to be stored', POLL_MS);
    // Holding the backlog: V8 gives memory back some seconds after a burst, so the figure is the
    // resident size after `settleSec` of holding it; the size right after storing is reported too.
    const peakRss = rssMb(queued.pid);
    await sleep(options.settleSec * 1000);
    const rssMbQueued100k = rssMb(queued.pid);
    context['queued'] = {
      events: options.queuedEvents,
      rssWhenStoredMb: Number(peakRss.toFixed(1)),
      outboxDepth: await queued.metric('hik_arc_outbox_depth'),
      heapUsedMb: Number((((await queued.metric('nodejs_heap_size_used_bytes')) ?? 0) / 2 ** 20).toFixed(1)),
    };
    return { stormDrainSec, stormMeanLatencySec, stormMaxLatencySec, e2eEventsPerSec, e2eP99Ms, rssMbQueued100k, rssGrowthPctSoak, context };
  } finally {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  }
}
