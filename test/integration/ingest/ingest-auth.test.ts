import { describe, expect, it } from 'vitest';
import { fixtureDocuments, SUBSCRIBE_URL, type FakeHikReceiverOptions } from '../../helpers/fake-hik-receiver.js';
import { receiverSuite, startIngest, type Harness, type IngestOptionsForTest } from './ingest-harness.js';

const DOCUMENTS = fixtureDocuments().slice(0, 4);

const suite = receiverSuite();

function setup(options: FakeHikReceiverOptions, ingest: IngestOptionsForTest = {}): ReturnType<typeof suite.setup> {
  return suite.setup({ events: DOCUMENTS, ...options }, ingest);
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function authFailures(h: Harness, kind: string): number {
  return h.metrics.counter('hik_arc_ingest_auth_failures_total', '', ['kind']).get({ kind });
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
    expect(harness.items.map((item) => (item.kind === 'event' ? item.raw : ''))).toEqual(DOCUMENTS);
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
    const { fake, harness } = await setup({ password: 'the-right-one' }, { settings: { authRetryMs: 1200, password: 'wrong-password' } });
    await fake.waitFor(() => fake.failedLogins() === 1, 'the first rejected login');
    const first = fake.requests.find((request) => request.signed)?.at ?? 0;
    const requestsAfterFirst = fake.requests.length;
    await sleep(900);
    // nothing at all was sent during the hold-off: no subscription, no device list
    expect(fake.requests.length).toBe(requestsAfterFirst);
    expect(fake.failedLogins()).toBe(1);
    expect(harness.ingest.health().state).toBe('auth-hold');
    expect(harness.statuses).toContainEqual(expect.objectContaining({ type: 'auth-hold' }));
    await fake.waitFor(() => fake.failedLogins() === 2, 'the second login after the hold-off', 3000);
    const second = fake.requests.filter((request) => request.signed)[1]?.at ?? 0;
    expect(second - first).toBeGreaterThanOrEqual(1200);
    expect(fake.requests.filter((request) => request.url !== SUBSCRIBE_URL)).toEqual([]);
    // the fake records the request before the client has read the answer
    await harness.waitFor(() => authFailures(harness, 'rejected') === 2, 'the second rejection counted');
    const line = harness.logs.find((entry) => entry.code === 'HIKARC_DIGEST_REJECTED');
    expect(line?.level).toBe('error');
    // the password never reaches the log, nor does the Authorization header
    expect(harness.rawLog.join('\n')).not.toContain('wrong-password');
    expect(harness.rawLog.join('\n')).not.toMatch(/Digest username=/);
  });

  it.each([
    ['401 with attempts left', { type: 'lock-info', status: 401, attemptsLeft: 2, locked: false } as const],
    ['403 locked', { type: 'lock-info', status: 403, attemptsLeft: 0, locked: true } as const],
  ])('%s: one login, then none until the configuration changes', async (_name, authFault) => {
    const { fake: receiver, harness: first } = await setup({ authFault }, { settings: { authRetryMs: 300 } });
    await receiver.waitFor(() => receiver.failedLogins() === 1, 'the rejected login');
    await first.waitFor(() => first.ingest.health().state === 'locked', 'locked state');
    await sleep(800); // well past authRetryMs
    expect(receiver.failedLogins()).toBe(1);
    expect(receiver.requests.filter((request) => request.signed)).toHaveLength(1);
    expect(first.statuses).toContainEqual({
      type: 'locked',
      lock: { lockStatus: authFault.locked ? 'lock' : 'unlock', unlockTimeSec: authFault.locked ? 1800 : 0, attemptsLeft: authFault.attemptsLeft },
    });
    const line = first.logs.find((entry) => entry.code === 'HIKARC_DIGEST_LOCKED');
    expect(line).toMatchObject({ level: 'error', attemptsLeft: authFault.attemptsLeft, statusCode: authFault.status });
    expect(authFailures(first, 'locked')).toBe(1);

    // "until the config changes": a new ingest (new configuration) logs in again
    receiver.setAuthFault(null);
    await first.stop();
    const next = startIngest(receiver);
    suite.track({ harness: next });
    await next.waitFor(() => next.items.length >= DOCUMENTS.length, 'events with the new configuration');
  });

  it('stale=true is signed once more with the new nonce and is no failed login', async () => {
    const { fake, harness } = await setup({ authFault: { type: 'stale', count: 1 } });
    await harness.waitFor(() => harness.items.length >= DOCUMENTS.length, 'events');
    const subscribes = fake.requests.filter((request) => request.url === SUBSCRIBE_URL && request.signed);
    expect(subscribes.map((request) => request.verdict)).toEqual(['stale', 'ok']);
    expect(subscribes[0]?.authorization?.['nonce']).not.toBe(subscribes[1]?.authorization?.['nonce']);
    expect(authFailures(harness, 'rejected')).toBe(0);
    expect(harness.ingest.health().state).toBe('streaming');
  });

  it('a second stale answer is a rejection: never more than one retry per request', async () => {
    const { fake, harness } = await setup({ authFault: { type: 'stale', count: 5 } }, { settings: { authRetryMs: 60_000 } });
    await harness.waitFor(() => harness.ingest.health().state === 'auth-hold', 'auth hold');
    expect(fake.requests.filter((request) => request.signed)).toHaveLength(2);
    expect(authFailures(harness, 'rejected')).toBe(1);
  });
});
