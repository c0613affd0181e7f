// Conformance suite every Outbox backend must pass: ordering per account, leasing, retry that
// blocks only its own account, dead letters, requeue, sequences and statistics.

import { afterEach, describe, expect, it } from 'vitest';
import type { NewOutboxEntry, Outbox } from '../../../src/transport/outbox/outbox.js';

export interface OutboxFactory {
  /** A fresh, empty outbox. */
  create(): Outbox;
  /** For durable backends: close and open the same store again. */
  reopen?(outbox: Outbox): Promise<Outbox>;
}

const DEST = 'arc';

function entry(account: string, n: number, extra: Partial<NewOutboxEntry> = {}): NewOutboxEntry {
  return { destination: DEST, account, receivedAt: 1_000 + n, payload: JSON.stringify({ account, n }), ...extra };
}

function payloads(entries: ReadonlyArray<{ payload: string }>): unknown[] {
  return entries.map((e) => JSON.parse(e.payload) as unknown);
}

export function outboxContract(name: string, factory: OutboxFactory): void {
  describe(`${name} outbox (conformance)`, () => {
    const opened: Outbox[] = [];
    const make = (): Outbox => {
      const outbox = factory.create();
      opened.push(outbox);
      return outbox;
    };
    afterEach(async () => {
      for (const outbox of opened.splice(0)) await outbox.close().catch(() => undefined);
    });

    it('appends and returns ids in order', async () => {
      const outbox = make();
      const ids = await outbox.append([entry('A', 1), entry('A', 2), entry('B', 1)]);
      expect(ids).toHaveLength(3);
      expect([...ids].sort((a, b) => a - b)).toEqual(ids);
      expect(outbox.stats(DEST)).toEqual({ pending: 3, oldestPendingReceivedAt: 1_001, dead: 0 });
    });

    it('hands out one entry per account at a time, oldest first, each only once', async () => {
      const outbox = make();
      await outbox.append([entry('A', 1), entry('B', 1), entry('A', 2), entry('C', 1)]);
      const first = outbox.next(DEST, 10, 0);
      expect(payloads(first)).toEqual([{ account: 'A', n: 1 }, { account: 'B', n: 1 }, { account: 'C', n: 1 }]);
      expect(outbox.next(DEST, 10, 0)).toEqual([]);
      expect(outbox.next('other', 10, 0)).toEqual([]);
    });

    it('respects the limit', async () => {
      const outbox = make();
      await outbox.append([entry('A', 1), entry('B', 1), entry('C', 1)]);
      expect(outbox.next(DEST, 2, 0)).toHaveLength(2);
      expect(outbox.next(DEST, 2, 0)).toHaveLength(1);
    });

    it('moves an account on to its next entry after an ack', async () => {
      const outbox = make();
      const [a1] = await outbox.append([entry('A', 1), entry('A', 2)]);
      outbox.next(DEST, 10, 0);
      await outbox.ack(a1 as number, { via: 'primary', at: 5 });
      expect(payloads(outbox.next(DEST, 10, 0))).toEqual([{ account: 'A', n: 2 }]);
      expect(outbox.stats(DEST).pending).toBe(1);
    });

    it('blocks only the failed account, and only until its retry time', async () => {
      const outbox = make();
      const [a1] = await outbox.append([entry('A', 1), entry('A', 2), entry('B', 1), entry('B', 2)]);
      const heads = outbox.next(DEST, 10, 0);
      await outbox.fail(a1 as number, { reason: 'timeout', retryAt: 10_000 });
      await outbox.ack(heads[1]?.id as number, { via: 'primary', at: 1 });
      expect(payloads(outbox.next(DEST, 10, 5_000))).toEqual([{ account: 'B', n: 2 }]);
      expect(outbox.nextRetryAt(DEST)).toBe(10_000);
      const retried = outbox.next(DEST, 10, 10_000);
      expect(payloads(retried)).toEqual([{ account: 'A', n: 1 }]);
      expect(retried[0]).toMatchObject({ attempts: 1, lastError: 'timeout' });
    });

    it('makes waiting entries ready at once on retryNow', async () => {
      const outbox = make();
      const [a1] = await outbox.append([entry('A', 1)]);
      outbox.next(DEST, 10, 0);
      await outbox.fail(a1 as number, { reason: 'timeout', retryAt: 60_000 });
      expect(outbox.next(DEST, 10, 1)).toEqual([]);
      outbox.retryNow(DEST);
      expect(outbox.next(DEST, 10, 1).map((e) => e.id)).toEqual([a1]);
    });

    it('turns a permanent failure into a dead letter and moves the account on', async () => {
      const outbox = make();
      const [a1] = await outbox.append([entry('A', 1), entry('A', 2)]);
      outbox.next(DEST, 10, 0);
      await outbox.fail(a1 as number, { reason: 'DUH from every destination', dead: true });
      expect(payloads(outbox.next(DEST, 10, 0))).toEqual([{ account: 'A', n: 2 }]);
      expect(outbox.deadLetters()).toEqual([expect.objectContaining({ id: a1, state: 'dead', lastError: 'DUH from every destination' })]);
      expect(outbox.stats(DEST)).toMatchObject({ pending: 1, dead: 1 });
    });

    it('stores an unroutable event directly as a dead letter with its reason', async () => {
      const outbox = make();
      await outbox.append([entry('', 1, { deadReason: 'no account for device x' })]);
      expect(outbox.next(DEST, 10, 0)).toEqual([]);
      expect(outbox.deadLetters()[0]).toMatchObject({ state: 'dead', lastError: 'no account for device x', account: '' });
    });

    it('requeues a dead letter, with a new account and payload when given', async () => {
      const outbox = make();
      const [dead] = await outbox.append([entry('', 1, { deadReason: 'no account' })]);
      expect(await outbox.requeue(dead as number, { account: 'F00D', payload: '{"fixed":true}' })).toBe(true);
      const [ready] = outbox.next(DEST, 10, 0);
      expect(ready).toMatchObject({ id: dead, account: 'F00D', payload: '{"fixed":true}', state: 'pending' });
      expect(await outbox.requeue(dead as number)).toBe(false);
      expect(await outbox.requeue(999_999)).toBe(false);
    });

    it('gives a released entry out again', async () => {
      const outbox = make();
      const [a1] = await outbox.append([entry('A', 1)]);
      outbox.next(DEST, 10, 0);
      outbox.release(a1 as number);
      expect(outbox.next(DEST, 10, 0).map((e) => e.id)).toEqual([a1]);
    });

    it('keeps the sequence numbers used per path', async () => {
      const outbox = make();
      const [a1] = await outbox.append([entry('A', 1)]);
      outbox.next(DEST, 10, 0);
      await outbox.recordSequence(a1 as number, 'primary', 42);
      await outbox.recordSequence(a1 as number, 'secondary', 7);
      outbox.release(a1 as number);
      expect(outbox.next(DEST, 10, 0)[0]?.sequences).toEqual({ primary: 42, secondary: 7 });
    });

    it('reports the oldest pending entry', async () => {
      const outbox = make();
      const [a1] = await outbox.append([entry('A', 1), entry('B', 5)]);
      outbox.next(DEST, 10, 0);
      await outbox.ack(a1 as number, { via: 'primary', at: 1 });
      expect(outbox.stats(DEST)).toEqual({ pending: 1, oldestPendingReceivedAt: 1_005, dead: 0 });
    });

    it('drains a long single-account backlog in order', async () => {
      const outbox = make();
      const count = 3_000;
      await outbox.append(Array.from({ length: count }, (_, n) => entry('A', n)));
      const seen: number[] = [];
      const acks: Array<Promise<void>> = [];
      for (;;) {
        const [head] = outbox.next(DEST, 10, 0);
        if (!head) break;
        seen.push((JSON.parse(head.payload) as { n: number }).n);
        // an ack moves the account on at once; its durability is awaited below
        acks.push(outbox.ack(head.id, { via: 'primary', at: 1 }));
      }
      await Promise.all(acks);
      expect(seen).toEqual(Array.from({ length: count }, (_, n) => n));
      expect(outbox.stats(DEST).pending).toBe(0);
    });

    if (factory.reopen) {
      const reopen = factory.reopen;
      it('keeps everything undelivered across a restart, with retry times and sequences', async () => {
        const outbox = make();
        const [a1, , b1] = await outbox.append([entry('A', 1), entry('A', 2), entry('B', 1)]);
        outbox.next(DEST, 10, 0);
        await outbox.recordSequence(a1 as number, 'primary', 9);
        await outbox.ack(b1 as number, { via: 'primary', at: 1 });
        await outbox.fail(a1 as number, { reason: 'timeout', retryAt: 50 });
        const again = await reopen(outbox);
        opened.push(again);
        expect(again.stats(DEST)).toMatchObject({ pending: 2 });
        expect(again.next(DEST, 10, 10)).toEqual([]);
        const [head] = again.next(DEST, 10, 50);
        expect(head).toMatchObject({ id: a1, attempts: 1, sequences: { primary: 9 } });
      });
    }
  });
}
