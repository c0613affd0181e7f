// Comments cite sections of the project's own docs (`docs/outbox.md §Sequence numbers`,
// `docs/media.md §3`); every cited section must exist, so a reader who follows a citation finds what
// the code relies on. Documents outside the repository are not cited at all.

import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const CITATION = /docs\/([a-z0-9-]+\.md) §([A-Za-z][A-Za-z -]*[A-Za-z]|\d+)/g;
// Research notes that are not part of the repository, once cited by their own section numbers.
const OUTSIDE = /\b(?:reference|ingest notes) §\d/i;

function sourceFiles(dir: string): string[] {
  const files: string[] = [];
  for (const name of readdirSync(dir)) {
    // Not the compiled copy of the benchmark (bench/.build), which is not in the repository.
    if (name === 'node_modules' || name.startsWith('.')) continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) files.push(...sourceFiles(path));
    else if (name.endsWith('.ts') || name.endsWith('.md')) files.push(path);
  }
  return files;
}

function headings(doc: string): Set<string> {
  const text = readFileSync(join('docs', doc), 'utf8');
  const names = new Set<string>();
  for (const match of text.matchAll(/^#{2,3} (.+)$/gm)) {
    const heading = (match[1] as string).trim();
    names.add(heading);
    // Numbered sections: `## §3 The [V] block`, `## 3. Finding the panel`.
    const number = /^(?:§(\d+)\s|(\d+)\.\s)/.exec(heading);
    if (number) names.add((number[1] ?? number[2]) as string);
  }
  return names;
}

describe('citations of docs/ sections', () => {
  const citations: Array<{ file: string; doc: string; section: string }> = [];
  for (const file of [...['src', 'test', 'bench', 'scripts', 'docs'].flatMap(sourceFiles), 'README.md']) {
    for (const match of readFileSync(file, 'utf8').matchAll(CITATION)) citations.push({ file, doc: match[1] as string, section: match[2] as string });
  }

  it('cites no document outside the repository', () => {
    const outside = [...['src', 'test', 'bench', 'scripts'].flatMap(sourceFiles)].filter((file) => OUTSIDE.test(readFileSync(file, 'utf8')));
    expect(outside).toEqual([]);
  });

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
