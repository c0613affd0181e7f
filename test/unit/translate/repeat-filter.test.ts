// The repeat filter's memory stays bounded in a storm, and pruning never suppresses a new alarm.

import { describe, expect, it } from 'vitest';
import { RepeatFilter } from '../../../src/translate/repeat-filter.js';
import { ManualClock } from '../../helpers/manual-clock.js';

const key = (account: string, zone: number) => ({ account, qualifier: 1 as const, code: 130, partition: 1, zone });

describe('RepeatFilter', () => {
  it('forgets keys once the window has passed', async () => {
    const clock = new ManualClock();
    const filter = new RepeatFilter(60_000, clock);
    for (let i = 0; i < 30_000; i++) filter.check(key(`A${i % 300}`, Math.floor(i / 300)), 1);
    expect(filter.size).toBe(30_000);
    await clock.advance(61_000);
    // The next sweep (when the count has doubled) drops every expired A key.
    for (let i = 0; i <= 30_000; i++) filter.check(key(`B${i % 300}`, Math.floor(i / 300)), 1);
    expect(filter.size).toBe(30_001);
  });

  it('keeps no more than its cap when every key is live, without ever suppressing a first alarm', () => {
    const clock = new ManualClock();
    const filter = new RepeatFilter(60_000, clock);
    let suppressed = 0;
    for (let i = 0; i < 250_000; i++) if (filter.check(key(`C${i % 2_500}`, Math.floor(i / 2_500)), 5)) suppressed++;
    expect(filter.size).toBeLessThanOrEqual(200_000);
    // every key is new the first time it is seen; the cap may only make repeats go through again
    expect(suppressed).toBe(0);
  });

  it('suppresses a repeat of a key it still holds', () => {
    const filter = new RepeatFilter(60_000, new ManualClock());
    expect(filter.check(key('D', 1), 1)).toBe(false);
    expect(filter.check(key('D', 1), 2)).toBe(true);
    expect(filter.check({ ...key('D', 1), qualifier: 3 }, 2)).toBe(false);
  });
});
