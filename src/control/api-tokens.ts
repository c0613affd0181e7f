// Bearer tokens of the control API (docs/panel-control.md §9). The tokens file holds each token's
// name, roles and SHA-256, never the token: a stolen file or backup opens nothing. Tokens are 32
// random bytes, so one hash round is enough (there is no password to guess). Comparison is in
// constant time.

import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { ConfigError, errorMessage } from '../errors.js';
import { ROLES, type Role } from './commands.js';

export interface ApiToken {
  readonly name: string;
  readonly roles: ReadonlySet<Role>;
  readonly hash: Buffer;
}

const TOKEN_PREFIX = 'hikarc_';

const tokensShape = z.object({
  tokens: z
    .array(
      z.object({
        name: z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, 'must be 1 to 64 letters, digits, dots, dashes or underscores'),
        sha256: z.string().regex(/^[0-9a-f]{64}$/i, 'must be the 64 hex digit SHA-256 of the token'),
        roles: z.array(z.enum(ROLES)).min(1, 'must name at least one role'),
      }),
    )
    .min(1, 'must list at least one token'),
});

export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** A new random token and its tokens file entry. */
export function generateToken(name: string, roles: readonly Role[]): { token: string; entry: { name: string; sha256: string; roles: Role[] } } {
  const token = `${TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`;
  return { token, entry: { name, sha256: hashToken(token), roles: [...new Set(roles)] } };
}

/** Parses the tokens file text; every problem is named. */
export function parseTokens(text: string, file: string): ApiToken[] {
  let value: unknown;
  try {
    value = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (error) {
    throw new ConfigError('HIKARC_CONTROL_TOKENS_INVALID', [`control.tokensFile: ${file} is not valid JSON: ${errorMessage(error)}`]);
  }
  const parsed = tokensShape.safeParse(value);
  if (!parsed.success) {
    throw new ConfigError(
      'HIKARC_CONTROL_TOKENS_INVALID',
      parsed.error.issues.map((issue) => `control.tokensFile: ${file}: ${issue.path.join('.') || 'file'}: ${issue.message}`),
    );
  }
  const names = new Set<string>();
  const tokens: ApiToken[] = [];
  for (const entry of parsed.data.tokens) {
    if (names.has(entry.name))
      throw new ConfigError('HIKARC_CONTROL_TOKENS_INVALID', [`control.tokensFile: ${file}: token name "${entry.name}" appears twice`]);
    names.add(entry.name);
    tokens.push({ name: entry.name, roles: new Set(entry.roles), hash: Buffer.from(entry.sha256.toLowerCase(), 'hex') });
  }
  return tokens;
}

export function loadTokens(file: string): ApiToken[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new ConfigError('HIKARC_CONTROL_TOKENS_INVALID', [`control.tokensFile: cannot read ${file}: ${errorMessage(error)}`]);
  }
  return parseTokens(text, file);
}

/** The token an `Authorization: Bearer ...` header carries, or undefined. */
export function authenticate(header: string | undefined, tokens: readonly ApiToken[]): ApiToken | undefined {
  const match = header === undefined ? null : /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (match === null) return undefined;
  const presented = Buffer.from(hashToken(match[1] as string), 'hex');
  let found: ApiToken | undefined;
  // Every entry is compared, so the time taken says nothing about which one matched.
  for (const token of tokens) if (timingSafeEqual(presented, token.hash) && found === undefined) found = token;
  return found;
}
