// hik-arc's version, read from its package.json (the one place it is written), for the build info
// metric and `--version`. The file is looked for upward from this module, not at a fixed path: the
// sources (src/), the deployed build (dist/) and the bench's build (bench/.build/) sit at different
// depths below it.

import { existsSync, readFileSync } from 'node:fs';

const PACKAGE_NAME = 'hik-arc';

function readVersion(): string {
  let dir = new URL('.', import.meta.url);
  for (;;) {
    const candidate = new URL('package.json', dir);
    if (existsSync(candidate)) {
      const manifest = JSON.parse(readFileSync(candidate, 'utf8')) as { name?: unknown; version?: unknown };
      if (manifest.name === PACKAGE_NAME && typeof manifest.version === 'string') return manifest.version;
    }
    const parent = new URL('..', dir);
    if (parent.href === dir.href) throw new Error(`no package.json of ${PACKAGE_NAME} above ${import.meta.url}`);
    dir = parent;
  }
}

/** The `version` of hik-arc's package.json, e.g. `0.1.0`. */
export const VERSION: string = readVersion();
