// A break of the stream while the next stage is behind: what the receiver sent before the drop was
// received by this process, so it must reach the consumer, every event once, whatever the pace.

import { describe, expect, it } from 'vitest';
import type { IngestItem } from '../../../src/ingest/index.js';
import { makeDevices } from '../../helpers/fake-hik-receiver.js';
import { counted } from '../../helpers/metric-values.js';
import { cidAlarmDocument, events, receiverSuite } from './ingest-harness.js';

const { setup } = receiverSuite();
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

const DEVICES = makeDevices(2);

describe('a stream that breaks while the consumer is slow', () => {
  it('every event sent before a drop mid-part reaches a consumer taking 200 ms per event: none lost, none repeated', async () => {
    const documents = Array.from({ length: 8 }, (_, zone) => cidAlarmDocument(DEVICES[zone % 2]?.devIndex ?? '', { code: '1130', zone: zone + 1 }));
    const { fake, harness } = await setup(
      { devices: DEVICES, events: documents, faults: [{ type: 'drop-mid-part', afterEvents: 6 }] },
      {
        // One item in the queue at most: the stream is read only as fast as the consumer takes events.
        settings: { queueHighWater: 1, heartbeatTimeoutMs: 1000 },
        consumer: async (batch: readonly IngestItem[]) => {
          await sleep(200 * batch.length);
        },
      },
    );
    // The second stream's events come after everything of the first (one stream at a time, in order).
    await harness.waitFor(() => events(harness.items).filter((item) => item.subscriptionId !== '5939').length >= 2, 'the events of the second stream', 15_000);
    // The first stream wrote 6 whole events, then half of the 7th, then died; the fake counts the
    // 6 as delivered and sends only the 7th and 8th on the second stream.
    expect(fake.streams[0]?.eventsSent).toBe(6);
    expect(fake.subscribeCount()).toBe(2);
    const raws = events(harness.items).map((item) => item.raw);
    expect(raws).toHaveLength(documents.length);
    expect([...raws].sort()).toEqual([...documents].sort());
    expect(events(harness.items).filter((item) => item.subscriptionId === '5939')).toHaveLength(6);
    expect(harness.statuses.filter((status) => status.type === 'stream-lost').map((status) => status.type === 'stream-lost' && status.reason)).toEqual([
      'network',
    ]);
    // the half part is quarantined, never delivered
    expect(await counted(harness.metrics, 'hik_arc_ingest_parts_quarantined_total', { code: 'HIKARC_MULTIPART_TRUNCATED_PART' })).toBe(1);
  }, 20_000);
});
