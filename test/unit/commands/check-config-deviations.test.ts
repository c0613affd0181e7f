// check-config and the DC-09 deviations (docs/dc09.md §Deviations per destination): each one that is
// on is named, and a clear ACK taken for an encrypted frame is warned about as forgeable.

import { describe, expect, it } from 'vitest';
import { runCommand } from '../../helpers/run-cli.js';
import { writeTempFile } from '../../helpers/temp-files.js';

function configFile(arc: Record<string, unknown>): string {
  return writeTempFile(JSON.stringify({ arc: { primary: 'tcp://127.0.0.1:5000', secondary: 'tcp://127.0.0.1:5001', ...arc } }), '.json');
}

describe('check-config: DC-09 deviations', () => {
  it('is silent about deviations when none is on', async () => {
    const run = await runCommand(['check-config', configFile({})]);
    expect(run.code).toBe(0);
    expect(run.stdout).not.toContain('deviation');
    expect(run.stderr).toBe('');
  });

  it('names each deviation that is on, per destination', async () => {
    const run = await runCommand(['check-config', configFile({ deviations: { primary: { omitReceiverNumber: true }, secondary: { hikvisionNull: true } } })]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('DC-09 deviation for arc.primary: frames leave out the optional R field');
    expect(run.stdout).toContain('DC-09 deviation for arc.secondary: NULL link tests carry the body Hikvision panels send');
    expect(run.stderr).toBe('');
  });

  it('warns that a clear ACK to an encrypted frame can be forged', async () => {
    const file = configFile({ deviations: { secondary: { acceptClearAck: true } } });
    const run = await runCommand(['check-config', file], { HIK_ARC_ARC_KEY: '000102030405060708090A0B0C0D0E0F' });
    expect(run.code).toBe(0);
    expect(run.stderr).toContain(`hik-arc check-config: warning (HIKARC_CONFIG_FORGEABLE_ACK): ${file}: arc.deviations.secondary.acceptClearAck is on`);
    expect(run.stderr).toContain('forge');
    expect(run.stderr).not.toContain('arc.key is empty');
    expect(run.stderr).not.toContain('000102030405060708090A0B0C0D0E0F');
    const unkeyed = await runCommand(['check-config', file]);
    expect(unkeyed.stderr).toContain('arc.key is empty, so it changes nothing now');
  });

  it('takes the settings from the environment too', async () => {
    const run = await runCommand(['check-config', configFile({})], { HIK_ARC_ARC_DEVIATIONS_PRIMARY_ACCEPT_CLEAR_ACK: 'true' });
    expect(run.stderr).toContain('arc.deviations.primary.acceptClearAck is on');
  });
});
