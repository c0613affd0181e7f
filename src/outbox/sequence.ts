// DC-09 sequence numbers (docs/dc09.md §Sequence numbers): a new message takes the next number,
// 0001 to 9999, and 9999 is followed by 0001 (DC-09-2007 Annex C: "9998, 9999, 0001, 0002"); a
// retransmission keeps its number so the receiver processes it once. NULL link tests use 0000.
//
// The outbox owns them: one counter per (destination, account), advanced in the transaction that
// stores the alarm, so every transmission of that alarm - on either path, after any restart - carries
// the same number, and a restart continues from the stored counter instead of 0001.

export const FIRST_SEQUENCE = 1;
export const LAST_SEQUENCE = 9999;
export const SUPERVISION_SEQUENCE = 0;

/**
 * After a start that did not follow a clean stop, every counter jumps ahead by this much: alarms
 * held in memory while the store was failing took numbers that never reached the disk, and an ARC
 * must not see one of those numbers again for a different alarm soon after (it could take the new
 * alarm for a repeat). Gaps are harmless: receivers use the number to spot repeats, not losses.
 */
export const SEQUENCE_SKIP_AFTER_UNCLEAN_STOP = 100;

export function nextSequence(previous: number): number {
  return Number.isInteger(previous) && previous >= FIRST_SEQUENCE && previous < LAST_SEQUENCE ? previous + 1 : FIRST_SEQUENCE;
}

/** `steps` numbers after `previous`, wrapping 9999 → 0001 like nextSequence; 0 stays 0 for no steps. */
export function advanceSequence(previous: number, steps: number): number {
  // 0-based position of the number last used; -1 when none was.
  const base = isMessageSequence(previous) ? previous - FIRST_SEQUENCE : -1;
  if (base < 0 && steps <= 0) return 0;
  const span = LAST_SEQUENCE - FIRST_SEQUENCE + 1;
  return ((((base + steps) % span) + span) % span) + FIRST_SEQUENCE;
}

export function isMessageSequence(value: number): boolean {
  return Number.isInteger(value) && value >= FIRST_SEQUENCE && value <= LAST_SEQUENCE;
}

/** Key of one counter: sequences run per destination and account. */
export function counterKey(destination: string, account: string): string {
  return `${destination}\u0000${account.toUpperCase()}`;
}

/** Per (destination, account) counters: the number each used last. */
export class SequenceCounters {
  private readonly last = new Map<string, number>();
  // Counters changed since the last takeDirty(): what the next write must persist.
  private dirty = new Set<string>();

  constructor(initial: Iterable<readonly [string, number]> = []) {
    for (const [key, value] of initial) this.last.set(key, value);
  }

  /** The next number for the account, remembered as used. */
  allocate(destination: string, account: string): number {
    const key = counterKey(destination, account);
    const value = nextSequence(this.last.get(key) ?? 0);
    this.last.set(key, value);
    this.dirty.add(key);
    return value;
  }

  /** The number last used for the account, 0 when none. */
  current(destination: string, account: string): number {
    return this.last.get(counterKey(destination, account)) ?? 0;
  }

  /** Moves every counter `steps` numbers on (after an unclean stop). */
  skipAll(steps: number): void {
    for (const [key, value] of this.last) {
      this.last.set(key, advanceSequence(value, steps));
      this.dirty.add(key);
    }
  }

  /** The counters to persist, with their values; they count as written from now on. */
  takeDirty(): Array<[string, number]> {
    const out: Array<[string, number]> = [];
    for (const key of this.dirty) out.push([key, this.last.get(key) as number]);
    this.dirty = new Set();
    return out;
  }

  /** A write of these counters failed: they must go with the next one. */
  restoreDirty(keys: Iterable<readonly [string, number]>): void {
    for (const [key] of keys) this.dirty.add(key);
  }

  get size(): number {
    return this.last.size;
  }
}
