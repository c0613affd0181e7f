// Starts the ingest stage against a fake receiver with test-sized timings (hundreds of ms) and
// records what it delivers, its status events, its log lines and its metrics. A test that checks
// what does not happen during a wait (a login hold-off, a lock) gives the ingest and the fake one
// manual clock and moves it, instead of sleeping through the wait in real time.

import { Writable } from 'node:stream';
import { afterEach } from 'vitest';
import type { Clock } from '../../../src/clock.js';
import { createIngest, type Ingest, type IngestConsumer, type IngestItem, type IngestSettings, type IngestStatus } from '../../../src/ingest/index.js';
import { createLogger } from '../../../src/log.js';
import { MetricsRegistry } from '../../../src/metrics.js';
import { decodeEventDocument } from '../../../src/ingest/index.js';
import { startFakeHikReceiver, waitUntil, type FakeHikReceiver, type FakeHikReceiverOptions } from '../../helpers/fake-hik-receiver.js';

export { waitUntil };

export interface LogLine {
  readonly level: string;
  readonly msg: string;
  readonly code?: string;
  readonly [field: string]: unknown;
}

export interface Harness {
  readonly ingest: Ingest;
  readonly items: IngestItem[];
  readonly statuses: IngestStatus[];
  readonly logs: LogLine[];
  /** Every log line as written, to check nothing secret leaks. */
  readonly rawLog: string[];
  readonly metrics: MetricsRegistry;
  waitFor(predicate: () => boolean | Promise<boolean>, what: string, timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

export function testSettings(url: string, overrides: Partial<IngestSettings> = {}): IngestSettings {
  return {
    url,
    username: 'admin',
    password: 'hik12345',
    account: 'AAAA',
    accounts: {},
    heartbeatTimeoutMs: 400,
    authRetryMs: 1500,
    linkLossReportMs: 60_000,
    directoryRefreshMs: 60_000,
    unknownDeviceRefreshMinMs: 60_000,
    unknownDeviceWaitMs: 2000,
    requestTimeoutMs: 2000,
    stopTimeoutMs: 3000,
    reconnectBackoff: { minMs: 50, maxMs: 400, factor: 2 },
    consumerRetryBackoff: { minMs: 20, maxMs: 200, factor: 2 },
    maxPartBytes: 1024 * 1024,
    directoryPageSize: 50,
    queueHighWater: 10_000,
    directoryCachePath: null,
    caPem: null,
    certFingerprint: null,
    warnBurst: 5,
    warnWindowMs: 10_000,
    ...overrides,
  };
}

export function startIngest(
  fake: FakeHikReceiver,
  options: { settings?: Partial<IngestSettings>; consumer?: IngestConsumer; random?: () => number; clock?: Clock } = {},
): Harness {
  const items: IngestItem[] = [];
  const statuses: IngestStatus[] = [];
  const logs: LogLine[] = [];
  const rawLog: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (line.trim() === '') continue;
        rawLog.push(line);
        logs.push(JSON.parse(line) as LogLine);
      }
      done();
    },
  });
  const metrics = new MetricsRegistry();
  const consumer: IngestConsumer =
    options.consumer ??
    (async (batch) => {
      items.push(...batch);
    });
  const ingest = createIngest({
    settings: testSettings(fake.url, options.settings),
    logger: createLogger({ level: 'debug', destination: sink }),
    metrics,
    consumer: async (batch) => {
      await consumer(batch);
      if (options.consumer !== undefined) items.push(...batch);
    },
    ...(options.random === undefined ? {} : { random: options.random }),
    ...(options.clock === undefined ? {} : { clock: options.clock }),
  });
  ingest.onStatus((status) => statuses.push(status));
  ingest.start();
  return {
    ingest,
    items,
    statuses,
    logs,
    rawLog,
    metrics,
    waitFor: waitUntil,
    stop: () => ingest.stop(),
  };
}

/** A CID alarm of one device, naming no deviceID (its account comes from the device list). */
export function cidAlarmDocument(devIndex: string, options: { readonly code?: string; readonly zone?: number } = {}): string {
  return JSON.stringify({
    EventNotificationAlert: {
      dateTime: '2024-05-01T10:00:00+02:00',
      devIndex,
      eventType: 'CIDAlarm',
      eventState: 'active',
      CIDAlarm: { CIDCode: options.code ?? '1103', CIDParam: `-1,-1,${options.zone ?? 3},-1,-1,-1,-1,NONE` },
    },
  });
}

export function events(items: readonly IngestItem[]): Array<Extract<IngestItem, { kind: 'event' }>> {
  return items.filter((item): item is Extract<IngestItem, { kind: 'event' }> => item.kind === 'event');
}

/**
 * Documents grouped by device (devIndex, else serial, else none), each group in the order given.
 * The order ingest keeps: an event of a device the list does not know yet waits aside for the list
 * (alarms of known devices go on meanwhile), so order holds per device, not across devices.
 */
export function perDevice(documents: readonly string[]): Record<string, string[]> {
  const groups: Record<string, string[]> = {};
  for (const document of documents) {
    const decoded = decodeEventDocument(document);
    const device = decoded.kind === 'event' ? (decoded.event.devIndex ?? decoded.event.deviceSerial ?? 'none').toLowerCase() : 'none';
    const group = groups[device] ?? [];
    groups[device] = group;
    group.push(document);
  }
  return groups;
}

export type IngestOptionsForTest = Parameters<typeof startIngest>[1];

export interface ReceiverSuite {
  /** Starts a fake receiver (heartbeat every 100 ms unless told) and an ingest stage on it. */
  setup(options?: FakeHikReceiverOptions, ingest?: IngestOptionsForTest): Promise<{ fake: FakeHikReceiver; harness: Harness }>;
  /** Hands a harness or fake started by the test itself to the suite, to be stopped after it. */
  track(started: { fake?: FakeHikReceiver; harness?: Harness }): void;
}

/** Per test: one fake receiver and one ingest stage, both stopped after the test whatever happens. */
export function receiverSuite(): ReceiverSuite {
  let fake: FakeHikReceiver | undefined;
  let harness: Harness | undefined;
  afterEach(async () => {
    await harness?.stop();
    await fake?.close();
    harness = undefined;
    fake = undefined;
  });
  return {
    async setup(options = {}, ingest = {}) {
      fake = await startFakeHikReceiver({ heartbeatIntervalMs: 100, ...options });
      harness = startIngest(fake, ingest);
      return { fake, harness };
    },
    track(started) {
      if (started.fake !== undefined) fake = started.fake;
      if (started.harness !== undefined) harness = started.harness;
    },
  };
}
