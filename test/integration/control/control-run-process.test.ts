// `hik-arc run` as a real process with the control API on: a command by HTTP, confirmed by the
// panel's event on the stream, the event at the ARC too, SIGTERM; and a tokens file that cannot
// be read stopping the start with exit 78.

import { join } from 'node:path';
import { request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { generateToken } from '../../../src/control/api-tokens.js';
import { Dc09Receiver, type FrameRecord } from '../../../src/transport/index.js';
import { startFakeHikReceiver } from '../../helpers/fake-hik-receiver.js';
import { startHikArc, type ServiceProcess } from '../../helpers/service-process.js';
import { makePanel } from '../../helpers/fake-hik-security-cp.js';
import { runCommand } from '../../helpers/run-cli.js';
import { tempDir, writeTempJson } from '../../helpers/temp-files.js';
import { waitFor } from '../../helpers/wait-for.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
});

function startRun(config: Record<string, unknown>): ServiceProcess {
  return startHikArc(cleanups, config);
}

describe('hik-arc run with the control API', { timeout: 60_000 }, () => {
  it('takes a command over HTTP, confirms it by the panel event, and stops cleanly', async () => {
    const frames: FrameRecord[] = [];
    const arc = await Dc09Receiver.start({ listen: [{ transport: 'tcp', host: '127.0.0.1', port: 0 }], onFrame: (frame) => frames.push(frame) });
    cleanups.push(() => arc.stop());
    const panel = makePanel(1);
    const hik = await startFakeHikReceiver({ heartbeatIntervalMs: 300, securityCp: { panels: [panel] } });
    cleanups.push(() => hik.close());
    const { token, entry } = generateToken('arc-automation', ['read', 'disarm']);
    const run = startRun({
      receiver: { url: hik.url, username: 'admin', password: 'hik12345', account: 'AAAA', heartbeatTimeoutSec: 5 },
      arc: { primary: arc.url('tcp'), ackTimeoutMs: 1000 },
      store: { path: join(tempDir(), `control-run-${process.pid}.db`) },
      http: { listen: '' },
      control: { enabled: true, listen: '127.0.0.1:0', tokensFile: writeTempJson({ tokens: [entry] }), confirmTimeoutSec: 5 },
      log: { level: 'info' },
    });
    await waitFor(() => run.logs.some((log) => log['msg'] === 'control API listening') && hik.subscribeCount() === 1, 20_000, 'the control API and the stream');
    const address = String(run.logs.find((log) => log['msg'] === 'control API listening')?.['address']);
    panel.partitions[0]!.arming = 'away';
    const posted = await request(`http://${address}/v1/panels/${panel.serial}/partitions/1/disarm`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ operator: 'j.smith', reason: 'keyholder on site', idempotencyKey: 'ticket-1' }),
    });
    expect(posted.statusCode).toBe(202);
    const { commandId } = (await posted.body.json()) as { commandId: string };
    let state = '';
    await waitFor(
      async () => {
        const response = await request(`http://${address}/v1/commands/${commandId}`, { headers: { authorization: `Bearer ${token}` } });
        state = ((await response.body.json()) as { state: string }).state;
        return state === 'confirmed';
      },
      10_000,
      'the confirmation',
    );
    await waitFor(() => frames.some((frame) => frame.data?.startsWith('#2001|1401 01') === true), 10_000, 'the disarm event at the ARC');
    run.child.kill('SIGTERM');
    expect(await run.exited).toBe(0);
    expect(JSON.stringify(run.logs)).not.toContain(token);
  });

  it('exits 78 when the tokens file cannot be read', async () => {
    const run = startRun({
      receiver: { url: 'http://127.0.0.1:9', username: 'admin', password: 'x', account: 'AAAA' },
      arc: { primary: 'tcp://127.0.0.1:9' },
      store: { path: join(tempDir(), `control-run-bad-${process.pid}.db`) },
      control: { enabled: true, listen: '127.0.0.1:0', tokensFile: join(tempDir(), 'missing-tokens.json') },
      log: { level: 'info' },
    });
    expect(await run.exited).toBe(78);
    expect(run.stderr()).toContain('control.tokensFile: cannot read');
  });

  it('check-config names a tokens file problem too, and counts the tokens of a good one', async () => {
    const base = { control: { enabled: true, listen: '127.0.0.1:9310', tokensFile: join(tempDir(), 'missing-tokens.json') }, log: { level: 'silent' } };
    const bad = await runCommand(['check-config', writeTempJson(base)]);
    expect(bad.code).toBe(78);
    expect(bad.stderr).toContain('HIKARC_CONTROL_TOKENS_INVALID');
    const good = await runCommand([
      'check-config',
      writeTempJson({ ...base, control: { ...base.control, tokensFile: writeTempJson({ tokens: [generateToken('a', ['read']).entry] }) } }),
    ]);
    expect(good.code).toBe(0);
    expect(good.stdout).toContain('control API on 127.0.0.1:9310: 1 token(s)');
  });
});
