// Writes config/example.json and the README's settings table from the one declaration of the
// settings (src/config/schema.ts). `--check` compares instead of writing and exits 1 on drift.

import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { exampleConfigText, withSettingsTable } from '../src/config/describe.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const EXAMPLE = join(ROOT, 'config', 'example.json');
const README = join(ROOT, 'README.md');

const check = process.argv.includes('--check');
const readme = readFileSync(README, 'utf8');
const newReadme = withSettingsTable(readme);
if (newReadme === undefined) {
  process.stderr.write('README.md has no settings table markers\n');
  process.exit(1);
}
const outputs = [
  { file: EXAMPLE, text: exampleConfigText() },
  { file: README, text: newReadme },
];
let drift = false;
for (const { file, text } of outputs) {
  if (readFileSync(file, 'utf8') === text) continue;
  if (check) {
    process.stderr.write(`${file} differs from the settings declaration: run npm run config:generate\n`);
    drift = true;
  } else {
    writeFileSync(file, text);
    process.stdout.write(`wrote ${file}\n`);
  }
}
process.exit(drift ? 1 : 0);
