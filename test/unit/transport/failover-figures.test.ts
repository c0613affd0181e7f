// The worst case before failover to the backup ARC: computed from the default config by
// failoverFigures, checked against the delivery itself on the manual clock, and against what the
// README states (docs/delivery.md §Failover and recovery).

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SETTINGS } from '../../../src/config/schema.js';
import { MetricsRegistry } from '../../../src/metrics.js';
import { createMemoryOutbox } from '../../../src/outbox/index.js';
import { ArcDelivery, type ArcSettings, type DispatchOutcome } from '../../../src/transport/index.js';
import { failoverFigures } from '../../../src/transport/delivery-policy.js';
import { ackTimeoutFor } from '../../../src/transport/destination.js';
import type { AlarmPayload } from '../../../src/transport/event-message.js';
import { FakeArc, flush, ManualClock } from '../../helpers/dc09-fakes.js';

const DEFAULTS: Omit<ArcSettings, 'primary' | 'secondary'> = {
  format: SETTINGS.arc.format.default,
  receiverNumber: SETTINGS.arc.receiverNumber.default,
  linePrefix: SETTINGS.arc.linePrefix.default,
  key: SETTINGS.arc.key.default,
  keyFormat: SETTINGS.arc.keyFormat.default,
  ackTimeoutMs: SETTINGS.arc.ackTimeoutMs.default,
  attempts: SETTINGS.arc.attempts.default,
  supervisionSec: SETTINGS.arc.supervisionSec.default,
  maxInFlight: SETTINGS.arc.maxInFlight.default,
  connections: SETTINGS.arc.connections.default,
};

function figuresFor(arc: Pick<ArcSettings, 'ackTimeoutMs' | 'attempts' | 'supervisionSec'>, transport: 'tcp' | 'udp' = 'tcp') {
  return failoverFigures({ ackTimeoutMs: ackTimeoutFor(transport, arc.ackTimeoutMs), attempts: arc.attempts, supervisionSec: arc.supervisionSec });
}

/** A primary that accepts connections and never answers, a secondary that acknowledges. */
function silentPrimary(arc: Omit<ArcSettings, 'primary' | 'secondary'>) {
  const clock = new ManualClock();
  const primary = new FakeArc(clock, null);
  const secondary = new FakeArc(clock, null);
  const outbox = createMemoryOutbox({ clock });
  const outcomes = new Map<number, (outcome: DispatchOutcome) => void>();
  const delivery = new ArcDelivery(
    { ...arc, primary: 'tcp://primary.test:1', secondary: 'tcp://secondary.test:2' },
    {
      outbox,
      destination: 'arc',
      decode: (entry) => JSON.parse(entry.payload) as AlarmPayload,
      supervisionAccount: '9000',
      clock,
      metrics: new MetricsRegistry(),
      key: null,
      random: () => 1,
      connect: (address, handlers, options) => (address.port === 1 ? primary : secondary).connect(address, handlers, options),
      onOutcome: (outcome) => outcomes.get(outcome.entry.id)?.(outcome),
    },
  );
  delivery.start();
  const pathState = () => delivery.status().find((status) => status.destination === 'primary')?.state;
  async function send(account: string): Promise<DispatchOutcome> {
    const payload: AlarmPayload = { account, admCid: `#${account}|1130 01 015`, siaDcs: `#${account}|Nri1/BA015`, videoUrl: null };
    const [id] = await outbox.append([{ destination: 'arc', account, receivedAt: clock.now(), payload: JSON.stringify(payload) }]);
    const outcome = new Promise<DispatchOutcome>((resolve) => outcomes.set(id as number, resolve));
    delivery.poke();
    let result: DispatchOutcome | undefined;
    void outcome.then((value) => (result = value));
    await flush();
    for (let elapsed = 0; result === undefined && elapsed < 600_000; elapsed += 100) await clock.advance(100);
    if (result === undefined) throw new Error('no outcome');
    return result;
  }
  return { clock, primary, delivery, pathState, send };
}

describe('worst case before failover to the backup ARC', () => {
  it('defaults: NULL supervision on, with an interval well below a 180 s reporting time', () => {
    expect(DEFAULTS.supervisionSec).toBeGreaterThan(0);
    expect(DEFAULTS.supervisionSec).toBeLessThanOrEqual(90);
  });

  it.each([
    ['supervision on (the defaults)', DEFAULTS],
    ['supervision off', { ...DEFAULTS, supervisionSec: 0 }],
  ] as const)('an alarm on a silent primary reaches the secondary after the computed figure: %s', async (_name, arc) => {
    const { primary, send } = silentPrimary(arc);
    primary.answer = () => 'silent';
    const outcome = await send('1234');
    if (outcome.outcome !== 'acked') throw new Error(outcome.detail);
    expect(outcome.via).toBe('secondary');
    const { alarmMs } = figuresFor(arc);
    // The figure is the worst case and a tight one: within the clock's 100 ms steps.
    expect(outcome.roundMs).toBeLessThanOrEqual(alarmMs + 200);
    expect(outcome.roundMs).toBeGreaterThanOrEqual(alarmMs - 200);
  });

  it('an idle primary that goes silent is down within the idle interval and one timeout', async () => {
    const { clock, primary, pathState, send } = silentPrimary(DEFAULTS);
    expect((await send('1234')).outcome).toBe('acked');
    expect(pathState()).toBe('up');
    primary.answer = () => 'silent';
    const { idleDetectMs } = figuresFor(DEFAULTS);
    if (idleDetectMs === null) throw new Error('NULL tests are off by default');
    await clock.advance(idleDetectMs - 1_000);
    expect(pathState()).toBe('up');
    await clock.advance(1_200);
    expect(pathState()).toBe('down');
  });

  it('the README states the figures of the defaults', () => {
    const readme = readFileSync('README.md', 'utf8');
    const on = figuresFor(DEFAULTS);
    const udp = figuresFor(DEFAULTS, 'udp');
    const off = figuresFor({ ...DEFAULTS, supervisionSec: 0 });
    const section = readme.slice(readme.indexOf('**Worst case before failover to the backup ARC, for the defaults**'));
    expect(section).toContain(`\`arc.attempts\` ${DEFAULTS.attempts}, \`arc.supervisionSec\` ${DEFAULTS.supervisionSec}`);
    expect(section).toContain(`an alarm waits at most **${on.alarmMs / 1000} s**`);
    expect(section).toContain(`(over UDP, with ${ackTimeoutFor('udp', 0) / 1000} s timeouts: ${udp.alarmMs / 1000} s)`);
    expect(section).toContain(`known down within **${(on.idleDetectMs ?? 0) / 1000} s**`);
    expect(section).toContain(`the worst case is **${off.alarmMs / 1000} s**`);
  });
});
