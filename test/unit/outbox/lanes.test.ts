// The lane index against a plain model of it, under random operations: claims oldest first, one
// per account, retry delays, releases, removals and requeued older ids.

import { describe, expect, it } from 'vitest';
import { LaneIndex } from '../../../src/outbox/lanes.js';

interface ModelEntry {
  readonly id: number;
  readonly account: string;
}

class Model {
  readonly pending: ModelEntry[] = [];
  readonly leased = new Set<string>();
  readonly retryAt = new Map<string, number>();

  head(account: string): ModelEntry | undefined {
    return this.pending.filter((entry) => entry.account === account).sort((a, b) => a.id - b.id)[0];
  }

  lease(limit: number, now: number): number[] {
    const accounts = [...new Set(this.pending.map((entry) => entry.account))];
    const ready = accounts
      .filter((account) => !this.leased.has(account) && (this.retryAt.get(account) ?? 0) <= now)
      .map((account) => this.head(account) as ModelEntry)
      .sort((a, b) => a.id - b.id)
      .slice(0, limit);
    for (const entry of ready) this.leased.add(entry.account);
    return ready.map((entry) => entry.id);
  }
}

function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

describe('lane index', () => {
  it.each([1, 2, 3, 4, 5])('behaves like the plain model under random operations (seed %i)', (seed) => {
    const rand = random(seed);
    const index = new LaneIndex();
    const model = new Model();
    let nextId = 1;
    let now = 0;
    const accounts = ['A', 'B', 'C', 'D', 'E', 'F'];
    const leasedIds = new Set<number>();
    for (let step = 0; step < 3_000; step++) {
      const roll = rand();
      now += Math.floor(rand() * 50);
      if (roll < 0.35) {
        const account = accounts[Math.floor(rand() * accounts.length)] as string;
        const id = nextId++;
        index.add('arc', account.toLowerCase(), id);
        model.pending.push({ id, account });
      } else if (roll < 0.6) {
        const limit = 1 + Math.floor(rand() * 4);
        const got = index.lease('arc', limit, now);
        expect(got).toEqual(model.lease(limit, now));
        for (const id of got) leasedIds.add(id);
      } else if (leasedIds.size > 0) {
        const id = [...leasedIds][Math.floor(rand() * leasedIds.size)] as number;
        leasedIds.delete(id);
        const entry = model.pending.find((candidate) => candidate.id === id) as ModelEntry;
        model.leased.delete(entry.account);
        const what = rand();
        if (what < 0.5) {
          index.remove(id);
          model.pending.splice(model.pending.indexOf(entry), 1);
          model.retryAt.delete(entry.account);
        } else if (what < 0.8) {
          const retryAt = now + Math.floor(rand() * 500);
          index.reschedule(id, retryAt);
          model.retryAt.set(entry.account, retryAt);
        } else {
          index.release(id);
        }
      }
      if (rand() < 0.02) {
        index.retryNow('arc');
        model.retryAt.clear();
      }
      expect(index.count('arc')).toBe(model.pending.length);
    }
  });

  it('puts a requeued older id at the head of its lane', () => {
    const index = new LaneIndex();
    index.add('arc', 'A', 10);
    index.add('arc', 'A', 5, 0);
    expect(index.lease('arc', 5, 0)).toEqual([5]);
  });

  it('reports the earliest retry time of a waiting lane', () => {
    const index = new LaneIndex();
    index.add('arc', 'A', 1);
    index.add('arc', 'B', 2);
    index.lease('arc', 5, 0);
    index.reschedule(1, 900);
    index.reschedule(2, 300);
    expect(index.nextRetryAt('arc')).toBe(300);
    expect(index.laneCounts('arc', 100)).toEqual({ lanes: 2, blocked: 2 });
    expect(index.lease('arc', 5, 300)).toEqual([2]);
    expect(index.nextRetryAt('arc')).toBe(900);
  });
});
