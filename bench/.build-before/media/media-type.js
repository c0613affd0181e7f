// What a media file is, from its first bytes and the type the receiver declared (docs/media.md §7).
// Only pictures and videos are served: an alarm's URL must never become a way to read other
// receiver resources (configuration, user lists) with the receiver's admin login. Pure.
/** Bytes sniffMediaType looks at. */
export const SNIFF_BYTES = 512;
function ascii(head, at, text) {
    if (head.length < at + text.length)
        return false;
    for (let i = 0; i < text.length; i++)
        if (head[at + i] !== text.charCodeAt(i))
            return false;
    return true;
}
function bytes(head, at, values) {
    if (head.length < at + values.length)
        return false;
    return values.every((value, i) => head[at + i] === value);
}
/** The type of a picture or video recognised by its signature, else undefined. */
export function sniffMediaType(head) {
    if (bytes(head, 0, [0xff, 0xd8, 0xff]))
        return 'image/jpeg';
    if (bytes(head, 0, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))
        return 'image/png';
    if (ascii(head, 0, 'GIF87a') || ascii(head, 0, 'GIF89a'))
        return 'image/gif';
    if (ascii(head, 0, 'RIFF') && ascii(head, 8, 'WEBP'))
        return 'image/webp';
    if (ascii(head, 0, 'RIFF') && ascii(head, 8, 'AVI '))
        return 'video/x-msvideo';
    // ISO base media (MP4, QuickTime): a box size, then `ftyp` and the major brand.
    if (ascii(head, 4, 'ftyp'))
        return ascii(head, 8, 'qt  ') ? 'video/quicktime' : 'video/mp4';
    if (bytes(head, 0, [0x1a, 0x45, 0xdf, 0xa3]))
        return 'video/x-matroska';
    // Hikvision recordings: a 40-byte `IMKH` header before an MPEG program stream.
    if (ascii(head, 0, 'IMKH'))
        return 'video/mp2p';
    if (bytes(head, 0, [0x00, 0x00, 0x01, 0xba]))
        return 'video/mp2p';
    if (head[0] === 0x47 && head.length > 188 && head[188] === 0x47)
        return 'video/mp2t';
    return undefined;
}
// Declared types accepted when the signature is not one we know. SVG is a picture that can carry
// script: never served.
const DECLARED = /^(image\/(?!svg)[a-z0-9.+-]+|video\/[a-z0-9.+-]+)$/;
/** The Content-Type to serve the file with, or undefined when it is not a picture or a video. */
export function servedMediaType(declared, head) {
    const sniffed = sniffMediaType(head);
    if (sniffed !== undefined)
        return sniffed;
    const type = declared?.split(';')[0]?.trim().toLowerCase();
    return type !== undefined && DECLARED.test(type) ? type : undefined;
}
const EXTENSIONS = {
    'image/jpeg': 'jpg',
    'image/png': 'png',
    'image/gif': 'gif',
    'image/webp': 'webp',
    'video/x-msvideo': 'avi',
    'video/mp4': 'mp4',
    'video/quicktime': 'mov',
    'video/x-matroska': 'mkv',
    'video/mp2p': 'mpg',
    'video/mp2t': 'ts',
};
/** File name extension for a served type (`bin` for a declared type we have no name for). */
export function mediaExtension(type) {
    return EXTENSIONS[type] ?? 'bin';
}
