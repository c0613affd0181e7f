import { describe, expect, it } from 'vitest';
import { advanceSequence, isMessageSequence, nextSequence, SequenceCounters } from '../../../src/outbox/sequence.js';

describe('DC-09 sequence numbers (docs/dc09.md §Sequence numbers)', () => {
  it('runs 9998, 9999, 0001, 0002 (DC-09-2007 Annex C)', () => {
    expect([9998, 9999, 1].map(nextSequence)).toEqual([9999, 1, 2]);
  });

  it('starts at 0001 and never hands out 0000', () => {
    expect(nextSequence(0)).toBe(1);
    expect(nextSequence(-5)).toBe(1);
    expect(nextSequence(12_345)).toBe(1);
    expect(isMessageSequence(0)).toBe(false);
    expect(isMessageSequence(10_000)).toBe(false);
    expect(isMessageSequence(1.5)).toBe(false);
  });

  it('advances by many steps with the same wrap', () => {
    expect(advanceSequence(9998, 1)).toBe(9999);
    expect(advanceSequence(9999, 1)).toBe(1);
    expect(advanceSequence(9950, 100)).toBe(51);
    expect(advanceSequence(0, 100)).toBe(100);
    expect(advanceSequence(0, 0)).toBe(0);
    expect(advanceSequence(17, 9999)).toBe(17);
    let stepwise = 9990;
    for (let i = 0; i < 25; i++) stepwise = nextSequence(stepwise);
    expect(advanceSequence(9990, 25)).toBe(stepwise);
  });

  it('counts per destination and account, and continues from a stored number', () => {
    const counters = new SequenceCounters([['arc\u00001234', 9998]]);
    expect([counters.allocate('arc', '1234'), counters.allocate('arc', '1234'), counters.allocate('arc', '1234')]).toEqual([9999, 1, 2]);
    expect([counters.allocate('arc', '5678'), counters.allocate('arc', '5678')]).toEqual([1, 2]);
    expect(counters.allocate('other', '1234')).toBe(1);
    // Accounts are hex: case does not make a second counter.
    expect(counters.allocate('arc', 'abcd')).toBe(1);
    expect(counters.allocate('arc', 'ABCD')).toBe(2);
  });

  it('hands out each counter to persist once, and again after a failed write', () => {
    const counters = new SequenceCounters();
    counters.allocate('arc', '1234');
    counters.allocate('arc', '1234');
    const dirty = counters.takeDirty();
    expect(dirty).toEqual([['arc\u00001234', 2]]);
    expect(counters.takeDirty()).toEqual([]);
    counters.restoreDirty(dirty);
    expect(counters.takeDirty()).toEqual([['arc\u00001234', 2]]);
  });

  it('wraps after 9999 numbers without repeating one inside a cycle', () => {
    const counters = new SequenceCounters();
    const seen = new Set<number>();
    for (let i = 0; i < 9999; i++) seen.add(counters.allocate('arc', '1234'));
    expect(seen.size).toBe(9999);
    expect(counters.allocate('arc', '1234')).toBe(1);
  });

  it('skips every counter ahead after an unclean stop', () => {
    const counters = new SequenceCounters([
      ['arc\u00001234', 9950],
      ['arc\u00005678', 3],
    ]);
    counters.skipAll(100);
    expect(counters.current('arc', '1234')).toBe(51);
    expect(counters.current('arc', '5678')).toBe(103);
  });
});
