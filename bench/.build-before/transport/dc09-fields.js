// The DC-09 header field rules (docs/dc09.md §Header fields), in one place. A shared leaf: the
// codec checks frames with them, the config checks its keys with them, and ingest and translate
// check the accounts they read - none of them needs anything else of the transport stage.
import { isHexDigits } from './ascii.js';
/** A DC-09 account: 3 to 16 hex digits. */
export function isDc09Account(text) {
    return isHexDigits(text, 3, 16);
}
/** A DC-09 receiver (R) or line prefix (L) field: 1 to 6 hex digits. */
export function isDc09HexField(text) {
    return isHexDigits(text, 1, 6);
}
