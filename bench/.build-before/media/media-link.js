// Where a media link points: `<media.publicUrl>/v1/media/<token>` for an alarm's first media item
// (what the DC-09 [V] block carries), `/<item>` after it for the others (docs/media.md §5). Pure.
import { MAX_TOKEN_LENGTH } from './media-token.js';
export const MEDIA_PATH_PREFIX = '/v1/media/';
/** Items one alarm can reference: its clip, a second lens, and a few pictures (docs/media.md §2). */
export const MAX_ITEMS_PER_ALARM = 16;
/** What a link adds to media.publicUrl at most: the path, the longest token and `/15`. */
export const MAX_LINK_SUFFIX_LENGTH = MEDIA_PATH_PREFIX.length + MAX_TOKEN_LENGTH + 1 + String(MAX_ITEMS_PER_ALARM - 1).length;
export function mediaLink(publicUrl, token, item = 0) {
    const base = publicUrl.replace(/\/+$/, '');
    return `${base}${MEDIA_PATH_PREFIX}${token}${item === 0 ? '' : `/${item}`}`;
}
/** The token and item of a request path (query ignored), or undefined when it is no media path. */
export function parseMediaPath(target) {
    const path = target.split('?')[0] ?? '';
    if (!path.startsWith(MEDIA_PATH_PREFIX))
        return undefined;
    const rest = path.slice(MEDIA_PATH_PREFIX.length).split('/');
    const token = rest[0] ?? '';
    if (token === '' || rest.length > 2)
        return undefined;
    if (rest.length === 1)
        return { token, item: 0 };
    const item = rest[1] ?? '';
    if (!/^(0|[1-9]\d?)$/.test(item))
        return undefined;
    return { token, item: Number(item) };
}
/** The token in what an operator pastes: a whole link, a media path, or the bare token. */
export function tokenInText(text) {
    const trimmed = text.trim();
    const at = trimmed.indexOf(MEDIA_PATH_PREFIX);
    if (at < 0)
        return trimmed;
    return parseMediaPath(trimmed.slice(at))?.token ?? trimmed.slice(at + MEDIA_PATH_PREFIX.length);
}
