// Conformance suite every Outbox backend must pass: lanes (order per account, one claim per lane,
// retry that blocks only its own lane), sequence numbers owned by the store, dead letters, requeue,
// statistics, restarts, and the rules for a store that cannot be written for a while.

import { afterEach, describe, expect, it } from 'vitest';
import type { NewOutboxEntry, Outbox } from '../../../src/outbox/index.js';
import { flush } from '../../helpers/manual-clock.js';

export interface OutboxFactory {
  /** A fresh, empty outbox. */
  create(): Outbox;
  /** For durable backends: close and open the same store again (`clean: false` drops it like SIGKILL). */
  reopen?(outbox: Outbox, options?: { readonly clean: boolean }): Promise<Outbox>;
  /** Makes the store's commits fail (`locked`) or work again (`none`). */
  setFault?(outbox: Outbox, fault: 'locked' | 'none'): void;
}

const DEST = 'arc';

function entry(account: string, n: number, extra: Partial<NewOutboxEntry> = {}): NewOutboxEntry {
  return { destination: DEST, account, receivedAt: 1_000 + n, payload: JSON.stringify({ account, n }), ...extra };
}

function payloads(entries: ReadonlyArray<{ payload: string }>): unknown[] {
  return entries.map((e) => JSON.parse(e.payload) as unknown);
}

/** Lets a failed commit be retried: the retry timers are real, and short (250 ms first). */
function waitMs(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
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
      expect(outbox.stats(DEST)).toEqual({ pending: 3, oldestPendingReceivedAt: 1_001, dead: 0, lanes: 2, blockedLanes: 0, unstored: 0, unwrittenOutcomes: 0 });
    });

    it('hands out one entry per account at a time, oldest first, each only once', async () => {
      const outbox = make();
      await outbox.append([entry('A', 1), entry('B', 1), entry('A', 2), entry('C', 1)]);
      const first = outbox.next(DEST, 10, 0);
      expect(payloads(first)).toEqual([
        { account: 'A', n: 1 },
        { account: 'B', n: 1 },
        { account: 'C', n: 1 },
      ]);
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

    it('counts lanes and the lanes blocked by a retry delay', async () => {
      const outbox = make();
      const [a1] = await outbox.append([entry('A', 1), entry('B', 1), entry('C', 1)]);
      outbox.next(DEST, 1, 0);
      await outbox.fail(a1 as number, { reason: 'NAK', retryAt: Date.now() + 60_000 });
      expect(outbox.stats(DEST)).toMatchObject({ lanes: 3, blockedLanes: 1, pending: 3 });
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

    it('stores an unroutable event directly as a dead letter with its reason, and no sequence number', async () => {
      const outbox = make();
      await outbox.append([entry('', 1, { deadReason: 'no account for device x' })]);
      expect(outbox.next(DEST, 10, 0)).toEqual([]);
      expect(outbox.deadLetters()[0]).toMatchObject({ state: 'dead', lastError: 'no account for device x', account: '', sequence: null });
    });

    it('requeues a dead letter, with a new account, payload and number when given', async () => {
      const outbox = make();
      const [dead] = await outbox.append([entry('', 1, { deadReason: 'no account' })]);
      expect(await outbox.requeue(dead as number, { account: 'F00D', payload: '{"fixed":true}' })).toBe(true);
      const [ready] = outbox.next(DEST, 10, 0);
      expect(ready).toMatchObject({ id: dead, account: 'F00D', payload: '{"fixed":true}', state: 'pending', sequence: 1 });
      expect(await outbox.requeue(dead as number)).toBe(false);
      expect(await outbox.requeue(999_999)).toBe(false);
    });

    it('keeps the number of a requeued alarm whose account stays the same', async () => {
      const outbox = make();
      const [a1] = await outbox.append([entry('A1', 1)]);
      outbox.next(DEST, 10, 0);
      await outbox.fail(a1 as number, { reason: 'DUH', dead: true });
      await outbox.requeue(a1 as number);
      expect(outbox.next(DEST, 10, 0)[0]).toMatchObject({ id: a1, sequence: 1 });
    });

    it('keeps an attachment beside an entry, outside what delivery reads', async () => {
      const outbox = make();
      const [a1, a2] = await outbox.append([entry('A', 1, { attachment: '{"vendor":"event"}' }), entry('A', 2)]);
      expect(outbox.attachment(a1 as number)).toBe('{"vendor":"event"}');
      expect(outbox.attachment(a2 as number)).toBeNull();
      const [head] = outbox.next(DEST, 10, 0);
      expect(head).not.toHaveProperty('attachment');
      await outbox.fail(a1 as number, { reason: 'DUH', dead: true });
      expect(outbox.attachment(a1 as number)).toBe('{"vendor":"event"}');
    });

    it('gives a released entry out again', async () => {
      const outbox = make();
      const [a1] = await outbox.append([entry('A', 1)]);
      outbox.next(DEST, 10, 0);
      outbox.release(a1 as number);
      expect(outbox.next(DEST, 10, 0).map((e) => e.id)).toEqual([a1]);
    });

    it('numbers alarms per account from 0001, in the commit that stores them', async () => {
      const outbox = make();
      await outbox.append([entry('A1', 1), entry('B2', 1), entry('A1', 2)]);
      await outbox.append([entry('a1', 3)]);
      const seen: Array<[string, number | null]> = [];
      for (;;) {
        const heads = outbox.next(DEST, 10, 0);
        if (heads.length === 0) break;
        for (const head of heads) {
          seen.push([head.account, head.sequence]);
          await outbox.ack(head.id, { via: 'primary', at: 1 });
        }
      }
      expect(seen).toEqual([
        ['A1', 1],
        ['B2', 1],
        ['A1', 2],
        ['a1', 3],
      ]);
    });

    it('gives a retried alarm the number it had', async () => {
      const outbox = make();
      const [a1] = await outbox.append([entry('A1', 1)]);
      const [first] = outbox.next(DEST, 10, 0);
      await outbox.fail(a1 as number, { reason: 'timeout', retryAt: 0 });
      const [again] = outbox.next(DEST, 10, 0);
      expect(again?.sequence).toBe(first?.sequence);
    });

    it('reports the oldest pending entry', async () => {
      const outbox = make();
      const [a1] = await outbox.append([entry('A', 1), entry('B', 5)]);
      outbox.next(DEST, 10, 0);
      await outbox.ack(a1 as number, { via: 'primary', at: 1 });
      expect(outbox.stats(DEST)).toMatchObject({ pending: 1, oldestPendingReceivedAt: 1_005, dead: 0 });
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
      it('keeps everything undelivered across a restart, with retry times and numbers', async () => {
        const outbox = make();
        const [a1, , b1] = await outbox.append([entry('A', 1), entry('A', 2), entry('B', 1)]);
        outbox.next(DEST, 10, 0);
        await outbox.ack(b1 as number, { via: 'primary', at: 1 });
        await outbox.fail(a1 as number, { reason: 'timeout', retryAt: 50 });
        const again = await reopen(outbox);
        opened.push(again);
        expect(again.stats(DEST)).toMatchObject({ pending: 2 });
        expect(again.next(DEST, 10, 10)).toEqual([]);
        const [head] = again.next(DEST, 10, 50);
        expect(head).toMatchObject({ id: a1, attempts: 1, sequence: 1 });
      });

      it('continues each account from its stored counter after a clean restart', async () => {
        const outbox = make();
        await outbox.append([entry('A', 1), entry('A', 2)]);
        const again = await reopen(outbox);
        opened.push(again);
        await again.append([entry('A', 3)]);
        const seen: Array<number | null> = [];
        for (;;) {
          const [head] = again.next(DEST, 1, 0);
          if (!head) break;
          seen.push(head.sequence);
          await again.ack(head.id, { via: 'primary', at: 1 });
        }
        expect(seen).toEqual([1, 2, 3]);
      });

      it('skips numbers ahead after a stop that was not clean', async () => {
        const outbox = make();
        await outbox.append([entry('A', 1)]);
        await flush();
        const again = await reopen(outbox, { clean: false });
        opened.push(again);
        await again.append([entry('A', 2)]);
        const heads = again.next(DEST, 10, 0);
        expect(heads.map((head) => head.sequence)).toEqual([1]);
        await again.ack(heads[0]?.id as number, { via: 'primary', at: 1 });
        expect(again.next(DEST, 10, 0).map((head) => head.sequence)).toEqual([102]);
      });
    }

    if (factory.setFault) {
      const setFault = factory.setFault;
      it('holds alarms in memory while the store cannot be written, delivers them, and writes them later', async () => {
        const outbox = make();
        await outbox.append([entry('A', 1)]);
        setFault(outbox, 'locked');
        const ids = await outbox.append([entry('A', 2), entry('B', 1)]);
        expect(ids).toHaveLength(2);
        expect(outbox.storeHealth()).toMatchObject({ state: 'locked', code: 'HIKARC_STORE_LOCKED' });
        expect(outbox.stats(DEST)).toMatchObject({ pending: 3, unstored: 2 });
        // Held alarms are sent in their lane's order, numbered like stored ones.
        const first = outbox.next(DEST, 10, 0);
        expect(first.map((head) => [head.account, head.sequence])).toEqual([
          ['A', 1],
          ['B', 1],
        ]);
        void outbox.ack(first[0]?.id as number, { via: 'primary', at: 1 });
        void outbox.ack(first[1]?.id as number, { via: 'primary', at: 1 });
        const second = outbox.next(DEST, 10, 0);
        expect(second.map((head) => [head.account, head.sequence])).toEqual([['A', 2]]);
        void outbox.ack(second[0]?.id as number, { via: 'primary', at: 1 });
        expect(outbox.stats(DEST)).toMatchObject({ pending: 0, unstored: 0, unwrittenOutcomes: 3 });
        setFault(outbox, 'none');
        for (let i = 0; i < 40 && outbox.stats(DEST).unwrittenOutcomes + outbox.stats(DEST).unstored > 0; i++) await waitMs(50);
        expect(outbox.storeHealth().state).toBe('ok');
        expect(outbox.stats(DEST)).toMatchObject({ pending: 0, unstored: 0, unwrittenOutcomes: 0 });
        if (factory.reopen) {
          const again = await factory.reopen(outbox);
          opened.push(again);
          // Nothing comes back: the ACKs landed, and the held alarms were written as delivered.
          expect(again.stats(DEST)).toMatchObject({ pending: 0 });
          await again.append([entry('A', 3)]);
          expect(again.next(DEST, 10, 0).map((head) => head.sequence)).toEqual([3]);
        }
      });

      it('never hands out an acknowledged alarm again while its ACK is not yet written', async () => {
        const outbox = make();
        const [a1] = await outbox.append([entry('A', 1), entry('A', 2)]);
        outbox.next(DEST, 10, 0);
        setFault(outbox, 'locked');
        const acked = outbox.ack(a1 as number, { via: 'primary', at: 1 });
        await waitMs(30);
        outbox.refresh();
        expect(outbox.next(DEST, 10, 0).map((head) => head.id)).toEqual([(a1 as number) + 1]);
        setFault(outbox, 'none');
        await acked;
        expect(outbox.stats(DEST).unwrittenOutcomes).toBe(0);
      });

      it('refuses an append whole once its memory for held alarms is full', async () => {
        const outbox = make();
        setFault(outbox, 'locked');
        // The factories cap held alarms at 5.
        await outbox.append([entry('A', 1), entry('A', 2), entry('A', 3), entry('A', 4)]);
        await expect(outbox.append([entry('B', 1), entry('B', 2)])).rejects.toMatchObject({ code: 'HIKARC_STORE_LOCKED' });
        expect(outbox.stats(DEST)).toMatchObject({ pending: 4, unstored: 4, lanes: 1 });
        setFault(outbox, 'none');
      });

      it('reports at close what never reached the store', async () => {
        const outbox = make();
        setFault(outbox, 'locked');
        const [a1] = await outbox.append([entry('A', 1), entry('B', 1)]);
        outbox.next(DEST, 10, 0);
        void outbox.ack(a1 as number, { via: 'primary', at: 1 });
        const report = await outbox.close(300);
        expect(report).toEqual({ unstored: 1, unwrittenOutcomes: 0 });
        setFault(outbox, 'none');
      });
    }
  });
}
