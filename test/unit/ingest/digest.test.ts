import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  authorizationHeader,
  digestResponse,
  formatNonceCount,
  NonceCounter,
  parseAuthenticateHeader,
  parseDigestChallenges,
  planDigest,
  randomCnonce,
  type DigestInput,
} from '../../../src/ingest/digest.js';
import { HikArcError } from '../../../src/errors.js';

const md5 = (text: string): string => createHash('md5').update(text).digest('hex');

function errorCode(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    return error instanceof HikArcError ? error.code : 'not a HikArcError';
  }
  return undefined;
}

const RFC2617: DigestInput = {
  algorithm: 'MD5',
  username: 'Mufasa',
  password: 'Circle Of Life',
  realm: 'testrealm@host.com',
  nonce: 'dcd98b7102dd2f0e8b11d0f600bfb0c093',
  method: 'GET',
  uri: '/dir/index.html',
  qop: 'auth',
  cnonce: '0a4f113b',
  nc: 1,
};

const rfc7616 = {
  username: 'Mufasa',
  password: 'Circle of Life',
  realm: 'http-auth@example.org',
  nonce: '7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v',
  method: 'GET',
  uri: '/dir/index.html',
  qop: 'auth',
  cnonce: 'f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ',
  nc: 1,
} as const;

// Guide chapter 2 / §5.1 request. The guide prints no password; hik12345 reproduces its response.
// Its uri lacks the ?format=json of the request line: a receiver accepts that, we send the target.
const GUIDE: DigestInput = {
  algorithm: 'MD5',
  username: 'admin',
  password: 'hik12345',
  realm: 'DS-GWAS0101(6419)',
  nonce: '4e546c6c596a55355a5749364e5752684f4445344d57593d',
  method: 'POST',
  uri: '/ISAPI/Event/notification/subscribeDeviceMgmt',
  qop: 'auth',
  cnonce: '7e867c78d9874aa904b489a6791aaeaf',
  nc: 1,
};

describe('digestResponse against published vectors', () => {
  it.each<[string, DigestInput, string]>([
    ['RFC 2617 §3.5 (MD5, qop=auth)', RFC2617, '6629fae49393a05397450978507c4ef1'],
    ['RFC 7616 §3.9.1 with MD5', { ...rfc7616, algorithm: 'MD5' }, '8ca523f5e9506fed4657c9700eebdbec'],
    ['RFC 7616 §3.9.1 with SHA-256', { ...rfc7616, algorithm: 'SHA-256' }, '753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1'],
    // RFC 2069 §2.4 prints e966c932…, which does not follow from its own inputs; this is the corrected value.
    ['RFC 2069 §2.4 form without qop', { ...RFC2617, password: 'CircleOfLife', qop: null, cnonce: 'ignored without qop' }, '1949323746fe6a43ef61f9606e7febea'],
    ["the vendor guide's subscription request", GUIDE, 'fa7d3d95762b6e10c8a18f09f1f61e81'],
  ])('%s', (_name, input, expected) => {
    expect(digestResponse(input)).toBe(expected);
  });

  it('MD5-sess builds A1 from H(user:realm:pass):nonce:cnonce (RFC 2617 §3.2.2.2)', () => {
    const input: DigestInput = { ...rfc7616, algorithm: 'MD5-sess' };
    const ha1 = md5(`${md5('Mufasa:http-auth@example.org:Circle of Life')}:${rfc7616.nonce}:${rfc7616.cnonce}`);
    const expected = md5(`${ha1}:${rfc7616.nonce}:00000001:${rfc7616.cnonce}:auth:${md5('GET:/dir/index.html')}`);
    expect(digestResponse(input)).toBe(expected);
    expect(digestResponse(input)).not.toBe(digestResponse({ ...input, algorithm: 'MD5' }));
  });

  it('SHA-256-sess differs from SHA-256 and from MD5-sess', () => {
    const sess = digestResponse({ ...rfc7616, algorithm: 'SHA-256-sess' });
    expect(sess).toMatch(/^[0-9a-f]{64}$/);
    expect(sess).not.toBe(digestResponse({ ...rfc7616, algorithm: 'SHA-256' }));
  });

  it('the uri takes part in the hash: the query string changes the response', () => {
    const base: DigestInput = { ...rfc7616, algorithm: 'MD5', uri: '/ISAPI/Event/notification/subscribeDeviceMgmt' };
    expect(digestResponse(base)).not.toBe(digestResponse({ ...base, uri: `${base.uri}?format=json` }));
  });

  it('nc is 8 hex digits', () => {
    expect(formatNonceCount(1)).toBe('00000001');
    expect(formatNonceCount(255)).toBe('000000ff');
    expect(formatNonceCount(0x12345678)).toBe('12345678');
  });
});

describe('parseAuthenticateHeader / parseDigestChallenges', () => {
  it('reads quoted values holding commas and escaped quotes', () => {
    const [challenge] = parseAuthenticateHeader('Digest realm="a, \\"b\\"", qop="auth,auth-int", nonce="n1", algorithm=MD5');
    expect(challenge?.scheme).toBe('Digest');
    expect(challenge?.params.get('realm')).toBe('a, "b"');
    expect(challenge?.params.get('qop')).toBe('auth,auth-int');
    expect(challenge?.params.get('nonce')).toBe('n1');
    expect(challenge?.params.get('algorithm')).toBe('MD5');
  });

  it('separates several challenges in one header and across headers', () => {
    const challenges = parseAuthenticateHeader([
      'Basic realm="x", Digest realm="r", nonce="n"',
      'Negotiate abc==, Digest realm="r2", nonce="m", algorithm=SHA-256',
    ]);
    expect(challenges.map((c) => c.scheme)).toEqual(['Basic', 'Digest', 'Negotiate', 'Digest']);
    const digests = parseDigestChallenges(['Basic realm="x", Digest realm="r", nonce="n"', 'Negotiate abc==, Digest realm="r2", nonce="m", algorithm=SHA-256']);
    expect(digests.map((d) => [d.realm, d.nonce, d.algorithm])).toEqual([
      ['r', 'n', null],
      ['r2', 'm', 'SHA-256'],
    ]);
  });

  it('reads stale, opaque and qop tokens; param names are case-insensitive', () => {
    const [challenge] = parseDigestChallenges('digest REALM="r", Nonce="n", opaque="o p", Stale=TRUE, qop=" auth-int , auth "');
    expect(challenge).toEqual({ realm: 'r', nonce: 'n', opaque: 'o p', algorithm: null, qop: ['auth-int', 'auth'], stale: true });
  });

  it('ignores Digest challenges without realm or nonce and never throws on junk', () => {
    expect(parseDigestChallenges('Digest realm="r"')).toEqual([]);
    expect(parseDigestChallenges('"=,,==Digest')).toEqual([]);
    expect(parseDigestChallenges(undefined)).toEqual([]);
    expect(parseDigestChallenges('Digest realm="unterminated, nonce="n')).toEqual([]);
  });
});

describe('planDigest', () => {
  it('prefers qop=auth even when auth-int is listed first', () => {
    const plan = planDigest('Digest realm="r", nonce="n", qop="auth-int,auth"');
    expect(plan.qop).toBe('auth');
    expect(plan.algorithm).toBe('MD5');
  });

  it('uses the RFC 2069 form when no qop is offered', () => {
    expect(planDigest('Digest realm="r", nonce="n"').qop).toBeNull();
  });

  it('takes the first challenge it can answer', () => {
    const plan = planDigest([
      'Digest realm="r", nonce="a", algorithm=SHA-512-256, qop=auth',
      'Digest realm="r", nonce="b", algorithm=SHA-256, qop=auth',
      'Digest realm="r", nonce="c", qop=auth',
    ]);
    expect(plan.algorithm).toBe('SHA-256');
    expect(plan.challenge.nonce).toBe('b');
  });

  it('accepts algorithm names in any case', () => {
    expect(planDigest('Digest realm="r", nonce="n", qop=auth, algorithm=md5-SESS').algorithm).toBe('MD5-sess');
  });

  it.each([
    ['only auth-int offered', 'Digest realm="r", nonce="n", qop="auth-int"', 'HIKARC_DIGEST_UNSUPPORTED'],
    ['unknown algorithm', 'Digest realm="r", nonce="n", qop=auth, algorithm=SHA-512-256', 'HIKARC_DIGEST_UNSUPPORTED'],
    ['MD5-sess without qop', 'Digest realm="r", nonce="n", algorithm=MD5-sess', 'HIKARC_DIGEST_UNSUPPORTED'],
    ['Basic only', 'Basic realm="r"', 'HIKARC_DIGEST_CHALLENGE_INVALID'],
    ['no header', undefined, 'HIKARC_DIGEST_CHALLENGE_INVALID'],
  ])('refuses %s', (_name, header, code) => {
    expect(errorCode(() => planDigest(header))).toBe(code);
  });
});

describe('authorizationHeader', () => {
  const plan = planDigest('Digest realm="DS-GWAS0101(6419)", nonce="4e546c6c596a55355a5749364e5752684f4445344d57593d", qop="auth", opaque="op\\"aque"');

  const TARGET = `${GUIDE.uri}?format=json`;
  const sign = (uri: string): string =>
    authorizationHeader({ plan, username: GUIDE.username, password: GUIDE.password, method: GUIDE.method, uri, cnonce: GUIDE.cnonce, nc: 1 });
  const paramsOf = (header: string): Record<string, string> => Object.fromEntries(parseAuthenticateHeader(header)[0]?.params ?? []);

  it("reproduces the guide's Authorization header for the uri it printed", () => {
    expect(paramsOf(sign(GUIDE.uri))['response']).toBe('fa7d3d95762b6e10c8a18f09f1f61e81');
  });

  it('carries every field the server needs, uri exactly as the request target', () => {
    const header = sign(TARGET);
    expect(header.startsWith('Digest ')).toBe(true);
    expect(paramsOf(header)).toEqual({
      username: 'admin',
      realm: GUIDE.realm,
      nonce: GUIDE.nonce,
      uri: TARGET,
      response: digestResponse({ ...GUIDE, uri: TARGET }),
      opaque: 'op"aque',
      qop: 'auth',
      nc: '00000001',
      cnonce: GUIDE.cnonce,
    });
    // qop and nc are tokens, not quoted strings (RFC 7616 §3.4)
    expect(header).toMatch(/qop=auth, nc=00000001/);
    expect(header).not.toMatch(/algorithm=/);
    expect(header).not.toContain(GUIDE.password);
  });

  it('echoes the algorithm when the challenge named it, and omits nc/cnonce in the RFC 2069 form', () => {
    const header = authorizationHeader({
      plan: planDigest('Digest realm="r", nonce="n", algorithm=MD5'),
      username: 'u',
      password: 'p',
      method: 'GET',
      uri: '/x',
      cnonce: 'c',
      nc: 1,
    });
    expect(header).toContain('algorithm=MD5');
    expect(header).not.toMatch(/\bnc=|cnonce=|qop=/);
  });
});

describe('NonceCounter and cnonce', () => {
  it('counts from 1 per nonce and restarts for a new nonce', () => {
    const counter = new NonceCounter();
    expect([counter.next('a'), counter.next('a'), counter.next('b'), counter.next('a'), counter.next('b')]).toEqual([1, 2, 1, 3, 2]);
  });

  it('forgets the oldest nonces but stays bounded', () => {
    const counter = new NonceCounter();
    for (let i = 0; i < 100; i++) counter.next(`n${i}`);
    expect(counter.next('n99')).toBe(2);
    expect(counter.next('n0')).toBe(1);
  });

  it('makes a fresh 32-hex-digit cnonce each time', () => {
    const values = new Set(Array.from({ length: 20 }, () => randomCnonce()));
    expect(values.size).toBe(20);
    for (const value of values) expect(value).toMatch(/^[0-9a-f]{32}$/);
  });
});
