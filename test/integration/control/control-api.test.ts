// The control API of `hik-arc run` on real loopback sockets: the service, the fake receiver with
// its stream and SecurityCP calls, and our DC-09 receiver as the ARC. Tokens and roles, commands
// confirmed by the panel's events (before the HTTP answer, after it, late, never, 1822 after a
// 200), the events still reaching the ARC unchanged, one command per panel, idempotency keys,
// refusals mapped to HTTP statuses, and a lock signal on the stream stopping control too.

import { join } from 'node:path';
import { request } from 'undici';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/load.js';
import { generateToken } from '../../../src/control/api-tokens.js';
import type { Role } from '../../../src/control/commands.js';
import { createLogger } from '../../../src/log.js';
import { startService, type RunningService } from '../../../src/service/service.js';
import { Dc09Receiver, type FrameRecord } from '../../../src/transport/index.js';
import { startFakeHikReceiver, type FakeHikReceiver } from '../../helpers/fake-hik-receiver.js';
import { ANSWER_BODIES, makePanel, STATUS_OK, type FakePanel } from '../../helpers/fake-hik-security-cp.js';
import { counted } from '../../helpers/metric-values.js';
import { runCommand } from '../../helpers/run-cli.js';
import { tempDir, writeTempJson } from '../../helpers/temp-files.js';
import { waitFor } from '../../helpers/wait-for.js';

interface Site {
  readonly hik: FakeHikReceiver;
  readonly service: RunningService;
  readonly frames: FrameRecord[];
  readonly logs: string[];
  readonly base: string;
  readonly tokens: Record<'all' | 'reader' | 'armer', string>;
  readonly storePath: string;
  stop(): Promise<void>;
}

let sites = 0;

async function startSite(panels: FakePanel[], control: Record<string, unknown> = {}): Promise<Site> {
  sites += 1;
  const frames: FrameRecord[] = [];
  const arc = await Dc09Receiver.start({ listen: [{ transport: 'tcp', host: '127.0.0.1', port: 0 }], onFrame: (frame) => frames.push(frame) });
  const hik = await startFakeHikReceiver({ heartbeatIntervalMs: 300, securityCp: { panels } });
  const make = (name: string, roles: Role[]): { token: string; entry: unknown } => generateToken(name, roles);
  const all = make('arc-automation', ['read', 'arm', 'disarm', 'bypass', 'relay']);
  const reader = make('wallboard', ['read']);
  const armer = make('night-shift', ['arm']);
  const tokensFile = writeTempJson({ tokens: [all.entry, reader.entry, armer.entry] });
  const storePath = join(tempDir(), `control-api-${process.pid}-${sites}.db`);
  const config = loadConfig({
    overrides: {
      'receiver.url': hik.url,
      'receiver.username': 'admin',
      'receiver.password': 'hik12345',
      'receiver.account': 'AAAA',
      'receiver.heartbeatTimeoutSec': 5,
      'arc.primary': arc.url('tcp'),
      'store.path': storePath,
      'http.listen': '',
      'log.level': 'info',
      'control.enabled': true,
      'control.listen': '127.0.0.1:0',
      'control.tokensFile': tokensFile,
      'control.requestTimeoutSec': 1,
      'control.confirmTimeoutSec': 1,
      'control.requestsPerMinute': 600,
      ...Object.fromEntries(Object.entries(control).map(([key, value]) => [`control.${key}`, value])),
    },
  });
  const logs: string[] = [];
  const logger = createLogger({ level: 'info', destination: { write: (line: string) => void logs.push(line) } });
  const service = await startService({ config, logger });
  await waitFor(() => hik.subscribeCount() === 1 && service.health().healthy, 10_000, 'the stream');
  return {
    hik,
    service,
    frames,
    logs,
    base: `http://${service.controlAddress ?? ''}`,
    tokens: { all: all.token, reader: reader.token, armer: armer.token },
    storePath,
    async stop() {
      await service.stop();
      await hik.close();
      await arc.stop();
    },
  };
}

interface Reply {
  readonly status: number;
  readonly body: Record<string, unknown>;
  readonly headers: Record<string, string | string[] | undefined>;
}

async function call(site: Site, method: 'GET' | 'POST', path: string, options: { token?: string | null; body?: unknown } = {}): Promise<Reply> {
  const token = options.token === undefined ? site.tokens.all : options.token;
  const response = await request(`${site.base}${path}`, {
    method,
    headers: { ...(token === null ? {} : { authorization: `Bearer ${token}` }), ...(options.body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
  });
  return { status: response.statusCode, body: (await response.body.json()) as Record<string, unknown>, headers: response.headers };
}

let keys = 0;
function body(extra: Record<string, unknown> = {}): Record<string, unknown> {
  keys += 1;
  return { operator: 'j.smith', reason: 'keyholder on site', idempotencyKey: `key-${process.pid}-${keys}`, ...extra };
}

async function settled(site: Site, commandId: unknown): Promise<Record<string, unknown>> {
  let last: Record<string, unknown> = {};
  await waitFor(
    async () => {
      last = (await call(site, 'GET', `/v1/commands/${String(commandId)}`)).body;
      return !['requested', 'accepted'].includes(String(last['state'])) || last['readBack'] !== null;
    },
    10_000,
    `command ${String(commandId)} settled`,
  );
  return last;
}

describe('control API', { timeout: 60_000 }, () => {
  const panels = Array.from({ length: 12 }, (_, i) => makePanel(i + 1));
  const panel = (n: number): FakePanel => panels[n - 1] as FakePanel;
  let site: Site;
  beforeAll(async () => {
    site = await startSite(panels);
  });
  afterAll(async () => {
    await site.stop();
  });
  afterEach(() => {
    site.hik.securityCp.confirmation = 'after-answer';
  });

  it('needs a valid bearer token, and the role of the request', async () => {
    expect((await call(site, 'GET', '/v1/panels/2001/status', { token: null })).status).toBe(401);
    const wrong = await call(site, 'GET', '/v1/panels/2001/status', { token: 'hikarc_not-a-token' });
    expect(wrong.status).toBe(401);
    expect(wrong.body['code']).toBe('HIKARC_CONTROL_UNAUTHORIZED');
    expect(wrong.headers['www-authenticate']).toMatch(/^Bearer/);
    const readOnly = await call(site, 'POST', '/v1/panels/2001/partitions/1/disarm', { token: site.tokens.reader, body: body() });
    expect(readOnly.status).toBe(403);
    expect(readOnly.body).toMatchObject({ code: 'HIKARC_CONTROL_FORBIDDEN' });
    const armOnly = await call(site, 'GET', '/v1/panels/2001/status', { token: site.tokens.armer });
    expect(armOnly.status).toBe(403);
    const status = await call(site, 'GET', '/v1/panels/2001/status', { token: site.tokens.reader });
    expect(status.status).toBe(200);
    expect(status.body['partitions']).toEqual([
      { id: 1, arming: 'disarm', alarm: false },
      { id: 2, arming: 'disarm', alarm: false },
    ]);
    expect(site.hik.securityCp.commandLog).toEqual([]);
  });

  it('arm: 202, then confirmed by the 3401 event, which still reaches the ARC unchanged', async () => {
    const posted = await call(site, 'POST', '/v1/panels/2002/partitions/1/arm', { body: body({ mode: 'away' }) });
    expect(posted.status).toBe(202);
    expect(posted.body).toMatchObject({ state: 'accepted', via: 'api', tokenName: 'arc-automation', operator: 'j.smith' });
    expect(posted.headers['location']).toBe(`/v1/commands/${String(posted.body['commandId'])}`);
    const final = await settled(site, posted.body['commandId']);
    expect(final).toMatchObject({ state: 'confirmed', confirmation: { source: 'event', outcome: 'confirmed', events: [{ code: '3401', partition: 1 }] } });
    await waitFor(
      () => site.frames.some((frame) => frame.data?.startsWith('#2002|3401 01') === true && frame.response === 'ACK'),
      10_000,
      'the arming event at the ARC',
    );
  });

  it('an event before the HTTP answer: the POST answers 200 confirmed', async () => {
    site.hik.securityCp.confirmation = 'before-answer';
    const posted = await call(site, 'POST', '/v1/panels/2003/partitions/2/disarm', { body: body() });
    expect(posted.status).toBe(200);
    expect(posted.body).toMatchObject({ state: 'confirmed', confirmation: { source: 'event', events: [{ code: '1401', partition: 2 }] } });
  });

  it('bypass of two zones is confirmed once both report 1570', async () => {
    const posted = await call(site, 'POST', '/v1/panels/2004/zones/bypass', { body: body({ zones: [2, 3] }) });
    expect(posted.status).toBe(202);
    const final = await settled(site, posted.body['commandId']);
    expect(final).toMatchObject({ state: 'confirmed', confirmation: { source: 'event' } });
    expect((final['confirmation'] as { events: Array<{ code: string; zone: number }> }).events.map((event) => [event.code, event.zone])).toEqual([
      ['1570', 3],
      ['1570', 4],
    ]);
  });

  it('no event: after the timeout the status read back decides (confirmed, or unconfirmed when the panel did not change)', async () => {
    site.hik.securityCp.confirmation = 'never';
    const shown = await call(site, 'POST', '/v1/panels/2005/partitions/1/arm', { body: body({ mode: 'stay' }) });
    expect(await settled(site, shown.body['commandId'])).toMatchObject({ state: 'confirmed', confirmation: { source: 'status', check: 'reached' } });
    site.hik.securityCp.queueFault({ type: 'answer', status: 200, body: STATUS_OK });
    const unchanged = await call(site, 'POST', '/v1/panels/2005/partitions/2/arm', { body: body({ mode: 'stay' }) });
    expect(await settled(site, unchanged.body['commandId'])).toMatchObject({
      state: 'unconfirmed',
      code: 'HIKARC_CONTROL_UNCONFIRMED',
      readBack: { check: 'not-reached' },
    });
  });

  it('a late event is recorded in the audit trail after the command settled', async () => {
    site.hik.securityCp.confirmation = { delayMs: 1_600 };
    const posted = await call(site, 'POST', '/v1/panels/2006/partitions/1/clear-alarm', { body: body() });
    const commandId = String(posted.body['commandId']);
    expect(await settled(site, commandId)).toMatchObject({ state: 'confirmed', confirmation: { source: 'status' } });
    await waitFor(
      async () => {
        const audit = (await call(site, 'GET', '/v1/audit')).body as { entries: Array<{ phase: string; command: { commandId: string } }> };
        return audit.entries.some((entry) => entry.phase === 'late-event' && entry.command.commandId === commandId);
      },
      10_000,
      'the late event in the audit trail',
    );
  });

  it('1822 after a 200: refused, 409 for the command, with the zones read back', async () => {
    site.hik.securityCp.queueFault({ type: 'arming-failed-after-200' });
    const posted = await call(site, 'POST', '/v1/panels/2007/partitions/1/arm', { body: body({ mode: 'away' }) });
    expect(posted.status).toBe(202);
    const final = await settled(site, posted.body['commandId']);
    expect(final).toMatchObject({
      state: 'refused',
      code: 'HIKARC_CONTROL_ARMING_REFUSED',
      confirmation: { source: 'event', outcome: 'refuted', events: [{ code: '1822' }] },
      blockingZones: [],
    });
    expect(panel(7).partitions[0]?.arming).toBe('disarm');
  });

  it('refusals map to HTTP statuses: arming 409, lowPrivilege 403, unknown panel 404, unknown outcome 504', async () => {
    panel(8).zones[0]!.status = 'trigger';
    const arming = await call(site, 'POST', '/v1/panels/2008/partitions/1/arm', { body: body({ mode: 'away' }) });
    expect(arming.status).toBe(409);
    expect(arming.body).toMatchObject({ code: 'HIKARC_CONTROL_ARMING_REFUSED', blockingZones: [{ id: 0, status: 'trigger' }] });
    site.hik.securityCp.queueFault({ type: 'answer', status: 403, body: ANSWER_BODIES.lowPrivilege });
    expect((await call(site, 'POST', '/v1/panels/2008/partitions/2/disarm', { body: body() })).status).toBe(403);
    const unknown = await call(site, 'POST', '/v1/panels/7777/partitions/1/disarm', { body: body() });
    expect(unknown.status).toBe(404);
    expect(unknown.body['code']).toBe('HIKARC_CONTROL_PANEL_UNKNOWN');
    site.hik.securityCp.queueFault({ type: 'hang' });
    const hung = await call(site, 'POST', '/v1/panels/2008/zones/bypass', { body: body({ zones: [1] }) });
    expect(hung.status).toBe(504);
    expect(hung.body).toMatchObject({ state: 'unknown', code: 'HIKARC_CONTROL_OUTCOME_UNKNOWN', readBack: { check: 'not-reached' } });
    expect((await call(site, 'POST', '/v1/panels/2008/zones/bypass', { body: { operator: 'x', reason: 'y', zones: [1] } })).status).toBe(400); // no idempotency key
    expect((await call(site, 'GET', '/v1/commands/no-such-command')).status).toBe(404);
    expect((await call(site, 'GET', '/v1/nothing')).status).toBe(404);
  });

  it('two concurrent commands on one panel: the second is refused 409 without reaching the receiver', async () => {
    site.hik.securityCp.queueFault({ type: 'delay', ms: 600 });
    const before = site.hik.securityCp.commandLog.length;
    const first = call(site, 'POST', '/v1/panels/2009/partitions/1/arm', { body: body({ mode: 'away' }) });
    await waitFor(() => site.hik.securityCp.commandLog.length === before + 1, 5_000, 'the first command at the receiver');
    const second = await call(site, 'POST', '/v1/panels/2009/partitions/1/disarm', { body: body() });
    expect(second.status).toBe(409);
    expect(second.body).toMatchObject({ state: 'failed', code: 'HIKARC_CONTROL_PANEL_BUSY' });
    expect((await first).status).toBe(202);
    expect(site.hik.securityCp.commandLog.length).toBe(before + 1);
  });

  it('an idempotency key replayed gets the first command, never a second one; reused for another request it is refused', async () => {
    const request = body({ mode: 'away' });
    const before = site.hik.securityCp.commandLog.length;
    const first = await call(site, 'POST', '/v1/panels/2010/partitions/1/arm', { body: request });
    const again = await call(site, 'POST', '/v1/panels/2010/partitions/1/arm', { body: request });
    expect(again.body['commandId']).toBe(first.body['commandId']);
    expect(again.headers['idempotent-replay']).toBe('true');
    expect(site.hik.securityCp.commandLog.length).toBe(before + 1);
    const other = await call(site, 'POST', '/v1/panels/2010/partitions/2/arm', { body: { ...request } });
    expect(other.status).toBe(422);
    expect(other.body['code']).toBe('HIKARC_CONTROL_IDEMPOTENCY_CONFLICT');
    const header = await call(site, 'POST', '/v1/panels/2010/partitions/2/disarm', { body: { operator: 'j', reason: 'r' }, token: site.tokens.all });
    expect(header.status).toBe(400);
  });

  it('status reads are cached for a few seconds; a command on the panel clears the cache', async () => {
    const reads = (): number =>
      site.hik.requests.filter(
        (request) => request.url.startsWith('/ISAPI/SecurityCP/status/subSystems') && request.url.includes(panel(11).devIndex) && request.verdict === 'ok',
      ).length;
    await call(site, 'GET', '/v1/panels/2011/status');
    await call(site, 'GET', '/v1/panels/2011/status');
    expect(reads()).toBe(1);
    site.hik.securityCp.confirmation = 'before-answer';
    expect((await call(site, 'POST', '/v1/panels/2011/partitions/1/arm', { body: body({ mode: 'stay' }) })).status).toBe(200);
    const after = await call(site, 'GET', '/v1/panels/2011/status');
    expect(reads()).toBe(2);
    expect(after.body['partitions']).toEqual([
      { id: 1, arming: 'stay', alarm: false },
      { id: 2, arming: 'disarm', alarm: false },
    ]);
  });

  it('counts commands by action and state', async () => {
    const { metrics } = site.service;
    expect(await counted(metrics, 'hik_arc_control_commands_total', { action: 'arm', state: 'confirmed' })).toBeGreaterThan(0);
    expect(await counted(metrics, 'hik_arc_control_api_requests_total', { route: 'status', status: '401' })).toBe(2);
  });

  it('the audit trail verifies and holds the token name, never the token', async () => {
    const audit = await call(site, 'GET', '/v1/audit', { token: site.tokens.reader });
    expect(audit.status).toBe(200);
    expect(audit.body['chain']).toMatchObject({ ok: true });
    const text = JSON.stringify(audit.body);
    expect(text).toContain('arc-automation');
    for (const token of Object.values(site.tokens)) expect(text).not.toContain(token);
    expect(site.logs.join('\n')).not.toMatch(/hikarc_[A-Za-z0-9_-]{20}|hik12345/);
  });
});

describe('control API and the lock-out guard', { timeout: 60_000 }, () => {
  it('a lock signal on the stream stops control too: nothing more is sent', async () => {
    const site = await startSite([makePanel(1)]);
    try {
      expect((await call(site, 'POST', '/v1/panels/2001/partitions/1/disarm', { body: body() })).status).toBeLessThan(300);
      site.hik.setAuthFault({ type: 'lock-info', status: 401, attemptsLeft: 0, locked: true });
      site.hik.endStream();
      await waitFor(() => site.logs.some((line) => line.includes('HIKARC_DIGEST_LOCKED')), 15_000, 'the lock seen by ingest');
      const requests = site.hik.requests.length;
      const refused = await call(site, 'POST', '/v1/panels/2001/partitions/1/arm', { body: body({ mode: 'away' }) });
      expect(refused.status).toBe(503);
      expect(refused.body).toMatchObject({ code: 'HIKARC_DIGEST_LOCKED' });
      expect(site.hik.requests.length).toBe(requests);
    } finally {
      await site.stop();
    }
  });
});

describe('hik-arc panel beside a running service', { timeout: 60_000 }, () => {
  it('the service writes the panel events to the audit trail for the command line: 1822 after a 200 is a refusal, not an unknown', async () => {
    const site = await startSite([makePanel(1)], { listen: '' });
    try {
      expect(site.service.controlAddress).toBeNull();
      const config = writeTempJson({
        receiver: { url: site.hik.url, username: 'admin', password: 'hik12345' },
        store: { path: site.storePath },
        control: { enabled: true, requestTimeoutSec: 1, confirmTimeoutSec: 5 },
        log: { level: 'silent' },
      });
      site.hik.securityCp.queueFault({ type: 'arming-failed-after-200' });
      const run = await runCommand([
        'panel',
        'arm',
        '--config',
        config,
        '--panel',
        '2001',
        '--partition',
        '1',
        '--mode',
        'away',
        '--operator',
        'j.smith',
        '--reason',
        'keyholder left',
        '--yes',
        '--json',
      ]);
      expect(run.code).toBe(1);
      expect(run.lines[0]).toMatchObject({
        state: 'refused',
        code: 'HIKARC_CONTROL_ARMING_REFUSED',
        confirmation: { source: 'event', outcome: 'refuted', events: [{ code: '1822', partition: 1 }] },
      });
      const audit = await runCommand(['panel', 'audit', '--config', config, '--json']);
      const entries = (audit.lines[0] as { entries: Array<{ phase: string }> }).entries.map((entry) => entry.phase);
      expect(entries).toEqual(['requested', 'answered', 'observed', 'settled']);
    } finally {
      await site.stop();
    }
  });
});

describe('control API at stop and start', { timeout: 60_000 }, () => {
  it('a command still waiting for its confirmation settles as not confirmed when the service stops', async () => {
    const site = await startSite([makePanel(1)], { confirmTimeoutSec: 30 });
    site.hik.securityCp.confirmation = 'never';
    const posted = await call(site, 'POST', '/v1/panels/2001/partitions/1/disarm', { body: body() });
    expect(posted.status).toBe(202);
    await site.stop();
    const lines = site.logs.filter((line) => line.includes('control command settled'));
    expect(lines.some((line) => line.includes('"state":"unconfirmed"') && line.includes('HIKARC_CONTROL_UNCONFIRMED'))).toBe(true);
  });

  it('a tokens file that cannot be read stops the start with a configuration error', async () => {
    const config = loadConfig({
      overrides: {
        'receiver.url': 'http://127.0.0.1:9',
        'receiver.username': 'admin',
        'receiver.password': 'x',
        'receiver.account': 'AAAA',
        'arc.primary': 'tcp://127.0.0.1:9',
        'store.path': join(tempDir(), `bad-tokens-${process.pid}.db`),
        'http.listen': '',
        'control.enabled': true,
        'control.listen': '127.0.0.1:0',
        'control.tokensFile': join(tempDir(), 'no-such-tokens.json'),
      },
    });
    await expect(startService({ config, logger: createLogger({ level: 'silent', destination: { write: () => undefined } }) })).rejects.toMatchObject({
      code: 'HIKARC_CONTROL_TOKENS_INVALID',
      problems: [expect.stringMatching(/^control\.tokensFile: cannot read/)],
    });
  });
});

describe('control API configuration', () => {
  it('is refused on a non-loopback address without TLS, and without a tokens file', () => {
    const problems = (overrides: Record<string, unknown>): string[] => {
      try {
        loadConfig({ overrides: { 'control.enabled': true, ...overrides } });
      } catch (error) {
        return (error as { problems: string[] }).problems;
      }
      return [];
    };
    expect(problems({ 'control.listen': '0.0.0.0:9310', 'control.tokensFile': '/etc/t.json' })).toEqual([
      expect.stringMatching(/^control\.listen: 0\.0\.0\.0:9310 is not a loopback address/),
    ]);
    expect(problems({ 'control.listen': '127.0.0.1:9310' })).toEqual([expect.stringMatching(/^control\.tokensFile:/)]);
    expect(problems({ 'control.listen': '[::1]:9310', 'control.tokensFile': '/etc/t.json' })).toEqual([]);
    expect(
      problems({ 'control.listen': '10.0.0.2:9310', 'control.tokensFile': '/etc/t.json', 'control.tlsCertFile': '/c.pem', 'control.tlsKeyFile': '/k.pem' }),
    ).toEqual([]);
    expect(problems({ 'control.enabled': false, 'control.listen': '127.0.0.1:9310', 'control.tokensFile': '/etc/t.json' })).toEqual([
      expect.stringMatching(/^control\.listen: the control API needs control\.enabled/),
    ]);
  });
});
