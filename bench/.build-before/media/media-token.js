// The token of a media link: an HMAC-signed, expiring reference to one alarm's media (docs/media.md
// §4). Pure: the secret and the time come in as arguments, so every token is reproducible in tests.
//
//   <mediaId>.<expiresAtSec>.<mac>      e.g. 42.1749000000.hA3x…
//
// mediaId and expiresAtSec are plain decimal integers without leading zeros (one spelling per
// token); mac is the first 16 bytes of HMAC-SHA256(secret, "hik-arc/media/v1:<mediaId>.<expiresAtSec>")
// in base64url. 128 bits are the truncation RFC 2104 §5 allows (at least half the hash) and keep the
// link short: the whole link must fit the DC-09 [V] block (256 characters, docs/media.md §3).
import { createHmac, timingSafeEqual } from 'node:crypto';
const MAC_BYTES = 16;
const MAC_CHARS = 22; // base64url of 16 bytes, unpadded
const DOMAIN = 'hik-arc/media/v1:';
const DECIMAL = /^(0|[1-9]\d{0,15})$/;
const MAC_TEXT = /^[A-Za-z0-9_-]{22}$/;
/** The longest token signMediaToken can produce: 16-digit id, 11-digit time, two dots, the mac. */
export const MAX_TOKEN_LENGTH = 16 + 1 + 11 + 1 + MAC_CHARS;
function mac(secret, mediaId, expiresAtSec) {
    return createHmac('sha256', secret).update(`${DOMAIN}${mediaId}.${expiresAtSec}`).digest().subarray(0, MAC_BYTES);
}
function isClaimNumber(value) {
    return Number.isSafeInteger(value) && value >= 0;
}
export function signMediaToken(secret, claims) {
    if (!isClaimNumber(claims.mediaId) || claims.mediaId === 0 || !isClaimNumber(claims.expiresAtSec) || claims.expiresAtSec > 99_999_999_999) {
        throw new RangeError(`media token claims out of range: ${claims.mediaId}, ${claims.expiresAtSec}`);
    }
    return `${claims.mediaId}.${claims.expiresAtSec}.${mac(secret, claims.mediaId, claims.expiresAtSec).toString('base64url')}`;
}
/** The claims of a well-formed token, unchecked: for messages and for reissuing a link, never for access. */
export function readMediaToken(token) {
    const parts = token.split('.');
    if (parts.length !== 3)
        return undefined;
    const [id, expires, signature] = parts;
    if (!DECIMAL.test(id) || !DECIMAL.test(expires) || !MAC_TEXT.test(signature))
        return undefined;
    const mediaId = Number(id);
    const expiresAtSec = Number(expires);
    if (mediaId === 0 || !Number.isSafeInteger(mediaId) || expiresAtSec > 99_999_999_999)
        return undefined;
    const decoded = Buffer.from(signature, 'base64url');
    // base64url of 22 characters carries 132 bits: the last 4 must be zero, or the text is not one we wrote.
    if (decoded.length !== MAC_BYTES || decoded.toString('base64url') !== signature)
        return undefined;
    return { mediaId, expiresAtSec, mac: decoded };
}
/**
 * Checks form, then signature (in constant time), then expiry: an expired token is reported as
 * expired only when it really is ours, so the answer never tells a forger more than "invalid".
 */
export function verifyMediaToken(secret, token, nowSec) {
    const read = readMediaToken(token);
    if (read === undefined)
        return { kind: 'malformed' };
    if (!timingSafeEqual(read.mac, mac(secret, read.mediaId, read.expiresAtSec)))
        return { kind: 'invalid' };
    const claims = { mediaId: read.mediaId, expiresAtSec: read.expiresAtSec };
    return nowSec > read.expiresAtSec ? { kind: 'expired', claims } : { kind: 'valid', claims };
}
