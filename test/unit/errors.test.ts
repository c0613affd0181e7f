// docs/errors.md documents exactly the codes src/errors.ts defines, no more, no less.

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ERROR_CODES } from '../../src/errors.js';

describe('error codes', () => {
  it('are all documented in docs/errors.md and the doc lists no stale code', () => {
    const documented = [...readFileSync('docs/errors.md', 'utf8').matchAll(/^\| `(HIKARC_[A-Z0-9_]+)` \|/gm)].map((match) => match[1]);
    expect([...documented].sort()).toEqual(Object.keys(ERROR_CODES).sort());
  });

  it('are stable identifiers', () => {
    for (const code of Object.keys(ERROR_CODES)) expect(code).toMatch(/^HIKARC_[A-Z0-9_]+$/);
  });
});
