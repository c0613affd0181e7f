// One run's world, drawn from its seed: the configuration, the events and when they come, and the
// fault schedule (receivers, store, crashes, clock steps). Everything is decided here, up front,
// from the seed alone; the harness then plays it against the real code.

import type { ArcSettings } from '../../src/transport/arc-delivery.js';
import { STANDARD } from '../../src/transport/dc09-deviations.js';
import { STORE_FAULTS, type StoreEpisode } from './fault-storage.js';
import type { Prng } from './prng.js';
import { ARC_FAULTS, type ArcFault, type FaultEpisode } from './sim-arc.js';

export interface EventBatch {
  readonly at: number;
  /** Events handed to the pipeline in one call (a burst is one call across many accounts). */
  readonly items: ReadonlyArray<{ readonly account: string; readonly zone: number }>;
}

export interface PathScenario {
  readonly transport: 'tcp' | 'udp';
  readonly episodes: readonly FaultEpisode[];
  readonly skewMs: number;
}

export interface Scenario {
  /** Standard DC-09 on both paths: the deviations are tested on their own. */
  readonly arc: ArcSettings & { readonly deviations: NonNullable<ArcSettings['deviations']> };
  readonly supervisionAccount: string;
  readonly primary: PathScenario;
  readonly secondary: PathScenario | null;
  readonly latencyMs: number;
  readonly store: 'memory' | 'sqlite';
  readonly maxUnstored: number | undefined;
  readonly storeEpisodes: readonly StoreEpisode[];
  readonly batches: readonly EventBatch[];
  /** Crash times, each with how long the process stays down. */
  readonly crashes: ReadonlyArray<{ readonly at: number; readonly downMs: number }>;
  readonly clockSteps: ReadonlyArray<{ readonly at: number; readonly stepMs: number }>;
  /** Faults stop here; then the run drains. */
  readonly faultEnd: number;
  readonly accounts: readonly string[];
}

export const KEY_HEX = '000102030405060708090A0B0C0D0E0F';
const MINUTE = 60_000;
// Our clock may be stepped by at most this in total: a receiver that checks timestamps NAKs us with
// its time, which the transport adopts up to an hour away (CLOCK_ADOPT_LIMIT_MS); beyond an hour the
// installer must fix NTP (docs/simulation.md).
const MAX_TOTAL_STEP_MS = 45 * MINUTE;

// Faults that may hit some accounts only (an ARC that refuses or ignores a few accounts).
const PER_ACCOUNT: ReadonlySet<ArcFault> = new Set<ArcFault>(['ack-delay', 'nak', 'nak-far', 'duh', 'bare', 'silent', 'close-after-accept', 'bogus']);

function episodes(prng: Prng, faultEnd: number, accounts: readonly string[], ackTimeoutMs: number, count: number): FaultEpisode[] {
  const out: FaultEpisode[] = [];
  for (let i = 0; i < count; i++) {
    const kind = prng.pick(ARC_FAULTS);
    const from = prng.int(0, faultEnd - 1);
    const to = Math.min(faultEnd, from + prng.pick([200, 1_000, 5_000, 20_000, 60_000, 180_000]));
    const some = PER_ACCOUNT.has(kind) && prng.chance(0.4);
    const chosen = some ? new Set(Array.from({ length: prng.int(1, 3) }, () => prng.pick(accounts).toUpperCase())) : undefined;
    const rate = prng.pick([1, 1, 0.5, 0.1]);
    const maxDelayMs = prng.pick([50, 300, 1_000, 3_000, Math.round(ackTimeoutMs * 1.5)]);
    out.push({ kind, from, to, rate, maxDelayMs, ...(chosen === undefined ? {} : { accounts: chosen }) });
  }
  if (prng.chance(0.12)) {
    // Flapping: refused, accepted, refused... in short spells.
    let at = prng.int(0, faultEnd - 1);
    const until = Math.min(faultEnd, at + prng.int(10_000, 120_000));
    while (at < until) {
      const down = prng.int(200, 5_000);
      out.push({ kind: prng.pick(['refuse', 'drop-connections', 'blackhole'] as const), from: at, to: Math.min(until, at + down), rate: 1 });
      at += down + prng.int(200, 8_000);
    }
  }
  return out;
}

export function drawScenario(prng: Prng): Scenario {
  const accountCount = prng.pick([1, 2, 3, 8, 20, 40]);
  const accounts = Array.from({ length: accountCount }, (_, i) => String(1000 + i * 7));
  const faultEnd = prng.int(20_000, 300_000);
  const ackTimeoutMs = prng.pick([1_000, 2_000, 5_000, 10_000]);
  const maxInFlight = prng.pick([1, 2, 4, 8, 32, 64]);
  const hasSecondary = prng.chance(0.75);
  const supervisionSec = prng.chance(0.3) ? prng.int(5, 60) : 0;
  const arc: Scenario['arc'] = {
    primary: 'tcp://primary.sim:1',
    secondary: hasSecondary ? 'tcp://secondary.sim:2' : '',
    format: prng.pick(['adm-cid', 'sia-dcs'] as const),
    receiverNumber: '1',
    linePrefix: '1',
    key: prng.chance(0.25) ? KEY_HEX : '',
    keyFormat: 'hex',
    ackTimeoutMs,
    attempts: prng.int(1, 3),
    supervisionSec,
    maxInFlight,
    connections: prng.pick([0, 0, 1, 2, 4]),
    deviations: { primary: STANDARD, secondary: STANDARD },
  };
  const faulty = prng.chance(0.9);
  const path = (name: 'primary' | 'secondary'): PathScenario => {
    const transport = prng.chance(0.75) ? 'tcp' : 'udp';
    const count = faulty ? prng.int(0, name === 'primary' ? 6 : 4) : 0;
    return { transport, episodes: episodes(prng, faultEnd, accounts, ackTimeoutMs, count), skewMs: prng.chance(0.2) ? prng.int(-10 * MINUTE, 10 * MINUTE) : 0 };
  };
  const primary = path('primary');
  const secondary = hasSecondary ? path('secondary') : null;
  const storeEpisodes: StoreEpisode[] = [];
  for (let i = faulty ? prng.int(0, 3) : 0; i > 0; i--) {
    const from = prng.int(0, faultEnd - 1);
    storeEpisodes.push({
      kind: prng.pick(STORE_FAULTS),
      from,
      to: Math.min(faultEnd, from + prng.pick([100, 1_000, 5_000, 30_000])),
      maxDelayMs: prng.pick([50, 500, 2_000]),
    });
  }
  // Events: a trickle, with bursts across many accounts in one call.
  const zones = new Map<string, number>();
  const nextZone = (account: string): number | null => {
    const zone = (zones.get(account) ?? 0) + 1;
    if (zone > 999) return null;
    zones.set(account, zone);
    return zone;
  };
  const batches: EventBatch[] = [];
  const eventCount = prng.int(5, 250);
  let made = 0;
  const eventsEnd = Math.max(1, Math.floor(faultEnd * 0.8));
  while (made < eventCount) {
    const at = prng.int(0, eventsEnd);
    const size = prng.chance(0.15) ? prng.int(5, 80) : 1;
    const items: Array<{ account: string; zone: number }> = [];
    for (let i = 0; i < size && made < eventCount; i++) {
      const account = prng.pick(accounts);
      const zone = nextZone(account);
      if (zone === null) continue;
      items.push({ account, zone });
      made++;
    }
    batches.push({ at, items });
  }
  batches.sort((a, b) => a.at - b.at);
  const crashes: Array<{ at: number; downMs: number }> = [];
  for (let i = faulty ? prng.pick([0, 0, 1, 1, 2, 3]) : 0; i > 0; i--)
    crashes.push({ at: prng.int(0, faultEnd - 1), downMs: prng.pick([0, 100, 2_000, 10_000]) });
  crashes.sort((a, b) => a.at - b.at);
  const clockSteps: Array<{ at: number; stepMs: number }> = [];
  let total = 0;
  for (let i = faulty ? prng.pick([0, 0, 0, 1, 2]) : 0; i > 0; i--) {
    const room = MAX_TOTAL_STEP_MS - Math.abs(total);
    const stepMs = prng.pick([-1, 1]) * prng.int(1_000, Math.max(1_000, room));
    if (Math.abs(total + stepMs) > MAX_TOTAL_STEP_MS) continue;
    total += stepMs;
    clockSteps.push({ at: prng.int(0, faultEnd - 1), stepMs });
  }
  clockSteps.sort((a, b) => a.at - b.at);
  return {
    arc,
    supervisionAccount: 'FFFE',
    primary,
    secondary,
    latencyMs: prng.pick([0, 2, 20, 100]),
    store: prng.chance(0.1) ? 'sqlite' : 'memory',
    maxUnstored: prng.chance(0.2) ? prng.int(5, 50) : undefined,
    storeEpisodes,
    batches,
    crashes,
    clockSteps,
    faultEnd,
    accounts,
  };
}

/** One line describing a scenario, for reports. */
export function describeScenario(scenario: Scenario): string {
  const events = scenario.batches.reduce((sum, batch) => sum + batch.items.length, 0);
  const kinds = (episodes: readonly FaultEpisode[]): string =>
    [...new Set(episodes.map((episode) => episode.kind + (episode.accounts ? '@' : '')))].join(',') || 'none';
  return [
    `${events} events/${scenario.accounts.length} accounts`,
    `attempts ${scenario.arc.attempts} ackTimeout ${scenario.arc.ackTimeoutMs} window ${scenario.arc.maxInFlight} conns ${scenario.arc.connections}`,
    `primary ${scenario.primary.transport} [${kinds(scenario.primary.episodes)}]${scenario.primary.skewMs ? ` skew ${scenario.primary.skewMs}` : ''}`,
    scenario.secondary
      ? `secondary ${scenario.secondary.transport} [${kinds(scenario.secondary.episodes)}]${scenario.secondary.skewMs ? ` skew ${scenario.secondary.skewMs}` : ''}`
      : 'no secondary',
    `store ${scenario.store} [${scenario.storeEpisodes.map((episode) => episode.kind).join(',') || 'none'}]${scenario.maxUnstored === undefined ? '' : ` maxUnstored ${scenario.maxUnstored}`}`,
    `crashes ${scenario.crashes.length}, clock steps ${scenario.clockSteps.map((step) => Math.round(step.stepMs / 1000)).join('/') || 'none'}`,
    scenario.arc.key ? 'encrypted' : 'clear',
    scenario.arc.supervisionSec ? `NULL every ${scenario.arc.supervisionSec} s` : 'no NULL tests',
  ].join('; ');
}
