// Comments cite sections of the project's own docs (`docs/outbox.md §Sequence numbers`); every
// cited section must exist, so a reader who follows a citation finds what the code relies on.

import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const CITATION = /docs\/([a-z0-9-]+\.md) §([A-Za-z][A-Za-z -]*[A-Za-z])/g;

function sourceFiles(dir: string): string[] {
  const files: string[] = [];
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name.startsWith('.')) continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) files.push(...sourceFiles(path));
    else if (name.endsWith('.ts') || name.endsWith('.md')) files.push(path);
  }
  return files;
}

function headings(doc: string): Set<string> {
  const text = readFileSync(join('docs', doc), 'utf8');
  return new Set([...text.matchAll(/^#{2,3} (.+)$/gm)].map((match) => (match[1] as string).trim()));
}

describe('citations of docs/ sections', () => {
  const citations: Array<{ file: string; doc: string; section: string }> = [];
  for (const file of [...['src', 'test', 'bench', 'scripts', 'docs'].flatMap(sourceFiles), 'README.md']) {
    for (const match of readFileSync(file, 'utf8').matchAll(CITATION)) citations.push({ file, doc: match[1] as string, section: match[2] as string });
  }

  it('finds the citations it checks', () => {
    expect(citations.length).toBeGreaterThan(20);
  });

  it('cites only sections that exist', () => {
    const missing = citations.filter(({ doc, section }) => {
      try {
        return !headings(doc).has(section);
      } catch {
        return true;
      }
    });
    expect(missing).toEqual([]);
  });
});
