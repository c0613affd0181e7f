// hik-arc replay through the service's own stages to a DC-09 receiver on loopback; its log lines
// are JSON a log shipper can parse: no key twice in one line (a child logger repeating `stage`).

import { afterEach, describe, expect, it } from 'vitest';
import { Dc09Receiver, type FrameRecord } from '../../../src/transport/index.js';
import { runCommand } from '../../helpers/run-cli.js';
import { writeTempFile, writeTempJson } from '../../helpers/temp-files.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** Top-level keys of one JSON line, in order, duplicates kept (JSON.parse keeps only the last). */
function topLevelKeys(line: string): string[] {
  const keys: string[] = [];
  let depth = 0;
  for (let i = 0; i < line.length; i++) {
    const char = line[i];
    if (char === '"') {
      let end = i + 1;
      while (end < line.length && line[end] !== '"') end += line[end] === '\\' ? 2 : 1;
      if (depth === 1 && line[end + 1] === ':') keys.push(line.slice(i + 1, end));
      i = end;
    } else if (char === '{' || char === '[') depth++;
    else if (char === '}' || char === ']') depth--;
  }
  return keys;
}

describe('hik-arc replay', () => {
  it('delivers every event and logs no key twice in a line', async () => {
    const records: FrameRecord[] = [];
    const arc = await Dc09Receiver.start({ listen: [{ transport: 'tcp', host: '127.0.0.1', port: 0 }], onFrame: (record) => void records.push(record) });
    cleanups.push(() => arc.stop());
    const events = writeTempFile(
      ['1130', '1131', '3401']
        .map((code, index) =>
          JSON.stringify({
            ipAddress: '10.0.0.9',
            dateTime: '2026-05-04T10:00:00+02:00',
            eventType: code,
            eventState: 'active',
            deviceID: `12${index}4`,
            zone: 1,
          }),
        )
        .join('\n') + '\n',
      '.jsonl',
    );
    const config = writeTempJson({ arc: { primary: arc.url('tcp') }, log: { level: 'trace' } });
    const run = await runCommand(['replay', '--config', config, events]);
    expect(run.code).toBe(0);
    expect(records).toHaveLength(3);
    const logLines = run.stderr.split('\n').filter((line) => line.startsWith('{'));
    expect(logLines.length).toBeGreaterThan(0);
    for (const line of logLines) {
      const keys = topLevelKeys(line);
      expect(new Set(keys).size, line).toBe(keys.length);
    }
  });
});
