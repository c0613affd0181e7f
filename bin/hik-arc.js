#!/usr/bin/env node
// Runs the compiled build (`npm run build`, what a deployment uses) when there is one; otherwise
// the TypeScript sources through tsx, so a fresh checkout works after `npm ci` alone.
import { existsSync } from 'node:fs';

const built = new URL('../dist/cli.js', import.meta.url);
if (existsSync(built)) {
  const { main } = await import(built.href);
  await main();
} else {
  let register;
  try {
    ({ register } = await import('tsx/esm/api'));
  } catch {
    process.stderr.write('hik-arc: no build in dist/ and no tsx to run the sources: run `npm ci && npm run build` first\n');
    process.exit(70);
  }
  register();
  const { main } = await import(new URL('../src/cli.ts', import.meta.url).href);
  await main();
}
