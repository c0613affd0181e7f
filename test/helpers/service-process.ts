// `hik-arc run` as a real process for the service tests, and the DC-09 receiver and config around
// it. Every start registers its cleanup with the caller's list.

import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { join } from 'node:path';
import { Dc09Receiver, parseFault, type FrameRecord, type ArcFault } from '../../src/transport/index.js';
import { startFakeHikReceiver, fixtureDocuments, type FakeHikReceiver } from './fake-hik-receiver.js';
import { tempDir, writeTempJson } from './temp-files.js';

export const PASSWORD = 'hik12345';
export const EVENTS = fixtureDocuments();

export type Cleanups = Array<() => Promise<void>>;

export interface ServiceProcess {
  readonly child: ChildProcessWithoutNullStreams;
  readonly logs: Array<Record<string, unknown>>;
  readonly stdout: () => string;
  readonly stderr: () => string;
  readonly exited: Promise<number | null>;
}

export function startHikArc(cleanups: Cleanups, config: Record<string, unknown>, args: readonly string[] = []): ServiceProcess {
  const child = spawn(process.execPath, ['bin/hik-arc.js', 'run', '--config', writeTempJson(config), ...args], { stdio: 'pipe' });
  let text = '';
  const logs: Array<Record<string, unknown>> = [];
  let partial = '';
  child.stdout.on('data', (chunk: Buffer) => {
    text += chunk.toString('utf8');
    partial += chunk.toString('utf8');
    const lines = partial.split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) {
      try {
        logs.push(JSON.parse(line) as Record<string, unknown>);
      } catch {
        // not a log line
      }
    }
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8');
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  cleanups.push(async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await exited;
    }
    if (stderr.includes('"level":"fatal"')) throw new Error(stderr);
  });
  return { child, logs, stdout: () => text, stderr: () => stderr, exited };
}

export async function startArc(
  cleanups: Cleanups,
  options: { port?: number; fault?: string | ArcFault[]; key?: string } = {},
): Promise<{ receiver: Dc09Receiver; records: FrameRecord[] }> {
  const records: FrameRecord[] = [];
  const fault = typeof options.fault === 'string' ? parseFault(options.fault) : options.fault;
  const receiver = await Dc09Receiver.start({
    listen: [{ transport: 'tcp', host: '127.0.0.1', port: options.port ?? 0 }],
    key: options.key === undefined ? null : Buffer.from(options.key, 'hex'),
    ...(fault === undefined ? {} : { fault }),
    onFrame: (record) => records.push(record),
  });
  cleanups.push(() => receiver.stop());
  return { receiver, records };
}

export async function startHik(cleanups: Cleanups, options: Parameters<typeof startFakeHikReceiver>[0] = {}): Promise<FakeHikReceiver> {
  const fake = await startFakeHikReceiver({ events: EVENTS, heartbeatIntervalMs: 500, ...options });
  cleanups.push(() => fake.close());
  return fake;
}

export function serviceConfig(
  hik: FakeHikReceiver,
  arcUrl: string,
  extra: { store?: string; key?: string; supervisionSec?: number; http?: string } = {},
): Record<string, unknown> {
  return {
    receiver: { url: hik.url, username: 'admin', password: PASSWORD, account: 'AAAA', heartbeatTimeoutSec: 5, linkLossReportSec: 60 },
    arc: { primary: arcUrl, ackTimeoutMs: 1000, attempts: 2, supervisionSec: extra.supervisionSec ?? 0, key: extra.key ?? '', keyFormat: 'hex' },
    translate: { fallbackAccount: 'FFFF' },
    store: { path: extra.store ?? join(tempDir(), `run-${Date.now()}-${Math.random().toString(16).slice(2)}.db`) },
    http: { listen: extra.http ?? '' },
    log: { level: 'info' },
  };
}

export function ackedData(records: readonly FrameRecord[]): string[] {
  return records.filter((record) => record.response === 'ACK' && record.token !== 'NULL' && record.token !== '*NULL').map((record) => record.data ?? '');
}

export function httpAddress(service: ServiceProcess): string | undefined {
  const line = service.logs.find((log) => log['msg'] === 'health and metrics endpoint listening');
  return line ? String(line['address']) : undefined;
}
