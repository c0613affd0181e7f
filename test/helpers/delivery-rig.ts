// The delivery core as a test drives it over real sockets: an in-memory outbox, ArcDelivery with
// the real connector, and `send` resolving with the outcome of an alarm's first round.

import { systemClock, type Clock } from '../../src/clock.js';
import { MetricsRegistry } from '../../src/metrics.js';
import { createMemoryOutbox, type Outbox } from '../../src/outbox/index.js';
import { ArcDelivery, type ArcSettings, type DispatchOutcome, type PathStateChange } from '../../src/transport/index.js';
import type { AlarmPayload } from '../../src/transport/event-message.js';

export interface DeliveryRig {
  readonly outbox: Outbox;
  readonly delivery: ArcDelivery;
  readonly metrics: MetricsRegistry;
  readonly outcomes: DispatchOutcome[];
  readonly changes: PathStateChange[];
  /** Stores the alarm; resolves with the outcome of its first round. */
  send(alarm: AlarmPayload): Promise<DispatchOutcome>;
  stop(): Promise<void>;
}

export interface DeliveryRigOptions {
  readonly key?: Uint8Array | null;
  readonly clock?: Clock;
  readonly supervisionAccount?: string;
  readonly whenUndelivered?: 'retry' | 'dead-letter';
}

export const RIG_DEFAULTS: Omit<ArcSettings, 'primary'> = {
  secondary: '',
  format: 'adm-cid',
  receiverNumber: '0',
  linePrefix: '0',
  key: '',
  keyFormat: 'hex',
  ackTimeoutMs: 1_000,
  attempts: 3,
  supervisionSec: 0,
  maxInFlight: 64,
  connections: 0,
};

export function deliveryRig(arc: Partial<ArcSettings> & { readonly primary: string }, options: DeliveryRigOptions = {}): DeliveryRig {
  const clock = options.clock ?? systemClock;
  const metrics = new MetricsRegistry();
  const outbox = createMemoryOutbox({ clock });
  const outcomes: DispatchOutcome[] = [];
  const changes: PathStateChange[] = [];
  const waiting = new Map<number, (outcome: DispatchOutcome) => void>();
  const delivery = new ArcDelivery(
    { ...RIG_DEFAULTS, ...arc },
    {
      outbox,
      destination: 'arc',
      decode: (entry) => JSON.parse(entry.payload) as AlarmPayload,
      supervisionAccount: options.supervisionAccount ?? '',
      key: options.key ?? null,
      clock,
      metrics,
      whenUndelivered: options.whenUndelivered ?? 'dead-letter',
      onPathState: (change) => changes.push(change),
      onOutcome: (outcome) => {
        outcomes.push(outcome);
        const resolve = waiting.get(outcome.entry.id);
        waiting.delete(outcome.entry.id);
        resolve?.(outcome);
      },
    },
  );
  delivery.start();
  return {
    outbox,
    delivery,
    metrics,
    outcomes,
    changes,
    async send(alarm) {
      const [id] = await outbox.append([{ destination: 'arc', account: alarm.account, receivedAt: clock.now(), payload: JSON.stringify(alarm) }]);
      const outcome = new Promise<DispatchOutcome>((resolve) => waiting.set(id as number, resolve));
      delivery.poke();
      return outcome;
    },
    async stop() {
      await delivery.stop(0);
      await outbox.close();
    },
  };
}
