#!/usr/bin/env node
// Runs the compiled build (npm run build) when there is one; otherwise the TypeScript sources
// through tsx, so a fresh checkout works after `npm ci` alone.
import { existsSync } from 'node:fs';

const built = new URL('../dist/cli.js', import.meta.url);
if (existsSync(built)) {
  const { main } = await import(built.href);
  await main();
} else {
  const { register } = await import('tsx/esm/api');
  register();
  const { main } = await import(new URL('../src/cli.ts', import.meta.url).href);
  await main();
}
