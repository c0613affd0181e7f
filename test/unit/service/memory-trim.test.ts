import { describe, expect, it } from 'vitest';
import { createLogger } from '../../../src/log.js';
import { MemoryTrim } from '../../../src/service/memory-trim.js';
import { ManualClock } from '../../helpers/manual-clock.js';

const MB = 2 ** 20;

// A heap like V8's: a collection frees the garbage at once, but gives back only part of the
// committed pages each time (here half of what is above `committedFloorMb`).
function harness(options: { startHeapMb: number; collectTo: number; withGc?: boolean; committedFloorMb?: number }) {
  const clock = new ManualClock();
  const lines: Array<Record<string, unknown>> = [];
  const logger = createLogger({ level: 'info', destination: { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) } });
  let heap = options.startHeapMb * MB;
  let committed = heap;
  const floor = (options.committedFloorMb ?? options.collectTo) * MB;
  let collections = 0;
  let lastActivityAt = clock.now();
  const trim = new MemoryTrim({
    clock,
    logger,
    lastActivityAt: () => lastActivityAt,
    heap: () => ({ used: heap, committed }),
    collect:
      options.withGc === false
        ? undefined
        : () => {
            collections++;
            heap = options.collectTo * MB;
            committed = Math.max(floor, heap, floor + (committed - floor) / 2);
          },
  });
  return {
    clock,
    lines,
    trim,
    setHeapMb: (mb: number) => {
      heap = mb * MB;
      committed = Math.max(committed, heap);
    },
    committedMb: () => committed / MB,
    activity: () => (lastActivityAt = clock.now()),
    collections: () => collections,
  };
}

describe('MemoryTrim', () => {
  it('collects once the stream has been quiet and the heap has grown well past its resting size', async () => {
    const h = harness({ startHeapMb: 20, collectTo: 24 });
    h.trim.start();
    h.setHeapMb(120);
    h.activity();
    await h.clock.advance(5_000);
    expect(h.collections()).toBe(0); // a burst may still be arriving: never pause it
    await h.clock.advance(30_000);
    // 120 → 24 used; committed 120 → 72 → 48 → 36 → 30 (the fourth still gave back a tenth, and four is the cap)
    expect(h.collections()).toBe(4);
    expect(h.lines).toContainEqual(
      expect.objectContaining({
        msg: 'memory given back after a burst',
        heapBeforeMb: 120,
        heapAfterMb: 24,
        committedBeforeMb: 120,
        committedAfterMb: 30,
        collections: 4,
      }),
    );
    // The new resting size is what the collections left: nothing more to give back.
    await h.clock.advance(180_000);
    expect(h.collections()).toBe(4);
    h.trim.stop();
    expect(h.clock.pendingTimers).toBe(0);
  });

  it('stops collecting once a collection no longer shrinks the committed heap', async () => {
    const h = harness({ startHeapMb: 20, collectTo: 20, committedFloorMb: 60 });
    h.setHeapMb(100);
    await h.clock.advance(10_000);
    expect(h.trim.check()).toBe(true);
    // committed 100 → 80 → 70 → 65: the third gave back less than a tenth, so no fourth
    expect(h.collections()).toBe(3);
    expect(h.committedMb()).toBeCloseTo(65);
  });

  it('leaves a heap that grew only a little alone', () => {
    const h = harness({ startHeapMb: 20, collectTo: 20 });
    h.setHeapMb(45); // more than twice, but under the 32 MB floor
    expect(h.trim.check()).toBe(false);
    const big = harness({ startHeapMb: 100, collectTo: 100 });
    big.setHeapMb(150); // 50 MB more, but not twice
    expect(big.trim.check()).toBe(false);
    expect(h.collections() + big.collections()).toBe(0);
  });

  it('waits for quiet: a steady stream keeps it from pausing the service', async () => {
    const h = harness({ startHeapMb: 20, collectTo: 20 });
    h.trim.start();
    h.setHeapMb(200);
    for (let second = 0; second < 300; second += 3) {
      h.activity();
      await h.clock.advance(3_000);
    }
    expect(h.collections()).toBe(0);
    h.trim.stop();
  });

  it('does nothing, and schedules nothing, when node runs without --expose-gc', () => {
    const h = harness({ startHeapMb: 20, collectTo: 20, withGc: false });
    h.setHeapMb(500);
    expect(h.trim.enabled).toBe(false);
    h.trim.start();
    expect(h.clock.pendingTimers).toBe(0);
    expect(h.trim.check()).toBe(false);
  });
});
