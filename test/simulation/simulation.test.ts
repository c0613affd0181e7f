// The simulator in the suite (docs/simulation.md): a fixed budget of seeds, and every seed that once
// failed. A failure prints the seed, what broke and the end of the run's trace; replay it with
// `npm run simulate -- --seed S`.

import { describe, expect, it } from 'vitest';
import { runSimulation, SIMULATED_BUGS, type RunResult } from './harness.js';
import { REGRESSION_SEEDS } from './regression-seeds.js';

/** Seeds per `npm test` (HIKARC_SIMULATE_SEEDS overrides). */
const BUDGET = Number(process.env.HIKARC_SIMULATE_SEEDS ?? 500);
const CHUNK = 50;

function report(result: RunResult): string {
  return [
    `seed ${result.seed}: ${result.scenario}`,
    ...result.violations.map((violation) => `  ✗ ${violation}`),
    '  trace:',
    ...result.trace.map((line) => `    ${line}`),
  ].join('\n');
}

async function failures(seeds: Iterable<number>): Promise<string[]> {
  const failed: string[] = [];
  for (const seed of seeds) {
    const result = await runSimulation({ seed });
    if (!result.ok) failed.push(report(result));
  }
  return failed;
}

describe('simulation: determinism', () => {
  it('replays a seed exactly: the same trace, the same figures', async () => {
    const first = await runSimulation({ seed: 7, traceLines: 100_000 });
    const again = await runSimulation({ seed: 7, traceLines: 100_000 });
    expect(again.stats).toEqual(first.stats);
    expect(again.trace).toEqual(first.trace);
    expect(first.stats.frames).toBeGreaterThan(0);
  });
});

describe('simulation: seeds that once failed', () => {
  it.each(REGRESSION_SEEDS)('seed $seed: $fault', async ({ seed }) => {
    expect(await failures([seed])).toEqual([]);
  });
});

describe('simulation: the seed budget', () => {
  for (let start = 1; start <= BUDGET; start += CHUNK) {
    const end = Math.min(BUDGET, start + CHUNK - 1);
    it(`seeds ${start}..${end}`, { timeout: 120_000 }, async () => {
      expect(await failures(Array.from({ length: end - start + 1 }, (_, i) => start + i))).toEqual([]);
    });
  }
});

describe('simulation: a planted bug is caught within the budget', () => {
  it.each(SIMULATED_BUGS)('%s', async (bug) => {
    let caught: RunResult | undefined;
    for (let seed = 1; seed <= BUDGET && caught === undefined; seed++) {
      const result = await runSimulation({ seed, bug });
      if (!result.ok) caught = result;
    }
    expect(caught?.violations.length ?? 0).toBeGreaterThan(0);
  });
});
