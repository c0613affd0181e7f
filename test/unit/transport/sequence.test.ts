import { describe, expect, it } from 'vitest';
import { isMessageSequence, MemorySequenceAllocator, nextSequence } from '../../../src/transport/sequence.js';

describe('DC-09 sequence numbers (reference §1.5)', () => {
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

  it('counts per destination and continues from a stored number', () => {
    const allocator = new MemorySequenceAllocator({ primary: 9998 });
    expect([allocator.next('primary'), allocator.next('primary'), allocator.next('primary')]).toEqual([9999, 1, 2]);
    expect([allocator.next('secondary'), allocator.next('secondary')]).toEqual([1, 2]);
  });

  it('wraps after 9999 numbers without repeating one inside a cycle', () => {
    const allocator = new MemorySequenceAllocator();
    const seen = new Set<number>();
    for (let i = 0; i < 9999; i++) seen.add(allocator.next('primary'));
    expect(seen.size).toBe(9999);
    expect(allocator.next('primary')).toBe(1);
  });
});
