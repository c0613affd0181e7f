// Seeds that once failed, with the fault each found: replayed by every `npm test`, whatever the
// budget. A seed's scenario depends on the simulator's code, so a seed is only a regression test
// while the drawing in scenario.ts stays as it was; each fault also has a plain test of its own.

export const REGRESSION_SEEDS: ReadonlyArray<{ readonly seed: number; readonly fault: string }> = [
  { seed: 24, fault: 'dispatcher spun on zero-delay timers while every window slot was taken and a lane was due for its retry' },
  { seed: 153, fault: 'an account with no stored counter restarted at 0001 after an unclean stop, reusing a number a held alarm had used' },
  { seed: 236, fault: 'a wall clock stepped back held every lane waiting for a retry for as long as the step' },
  { seed: 292, fault: 'a wall clock stepped back held every lane waiting for a retry for as long as the step' },
  { seed: 729, fault: 'the start for accounts without a counter did not move on at a second unclean stop in a row' },
  { seed: 1, fault: 'a dead letter held in memory at a stop with the store full was left out of the close report' },
  { seed: 13203, fault: 'the simulator itself: a connect a process started completed after its crash, and the dead process sent on it' },
  { seed: 16410, fault: 'the simulator itself: a connect a process started completed after its crash, and the dead process sent on it' },
];
