// `hik-arc panel` against the fake receiver on real loopback sockets: status and paging, every
// command, the receiver's refusals and faults (open zones, lowPrivilege, panel offline, unknown
// devIndex, the all-partitions id, broken JSON, empty 200, ErrorList, no answer or a reset after
// the request was sent), OTAP limits, one command per panel, the rate limit, a locked login, exit
// codes 0/1/64/75/78, and the audit trail with its verification.

import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { startFakeHikReceiver, type FakeHikReceiver } from '../../helpers/fake-hik-receiver.js';
import { ANSWER_BODIES, makePanel, STATUS_OK, type FakePanel, type FakeSecurityCpOptions } from '../../helpers/fake-hik-security-cp.js';
import { runCommand, type CliRun } from '../../helpers/run-cli.js';
import { openSqliteOutbox } from '../../../src/outbox/index.js';
import { tempDir, writeTempJson } from '../../helpers/temp-files.js';

const PASSWORD = 'hik12345';
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

interface Rig {
  readonly hik: FakeHikReceiver;
  readonly panel: FakePanel;
  readonly config: string;
  readonly store: string;
  run(...args: string[]): Promise<CliRun>;
  /** A state change with --operator, --reason and --yes. */
  change(...args: string[]): Promise<CliRun>;
  /** Requests that reached the SecurityCP control calls (not status reads). */
  commands(): string[];
}

let stores = 0;

async function rig(options: { securityCp?: FakeSecurityCpOptions; panel?: Partial<FakePanel>; control?: Record<string, unknown> } = {}): Promise<Rig> {
  const panel = makePanel(1, options.panel);
  const hik = await startFakeHikReceiver({ securityCp: { panels: [panel], ...options.securityCp } });
  cleanups.push(() => hik.close());
  stores += 1;
  const store = join(tempDir(), `panel-cli-${process.pid}-${stores}.db`);
  const config = writeTempJson({
    receiver: { url: hik.url, username: 'admin', password: PASSWORD },
    store: { path: store },
    control: { enabled: true, requestTimeoutSec: 1, confirmTimeoutSec: 2, requestsPerMinute: 100, ...options.control },
    log: { level: 'silent' },
  });
  const run = (...args: string[]): Promise<CliRun> => runCommand(['panel', ...args.slice(0, 1), '--config', config, ...args.slice(1)]);
  return {
    hik,
    panel,
    config,
    store,
    run,
    change: (...args) => run(...args, '--operator', 'j.smith', '--reason', 'keyholder on site', '--yes', '--json'),
    commands: () => hik.securityCp.commandLog.map((line) => line.replace(/\?.*$/, '')),
  };
}

function record(run: CliRun): Record<string, unknown> {
  expect(run.lines).toHaveLength(1);
  return run.lines[0] as Record<string, unknown>;
}

describe('hik-arc panel status, zones, peripherals', () => {
  it('reads partitions and every zone over pages (MORE), by account, serial or devIndex', async () => {
    const r = await rig({ securityCp: { zonePageLimit: 2 } });
    r.panel.partitions[1]!.arming = 'away';
    r.panel.zones[2]!.status = 'trigger';
    const status = await r.run('status', '--panel', '2001', '--json');
    expect(status.code).toBe(0);
    const view = record(status);
    expect(view['partitions']).toEqual([
      { id: 1, arming: 'disarm', alarm: false },
      { id: 2, arming: 'away', alarm: false },
    ]);
    expect((view['zones'] as unknown[]).length).toBe(6);
    expect((view['zones'] as unknown[])[0]).toEqual({ id: 0, name: 'Zone 1', status: 'online', alarm: false, bypassed: false, armed: false, partition: 1 });
    expect(view['summary']).toEqual({ total: 6, open: 1, faulted: 1, alarm: 0, bypassed: 0 });
    const pages = r.hik.requests.filter((request) => request.url.startsWith('/ISAPI/SecurityCP/status/zones') && request.verdict === 'ok');
    expect(pages.map((request) => JSON.parse(request.body).ZoneCond.searchResultPosition)).toEqual([0, 2, 4]);

    for (const id of [r.panel.serial, r.panel.devIndex, r.panel.devIndex.toUpperCase()]) expect((await r.run('status', '--panel', id)).code).toBe(0);
    const text = await r.run('status', '--panel', '2001');
    expect(text.stdout).toContain('partition 2: away');
    expect(text.stdout).toContain('zone 2 Zone 3: trigger');
  });

  it('falls back to the GET of chapter 6 when the receiver does not know the POST, and reads broken JSON', async () => {
    const r = await rig({ securityCp: { zoneStatusMethods: 'GET', malformedStatus: true } });
    const zones = await r.run('zones', '--panel', '2001', '--json');
    expect(zones.code).toBe(0);
    expect((record(zones)['zones'] as unknown[]).length).toBe(6);
    const methods = r.hik.requests
      .filter((request) => request.url.startsWith('/ISAPI/SecurityCP/status/zones') && request.verdict === 'ok')
      .map((request) => request.method);
    expect(methods).toEqual(['POST', 'GET']);
    r.panel.zones[4]!.status = 'breakDown';
    const faulted = await r.run('zones', '--panel', '2001', '--faulted', '--json');
    expect((record(faulted)['zones'] as Array<{ id: number }>).map((zone) => zone.id)).toEqual([4]);
  });

  it('lists peripherals; an OTAP panel is refused locally for them and has no partition status', async () => {
    const r = await rig();
    const peripherals = await r.run('peripherals', '--panel', '2001', '--json');
    expect(record(peripherals)['peripherals']).toEqual(
      expect.arrayContaining([expect.objectContaining({ kind: 'relay', id: 0, name: 'Gate', status: 'off' })]),
    );

    const otap = await rig({ panel: { otap: true } });
    const refused = await otap.run('peripherals', '--panel', '2001');
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('HIKARC_CONTROL_NOT_SUPPORTED');
    const status = await otap.run('status', '--panel', '2001', '--json');
    expect(status.code).toBe(0);
    expect(record(status)['partitions']).toBeNull();
    const relay = await otap.change('relay', '--panel', '2001', '--relays', '0', '--on');
    expect(relay.code).toBe(1);
    expect(record(relay)).toMatchObject({ state: 'failed', code: 'HIKARC_CONTROL_NOT_SUPPORTED' });
    expect(otap.hik.requests.some((request) => /status\/(subSystems|exDevStatus)|control\/outputs/.test(request.url))).toBe(false);
  });

  it('an unknown panel is refused before anything is sent to a panel', async () => {
    const r = await rig();
    const run = await r.run('status', '--panel', '9999');
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('HIKARC_CONTROL_PANEL_UNKNOWN');
    const arm = await r.change('arm', '--panel', 'no-such-panel', '--partition', '1', '--mode', 'away');
    expect(arm.code).toBe(1);
    expect(record(arm)).toMatchObject({ state: 'failed', code: 'HIKARC_CONTROL_PANEL_UNKNOWN' });
    expect(r.hik.requests.some((request) => request.url.startsWith('/ISAPI/SecurityCP/'))).toBe(false);
  });
});

describe('hik-arc panel commands', () => {
  it('arm: accepted, confirmed by the status read back, exit 0, one JSON object', async () => {
    const r = await rig();
    const run = await r.change('arm', '--panel', '2001', '--partition', '1', '--mode', 'away');
    expect(run.code).toBe(0);
    const result = record(run);
    expect(result).toMatchObject({
      state: 'confirmed',
      request: { method: 'PUT', path: `/ISAPI/SecurityCP/control/arm/1?ways=away&format=json&devIndex=${r.panel.devIndex}`, body: null },
      answer: { httpStatus: 200, statusCode: 1, subStatusCode: 'ok', repaired: false },
      confirmation: { source: 'status', check: 'reached' },
      operator: 'j.smith',
      reason: 'keyholder on site',
      via: 'cli',
    });
    expect(r.panel.partitions[0]?.arming).toBe('away');
    expect(r.commands()).toEqual(['PUT /ISAPI/SecurityCP/control/arm/1']);
  });

  it('disarm, clear-alarm, bypass and restore, deactivate, relays', async () => {
    const r = await rig();
    r.panel.partitions[0]!.arming = 'stay';
    r.panel.partitions[0]!.alarm = true;
    expect((await r.change('disarm', '--panel', '2001', '--partition', '1')).code).toBe(0);
    expect((await r.change('clear-alarm', '--panel', '2001', '--partition', 'all')).code).toBe(0);
    expect(r.panel.partitions[0]).toMatchObject({ arming: 'disarm', alarm: false });
    expect((await r.change('bypass', '--panel', '2001', '--zones', '2,3')).code).toBe(0);
    expect(r.panel.zones.filter((zone) => zone.bypassed).map((zone) => zone.id)).toEqual([2, 3]);
    expect((await r.change('bypass', '--panel', '2001', '--zones', '3', '--restore')).code).toBe(0);
    expect(r.panel.zones.filter((zone) => zone.bypassed).map((zone) => zone.id)).toEqual([2]);
    const deactivate = await r.change('deactivate', '--panel', '2001', '--zones', '4', '--mode', 'lidOnly', '--permanent');
    expect(record(deactivate)).toMatchObject({ state: 'confirmed', request: { body: '{"List":[{"id":4,"deactivationMode":"lidOnly"}]}' } });
    const relay = await r.change('relay', '--panel', '2001', '--relays', '0,1', '--on');
    expect(record(relay)).toMatchObject({ state: 'confirmed', readBack: { check: 'reached' } });
    expect(r.panel.relays.map((one) => one.status)).toEqual(['on', 'on']);
    expect(r.commands()).toEqual([
      'PUT /ISAPI/SecurityCP/control/disarm/1',
      'PUT /ISAPI/SecurityCP/control/clearAlarm/0xffffffff',
      'PUT /ISAPI/SecurityCP/control/bypass',
      'PUT /ISAPI/SecurityCP/control/bypassRecover',
      'PUT /ISAPI/SecurityCP/control/deactivation',
      'POST /ISAPI/SecurityCP/control/outputs',
    ]);
  });

  it('--dry-run prints the exact request and sends nothing', async () => {
    const r = await rig();
    const run = await r.run('bypass', '--panel', '2001', '--zones', '3,5', '--dry-run');
    expect(run.code).toBe(0);
    expect(run.stdout).toBe(`PUT /ISAPI/SecurityCP/control/bypass?format=json&devIndex=${r.panel.devIndex}\n{"List":[{"id":3},{"id":5}]}\n`);
    expect(r.commands()).toEqual([]);
  });

  it('arming refused with open zones: exit 1, the zones read back, nothing bypassed', async () => {
    const r = await rig();
    r.panel.zones[1]!.status = 'trigger';
    r.panel.zones[5]!.status = 'breakDown'; // partition 2: does not block partition 1
    const run = await r.change('arm', '--panel', '2001', '--partition', '1', '--mode', 'away');
    expect(run.code).toBe(1);
    const result = record(run);
    expect(result).toMatchObject({
      state: 'refused',
      code: 'HIKARC_CONTROL_ARMING_REFUSED',
      answer: { httpStatus: 400, subStatusCode: 'interfaceOperationError' },
    });
    expect(result['blockingZones']).toEqual([{ id: 1, name: 'Zone 2', status: 'trigger', alarm: false, bypassed: false, armed: false, partition: 1 }]);
    expect(result['message']).toContain('open or faulted zones: 1 Zone 2 (trigger)');
    expect(r.commands()).toEqual(['PUT /ISAPI/SecurityCP/control/arm/1']);
    expect(r.panel.zones.some((zone) => zone.bypassed)).toBe(false);
  });

  it.each([
    ['lowPrivilege', { status: 403, body: ANSWER_BODIES.lowPrivilege }, 'HIKARC_CONTROL_LOW_PRIVILEGE'],
    ['device offline', { status: 503, body: ANSWER_BODIES.deviceOffline }, 'HIKARC_CONTROL_PANEL_UNREACHABLE'],
    ['unknown devIndex', { status: 400, body: ANSWER_BODIES.unknownDevice }, 'HIKARC_CONTROL_PANEL_UNKNOWN'],
  ])('%s: refused, exit 1', async (_name, answer, code) => {
    const r = await rig();
    r.hik.securityCp.queueFault({ type: 'answer', ...answer });
    const run = await r.change('disarm', '--panel', '2001', '--partition', '1');
    expect(run.code).toBe(1);
    expect(record(run)).toMatchObject({ state: 'refused', code });
    expect(r.commands()).toHaveLength(1);
  });

  it('a panel the receiver reports offline is refused with the panel-unreachable code', async () => {
    const r = await rig({ panel: { online: false } });
    const run = await r.change('arm', '--panel', '2001', '--partition', '2', '--mode', 'stay');
    expect(record(run)).toMatchObject({ state: 'refused', code: 'HIKARC_CONTROL_PANEL_UNREACHABLE', answer: { httpStatus: 503 } });
  });

  it('the all-partitions id answered 404: refused, naming the partitions to use', async () => {
    const r = await rig({ securityCp: { allPartitionsId: 'not-found' } });
    const run = await r.change('disarm', '--panel', '2001', '--partition', 'all');
    expect(run.code).toBe(1);
    expect(record(run)).toMatchObject({
      state: 'refused',
      code: 'HIKARC_CONTROL_ALL_PARTITIONS_UNSUPPORTED',
      answer: { httpStatus: 404, subStatusCode: 'methodNotAllowed' },
    });
    expect(record(run)['message']).toMatch(/one by one: 1, 2$/);
    expect(r.commands()).toEqual(['PUT /ISAPI/SecurityCP/control/disarm/0xffffffff']);
  });

  it('broken JSON and an empty 200 are success', async () => {
    const r = await rig();
    r.hik.securityCp.queueFault({ type: 'answer', status: 200, body: '{\n "statusCode": 1\n "statusString":"OK",\n "subStatusCode":"ok",\n}', apply: true });
    const broken = await r.change('arm', '--panel', '2001', '--partition', '1', '--mode', 'stay');
    expect(broken.code).toBe(0);
    expect(record(broken)).toMatchObject({ state: 'confirmed', answer: { statusCode: 1, repaired: true } });
    r.hik.securityCp.queueFault({ type: 'answer', status: 200, body: '', apply: true });
    const empty = await r.change('disarm', '--panel', '2001', '--partition', '1');
    expect(record(empty)).toMatchObject({ state: 'confirmed', answer: { httpStatus: 200, statusCode: null } });
  });

  it('an ErrorList with some zones failed: partial, exit 1, the rest read back', async () => {
    const r = await rig({ panel: { zones: makePanel(1).zones.map((zone) => (zone.id === 5 ? { ...zone, bypassable: false } : zone)) } });
    const run = await r.change('bypass', '--panel', '2001', '--zones', '1,5');
    expect(run.code).toBe(1);
    const result = record(run);
    expect(result).toMatchObject({
      state: 'partial',
      code: 'HIKARC_CONTROL_PARTIAL',
      answer: { failures: [{ id: '5', subStatusCode: 'notSupport' }] },
      readBack: { check: 'not-reached' },
    });
    expect(result['message']).toContain('failures for 5');
  });

  it('no answer after the request was sent: outcome unknown, exit 75, never resent, status read back', async () => {
    const r = await rig();
    r.hik.securityCp.queueFault({ type: 'hang', apply: true });
    const started = Date.now();
    const run = await r.change('arm', '--panel', '2001', '--partition', '1', '--mode', 'away');
    expect(run.code).toBe(75);
    expect(Date.now() - started).toBeLessThan(8_000);
    expect(record(run)).toMatchObject({
      state: 'unknown',
      code: 'HIKARC_CONTROL_OUTCOME_UNKNOWN',
      answer: null,
      readBack: {
        check: 'reached',
        status: {
          partitions: [
            { id: 1, arming: 'away', alarm: false },
            { id: 2, arming: 'disarm', alarm: false },
          ],
        },
      },
    });
    expect(r.hik.requests.filter((request) => request.url.includes('/control/') && request.verdict === 'ok')).toHaveLength(1);
    expect(r.commands()).toEqual(['PUT /ISAPI/SecurityCP/control/arm/1']);
  });

  it('a reset after the request was sent: outcome unknown, exit 75, the read back shows nothing changed', async () => {
    const r = await rig();
    r.hik.securityCp.queueFault({ type: 'reset' });
    const run = await r.change('bypass', '--panel', '2001', '--zones', '2');
    expect(run.code).toBe(75);
    expect(record(run)).toMatchObject({ state: 'unknown', readBack: { check: 'not-reached' } });
    expect(r.commands()).toEqual(['PUT /ISAPI/SecurityCP/control/bypass']);
  });

  it('accepted but the panel does not change: unconfirmed, exit 75', async () => {
    const r = await rig({ control: { confirmTimeoutSec: 1 } });
    r.hik.securityCp.queueFault({ type: 'answer', status: 200, body: STATUS_OK });
    const run = await r.change('arm', '--panel', '2001', '--partition', '1', '--mode', 'away');
    expect(run.code).toBe(75);
    expect(record(run)).toMatchObject({ state: 'unconfirmed', code: 'HIKARC_CONTROL_UNCONFIRMED', confirmation: { source: 'status', check: 'not-reached' } });
  });

  it('one command per panel: a second one while the first is in flight is refused without sending', async () => {
    const r = await rig();
    r.hik.securityCp.queueFault({ type: 'delay', ms: 700 });
    const first = r.change('arm', '--panel', '2001', '--partition', '1', '--mode', 'away');
    await r.hik.waitFor(() => r.commands().length === 1, 'the first command at the receiver');
    const second = await r.change('arm', '--panel', '2001', '--partition', '2', '--mode', 'away');
    expect(second.code).toBe(1);
    expect(record(second)).toMatchObject({ state: 'failed', code: 'HIKARC_CONTROL_PANEL_BUSY' });
    expect((await first).code).toBe(0);
    expect(r.commands()).toEqual(['PUT /ISAPI/SecurityCP/control/arm/1']);
    // Once answered, the panel takes the next command.
    expect((await r.change('arm', '--panel', '2001', '--partition', '2', '--mode', 'away')).code).toBe(0);
  });

  it('the per-receiver rate limit counts commands of every process', async () => {
    const r = await rig({ control: { requestsPerMinute: 2 } });
    expect((await r.change('disarm', '--panel', '2001', '--partition', '1')).code).toBe(0);
    expect((await r.change('disarm', '--panel', '2001', '--partition', '2')).code).toBe(0);
    const third = await r.change('disarm', '--panel', '2001', '--partition', '1');
    expect(record(third)).toMatchObject({ state: 'failed', code: 'HIKARC_CONTROL_RATE_LIMITED' });
    expect(r.commands()).toHaveLength(2);
  });

  it('a login with lock information: not carried out, exit 1, no second login', async () => {
    const r = await rig();
    r.hik.setAuthFault({ type: 'lock-info', status: 401, attemptsLeft: 0, locked: true });
    const run = await r.run('status', '--panel', '2001');
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('HIKARC_DIGEST_LOCKED');
    expect(r.hik.failedLogins()).toBe(1);
  });
});

describe('hik-arc panel without an audit trail', () => {
  it('sends nothing when the audit trail cannot be written', async () => {
    const r = await rig();
    const config = writeTempJson({
      receiver: { url: r.hik.url, username: 'admin', password: PASSWORD },
      store: { path: tempDir() }, // a directory: no database can be opened there
      control: { enabled: true },
      log: { level: 'silent' },
    });
    const run = await runCommand(['panel', 'disarm', '--config', config, '--panel', '2001', '--partition', '1', '--operator', 'j', '--reason', 'r', '--yes']);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('HIKARC_CONTROL_AUDIT_FAILED');
    expect(r.hik.requests).toEqual([]);
  });
});

describe('hik-arc panel exit codes for bad usage and configuration', () => {
  it('64 without --yes, --operator or --reason, or with bad arguments', async () => {
    const r = await rig();
    const noYes = await r.run('arm', '--panel', '2001', '--partition', '1', '--mode', 'away', '--operator', 'j', '--reason', 'r');
    expect(noYes.code).toBe(64);
    expect(noYes.stderr).toContain('add --yes');
    expect((await r.run('arm', '--panel', '2001', '--partition', '1', '--mode', 'away', '--reason', 'r', '--yes')).code).toBe(64);
    expect((await r.run('disarm', '--panel', '2001', '--partition', '1', '--operator', 'j', '--yes')).code).toBe(64);
    expect((await r.change('arm', '--panel', '2001', '--partition', '0', '--mode', 'away')).code).toBe(64);
    expect((await r.change('arm', '--panel', '2001', '--partition', '1', '--mode', 'night')).code).toBe(64);
    expect((await r.change('relay', '--panel', '2001', '--relays', '0', '--on', '--off')).code).toBe(64);
    expect((await r.change('bypass', '--panel', '2001')).code).toBe(64);
    expect((await runCommand(['panel', 'explode'])).code).toBe(64);
    expect((await runCommand(['panel'])).code).toBe(64);
    expect(r.commands()).toEqual([]);
  });

  it('78 when control is off or the receiver is not configured', async () => {
    const off = writeTempJson({ receiver: { url: 'http://127.0.0.1:9', username: 'a', password: 'b' }, log: { level: 'silent' } });
    const disabled = await runCommand(['panel', 'status', '--config', off, '--panel', '2001']);
    expect(disabled.code).toBe(78);
    expect(disabled.stderr).toContain('control.enabled');
    const missing = await runCommand(['panel', 'status', '--config', writeTempJson({ control: { enabled: true } }), '--panel', '2001']);
    expect(missing.code).toBe(78);
    expect(missing.stderr).toContain('receiver.url');
  });
});

describe('hik-arc panel audit', () => {
  it('lists who did what, when and why, verifies the chain, and never holds the password', async () => {
    const r = await rig();
    await r.change('arm', '--panel', '2001', '--partition', '1', '--mode', 'away');
    r.panel.zones[0]!.status = 'trigger';
    await r.change('arm', '--panel', '2001', '--partition', '1', '--mode', 'stay');
    const text = await r.run('audit');
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/#1 \S+Z requested requested: arm away partition 1 on 2001 by j\.smith \(cli, login \S+\): keyholder on site/);
    expect(text.stdout).toMatch(/answered refused HIKARC_CONTROL_ARMING_REFUSED: arm stay partition 1/);
    expect(text.stdout).toMatch(/audit trail verified: 5 entries, head [0-9a-f]{64}/);
    const json = await r.run('audit', '--json');
    const { chain, entries } = record(json) as {
      chain: { ok: boolean; entries: number };
      entries: Array<{ seq: number; at: string; phase: string; command: { state: string } }>;
    };
    expect(chain).toMatchObject({ ok: true, entries: 5 });
    expect(entries.map((entry) => `${entry.phase}:${entry.command.state}`)).toEqual([
      'requested:requested',
      'answered:accepted',
      'settled:confirmed',
      'requested:requested',
      'answered:refused',
    ]);
    const since = await r.run('audit', '--json', '--since', entries[3]?.at ?? '');
    expect((record(since)['entries'] as unknown[]).length).toBe(entries.length - 3);
    const raw = new Database(r.store, { readonly: true });
    const dump = JSON.stringify(raw.prepare('SELECT * FROM control_audit').all());
    raw.close();
    expect(dump).not.toContain(PASSWORD);
    expect(dump).not.toMatch(/authorization|Digest /i);
  });

  it('records the system login behind the operator name (the sudo user)', async () => {
    const r = await rig();
    const run = await runCommand(
      ['panel', 'disarm', '--config', r.config, '--panel', '2001', '--partition', '1', '--operator', 'j.smith', '--reason', 'r', '--yes', '--json'],
      { SUDO_USER: 'alice' },
    );
    expect(record(run)).toMatchObject({ operator: 'j.smith', login: 'alice', via: 'cli', tokenName: null });
  });

  it('exit 1 when an entry was changed', async () => {
    const r = await rig();
    await r.change('disarm', '--panel', '2001', '--partition', '1');
    const editor = new Database(r.store);
    editor.exec('DROP TRIGGER control_audit_no_update');
    editor.prepare("UPDATE control_audit SET record = replace(record, 'keyholder on site', 'routine') WHERE seq = 1").run();
    editor.close();
    const run = await r.run('audit');
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('AUDIT TRAIL BROKEN at entry 1');
    expect(run.stderr).toContain('HIKARC_CONTROL_AUDIT_BROKEN');
  });

  it('works with control off, and before there is a trail; refuses a store that is not there', async () => {
    const path = join(tempDir(), `empty-${process.pid}.db`);
    await openSqliteOutbox({ path }).close();
    const config = writeTempJson({ store: { path }, log: { level: 'silent' } });
    const run = await runCommand(['panel', 'audit', '--config', config]);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/audit trail verified: 0 entries/);
    expect((await runCommand(['panel', 'audit', '--config', config, '--since', 'yesterday'])).code).toBe(64);
    // A wrong store.path (a shell without the unit's HIK_ARC_STORE_PATH) is not an empty trail.
    const missing = join(tempDir(), `none-${process.pid}.db`);
    const refused = await runCommand(['panel', 'audit', '--config', writeTempJson({ store: { path: missing }, log: { level: 'silent' } })]);
    expect(refused.code).toBe(78);
    expect(refused.stderr).toContain(missing);
    expect(refused.stderr).toContain('HIK_ARC_STORE_PATH');
  });
});

describe('hik-arc panel token', () => {
  it('prints a token once and the entry for the tokens file', async () => {
    const run = await runCommand(['panel', 'token', '--name', 'arc-automation', '--roles', 'read,arm', '--json']);
    expect(run.code).toBe(0);
    const { token, entry } = record(run) as { token: string; entry: { name: string; sha256: string; roles: string[] } };
    expect(token).toMatch(/^hikarc_/);
    expect(entry).toMatchObject({ name: 'arc-automation', roles: ['read', 'arm'] });
    expect(entry.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect((await runCommand(['panel', 'token', '--name', 'x', '--roles', 'admin'])).code).toBe(64);
  });
});
