// `hik-arc run` as a real process delivering to ioBroker.sia, a DC-09 receiver nobody on this project
// wrote. Apart from run-process.test.ts so the interop tests run on their own.

import { afterEach, describe, expect, it } from 'vitest';
import { startIoBroker } from '../../helpers/dc09-iobroker.js';
import { waitFor } from '../../helpers/wait-for.js';
import { EVENTS, serviceConfig, startHik, startHikArc } from '../../helpers/service-process.js';

const FORWARDED = EVENTS.length - 1; // all but the heartbeat

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
});

describe('hik-arc run', { timeout: 60_000 }, () => {
  it('delivers to a receiver nobody here wrote (ioBroker.sia)', async () => {
    const hik = await startHik(cleanups);
    const iobroker = await startIoBroker({ transport: 'tcp', accounts: ['FFFF', 'AAAA', '123456'].map((accountnumber) => ({ accountnumber, aes: false })) });
    cleanups.push(() => iobroker.stop());
    const service = startHikArc(cleanups, serviceConfig(hik, iobroker.url));
    await waitFor(() => iobroker.parsed.length >= FORWARDED, 30_000, 'every event parsed and ACKed by ioBroker');
    expect(iobroker.parsed.every((message) => message.id === 'ADM-CID')).toBe(true);
    expect(iobroker.parsed.map((message) => message.data_message)).toContain('#123456|1130 00 001');
    service.child.kill('SIGTERM');
    expect(await service.exited).toBe(0);
  });
});
