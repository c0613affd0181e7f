import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log.js';
import { RateLimitedLog } from '../../src/rate-limited-log.js';
import { ManualClock } from '../helpers/manual-clock.js';

function capture(): { lines: Array<Record<string, unknown>>; stream: Writable } {
  const lines: Array<Record<string, unknown>> = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n')) if (line !== '') lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return { lines, stream };
}

describe('RateLimitedLog', () => {
  it('writes the first lines of a code, counts the rest and summarises them when the window ends', async () => {
    const clock = new ManualClock();
    const { lines, stream } = capture();
    const log = new RateLimitedLog({ logger: createLogger({ level: 'info', destination: stream }), clock, burst: 3, windowMs: 10_000 });
    for (let i = 0; i < 1000; i++) log.warn('HIKARC_TEST_A', { i }, 'junk line');
    log.warn('HIKARC_TEST_B', { other: true }, 'another problem');
    expect(lines.map((line) => line.code)).toEqual(['HIKARC_TEST_A', 'HIKARC_TEST_A', 'HIKARC_TEST_A', 'HIKARC_TEST_B']);
    expect(log.suppressed()).toEqual({ HIKARC_TEST_A: 997 });
    await clock.advance(10_000);
    const summary = lines[4];
    expect(summary).toMatchObject({ code: 'HIKARC_TEST_A', suppressed: 997, i: 999, level: 'warn' });
    expect(lines).toHaveLength(5);
    // A new window writes again.
    log.warn('HIKARC_TEST_A', { i: 1000 }, 'junk line');
    expect(lines).toHaveLength(6);
    expect(clock.pendingTimers).toBe(0);
  });

  it('sets no timer while nothing is left out, and flush() writes what is counted', () => {
    const clock = new ManualClock();
    const { lines, stream } = capture();
    const log = new RateLimitedLog({ logger: createLogger({ level: 'info', destination: stream }), clock, burst: 1 });
    log.error('HIKARC_TEST_A', {}, 'one');
    expect(clock.pendingTimers).toBe(0);
    log.error('HIKARC_TEST_A', {}, 'one');
    expect(clock.pendingTimers).toBe(1);
    log.flush();
    expect(clock.pendingTimers).toBe(0);
    expect(lines.map((line) => [line.level, line.suppressed])).toEqual([
      ['error', undefined],
      ['error', 1],
    ]);
  });
});
