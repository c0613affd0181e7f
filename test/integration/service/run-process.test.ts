// `hik-arc run` end to end as a real process: fake Hik IP Receiver Pro → hik-arc → a DC-09 receiver
// (ours, and ioBroker.sia), with the ARC down for a while, SIGKILL and restart, SIGTERM, health,
// metrics and the logs checked for secrets.

import { join } from 'node:path';
import { request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { Translator } from '../../../src/translate/index.js';
import { decodeEventDocument, StaticAccountDirectory } from '../../../src/ingest/index.js';
import { NO_FAULT, type FrameRecord } from '../../../src/transport/index.js';
import { VERSION } from '../../../src/version.js';
import { startIoBroker } from '../../helpers/dc09-iobroker.js';
import { waitFor } from '../../helpers/wait-for.js';
import { ackedData, EVENTS, httpAddress, PASSWORD, serviceConfig, startArc, startHik, startHikArc } from '../../helpers/service-process.js';
import { tempDir } from '../../helpers/temp-files.js';
import { freePort } from '../../helpers/free-port.js';

const AES_KEY = '603DEB1015CA71BE2B73AEF0857D77811F352C073B6108D72D9810A30914DFF4';
const FORWARDED = EVENTS.length - 1; // all but the heartbeat

/** How many times each ADM-CID payload must reach the ARC (several guide examples translate alike). */
function expectedPayloads(): Map<string, number> {
  const translator = new Translator({
    settings: { fallbackAccount: 'FFFF', unknownEvent: 'forward', inactive: 'drop', repeatWindowSec: 60 },
    hikAccount: 'AAAA',
    directory: new StaticAccountDirectory({}),
  });
  const counts = new Map<string, number>();
  for (const document of EVENTS) {
    const decoded = decodeEventDocument(document);
    if (decoded.kind !== 'event') continue;
    const translation = translator.translate(decoded.event);
    if (translation.forwarded) counts.set(translation.message.admCid, (counts.get(translation.message.admCid) ?? 0) + 1);
  }
  return counts;
}

/** Every expected payload arrived at least as often as expected. */
function missingPayloads(records: readonly FrameRecord[]): string[] {
  const got = new Map<string, number>();
  for (const data of ackedData(records)) got.set(data, (got.get(data) ?? 0) + 1);
  return [...expectedPayloads()].filter(([data, count]) => (got.get(data) ?? 0) < count).map(([data]) => data);
}

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
});

// Real processes and real timers: each test gets a minute.
describe('hik-arc run', { timeout: 60_000 }, () => {
  it('delivers every event of the stream to the ARC, encrypted, answers /healthz and /metrics, keeps secrets out of the logs and stops cleanly on SIGTERM', async () => {
    const arc = await startArc(cleanups, { key: AES_KEY });
    const hik = await startHik(cleanups);
    const service = startHikArc(cleanups, serviceConfig(hik, arc.receiver.url('tcp'), { key: AES_KEY, http: '127.0.0.1:0' }));
    await waitFor(() => ackedData(arc.records).length >= FORWARDED, 30_000, 'every event ACKed by the ARC');
    expect(missingPayloads(arc.records)).toEqual([]);
    expect(ackedData(arc.records)).toHaveLength(FORWARDED);
    expect(arc.records.every((record) => record.encrypted)).toBe(true);

    await waitFor(() => httpAddress(service) !== undefined, 5_000, 'the HTTP endpoint');
    const base = `http://${httpAddress(service)}`;
    const health = await request(`${base}/healthz`);
    expect(health.statusCode).toBe(200);
    expect(await health.body.json()).toMatchObject({ status: 'ok', stream: { link: 'up' }, arc: { primary: { state: 'up' } } });
    const metrics = await (await request(`${base}/metrics`)).body.text();
    expect(metrics).toMatch(new RegExp(`hik_arc_events_forwarded_total\\{via="primary"\\} ${FORWARDED}\\b`));
    expect(metrics).toMatch(/hik_arc_translate_events_total\{outcome="forwarded"\} \d+/);
    expect(metrics).toMatch(/hik_arc_ingest_heartbeats_total \d+/);
    expect(metrics).toMatch(/hik_arc_end_to_end_seconds_count \d+/);
    expect(metrics).toMatch(/hik_arc_outbox_depth 0\b/);
    expect(metrics).toMatch(/hik_arc_parse_repairs_total\{level="salvaged"\} 1\b/);
    expect(metrics).toContain(`hik_arc_build_info{version="${VERSION}",node="${process.version}"} 1\n`);
    expect(metrics).toMatch(/^process_resident_memory_bytes \d+$/m);
    expect(metrics).toMatch(/^nodejs_heap_size_used_bytes \d+$/m);

    service.child.kill('SIGTERM');
    expect(await service.exited).toBe(0);
    expect(hik.unsubscribed.length).toBe(1);
    const logs = service.stdout();
    expect(logs).not.toContain(PASSWORD);
    expect(logs.toUpperCase()).not.toContain(AES_KEY);
    expect(logs).toContain('[redacted]');
    for (const log of service.logs) expect(log['level']).not.toBe('fatal');
  });

  it('queues alarms while the ARC is unreachable, reports it unhealthy, then drains them in order', async () => {
    const port = await freePort();
    const hik = await startHik(cleanups);
    const service = startHikArc(cleanups, serviceConfig(hik, `tcp://127.0.0.1:${port}`, { supervisionSec: 1, http: '127.0.0.1:0' }));
    await waitFor(() => hik.delivered >= EVENTS.length, 20_000, 'the fake receiver to send every event');
    await waitFor(() => service.logs.some((log) => log['msg'] === 'alarm not acknowledged this round; its account waits, the others go on'), 10_000, 'a failed delivery');
    await waitFor(() => httpAddress(service) !== undefined, 5_000, 'the HTTP endpoint');
    const health = await request(`http://${httpAddress(service)}/healthz`);
    expect(health.statusCode).toBe(503);
    expect(JSON.stringify(await health.body.json())).toMatch(/no ARC path up/);

    const arc = await startArc(cleanups, { port });
    await waitFor(() => ackedData(arc.records).length >= FORWARDED, 30_000, 'the backlog to drain');
    expect(missingPayloads(arc.records)).toEqual([]);
    // Per account in the order received: the events of the guide's main device come in capture order.
    const expectedOrder = ['#FFFF|3800 00 001', '#FFFF|1349 00 000', '#FFFF|3350 00 000', '#FFFF|1904 00 001', '#FFFF|1902 00 001'];
    const delivered = ackedData(arc.records).filter((data) => expectedOrder.includes(data));
    expect(delivered.slice(0, 5)).toEqual(expectedOrder);
    service.child.kill('SIGTERM');
    expect(await service.exited).toBe(0);
  });

  it('sends every stored alarm again after SIGKILL mid-delivery (at least once)', async () => {
    const store = join(tempDir(), `kill-${Date.now()}.db`);
    const arc = await startArc(cleanups, { fault: 'delay=150' });
    const hik = await startHik(cleanups);
    const config = serviceConfig(hik, arc.receiver.url('tcp'), { store });
    const first = startHikArc(cleanups, config);
    await waitFor(() => hik.delivered >= EVENTS.length, 20_000, 'the fake receiver to send every event');
    await waitFor(() => ackedData(arc.records).length >= 5, 20_000, 'some deliveries');
    // Every event is stored well before its slow delivery; kill in the middle of it.
    await new Promise((resolve) => setTimeout(resolve, 300));
    first.child.kill('SIGKILL');
    await first.exited;
    const before = ackedData(arc.records).length;
    expect(before).toBeLessThan(FORWARDED);

    arc.receiver.setFault(NO_FAULT);
    const second = startHikArc(cleanups, config);
    await waitFor(() => second.logs.some((log) => log['msg'] === 'resuming delivery of alarms stored before the restart'), 10_000, 'the restart to resume');
    await waitFor(() => missingPayloads(arc.records).length === 0, 30_000, 'every alarm at least once');
    // At least once: the alarm in flight at the kill may come twice, nothing more.
    expect(ackedData(arc.records).length).toBeGreaterThanOrEqual(FORWARDED);
    expect(ackedData(arc.records).length).toBeLessThanOrEqual(FORWARDED + 2);
    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);
  });

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
