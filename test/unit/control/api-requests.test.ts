// The control API's pure parts: routes, bodies to commands, roles, idempotency fingerprints,
// bearer tokens (hashed), and the command line's argument checks they share.

import { describe, expect, it } from 'vitest';
import { commandRequest, matchRoute, requestFingerprint, roleFor } from '../../../src/control/api-routes.js';
import { authenticate, generateToken, hashToken, parseTokens } from '../../../src/control/api-tokens.js';
import { httpStatusOf, httpStatusOfCode, type CommandRecord } from '../../../src/control/command-record.js';
import { checkActor, parseIdList, parsePartition } from '../../../src/control/commands.js';

describe('routes', () => {
  it('match the documented paths, methods and ids', () => {
    expect(matchRoute('GET', '/v1/panels/2001/status')).toEqual({ kind: 'route', route: { kind: 'status', panelId: '2001' } });
    expect(matchRoute('POST', '/v1/panels/2001/partitions/all/arm')).toEqual({
      kind: 'route',
      route: { kind: 'partition', panelId: '2001', partition: 'all', action: 'arm' },
    });
    expect(matchRoute('POST', '/v1/panels/2001/partitions/1/clear-alarm')).toMatchObject({ route: { action: 'clear-alarm' } });
    expect(matchRoute('POST', '/v1/panels/DS%201/zones/bypass')).toEqual({ kind: 'route', route: { kind: 'bypass', panelId: 'DS 1' } });
    expect(matchRoute('POST', '/v1/panels/2001/relays')).toEqual({ kind: 'route', route: { kind: 'relays', panelId: '2001' } });
    expect(matchRoute('GET', '/v1/commands/abc')).toEqual({ kind: 'route', route: { kind: 'command', commandId: 'abc' } });
    expect(matchRoute('GET', '/v1/audit')).toEqual({ kind: 'route', route: { kind: 'audit' } });
    expect(matchRoute('GET', '/v1/panels/2001/partitions/1/arm')).toEqual({ kind: 'method-not-allowed', allow: 'POST' });
    expect(matchRoute('POST', '/v1/audit')).toEqual({ kind: 'method-not-allowed', allow: 'GET' });
    expect(matchRoute('GET', '/v1/panels/2001/partitions/1/bypass')).toEqual({ kind: 'not-found' });
    expect(matchRoute('GET', '/v1/panels/%E0%A4%A/status')).toEqual({ kind: 'not-found' });
  });
});

describe('command bodies', () => {
  const base = { operator: 'j.smith', reason: 'keyholder', idempotencyKey: 'k-1' };

  it('become commands, with the role each needs', () => {
    const arm = commandRequest({ kind: 'partition', panelId: '2001', partition: '1', action: 'arm' }, { ...base, mode: 'stay' });
    expect(arm).toEqual({
      panelId: '2001',
      command: { action: 'arm', partition: 1, mode: 'stay' },
      operator: 'j.smith',
      reason: 'keyholder',
      idempotencyKey: 'k-1',
    });
    expect(roleFor(arm.command)).toBe('arm');
    const clear = commandRequest({ kind: 'partition', panelId: '2001', partition: 'all', action: 'clear-alarm' }, base);
    expect(roleFor(clear.command)).toBe('disarm');
    const restore = commandRequest({ kind: 'bypass', panelId: '2001' }, { ...base, zones: [3, 5], restore: true });
    expect(restore.command).toEqual({ action: 'bypass-restore', zones: [3, 5] });
    expect(roleFor(restore.command)).toBe('bypass');
    const relay = commandRequest({ kind: 'relays', panelId: '2001' }, { ...base, relays: [0], on: false });
    expect(relay.command).toEqual({ action: 'relay', relays: [0], on: false });
    expect(roleFor(relay.command)).toBe('relay');
    expect(roleFor(undefined)).toBe('read');
  });

  it('refuse what is wrong, naming it', () => {
    const invalid = expect.objectContaining({ code: 'HIKARC_CONTROL_INVALID_REQUEST' });
    expect(() => commandRequest({ kind: 'partition', panelId: '1', partition: '0', action: 'disarm' }, base)).toThrow(invalid);
    expect(() => commandRequest({ kind: 'partition', panelId: '1', partition: '1', action: 'arm' }, { ...base, mode: 'night' })).toThrow(/mode/);
    expect(() => commandRequest({ kind: 'partition', panelId: '1', partition: '1', action: 'disarm' }, { reason: 'x' })).toThrow(/operator/);
    expect(() => commandRequest({ kind: 'bypass', panelId: '1' }, { ...base, zones: [] })).toThrow(/at least one/);
    expect(() => commandRequest({ kind: 'bypass', panelId: '1' }, { ...base, zones: [1, 1] })).toThrow(/twice/);
    expect(() => commandRequest({ kind: 'relays', panelId: '1' }, { ...base, relays: [0], on: true, force: true })).toThrow(/force/);
  });

  it('fingerprint the request without its key', () => {
    const a = commandRequest({ kind: 'bypass', panelId: '2001' }, { ...base, zones: [3] });
    const b = commandRequest({ kind: 'bypass', panelId: '2001' }, { ...base, idempotencyKey: 'other', zones: [3] });
    const c = commandRequest({ kind: 'bypass', panelId: '2001' }, { ...base, zones: [4] });
    expect(requestFingerprint(a)).toBe(requestFingerprint(b));
    expect(requestFingerprint(a)).not.toBe(requestFingerprint(c));
  });
});

describe('tokens', () => {
  it('are stored as their SHA-256 and compared as such', () => {
    const { token, entry } = generateToken('arc', ['read', 'arm', 'read']);
    expect(token).toMatch(/^hikarc_[A-Za-z0-9_-]{43}$/);
    expect(entry).toEqual({ name: 'arc', sha256: hashToken(token), roles: ['read', 'arm'] });
    const tokens = parseTokens(JSON.stringify({ tokens: [entry, { name: 'ops', sha256: hashToken('other'), roles: ['read'] }] }), 'tokens.json');
    expect(authenticate(`Bearer ${token}`, tokens)?.name).toBe('arc');
    expect(authenticate(`bearer  ${token} `, tokens)?.name).toBe('arc');
    expect(authenticate('Bearer wrong', tokens)).toBeUndefined();
    expect(authenticate(undefined, tokens)).toBeUndefined();
    expect(authenticate(`Basic ${token}`, tokens)).toBeUndefined();
    // a known vector: SHA-256 of "other"
    expect(hashToken('other')).toBe('d9298a10d1b0735837dc4bd85dac641b0f3cef27a47e5d53a54f2f3f5b2fcffa');
  });

  it('file problems are named as configuration errors', () => {
    const problems = (text: string): string[] => {
      try {
        parseTokens(text, 'tokens.json');
      } catch (error) {
        return (error as { problems: string[] }).problems;
      }
      return [];
    };
    expect(problems('{')[0]).toMatch(/not valid JSON/);
    expect(problems('{"tokens":[{"name":"a b","sha256":"x","roles":["admin"]}]}')).toHaveLength(3);
    const entry = { name: 'a', sha256: hashToken('t'), roles: ['read'] };
    expect(problems(JSON.stringify({ tokens: [entry, entry] }))[0]).toMatch(/appears twice/);
  });
});

describe('shared argument checks', () => {
  it('partitions, id lists, operator and reason', () => {
    expect(parsePartition('ALL')).toBe('all');
    expect(parsePartition('12')).toBe(12);
    expect(() => parsePartition('0')).toThrow();
    expect(() => parsePartition('1.5')).toThrow();
    expect(parseIdList('3, 5', 'zones')).toEqual([3, 5]);
    expect(() => parseIdList('3,,5', 'zones')).toThrow();
    expect(() => parseIdList('-1', 'relays')).toThrow();
    expect(checkActor(' j.smith ', 'keyholder', { via: 'cli', login: 'alice' })).toEqual({
      operator: 'j.smith',
      reason: 'keyholder',
      via: 'cli',
      tokenName: null,
      login: 'alice',
    });
    expect(checkActor('j', 'r', { via: 'api', tokenName: 'arc' })).toMatchObject({ via: 'api', tokenName: 'arc', login: null });
    expect(() => checkActor('j', '', { via: 'cli', login: null })).toThrow(/reason is required/);
    expect(() => checkActor('j\u0007', 'r', { via: 'cli', login: null })).toThrow(/control characters/);
  });
});

describe('HTTP statuses', () => {
  const record = (state: CommandRecord['state'], code: CommandRecord['code'] = null) => ({ state, code }) as CommandRecord;
  it('follow the state, then the code', () => {
    expect(httpStatusOf(record('confirmed'))).toBe(200);
    expect(httpStatusOf(record('accepted'))).toBe(202);
    expect(httpStatusOf(record('unknown', 'HIKARC_CONTROL_OUTCOME_UNKNOWN'))).toBe(504);
    expect(httpStatusOf(record('refused', 'HIKARC_CONTROL_ARMING_REFUSED'))).toBe(409);
    expect(httpStatusOf(record('refused', 'HIKARC_CONTROL_LOW_PRIVILEGE'))).toBe(403);
    expect(httpStatusOf(record('refused', 'HIKARC_CONTROL_PANEL_UNKNOWN'))).toBe(404);
    expect(httpStatusOf(record('failed', 'HIKARC_CONTROL_PANEL_BUSY'))).toBe(409);
    expect(httpStatusOf(record('failed', 'HIKARC_CONTROL_RATE_LIMITED'))).toBe(429);
    expect(httpStatusOf(record('failed', 'HIKARC_DIGEST_LOCKED'))).toBe(503);
    expect(httpStatusOfCode('HIKARC_CONTROL_FORBIDDEN')).toBe(403);
  });
});
