import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ERROR_CODES } from '../../../src/errors.js';

// docs/errors.md is the operator's reference: every transport code must be explained there, and the
// page must not describe a code that no longer exists.
describe('transport error codes and docs/errors.md', () => {
  const documented = new Set(
    [...readFileSync(new URL('../../../docs/errors.md', import.meta.url), 'utf8').matchAll(/^\| `(HIKARC_(?:DC09|TRANSPORT)_[A-Z0-9_]+)` \|/gm)].map(
      (match) => match[1],
    ),
  );
  const defined = new Set(Object.keys(ERROR_CODES).filter((code) => /^HIKARC_(DC09|TRANSPORT)_/.test(code)));

  it('lists every code, and only existing codes', () => {
    expect([...documented].sort()).toEqual([...defined].sort());
    expect(defined.size).toBeGreaterThan(20);
  });
});
