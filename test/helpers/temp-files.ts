// Temporary files for tests, removed when the test process exits.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

let directory: string | undefined;

export function tempDir(): string {
  if (directory === undefined) {
    const created = mkdtempSync(join(tmpdir(), 'hik-arc-test-'));
    directory = created;
    process.once('exit', () => rmSync(created, { recursive: true, force: true }));
  }
  return directory;
}

let counter = 0;

export function writeTempFile(content: string | Buffer, suffix = '.txt'): string {
  counter += 1;
  const file = join(tempDir(), `file-${process.pid}-${counter}${suffix}`);
  writeFileSync(file, content);
  return file;
}

export function writeTempJson(value: unknown): string {
  return writeTempFile(JSON.stringify(value), '.json');
}
