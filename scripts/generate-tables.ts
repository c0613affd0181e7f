// Generates the typed lookup modules in src/translate/generated/ from the transcribed rows in
// tables/*.csv. `--check` regenerates in memory and fails when the committed files differ, so the
// tables can never drift from their sources unnoticed.

import { readdirSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { CODE_FAMILIES, type CodeFamily } from '../src/translate/code-row.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const SOURCE_DIR = join(ROOT, 'tables');
export const GENERATED_DIR = join(ROOT, 'src', 'translate', 'generated');

const FAMILY_SOURCES: Record<CodeFamily, { readonly section: string; readonly constant: string; readonly keyPattern: RegExp }> = {
  'security-control': { section: 'D.1 Event Codes of Security Control Device', constant: 'SECURITY_CONTROL_ROWS', keyPattern: /^\d{4}$/ },
  'encoding-device': { section: 'D.2 Event Codes of Encoding Device', constant: 'ENCODING_DEVICE_ROWS', keyPattern: /^[A-Za-z]+$/ },
  radar: { section: 'D.3 Event Codes of Radar Device', constant: 'RADAR_ROWS', keyPattern: /^[A-Za-z]+$/ },
  'access-control': { section: 'D.4 Event Codes of Access Control Device', constant: 'ACCESS_CONTROL_ROWS', keyPattern: /^[A-Za-z]+$/ },
  'device-status': { section: 'D.5 Event Codes of Device/Platform Status', constant: 'DEVICE_STATUS_ROWS', keyPattern: /^[A-Za-z]+$/ },
};

const GUIDE = 'Hik IP Receiver Pro API Developer Guide v2.3.0';

const rowShape = z.object({
  key: z.string(),
  cid: z.string().regex(/^[ER]\d{3}$/, 'CID must be E or R followed by three digits'),
  sia: z.string().regex(/^[A-Z]{2}$/, 'SIA code must be two upper-case letters'),
  description: z.string().trim().min(1, 'description must not be empty'),
});

type Row = z.infer<typeof rowShape>;

/** RFC 4180 CSV: quoted fields may hold commas, quotes (doubled) and line breaks. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i] as string;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"' && field === '') quoted = true;
    else if (ch === ',') {
      row.push(field);
      field = '';
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i++;
      row.push(field);
      if (row.some((cell) => cell !== '')) rows.push(row);
      row = [];
      field = '';
    } else field += ch;
  }
  if (quoted) throw new Error('unterminated quoted field');
  row.push(field);
  if (row.some((cell) => cell !== '')) rows.push(row);
  return rows;
}

export function readFamilyRows(family: CodeFamily, sourceDir: string = SOURCE_DIR): Row[] {
  const file = join(sourceDir, `${family}.csv`);
  const [header, ...records] = parseCsv(readFileSync(file, 'utf8'));
  if (header?.join(',') !== 'key,cid,sia,description') {
    throw new Error(`${file}: header must be key,cid,sia,description`);
  }
  const { keyPattern } = FAMILY_SOURCES[family];
  const problems: string[] = [];
  const rows: Row[] = [];
  const seen = new Map<string, number>();
  records.forEach((record, index) => {
    const line = index + 2;
    if (record.length !== 4) {
      problems.push(`${file}:${line}: expected 4 fields, found ${record.length}`);
      return;
    }
    const [key, cid, sia, description] = record as [string, string, string, string];
    const parsed = rowShape.safeParse({ key, cid, sia, description });
    if (!parsed.success) {
      for (const issue of parsed.error.issues) problems.push(`${file}:${line}: ${issue.path.join('.')}: ${issue.message}`);
      return;
    }
    if (!keyPattern.test(key)) problems.push(`${file}:${line}: key "${key}" must match ${keyPattern}`);
    // Appendix D.1: the first digit of a Hik code is the alarm state (1 triggered, 3 restored).
    if (family === 'security-control' && !((key[0] === '1' && cid[0] === 'E') || (key[0] === '3' && cid[0] === 'R'))) {
      problems.push(`${file}:${line}: Hik code ${key} and CID ${cid} disagree on new event (1/E) versus restore (3/R)`);
    }
    // eventTypes are matched case-insensitively, so keys must be unique without case too.
    const folded = key.toLowerCase();
    const previous = seen.get(folded);
    if (previous !== undefined) problems.push(`${file}:${line}: key "${key}" duplicates line ${previous}`);
    seen.set(folded, line);
    rows.push({ ...parsed.data, description: parsed.data.description.replace(/\s+/g, ' ') });
  });
  if (problems.length > 0) throw new Error(problems.join('\n'));
  return rows.sort((a, b) => {
    const left = a.key.toLowerCase();
    const right = b.key.toLowerCase();
    if (left !== right) return left < right ? -1 : 1;
    return a.key < b.key ? -1 : a.key > b.key ? 1 : 0;
  });
}

function renderFamily(family: CodeFamily, rows: readonly Row[]): string {
  const { section, constant } = FAMILY_SOURCES[family];
  const lines = [
    `// Generated by scripts/generate-tables.ts from tables/${family}.csv`,
    `// (${GUIDE}, Appendix ${section}). Do not edit: change the CSV and run \`npm run tables:generate\`.`,
    '',
    "import type { CodeRow } from '../code-row.js';",
    '',
    `export const ${constant}: readonly CodeRow[] = Object.freeze([`,
    ...rows.map(
      (row) =>
        `  { key: ${JSON.stringify(row.key)}, cid: ${JSON.stringify(row.cid)}, sia: ${JSON.stringify(row.sia)}, description: ${JSON.stringify(row.description)} },`,
    ),
    ']);',
    '',
  ];
  return lines.join('\n');
}

function renderIndex(): string {
  const lines = [
    '// Generated by scripts/generate-tables.ts. Do not edit: run `npm run tables:generate`.',
    '',
    "import type { CodeFamily, CodeRow } from '../code-row.js';",
    ...CODE_FAMILIES.map((family) => `import { ${FAMILY_SOURCES[family].constant} } from './${family}.js';`),
    '',
    'export const GENERATED_TABLES: Readonly<Record<CodeFamily, readonly CodeRow[]>> = Object.freeze({',
    ...CODE_FAMILIES.map((family) => `  ${JSON.stringify(family)}: ${FAMILY_SOURCES[family].constant},`),
    '});',
    '',
  ];
  return lines.join('\n');
}

/** Every generated file's path (relative to the generated folder) and content. */
export function renderAll(sourceDir: string = SOURCE_DIR): Map<string, string> {
  const files = new Map<string, string>();
  for (const family of CODE_FAMILIES) files.set(`${family}.ts`, renderFamily(family, readFamilyRows(family, sourceDir)));
  files.set('index.ts', renderIndex());
  return files;
}

/** Files that differ from what the generator would write, are missing, or should not exist. */
export function findDrift(sourceDir: string = SOURCE_DIR, generatedDir: string = GENERATED_DIR): string[] {
  const expected = renderAll(sourceDir);
  const drift: string[] = [];
  let present: string[] = [];
  try {
    present = readdirSync(generatedDir).filter((name) => name.endsWith('.ts'));
  } catch {
    present = [];
  }
  for (const [name, content] of expected) {
    let actual: string | undefined;
    try {
      actual = readFileSync(join(generatedDir, name), 'utf8');
    } catch {
      actual = undefined;
    }
    if (actual === undefined) drift.push(`${name}: missing`);
    else if (actual !== content) drift.push(`${name}: differs from its source`);
  }
  for (const name of present) if (!expected.has(name)) drift.push(`${name}: not produced by the generator`);
  return drift;
}

function main(argv: readonly string[]): number {
  if (argv.includes('--check')) {
    const drift = findDrift();
    if (drift.length > 0) {
      process.stderr.write(
        `generated tables drifted from tables/*.csv:\n${drift.map((line) => `  ${relative(ROOT, GENERATED_DIR)}/${line}`).join('\n')}\nrun \`npm run tables:generate\` and commit the result\n`,
      );
      return 1;
    }
    process.stdout.write('generated tables match tables/*.csv\n');
    return 0;
  }
  mkdirSync(GENERATED_DIR, { recursive: true });
  for (const [name, content] of renderAll()) writeFileSync(join(GENERATED_DIR, name), content);
  process.stdout.write(`wrote ${relative(ROOT, GENERATED_DIR)}/ from tables/*.csv\n`);
  return 0;
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    process.exitCode = main(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  }
}
