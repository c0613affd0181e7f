import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ERROR_CODES } from '../../../src/errors.js';

const INGEST_PREFIXES = ['HIKARC_DIGEST_', 'HIKARC_RECEIVER_', 'HIKARC_INGEST_', 'HIKARC_MULTIPART_'];

describe('ingest error codes', () => {
  const documented = new Set(
    [...readFileSync(new URL('../../../docs/errors.md', import.meta.url), 'utf8').matchAll(/^\| `(HIKARC_[A-Z0-9_]+)` \|/gm)].map((match) => match[1]),
  );
  const codes = Object.keys(ERROR_CODES).filter((code) => INGEST_PREFIXES.some((prefix) => code.startsWith(prefix)));

  it('each has a row in docs/errors.md with meaning and action', () => {
    expect(codes.length).toBeGreaterThan(20);
    expect(codes.filter((code) => !documented.has(code))).toEqual([]);
  });

  it('every documented ingest code exists', () => {
    const stale = [...documented].filter((code) => code !== undefined && INGEST_PREFIXES.some((prefix) => code.startsWith(prefix)) && !(code in ERROR_CODES));
    expect(stale).toEqual([]);
  });
});
