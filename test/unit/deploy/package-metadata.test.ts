// package.json and LICENSE: what an integrator needs to deploy hik-arc legally (issue: a licence).

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

interface PackageJson {
  readonly license?: string;
  readonly private?: boolean;
  readonly engines?: { readonly node?: string };
}

const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as PackageJson;
const lock = JSON.parse(readFileSync('package-lock.json', 'utf8')) as { readonly packages: Readonly<Record<string, PackageJson>> };

describe('package metadata', () => {
  it('is MIT licensed, with the licence text beside it and the lockfile agreeing', () => {
    expect(pkg.license).toBe('MIT');
    expect(readFileSync('LICENSE', 'utf8')).toMatch(/^MIT License\n\nCopyright \(c\) \d{4} /);
    expect(lock.packages['']?.license).toBe('MIT');
  });

  it('stays private, and the README says why', () => {
    expect(pkg.private).toBe(true);
    expect(readFileSync('README.md', 'utf8')).toMatch(/## Licence[\s\S]*"private": true/);
  });
});
