// The dependency rule of docs/architecture.md, enforced: every import of src/ is read and checked
// against the table of what each folder may import.

import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const LEAF_FILES = new Set([
  'errors',
  'clock',
  'min-heap',
  'log',
  'backoff',
  'metrics',
  'rate-limited-log',
  'http-listen',
  'free-port',
  'version',
  'transport/ascii',
  'transport/dc09-fields',
]);
const LEAF_FOLDERS = new Set(['vendor-json']);
const STAGES = ['ingest', 'translate', 'outbox', 'transport', 'media', 'control'] as const;

// What each folder may import besides itself and the leaves (docs/architecture.md §The rule).
const ALLOWED: Readonly<Record<string, readonly string[]>> = {
  leaf: [],
  ingest: [],
  translate: ['ingest'],
  outbox: [],
  transport: ['outbox'],
  media: ['ingest', 'translate', 'transport'],
  control: ['ingest', 'translate'],
  config: [...STAGES],
  service: [...STAGES, 'config'],
  commands: [...STAGES, 'config', 'service'],
  cli: [...STAGES, 'config', 'service', 'commands'],
};

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sourceFiles(path) : name.endsWith('.ts') ? [path] : [];
  });
}

/** `src/ingest/digest.ts` → `ingest`; leaves → `leaf`; `src/cli.ts` → `cli`. */
function groupOf(file: string): string {
  const module = relative('src', file).replace(/\.ts$/, '');
  if (module === 'cli') return 'cli';
  if (LEAF_FILES.has(module)) return 'leaf';
  const folder = module.split('/')[0] as string;
  if (LEAF_FOLDERS.has(folder) || !module.includes('/')) return 'leaf';
  return folder;
}

describe('the dependency rule (docs/architecture.md)', () => {
  const files = sourceFiles('src');
  const imports: Array<{ from: string; to: string }> = [];
  for (const file of files) {
    for (const match of readFileSync(file, 'utf8').matchAll(/(?:import|export)\s[^;]*?from\s+'(\.{1,2}\/[^']+)'/g)) {
      imports.push({ from: file, to: normalize(join(dirname(file), (match[1] as string).replace(/\.js$/, '.ts'))) });
    }
  }

  it('reads the imports of every stage', () => {
    expect(new Set(files.map(groupOf))).toEqual(new Set(['leaf', 'cli', 'config', 'service', 'commands', ...STAGES]));
    expect(imports.length).toBeGreaterThan(300);
  });

  it('has every import point along the stages', () => {
    const broken = imports
      .filter(({ from, to }) => {
        const source = groupOf(from);
        const target = groupOf(to);
        return source !== target && target !== 'leaf' && !(ALLOWED[source] ?? []).includes(target);
      })
      .map(({ from, to }) => `${from} imports ${to} (${groupOf(from)} → ${groupOf(to)})`);
    expect(broken).toEqual([]);
  });

  it('has no module import its own folder through index.ts (an import cycle at start)', () => {
    const cycles = imports.filter(({ from, to }) => to.endsWith('index.ts') && dirname(to) === dirname(from)).map(({ from }) => from);
    expect(cycles).toEqual([]);
  });

  it('has leaves that import only leaves', () => {
    const broken = imports.filter(({ from, to }) => groupOf(from) === 'leaf' && groupOf(to) !== 'leaf').map(({ from, to }) => `${from} imports ${to}`);
    expect(broken).toEqual([]);
  });
});

// docs/architecture.md §Words: "receiver" alone names both the Hik box and the ARC's receiver, so a
// compound identifier says `hik` or `arc` instead; these are the names the table keeps.
// "Receiver number" is the DC-09 R field's own name.
const RECEIVER_NAMES_KEPT = new Set(['receiverNumber', 'omitReceiverNumber', 'receiverCommand']);

describe('the hik / arc words (docs/architecture.md §Words)', () => {
  it('names no identifier of src/ after a bare receiver', () => {
    const offenders = sourceFiles('src').flatMap((file) =>
      [
        ...readFileSync(file, 'utf8')
          .replace(/'[^'\n]*'|`[^`]*`|\/\/.*$/gm, '')
          .matchAll(/\b(?:[Rr]eceiver[A-Z]\w*|(?!Dc09)\w+Receiver[A-Z]\w*)\b/g),
      ]
        .map((match) => match[0])
        .filter((name) => !RECEIVER_NAMES_KEPT.has(name))
        .map((name) => `${file}: ${name}`),
    );
    expect(offenders).toEqual([]);
  });
});
