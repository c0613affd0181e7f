// `npm run simulate -- --seeds N [--start K] [--seed S] [--verbose]`: runs seeds K..K+N-1 (default
// 1..500), or replays one seed with its trace. HIKARC_SIMULATE_BUG plants a known bug around the
// real code (harness.ts) to show that the invariants catch it. Exits 1 when any seed fails.

import { performance } from 'node:perf_hooks';
import { runSimulation, SIMULATED_BUGS, type RunResult, type SimulatedBug } from './harness.js';

function flag(name: string): string | undefined {
  const args = process.argv.slice(2);
  const at = args.indexOf(name);
  return at >= 0 ? args[at + 1] : undefined;
}

function integer(name: string, fallback: number): number {
  const text = flag(name);
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < 0) {
    console.error(`${name} takes a whole number, not "${text}"`);
    process.exit(2);
  }
  return value;
}

export function printFailure(result: RunResult): void {
  console.log(`\nseed ${result.seed} FAILED - replay: npm run simulate -- --seed ${result.seed}`);
  console.log(`  scenario: ${result.scenario}`);
  for (const violation of result.violations) console.log(`  ✗ ${violation}`);
  console.log(`  trace (${result.trace.length} lines, up to just after the first violation):`);
  for (const line of result.trace) console.log(`    ${line}`);
}

const bugText = process.env.HIKARC_SIMULATE_BUG;
if (bugText !== undefined && bugText !== '' && !(SIMULATED_BUGS as readonly string[]).includes(bugText)) {
  console.error(`HIKARC_SIMULATE_BUG must be one of ${SIMULATED_BUGS.join(', ')}`);
  process.exit(2);
}
const bug = bugText === undefined || bugText === '' ? undefined : (bugText as SimulatedBug);
const single = flag('--seed');
const verbose = process.argv.includes('--verbose');
const started = performance.now();
if (single !== undefined) {
  const seed = integer('--seed', 1);
  const result = await runSimulation({ seed, bug, traceLines: verbose ? 100_000 : 60 });
  if (result.ok) {
    console.log(`seed ${seed} passed: ${result.scenario}`);
    console.log(`  ${JSON.stringify(result.stats)}`);
    if (verbose) for (const line of result.trace) console.log(`    ${line}`);
  } else {
    printFailure(result);
  }
  process.exit(result.ok ? 0 : 1);
}
const count = integer('--seeds', 500);
const start = integer('--start', 1);
let failed = 0;
const totals = { events: 0, acked: 0, dead: 0, lostInCrash: 0, frames: 0, boundedRuns: 0 };
for (let seed = start; seed < start + count; seed++) {
  const result = await runSimulation({ seed, bug });
  totals.events += result.stats.events;
  totals.acked += result.stats.acked;
  totals.dead += result.stats.dead;
  totals.lostInCrash += result.stats.lostInCrash;
  totals.frames += result.stats.frames;
  if (result.stats.bounded) totals.boundedRuns += 1;
  if (!result.ok) {
    failed++;
    printFailure(result);
    if (failed >= 5 && !verbose) {
      console.log('\n(stopping after 5 failing seeds)');
      break;
    }
  }
  if ((seed - start + 1) % 1000 === 0) console.log(`${seed - start + 1} seeds, ${failed} failed, ${((performance.now() - started) / 1000).toFixed(1)} s`);
}
const seconds = ((performance.now() - started) / 1000).toFixed(1);
console.log(
  `\n${failed === 0 ? 'all passed' : `${failed} failed`}: seeds ${start}..${start + count - 1}${bug === undefined ? '' : ` with bug ${bug}`} in ${seconds} s; ${JSON.stringify(totals)}`,
);
process.exit(failed === 0 ? 0 : 1);
