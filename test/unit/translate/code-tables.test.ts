// The generated Appendix D tables: complete, well-formed, equal to their CSV sources, and the
// drift check really fails when a source changes.

import { cpSync, mkdtempSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { findDrift, GENERATED_DIR, parseCsv, readFamilyRows, SOURCE_DIR } from '../../../scripts/generate-tables.js';
import { allTableRows, lookupCode } from '../../../src/translate/code-tables.js';
import { runCommand } from '../../helpers/run-cli.js';

// Row counts of Appendix D of the guide, section by section.
const GUIDE_ROW_COUNTS = { 'security-control': 296, 'encoding-device': 17, radar: 4, 'access-control': 2, 'device-status': 9 };

describe('code tables', () => {
  it('hold every row of Appendix D, 328 in all', () => {
    const rows = allTableRows();
    expect(rows).toHaveLength(328);
    for (const [family, count] of Object.entries(GUIDE_ROW_COUNTS)) {
      expect(
        rows.filter((row) => row.family === family),
        family,
      ).toHaveLength(count);
    }
  });

  it('have well-formed codes and unique keys per family', () => {
    const seen = new Set<string>();
    for (const row of allTableRows()) {
      expect(row.cid).toMatch(/^[ER]\d{3}$/);
      expect(row.sia).toMatch(/^[A-Z]{2}$/);
      expect(row.description.trim()).not.toBe('');
      const key = `${row.family}:${row.key.toLowerCase()}`;
      expect(seen.has(key), key).toBe(false);
      seen.add(key);
    }
  });

  it('carry sample rows exactly as printed in the guide', () => {
    expect(lookupCode('security-control', '1103')).toEqual({ key: '1103', cid: 'E130', sia: 'BA', description: 'Burglary Alarm' });
    expect(lookupCode('security-control', '3786')).toMatchObject({ cid: 'R153', sia: 'KJ' });
    expect(lookupCode('security-control', '1443')?.description).toBe('Turn On Output by Schedulet');
    expect(lookupCode('security-control', '1781')?.description).toBe('High Temperature Pre-Alarm');
    expect(lookupCode('encoding-device', 'vmd')).toMatchObject({ key: 'VMD', cid: 'E901', sia: 'VB' });
    expect(lookupCode('radar', 'respireAbnormal')).toMatchObject({ cid: 'E703', sia: 'RD' });
    expect(lookupCode('access-control', 'cancelVoiceTalkEvent')).toMatchObject({ cid: 'R800', sia: 'NA' });
    expect(lookupCode('device-status', 'hppConnectNormal')).toMatchObject({
      cid: 'R600',
      sia: 'RA',
      description: 'Communication Restored Between IP Receiver Pro and Hik-Partner Pro',
    });
    expect(lookupCode('security-control', '9999')).toBeUndefined();
  });

  it('agree with the qualifier rule: Hik codes 1xxx are E, 3xxx are R', () => {
    for (const row of allTableRows().filter((r) => r.family === 'security-control')) {
      expect(row.cid[0], row.key).toBe(row.key.startsWith('1') ? 'E' : 'R');
    }
  });
});

describe('hik-arc tables --json', () => {
  it('prints every row as {family,key,cid,sia,description}', async () => {
    const run = await runCommand(['tables', '--json']);
    expect(run.code).toBe(0);
    const rows = run.lines[0] as Array<Record<string, string>>;
    expect(rows).toHaveLength(328);
    expect(Object.keys(rows[0] ?? {})).toEqual(['family', 'key', 'cid', 'sia', 'description']);
    const families = new Set(rows.map((row) => row.family));
    expect([...families]).toEqual(['security-control', 'encoding-device', 'radar', 'access-control', 'device-status']);
    // The CSV sources, read independently of the generated modules, hold the same rows.
    const fromCsv = parseCsv(readFileSync(join(SOURCE_DIR, 'security-control.csv'), 'utf8')).slice(1);
    expect(
      rows
        .filter((row) => row.family === 'security-control')
        .map((row) => [row.key, row.cid, row.sia, row.description])
        .sort(),
    ).toEqual(fromCsv.sort());
  });

  it('filters by family and rejects an unknown one', async () => {
    const radar = await runCommand(['tables', '--json', '--family', 'radar']);
    expect((radar.lines[0] as unknown[]).length).toBe(4);
    expect((await runCommand(['tables', '--family', 'nope'])).code).toBe(64);
  });
});

describe('tables drift check', () => {
  let copy: string | undefined;
  afterEach(() => {
    if (copy) rmSync(copy, { recursive: true, force: true });
    copy = undefined;
  });

  function copySources(): { sources: string; generated: string } {
    copy = mkdtempSync(join(tmpdir(), 'hik-arc-tables-'));
    const sources = join(copy, 'tables');
    const generated = join(copy, 'generated');
    cpSync(SOURCE_DIR, sources, { recursive: true });
    cpSync(GENERATED_DIR, generated, { recursive: true });
    return { sources, generated };
  }

  it('finds no drift in the committed files', () => {
    expect(findDrift()).toEqual([]);
  });

  it('fails when a source row changes', () => {
    const { sources, generated } = copySources();
    const file = join(sources, 'radar.csv');
    writeFileSync(file, readFileSync(file, 'utf8').replace('E700,RA', 'E700,RZ'));
    expect(findDrift(sources, generated)).toEqual(['radar.ts: differs from its source']);
  });

  it('fails when a generated file is edited by hand, missing or extra', () => {
    const { sources, generated } = copySources();
    writeFileSync(join(generated, 'radar.ts'), `${readFileSync(join(generated, 'radar.ts'), 'utf8')}// hand edit\n`);
    rmSync(join(generated, 'device-status.ts'));
    writeFileSync(join(generated, 'stray.ts'), 'export {};\n');
    expect(findDrift(sources, generated).sort()).toEqual([
      'device-status.ts: missing',
      'radar.ts: differs from its source',
      'stray.ts: not produced by the generator',
    ]);
  });

  it.each([
    ['a malformed CID', 'fallingDown,E70,RA,Person Fall Alarm'],
    ['a lower-case SIA code', 'fallingDown,E700,ra,Person Fall Alarm'],
    ['an empty description', 'fallingDown,E700,RA,'],
    ['a duplicate key (case-insensitive)', 'FALLINGDOWN,E700,RA,Person Fall Alarm'],
  ])('rejects %s', (_name, row) => {
    const { sources } = copySources();
    const file = join(sources, 'radar.csv');
    writeFileSync(file, `${readFileSync(file, 'utf8')}${row}\n`);
    expect(() => readFamilyRows('radar', sources)).toThrow(/radar\.csv:6/);
  });

  it('rejects a Hik code whose first digit disagrees with the qualifier', () => {
    const { sources } = copySources();
    const file = join(sources, 'security-control.csv');
    writeFileSync(file, `${readFileSync(file, 'utf8')}1999,R999,UA,Wrong qualifier\n`);
    expect(() => readFamilyRows('security-control', sources)).toThrow(/disagree/);
  });
});
