// DC-09 sequence numbers (reference §1.5): a new message takes the next number, 0001 to 9999, and
// 9999 is followed by 0001 (DC-09-2007 Annex C: "9998, 9999, 0001, 0002"); a retransmission keeps
// its number so the receiver processes it once. NULL link tests use 0000.

export const FIRST_SEQUENCE = 1;
export const LAST_SEQUENCE = 9999;
export const SUPERVISION_SEQUENCE = 0;

export function nextSequence(previous: number): number {
  return Number.isInteger(previous) && previous >= FIRST_SEQUENCE && previous < LAST_SEQUENCE ? previous + 1 : FIRST_SEQUENCE;
}

export function isMessageSequence(value: number): boolean {
  return Number.isInteger(value) && value >= FIRST_SEQUENCE && value <= LAST_SEQUENCE;
}

/**
 * Hands out sequence numbers per destination. The service can back this with its durable store so
 * numbers continue across restarts (ARCs may flag a repeated number within a short window).
 */
export interface SequenceAllocator {
  next(destination: string): number;
}

export class MemorySequenceAllocator implements SequenceAllocator {
  private readonly last = new Map<string, number>();

  /** `last`: the number each destination used most recently (the next one follows it). */
  constructor(last: Readonly<Record<string, number>> = {}) {
    for (const [destination, value] of Object.entries(last)) this.last.set(destination, value);
  }

  next(destination: string): number {
    const value = nextSequence(this.last.get(destination) ?? 0);
    this.last.set(destination, value);
    return value;
  }
}
