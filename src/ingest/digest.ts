// HTTP Digest access authentication as pure functions: parse the WWW-Authenticate challenge, pick
// what we can answer, compute the response and format the Authorization header (RFC 7616, RFC 2617
// and the RFC 2069 form without qop; guide chapter 2). No I/O: the cnonce and nonce count come in as
// arguments so every computation is reproducible in tests.

import { createHash, randomBytes } from 'node:crypto';
import { HikArcError } from '../errors.js';

export const DIGEST_ALGORITHMS = ['MD5', 'MD5-sess', 'SHA-256', 'SHA-256-sess'] as const;
export type DigestAlgorithm = (typeof DIGEST_ALGORITHMS)[number];

/** One `Digest` challenge as the server sent it; parameter names lower-cased. */
export interface DigestChallenge {
  readonly realm: string;
  readonly nonce: string;
  readonly opaque: string | null;
  /** As sent; null when absent (RFC 7616 §3.3: MD5 is meant). */
  readonly algorithm: string | null;
  /** qop tokens offered; empty for an RFC 2069 challenge. */
  readonly qop: readonly string[];
  readonly stale: boolean;
}

/** What we answer a challenge with: the algorithm and qop we will use. */
export interface DigestPlan {
  readonly challenge: DigestChallenge;
  readonly algorithm: DigestAlgorithm;
  /** `auth`, or null for the RFC 2069 form. `auth-int` is never chosen (it would hash the body). */
  readonly qop: 'auth' | null;
}

export interface DigestInput {
  readonly algorithm: DigestAlgorithm;
  readonly username: string;
  readonly password: string;
  readonly realm: string;
  readonly nonce: string;
  readonly method: string;
  /** The request target exactly as sent, query included (RFC 7616 §3.4 `uri`). */
  readonly uri: string;
  readonly qop: 'auth' | null;
  readonly cnonce: string;
  readonly nc: number;
}

export interface AuthParamsChallenge {
  readonly scheme: string;
  readonly params: ReadonlyMap<string, string>;
}

function isTokenChar(ch: string): boolean {
  return /[!#$%&'*+\-.^_`|~0-9A-Za-z]/.test(ch);
}

/**
 * Splits WWW-Authenticate values into challenges (RFC 7235 §4.1). A real tokenizer, not a split on
 * commas: quoted values contain commas (`qop="auth,auth-int"`) and several challenges may share one
 * header (`Digest ..., Basic realm="x"`). Never throws; what it cannot read it skips.
 */
export function parseAuthenticateHeader(values: string | readonly string[] | undefined): AuthParamsChallenge[] {
  const list = values === undefined ? [] : typeof values === 'string' ? [values] : values;
  const challenges: Array<{ scheme: string; params: Map<string, string> }> = [];
  for (const text of list) {
    let i = 0;
    let current: { scheme: string; params: Map<string, string> } | undefined;
    const skipSpace = (): void => {
      while (i < text.length && (text[i] === ' ' || text[i] === '\t')) i++;
    };
    const readToken = (): string => {
      const start = i;
      while (i < text.length && isTokenChar(text[i] as string)) i++;
      return text.slice(start, i);
    };
    while (i < text.length) {
      skipSpace();
      if (text[i] === ',') {
        i++;
        continue;
      }
      const token = readToken();
      if (token === '') {
        i++;
        continue;
      }
      skipSpace();
      if (text[i] === '=' && current !== undefined) {
        i++;
        skipSpace();
        let value: string;
        if (text[i] === '"') {
          i++;
          value = '';
          while (i < text.length && text[i] !== '"') {
            if (text[i] === '\\' && i + 1 < text.length) i++;
            value += text[i];
            i++;
          }
          i++;
        } else {
          value = readToken();
          // token68 padding (`Basic abc==`) and anything else up to the next comma
          while (i < text.length && text[i] !== ',') i++;
        }
        current.params.set(token.toLowerCase(), value);
        continue;
      }
      if (text[i] === '=') {
        // token68 right after a scheme; not a Digest parameter
        while (i < text.length && text[i] !== ',') i++;
        continue;
      }
      current = { scheme: token, params: new Map() };
      challenges.push(current);
    }
  }
  return challenges;
}

/** The Digest challenges among WWW-Authenticate values, in the order sent. */
export function parseDigestChallenges(values: string | readonly string[] | undefined): DigestChallenge[] {
  const out: DigestChallenge[] = [];
  for (const { scheme, params } of parseAuthenticateHeader(values)) {
    if (scheme.toLowerCase() !== 'digest') continue;
    const nonce = params.get('nonce');
    const realm = params.get('realm');
    if (nonce === undefined || realm === undefined) continue;
    const qop = (params.get('qop') ?? '')
      .split(',')
      .map((token) => token.trim().toLowerCase())
      .filter((token) => token !== '');
    out.push({
      realm,
      nonce,
      opaque: params.get('opaque') ?? null,
      algorithm: params.get('algorithm') ?? null,
      qop,
      stale: (params.get('stale') ?? '').toLowerCase() === 'true',
    });
  }
  return out;
}

function knownAlgorithm(name: string | null): DigestAlgorithm | undefined {
  if (name === null) return 'MD5';
  return DIGEST_ALGORITHMS.find((algorithm) => algorithm.toLowerCase() === name.toLowerCase());
}

/**
 * Picks the first challenge we can answer (RFC 7616 §3.7: servers list their preferred one first)
 * and its qop: `auth` when offered, the RFC 2069 form when no qop is offered. An offer of only
 * `auth-int`, or only unknown algorithms, is an error rather than a guess.
 */
export function planDigest(values: string | readonly string[] | undefined): DigestPlan {
  const challenges = parseDigestChallenges(values);
  if (challenges.length === 0) {
    throw new HikArcError('HIKARC_DIGEST_CHALLENGE_INVALID', 'the 401 answer carries no Digest challenge with realm and nonce');
  }
  const rejected: string[] = [];
  for (const challenge of challenges) {
    const algorithm = knownAlgorithm(challenge.algorithm);
    if (algorithm === undefined) {
      rejected.push(`algorithm ${challenge.algorithm ?? ''}`);
      continue;
    }
    if (challenge.qop.length > 0 && !challenge.qop.includes('auth')) {
      rejected.push(`qop ${challenge.qop.join(',')}`);
      continue;
    }
    const qop = challenge.qop.includes('auth') ? 'auth' : null;
    // RFC 2617 §3.2.2.2: the -sess A1 needs a cnonce, which the 2069 form does not send.
    if (qop === null && algorithm.endsWith('-sess')) {
      rejected.push(`${algorithm} without qop`);
      continue;
    }
    return { challenge, algorithm, qop };
  }
  throw new HikArcError('HIKARC_DIGEST_UNSUPPORTED', `no Digest challenge we can answer (${rejected.join('; ')})`, {
    detail: { offered: rejected },
  });
}

function hashFor(algorithm: DigestAlgorithm): (text: string) => string {
  const name = algorithm.startsWith('SHA-256') ? 'sha256' : 'md5';
  return (text) => createHash(name).update(text, 'utf8').digest('hex');
}

/** nc as sent: 8 lower-case hex digits (RFC 7616 §3.4). */
export function formatNonceCount(nc: number): string {
  return nc.toString(16).padStart(8, '0');
}

/** The `response` value: RFC 7616 §3.4.1–3.4.3, RFC 2069 §2.1.2 when qop is null. */
export function digestResponse(input: DigestInput): string {
  const hash = hashFor(input.algorithm);
  let ha1 = hash(`${input.username}:${input.realm}:${input.password}`);
  if (input.algorithm.endsWith('-sess')) ha1 = hash(`${ha1}:${input.nonce}:${input.cnonce}`);
  const ha2 = hash(`${input.method}:${input.uri}`);
  if (input.qop === null) return hash(`${ha1}:${input.nonce}:${ha2}`);
  return hash(`${ha1}:${input.nonce}:${formatNonceCount(input.nc)}:${input.cnonce}:${input.qop}:${ha2}`);
}

function quoted(value: string): string {
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

export interface AuthorizationInput {
  readonly plan: DigestPlan;
  readonly username: string;
  readonly password: string;
  readonly method: string;
  readonly uri: string;
  readonly cnonce: string;
  readonly nc: number;
}

/** The Authorization header value; `algorithm` is echoed only when the challenge named one. */
export function authorizationHeader(input: AuthorizationInput): string {
  const { plan } = input;
  const { challenge } = plan;
  const response = digestResponse({
    algorithm: plan.algorithm,
    username: input.username,
    password: input.password,
    realm: challenge.realm,
    nonce: challenge.nonce,
    method: input.method,
    uri: input.uri,
    qop: plan.qop,
    cnonce: input.cnonce,
    nc: input.nc,
  });
  const fields = [`username=${quoted(input.username)}`, `realm=${quoted(challenge.realm)}`, `nonce=${quoted(challenge.nonce)}`, `uri=${quoted(input.uri)}`];
  if (challenge.algorithm !== null) fields.push(`algorithm=${challenge.algorithm}`);
  fields.push(`response=${quoted(response)}`);
  if (challenge.opaque !== null) fields.push(`opaque=${quoted(challenge.opaque)}`);
  if (plan.qop !== null) fields.push(`qop=${plan.qop}`, `nc=${formatNonceCount(input.nc)}`, `cnonce=${quoted(input.cnonce)}`);
  return `Digest ${fields.join(', ')}`;
}

/** 16 random bytes as hex: a fresh cnonce for every signed request. */
export function randomCnonce(): string {
  return randomBytes(16).toString('hex');
}

const REMEMBERED_NONCES = 32;

/**
 * nc per nonce, starting at 1 for each new nonce (RFC 7616 §3.4: the count of requests sent with
 * this nonce). A process-wide counter, as some libraries keep, is a known interoperability bug.
 */
export class NonceCounter {
  private readonly counts = new Map<string, number>();

  next(nonce: string): number {
    const count = (this.counts.get(nonce) ?? 0) + 1;
    this.counts.delete(nonce);
    this.counts.set(nonce, count);
    if (this.counts.size > REMEMBERED_NONCES) {
      const oldest = this.counts.keys().next().value;
      if (oldest !== undefined) this.counts.delete(oldest);
    }
    return count;
  }
}
