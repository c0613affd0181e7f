import { describe, expect, it } from 'vitest';
import { fixtureDocuments, SUBSCRIBE_URL, type FakeHikReceiverOptions } from '../../helpers/fake-hik-receiver.js';
import { ManualClock } from '../../helpers/manual-clock.js';
import { counted } from '../../helpers/metric-values.js';
import { perDevice, receiverSuite, startIngest, type Harness, type IngestOptionsForTest } from './ingest-harness.js';

const DOCUMENTS = fixtureDocuments().slice(0, 4);

const suite = receiverSuite();

function setup(options: FakeHikReceiverOptions, ingest: IngestOptionsForTest = {}): ReturnType<typeof suite.setup> {
  return suite.setup({ events: DOCUMENTS, ...options }, ingest);
}

// Tests of what must not happen during a hold-off or a lock run the ingest and the fake on one
// manual clock: the wait is a pending timer the test moves past, not real time slept through.
// A heartbeat timeout far away keeps the watchdog out of tests that move the clock a long way.
const QUIET_WATCHDOG = { heartbeatTimeoutMs: 600_000 } as const;

function authFailures(h: Harness, kind: string): Promise<number> {
  return counted(h.metrics, 'hik_arc_ingest_auth_failures_total', { kind });
}

describe('Digest variants the receiver may ask for', () => {
  it.each<[string, FakeHikReceiverOptions]>([
    ['MD5, qop=auth, opaque (the guide)', {}],
    ['SHA-256 announced', { algorithm: 'SHA-256', announceAlgorithm: true }],
    ['MD5-sess', { algorithm: 'MD5-sess', announceAlgorithm: true }],
    ['RFC 2069 form without qop', { qop: null }],
    ['auth-int listed first', { qop: 'auth-int,auth' }],
    ['no opaque, string id, quoted custom boundary', { opaque: null, subscriptionIdType: 'string', boundary: 'hikboundary', quoteBoundary: true }],
  ])('%s', async (_name, options) => {
    const { fake, harness } = await setup(options);
    await harness.waitFor(() => harness.items.length >= DOCUMENTS.length, 'events');
    expect(perDevice(harness.items.map((item) => (item.kind === 'event' ? item.raw : '')))).toEqual(perDevice(DOCUMENTS));
    expect(fake.failedLogins()).toBe(0);
    const signed = fake.requests.filter((request) => request.signed);
    // each signed request answers its own fresh challenge: nc starts at 1, uri is the exact target
    for (const request of signed) {
      expect(request.authorization?.['uri']).toBe(request.url);
      if (options.qop !== null) expect(request.authorization?.['nc']).toBe('00000001');
      else expect(request.authorization?.['nc']).toBeUndefined();
    }
    expect(harness.statuses).toContainEqual({ type: 'subscribed', subscriptionId: '5939' });
  });
});

describe('lockout guard', () => {
  it('a wrong password: one login, then silence for authRetrySec, then one more', async () => {
    const clock = new ManualClock();
    const { fake, harness } = await setup({ password: 'the-right-one', clock }, { clock, settings: { authRetryMs: 1200, password: 'wrong-password' } });
    await fake.waitFor(() => fake.failedLogins() === 1, 'the first rejected login');
    await harness.waitFor(() => harness.ingest.health().state === 'auth-hold', 'the hold-off');
    const first = fake.requests.find((request) => request.signed)?.at ?? 0;
    const requestsAfterFirst = fake.requests.length;
    // what the ingest waits for next is the hold-off, in full
    expect(clock.nextTimerInMs()).toBe(1200);
    await clock.advance(1199);
    // nothing at all was sent during the hold-off: no subscription, no device list
    expect(harness.ingest.health().state).toBe('auth-hold');
    expect(fake.requests.length).toBe(requestsAfterFirst);
    expect(fake.failedLogins()).toBe(1);
    expect(harness.statuses).toContainEqual(expect.objectContaining({ type: 'auth-hold' }));
    await clock.advance(1);
    await fake.waitFor(() => fake.failedLogins() === 2, 'the second login after the hold-off');
    const second = fake.requests.filter((request) => request.signed)[1]?.at ?? 0;
    expect(second - first).toBe(1200);
    expect(fake.requests.filter((request) => request.url !== SUBSCRIBE_URL)).toEqual([]);
    // the fake records the request before the client has read the answer
    await harness.waitFor(async () => (await authFailures(harness, 'rejected')) === 2, 'the second rejection counted');
    const line = harness.logs.find((entry) => entry.code === 'HIKARC_DIGEST_REJECTED');
    expect(line?.level).toBe('error');
    // the password never reaches the log, nor does the Authorization header
    expect(harness.rawLog.join('\n')).not.toContain('wrong-password');
    expect(harness.rawLog.join('\n')).not.toMatch(/Digest username=/);
  });

  it('401 with lockStatus unlock and attempts left is a rejection, not a lock: one login per authRetrySec', async () => {
    const clock = new ManualClock();
    const { fake, harness } = await setup(
      { authFault: { type: 'lock-info', status: 401, attemptsLeft: 2, locked: false }, clock },
      { clock, settings: { authRetryMs: 700 } },
    );
    await harness.waitFor(() => harness.ingest.health().state === 'auth-hold', 'the hold-off after the first login');
    expect(fake.failedLogins()).toBe(1);
    expect(clock.nextTimerInMs()).toBe(700);
    await clock.advance(700);
    await fake.waitFor(() => fake.failedLogins() === 2, 'the second login after the hold-off');
    const signed = fake.requests.filter((request) => request.signed);
    expect((signed[1]?.at ?? 0) - (signed[0]?.at ?? 0)).toBe(700);
    expect(harness.ingest.health().state).not.toBe('locked');
    expect(harness.logs.some((line) => line.code === 'HIKARC_DIGEST_LOCKED')).toBe(false);
    expect(harness.logs.find((line) => line.code === 'HIKARC_DIGEST_REJECTED')).toMatchObject({ level: 'error', attemptsLeft: 2 });
  });

  it.each([['403 locked', { type: 'lock-info', status: 403, attemptsLeft: 0, locked: true } as const]])(
    '%s: one login, then none until the configuration changes',
    async (_name, authFault) => {
      const clock = new ManualClock();
      const { fake: receiver, harness: first } = await setup({ authFault, clock }, { clock, settings: { authRetryMs: 300 } });
      await receiver.waitFor(() => receiver.failedLogins() === 1, 'the rejected login');
      await first.waitFor(() => first.ingest.health().state === 'locked', 'locked state');
      await clock.advance(300 * 10); // well past authRetryMs
      // still locked: a retry would have left the state at once (connecting) before its request
      expect(first.ingest.health().state).toBe('locked');
      expect(receiver.failedLogins()).toBe(1);
      expect(receiver.requests.filter((request) => request.signed)).toHaveLength(1);
      expect(first.statuses).toContainEqual({
        type: 'locked',
        lock: { lockStatus: authFault.locked ? 'lock' : 'unlock', unlockTimeSec: authFault.locked ? 1800 : 0, attemptsLeft: authFault.attemptsLeft },
      });
      const line = first.logs.find((entry) => entry.code === 'HIKARC_DIGEST_LOCKED');
      expect(line).toMatchObject({ level: 'error', attemptsLeft: authFault.attemptsLeft, statusCode: authFault.status });
      expect(await authFailures(first, 'locked')).toBe(1);

      // "until the config changes": a new ingest (new configuration) logs in again
      receiver.setAuthFault(null);
      await first.stop();
      const next = startIngest(receiver, { clock });
      suite.track({ harness: next });
      await next.waitFor(() => next.items.length >= DOCUMENTS.length, 'events with the new configuration');
    },
  );

  it('stale=true after the login was accepted is signed once more with the new nonce and is no rejection', async () => {
    const { fake, harness } = await setup({}, { settings: { directoryRefreshMs: 200 } });
    await harness.waitFor(() => harness.statuses.some((status) => status.type === 'directory'), 'a first accepted login');
    const before = fake.requests.length;
    fake.setAuthFault({ type: 'stale', count: 1 });
    await harness.waitFor(
      () => fake.requests.slice(before).filter((request) => request.signed && request.verdict === 'ok').length >= 1,
      'the re-signed request',
    );
    const signed = fake.requests.slice(before).filter((request) => request.signed);
    expect(signed.map((request) => request.verdict).slice(0, 2)).toEqual(['stale', 'ok']);
    expect(signed[0]?.authorization?.['nonce']).not.toBe(signed[1]?.authorization?.['nonce']);
    expect(await authFailures(harness, 'rejected')).toBe(0);
    expect(harness.ingest.health().state).toBe('streaming');
  });

  it('stale=true before any accepted login counts as the one rejected login of the hold-off', async () => {
    const clock = new ManualClock();
    const { fake, harness } = await setup({ authFault: { type: 'stale', count: 1 }, clock }, { clock, settings: { authRetryMs: 600 } });
    await harness.waitFor(() => harness.ingest.health().state === 'auth-hold', 'the hold-off after the stale answer');
    expect(clock.nextTimerInMs()).toBe(600);
    await clock.advance(600);
    await harness.waitFor(() => harness.items.length >= DOCUMENTS.length, 'events');
    const subscribes = fake.requests.filter((request) => request.url === SUBSCRIBE_URL && request.signed);
    expect(subscribes.map((request) => request.verdict)).toEqual(['stale', 'ok']);
    expect((subscribes[1]?.at ?? 0) - (subscribes[0]?.at ?? 0)).toBe(600);
    expect(await authFailures(harness, 'rejected')).toBe(1);
  });

  it('a second stale answer is a rejection: never more than one retry per request', async () => {
    const clock = new ManualClock();
    const { fake, harness } = await setup({ clock }, { clock, settings: { authRetryMs: 60_000, directoryRefreshMs: 200, ...QUIET_WATCHDOG } });
    const directoryReads = (): number => harness.statuses.filter((status) => status.type === 'directory').length;
    await harness.waitFor(() => directoryReads() === 1, 'a first accepted login');
    const before = fake.requests.length;
    fake.setAuthFault({ type: 'stale', count: 5 });
    await clock.advance(200); // the periodic device list read
    await harness.waitFor(async () => (await authFailures(harness, 'rejected')) === 1, 'the rejection');
    await harness.waitFor(() => directoryReads() === 2, 'the rejected read reported');
    // two more reads come due during the hold-off and end without a request
    await clock.advance(200);
    await harness.waitFor(() => directoryReads() === 3, 'a read during the hold-off');
    await clock.advance(200);
    await harness.waitFor(() => directoryReads() === 4, 'another read during the hold-off');
    expect(fake.requests.slice(before).filter((request) => request.signed)).toHaveLength(2);
    expect(await authFailures(harness, 'rejected')).toBe(1);
  });
});

function userCheck(lockStatus: string, attemptsLeft: number, unlockTime = 0): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<userCheck>\n<statusValue>401</statusValue>\n<statusString>Unauthorized</statusString>\n<lockStatus>${lockStatus}</lockStatus>\n<unlockTime>${unlockTime}</unlockTime>\n<retryLoginTime>${attemptsLeft}</retryLoginTime>\n</userCheck>\n`;
}

describe('lockout guard against receivers that say it differently', () => {
  it('right password: a stale=true 401 with the usual userCheck body (unlock, 5 attempts left) is signed once more, never a lock', async () => {
    const { fake, harness } = await setup({}, { settings: { directoryRefreshMs: 200 } });
    await harness.waitFor(() => harness.statuses.some((status) => status.type === 'directory'), 'an accepted login');
    const before = fake.requests.length;
    fake.setAuthFault({ type: 'answer', status: 401, stale: true, body: userCheck('unlock', 5), count: 1 });
    await harness.waitFor(() => harness.statuses.filter((status) => status.type === 'directory' && status.ok).length >= 2, 'the next device list read', 3000);
    const signed = fake.requests.slice(before).filter((request) => request.signed);
    expect(signed.map((request) => request.verdict).slice(0, 2)).toEqual(['stale', 'ok']);
    expect(harness.ingest.health().state).toBe('streaming');
    expect(harness.logs.some((line) => line.code === 'HIKARC_DIGEST_LOCKED')).toBe(false);
    expect(await authFailures(harness, 'locked')).toBe(0);
  });

  it.each([
    [
      'subStatusCode userLocked',
      '{"statusCode":4,"statusString":"Invalid Operation","subStatusCode":"userLocked","errorCode":1073741828,"errorMsg":"user locked"}',
      { lockStatus: 'lock', unlockTimeSec: null, attemptsLeft: null },
    ],
    [
      'retryLoginTimes 0',
      '{"statusCode":4,"statusString":"Invalid Operation","subStatusCode":"badAuthorization","retryLoginTimes":0}',
      { lockStatus: null, unlockTimeSec: null, attemptsLeft: 0 },
    ],
    [
      'remainingLockTime',
      '{"statusCode":4,"subStatusCode":"badAuthorization","remainingLockTime":1200}',
      { lockStatus: null, unlockTimeSec: 1200, attemptsLeft: null },
    ],
    [
      '"remaining attempts 0" in errorMsg',
      '{"statusCode":4,"subStatusCode":"badAuthorization","errorMsg":"password error, remaining attempts 0"}',
      { lockStatus: null, unlockTimeSec: null, attemptsLeft: 0 },
    ],
  ])('%s is a lock: one login, then none', async (_name, body, lock) => {
    const clock = new ManualClock();
    const { fake, harness } = await setup(
      { authFault: { type: 'answer', status: 401, body, contentType: 'application/json' }, clock },
      { clock, settings: { authRetryMs: 300 } },
    );
    await harness.waitFor(() => harness.ingest.health().state === 'locked', 'locked state');
    await clock.advance(300 * 10);
    expect(harness.ingest.health().state).toBe('locked');
    expect(fake.failedLogins()).toBe(1);
    expect(harness.statuses).toContainEqual({ type: 'locked', lock });
    expect(harness.logs.find((line) => line.code === 'HIKARC_DIGEST_LOCKED')).toMatchObject({ level: 'error', statusCode: 401 });
  });

  it('"remaining attempts 3" in errorMsg is a rejection that names the attempts left, not a lock', async () => {
    const body = '{"statusCode":4,"subStatusCode":"badAuthorization","errorMsg":"password error, remaining attempts 3"}';
    const { fake, harness } = await setup(
      { authFault: { type: 'answer', status: 401, body, contentType: 'application/json' } },
      { settings: { authRetryMs: 60_000 } },
    );
    await harness.waitFor(() => harness.ingest.health().state === 'auth-hold', 'auth hold');
    expect(fake.failedLogins()).toBe(1);
    expect(harness.logs.find((line) => line.code === 'HIKARC_DIGEST_REJECTED')).toMatchObject({ attemptsLeft: 3 });
  });

  it('credentials refused while streaming: the re-subscription and the device list never fail two logins at once', async () => {
    const { fake, harness } = await setup({ devices: [] }, { settings: { directoryRefreshMs: 100, authRetryMs: 1000 } });
    await harness.waitFor(() => harness.statuses.some((status) => status.type === 'directory'), 'streaming with a device list');
    const from = fake.requests.length;
    // The password was changed on the receiver; its answers are slow, so signed requests overlap.
    fake.setAuthFault({ type: 'answer', status: 401, body: '<html>401</html>', contentType: 'text/html', delayMs: 300 });
    fake.dropStream();
    const failures = (): number[] =>
      fake.requests
        .slice(from)
        .filter((request) => request.signed && request.verdict !== 'ok')
        .map((request) => request.at);
    // Two logins failing at once would show as two failures close together: wait for two, then look.
    await fake.waitFor(() => failures().length >= 2, 'two failed logins');
    const failed = failures();
    for (let i = 1; i < failed.length; i++) expect((failed[i] as number) - (failed[i - 1] as number)).toBeGreaterThanOrEqual(1000);
  });

  it('a wrong password answered with stale=true: never more than one failed signed login per authRetrySec', async () => {
    const clock = new ManualClock();
    const { fake, harness } = await setup(
      { password: 'the-right-one', authFault: { type: 'stale-when-wrong' }, clock },
      { clock, settings: { password: 'wrong-password', authRetryMs: 1000 } },
    );
    for (let login = 1; login <= 3; login++) {
      await fake.waitFor(() => fake.failedLogins() === login, `failed login ${login}`);
      await harness.waitFor(() => harness.ingest.health().state === 'auth-hold', `the hold-off after login ${login}`);
      // the stale answer was not signed again: one failed login, then a full hold-off
      expect(fake.failedLogins()).toBe(login);
      expect(clock.nextTimerInMs()).toBe(1000);
      await clock.advance(999);
      expect(harness.ingest.health().state).toBe('auth-hold');
      await clock.advance(1);
    }
    await fake.waitFor(() => fake.failedLogins() === 4, 'failed login 4');
    const failed = fake.requests.filter((request) => request.signed && request.verdict !== 'ok').map((request) => request.at);
    expect(failed).toHaveLength(4);
    for (let i = 1; i < failed.length; i++) expect((failed[i] as number) - (failed[i - 1] as number)).toBe(1000);
  });
});
