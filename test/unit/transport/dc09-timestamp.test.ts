import { afterEach, describe, expect, it } from 'vitest';
import { formatDc09Timestamp, readDc09Timestamp } from '../../../src/transport/dc09-timestamp.js';
import { utc } from '../../helpers/dc09-vectors.js';

function read(text: string): number | undefined {
  return readDc09Timestamp(Buffer.from(text, 'latin1'), 0);
}

describe('DC-09 timestamp _HH:MM:SS,MM-DD-YYYY (docs/dc09.md §Timestamps)', () => {
  const savedTz = process.env['TZ'];
  afterEach(() => {
    if (savedTz === undefined) delete process.env['TZ'];
    else process.env['TZ'] = savedTz;
  });

  it('writes UTC, month before day, zero-padded, truncated to the second', () => {
    expect(formatDc09Timestamp(utc(2025, 6, 1, 13, 45, 10) + 999)).toBe('_13:45:10,06-01-2025');
    expect(formatDc09Timestamp(utc(2026, 1, 1, 0, 0, 5))).toBe('_00:00:05,01-01-2026');
    expect(formatDc09Timestamp(utc(2025, 12, 31, 23, 59, 59))).toBe('_23:59:59,12-31-2025');
  });

  it('does not depend on the local time zone (pitfall §6.3: panels sending local time)', () => {
    process.env['TZ'] = 'Pacific/Auckland';
    expect(formatDc09Timestamp(utc(2025, 6, 1, 13, 45, 10))).toBe('_13:45:10,06-01-2025');
    process.env['TZ'] = 'America/New_York';
    expect(formatDc09Timestamp(utc(2025, 6, 1, 13, 45, 10))).toBe('_13:45:10,06-01-2025');
  });

  it('reads back what it writes', () => {
    for (const ms of [utc(2025, 6, 1, 13, 45, 10), utc(2024, 2, 29, 12, 0, 0), utc(2000, 1, 1, 0, 0, 0)]) {
      const text = formatDc09Timestamp(ms);
      expect(read(text)).toBe(ms);
    }
  });

  it.each([
    ['month 13', '_13:45:10,13-01-2025'],
    ['month 0', '_13:45:10,00-01-2025'],
    ['day 0', '_13:45:10,06-00-2025'],
    ['31 April', '_13:45:10,04-31-2025'],
    ['29 February of a common year', '_12:00:00,02-29-2025'],
    ['hour 24', '_24:00:00,06-01-2025'],
    ['minute 60', '_13:60:10,06-01-2025'],
    ['second 60', '_13:45:60,06-01-2025'],
    ['day before month swapped by a local-time sender', '_13:45:10,31-12-2025'],
    ['no underscore', ' 13:45:10,06-01-2025'],
    ['dots for colons', '_13.45.10,06-01-2025'],
    ['a letter in the year', '_13:45:10,06-01-20X5'],
    ['too short', '_13:45:10,06-01-202'],
  ])('rejects %s', (_name, text) => {
    expect(read(text)).toBeUndefined();
  });
});
