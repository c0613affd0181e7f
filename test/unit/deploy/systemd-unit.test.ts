// deploy/hik-arc.service: what the service issue asks of it, and systemd's own verification.

import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DELIVERY_DRAIN_MS } from '../../../src/service/service.js';
import { INGEST_DEFAULTS } from '../../../src/ingest/index.js';
import { tempDir } from '../../helpers/temp-files.js';

const UNIT = 'deploy/hik-arc.service';
const unit = readFileSync(UNIT, 'utf8');

function directive(name: string): string[] {
  return [...unit.matchAll(new RegExp(`^${name}=(.*)$`, 'gm'))].map((match) => (match[1] ?? '').trim());
}

describe('systemd unit', () => {
  it('runs the service as its own user, restarts it always and keeps the store in a state directory', () => {
    expect(directive('User')).toEqual(['hik-arc']);
    expect(directive('Restart')).toEqual(['always']);
    expect(directive('RestartPreventExitStatus')).toEqual(['78']);
    expect(directive('StateDirectory')).toEqual(['hik-arc']);
    expect(directive('ExecStart')[0]).toMatch(/hik-arc\.js run --config /);
    expect(directive('Environment')).toContain('HIK_ARC_STORE_PATH=/var/lib/hik-arc/hik-arc.db');
  });

  it('gives shutdown more time than ingest and delivery take to drain', () => {
    const stopSec = Number(directive('TimeoutStopSec')[0]);
    expect(stopSec * 1000).toBeGreaterThan(INGEST_DEFAULTS.stopTimeoutMs + DELIVERY_DRAIN_MS);
  });

  it('is sandboxed', () => {
    for (const [name, value] of [
      ['ProtectSystem', 'strict'],
      ['ProtectHome', 'yes'],
      ['PrivateTmp', 'yes'],
      ['NoNewPrivileges', 'yes'],
      ['RestrictAddressFamilies', 'AF_INET AF_INET6 AF_UNIX'],
      ['CapabilityBoundingSet', ''],
    ] as const) {
      expect(directive(name), name).toEqual([value]);
    }
  });

  it.runIf(existsSync('/usr/bin/systemd-analyze'))('passes systemd-analyze verify', () => {
    const copy = join(tempDir(), 'hik-arc.service');
    copyFileSync(UNIT, copy);
    const result = spawnSync('systemd-analyze', ['verify', copy], { encoding: 'utf8' });
    expect(
      result.stderr
        .split('\n')
        .filter((line) => line.includes('hik-arc.service'))
        .join('\n'),
    ).toBe('');
    expect(result.status).toBe(0);
  });
});
