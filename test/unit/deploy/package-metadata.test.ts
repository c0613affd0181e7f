// package.json, LICENSE and .ci/run: what an integrator needs to deploy hik-arc legally, on a
// supported Node.js, and the CI that proves it runs there.

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

describe('supported runtime', () => {
  const readme = readFileSync('README.md', 'utf8');
  const ci = readFileSync('.ci/run', 'utf8');

  it('aims at Node 22 and 24 LTS, and says how to get them and what a native build needs', () => {
    expect(pkg.engines?.node).toBe('>=22');
    expect(lock.packages['']?.engines?.node).toBe('>=22');
    const section = readme.slice(readme.indexOf('## Supported runtime'), readme.indexOf('## Command line'));
    expect(section).toMatch(/\*\*22 and 24\*\*/);
    expect(section).toContain('Debian 12 and Ubuntu 24.04');
    expect(section).toContain('deb.nodesource.com/setup_24.x');
    expect(section).toContain('nodejs.org/dist/latest-v24.x');
    expect(section).toMatch(/python3, make and g\+\+/);
    expect(section).toContain('local development');
  });

  it(".ci/run tests on the machine's Node, then on Node 24 from the node-linux package, and cleans up", () => {
    expect(ci).toMatch(/^#!\/usr\/bin\/env bash\n/);
    expect(ci).toContain('set -euo pipefail');
    expect(ci).toContain('node-linux-${arch}@24');
    expect(ci).toContain('npm rebuild better-sqlite3');
    expect(ci).toMatch(/trap restore EXIT/);
    expect(ci).toMatch(/mktemp -d/);
    expect(ci.match(/npm test$/gm)).toHaveLength(2);
  });
});
