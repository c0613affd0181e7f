// Media link tokens, byte-exact: the vectors were computed independently of src/media (Python's
// hmac module over the same message), so a mistake in the signing code cannot be mirrored here.

import { describe, expect, it } from 'vitest';
import { MAX_TOKEN_LENGTH, readMediaToken, signMediaToken, verifyMediaToken } from '../../../src/media/media-token.js';
import { MAX_LINK_SUFFIX_LENGTH, mediaLink, parseMediaPath, tokenInText } from '../../../src/media/media-link.js';

const SECRET = '0123456789abcdef0123456789abcdef';
const TOKEN_42 = '42.1749000000.jY2dmo7jm2Z7gPMYCjHx0w';
const EXPIRES = 1_749_000_000;

describe('media token', () => {
  it('signs the documented form with HMAC-SHA256 truncated to 16 bytes', () => {
    expect(signMediaToken(SECRET, { mediaId: 42, expiresAtSec: EXPIRES })).toBe(TOKEN_42);
    expect(signMediaToken(SECRET, { mediaId: 43, expiresAtSec: EXPIRES })).toBe('43.1749000000.x1MfxHjyPxhVQXIF7jS0Cw');
    expect(signMediaToken(SECRET, { mediaId: 1, expiresAtSec: 0 })).toBe('1.0.zxtd7xz8gUZLCd8hUSksjA');
  });

  it('accepts its own token until the expiry second, then calls it expired', () => {
    expect(verifyMediaToken(SECRET, TOKEN_42, EXPIRES - 100)).toEqual({ kind: 'valid', claims: { mediaId: 42, expiresAtSec: EXPIRES } });
    expect(verifyMediaToken(SECRET, TOKEN_42, EXPIRES).kind).toBe('valid');
    expect(verifyMediaToken(SECRET, TOKEN_42, EXPIRES + 1)).toEqual({ kind: 'expired', claims: { mediaId: 42, expiresAtSec: EXPIRES } });
  });

  it('refuses a token pointed at another alarm, given a later expiry, or signed with another secret', () => {
    // another alarm: the id changed, the signature kept
    expect(verifyMediaToken(SECRET, '43.1749000000.jY2dmo7jm2Z7gPMYCjHx0w', 0).kind).toBe('invalid');
    // a longer life
    expect(verifyMediaToken(SECRET, '42.1849000000.jY2dmo7jm2Z7gPMYCjHx0w', 0).kind).toBe('invalid');
    // one character of the signature
    expect(verifyMediaToken(SECRET, '42.1749000000.kY2dmo7jm2Z7gPMYCjHx0w', 0).kind).toBe('invalid');
    expect(verifyMediaToken('another secret of at least 32 characters', TOKEN_42, 0).kind).toBe('invalid');
    // an expired token that is not ours is invalid, not expired: a forger learns nothing
    expect(verifyMediaToken(SECRET, '42.1.jY2dmo7jm2Z7gPMYCjHx0w', EXPIRES).kind).toBe('invalid');
  });

  it.each([
    ['empty', ''],
    ['two parts', '42.jY2dmo7jm2Z7gPMYCjHx0w'],
    ['four parts', '42.1749000000.jY2dmo7jm2Z7gPMYCjHx0w.x'],
    ['a leading zero', '042.1749000000.jY2dmo7jm2Z7gPMYCjHx0w'],
    ['id 0', '0.1749000000.jY2dmo7jm2Z7gPMYCjHx0w'],
    ['a sign', '+42.1749000000.jY2dmo7jm2Z7gPMYCjHx0w'],
    ['a short signature', '42.1749000000.jY2dmo7jm2Z7gPMYCjHx0'],
    ['padding', '42.1749000000.jY2dmo7jm2Z7gPMYCjHx0w=='],
    ['standard base64', '42.1749000000.jY2dmo7jm2Z7gPMYCjHx+w'],
    // the last character carries 4 bits past the 16 bytes: only the spelling we write is ours
    ['non-canonical base64url', '42.1749000000.jY2dmo7jm2Z7gPMYCjHx0x'],
    ['an id past 2^53', '9007199254740993.1749000000.jY2dmo7jm2Z7gPMYCjHx0w'],
    ['a space', ' 42.1749000000.jY2dmo7jm2Z7gPMYCjHx0w'],
  ])('calls a token with %s malformed', (_what, token) => {
    expect(verifyMediaToken(SECRET, token, 0).kind).toBe('malformed');
  });

  it('reads claims without checking them (for messages and reissuing), never more', () => {
    expect(readMediaToken(TOKEN_42)).toMatchObject({ mediaId: 42, expiresAtSec: EXPIRES });
    expect(readMediaToken('x.y.z')).toBeUndefined();
  });

  it('stays within MAX_TOKEN_LENGTH at the largest claims', () => {
    const longest = signMediaToken(SECRET, { mediaId: Number.MAX_SAFE_INTEGER, expiresAtSec: 99_999_999_999 });
    expect(longest.length).toBe(MAX_TOKEN_LENGTH);
    expect(verifyMediaToken(SECRET, longest, 0).kind).toBe('valid');
    expect(() => signMediaToken(SECRET, { mediaId: 0, expiresAtSec: 1 })).toThrow(RangeError);
  });
});

describe('media link', () => {
  it('is the public base, the path and the token; later items get their number', () => {
    expect(mediaLink('https://hik-arc.arc.example:9443', TOKEN_42)).toBe(`https://hik-arc.arc.example:9443/v1/media/${TOKEN_42}`);
    expect(mediaLink('https://arc.example/hik/', TOKEN_42, 2)).toBe(`https://arc.example/hik/v1/media/${TOKEN_42}/2`);
    expect(MAX_LINK_SUFFIX_LENGTH).toBe(`/v1/media/${'x'.repeat(MAX_TOKEN_LENGTH)}/15`.length);
  });

  it('parses the request path of a link', () => {
    expect(parseMediaPath(`/v1/media/${TOKEN_42}`)).toEqual({ token: TOKEN_42, item: 0 });
    expect(parseMediaPath(`/v1/media/${TOKEN_42}/3?download=1`)).toEqual({ token: TOKEN_42, item: 3 });
    for (const path of [
      '/v1/media/',
      '/v1/media',
      '/v2/media/x',
      `/v1/media/${TOKEN_42}/03`,
      `/v1/media/${TOKEN_42}/1/2`,
      `/v1/media/${TOKEN_42}/x`,
      `/v1/media/${TOKEN_42}/100`,
    ]) {
      expect(parseMediaPath(path), path).toBeUndefined();
    }
  });

  it('finds the token in a pasted link, path or bare token', () => {
    expect(tokenInText(` https://hik-arc.arc.example:9443/v1/media/${TOKEN_42}/1 `)).toBe(TOKEN_42);
    expect(tokenInText(`/v1/media/${TOKEN_42}`)).toBe(TOKEN_42);
    expect(tokenInText(TOKEN_42)).toBe(TOKEN_42);
  });
});
