// Helpers for loopback integration tests: a receiver on 127.0.0.1 port 0 that records what it got,
// and a clock skewed against the real one.

import { systemClock, type Clock } from '../../src/clock.js';
import { Dc09Receiver, type Dc09ReceiverOptions } from '../../src/transport/dc09-receiver.js';
import type { FrameRecord } from '../../src/transport/arc-answer.js';

export interface RecordingReceiver {
  readonly receiver: Dc09Receiver;
  readonly records: FrameRecord[];
}

export async function startRecordingReceiver(options: Partial<Dc09ReceiverOptions> = {}): Promise<RecordingReceiver> {
  const records: FrameRecord[] = [];
  const receiver = await Dc09Receiver.start({
    listen: [
      { transport: 'tcp', host: '127.0.0.1', port: 0 },
      { transport: 'udp', host: '127.0.0.1', port: 0 },
    ],
    ...options,
    onFrame: (record) => {
      records.push(record);
      options.onFrame?.(record);
    },
  });
  return { receiver, records };
}

/** The real clock, with wall time shifted by `offsetMs` (a transmitter whose clock is wrong). */
export function skewedClock(offsetMs: number): Clock {
  return { now: () => systemClock.now() + offsetMs, monotonic: systemClock.monotonic, setTimer: systemClock.setTimer };
}
