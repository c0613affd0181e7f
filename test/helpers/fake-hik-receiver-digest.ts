// The fake receiver's side of HTTP Digest, written independently of src/ingest/digest.ts so that a
// mistake there cannot be mirrored here: challenge issuing and strict verification (RFC 7616).

import { createHash, randomBytes } from 'node:crypto';

export type FakeDigestAlgorithm = 'MD5' | 'MD5-sess' | 'SHA-256';

export interface FakeDigestOptions {
  readonly username: string;
  readonly password: string;
  readonly realm: string;
  readonly algorithm: FakeDigestAlgorithm;
  /** Whether the challenge names the algorithm (old firmware omits it for MD5). */
  readonly announceAlgorithm: boolean;
  /** `auth`, `auth-int,auth`, ... or null for an RFC 2069 challenge. */
  readonly qop: string | null;
  readonly opaque: string | null;
}

export type Verdict = 'ok' | 'missing' | 'wrong' | 'unknown-nonce' | 'replayed';

function h(algorithm: FakeDigestAlgorithm, value: string): string {
  return createHash(algorithm === 'SHA-256' ? 'sha256' : 'md5')
    .update(value)
    .digest('hex');
}

/** key="value" and key=token pairs of an Authorization header (values here never hold quotes). */
export function authorizationParams(header: string | undefined): Record<string, string> | null {
  if (header === undefined || !/^Digest\s/i.test(header)) return null;
  const params: Record<string, string> = {};
  for (const match of header.slice(7).matchAll(/([a-zA-Z]+)=(?:"([^"]*)"|([^,\s]+))/g)) {
    params[(match[1] as string).toLowerCase()] = match[2] ?? match[3] ?? '';
  }
  return params;
}

export class FakeDigest {
  private readonly nonces = new Map<string, number>();

  constructor(private readonly options: FakeDigestOptions) {}

  challenge(stale = false): string {
    const nonce = randomBytes(12).toString('hex');
    this.nonces.set(nonce, 0);
    const { realm, algorithm, announceAlgorithm, qop, opaque } = this.options;
    const parts = [`realm="${realm}"`, `nonce="${nonce}"`];
    if (qop !== null) parts.push(`qop="${qop}"`);
    if (announceAlgorithm) parts.push(`algorithm=${algorithm}`);
    if (opaque !== null) parts.push(`opaque="${opaque}"`);
    if (stale) parts.push('stale=TRUE');
    return `Digest ${parts.join(', ')}`;
  }

  verify(method: string, url: string, header: string | undefined): Verdict {
    const p = authorizationParams(header);
    if (p === null) return 'missing';
    const { username, password, realm, algorithm, qop, opaque } = this.options;
    const nonce = p['nonce'] ?? '';
    const lastNc = this.nonces.get(nonce);
    if (lastNc === undefined) return 'unknown-nonce';
    if (p['username'] !== username || p['realm'] !== realm || p['uri'] !== url) return 'wrong';
    if (opaque !== null && p['opaque'] !== opaque) return 'wrong';
    let ha1 = h(algorithm, `${username}:${realm}:${password}`);
    let expected: string;
    if (qop === null) {
      expected = h(algorithm, `${ha1}:${nonce}:${h(algorithm, `${method}:${url}`)}`);
    } else {
      const nc = p['nc'] ?? '';
      const cnonce = p['cnonce'] ?? '';
      if (p['qop'] !== 'auth' || !/^[0-9a-f]{8}$/.test(nc) || cnonce === '') return 'wrong';
      if (algorithm === 'MD5-sess') ha1 = h(algorithm, `${ha1}:${nonce}:${cnonce}`);
      expected = h(algorithm, `${ha1}:${nonce}:${nc}:${cnonce}:auth:${h(algorithm, `${method}:${url}`)}`);
      const count = Number.parseInt(nc, 16);
      if (p['response'] === expected && count <= lastNc) return 'replayed';
      if (p['response'] === expected) this.nonces.set(nonce, count);
    }
    return p['response'] === expected ? 'ok' : 'wrong';
  }
}
