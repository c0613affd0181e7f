// Where on the receiver an alarm's media file is (guide 7.1: `GET http://<receiver>:<port>/<videoUrl>`
// with the receiver's admin login; docs/media.md §1). Pure. The receiver's credentials go to
// receiver.url's origin and nowhere else, so a URL naming another host, or a scheme other than
// HTTP (RTSP), cannot be fetched and gets no link.

export type MediaSource =
  /** Request target on the receiver, query included (also the Digest `uri`). */
  { readonly ok: true; readonly path: string } | { readonly ok: false; readonly reason: string };

const SCHEME = /^[a-z][a-z0-9+.-]*:/i;
// Control bytes and spaces do not belong in a request target; a device that sends them sends junk.
const UNSAFE = /[\x00-\x20\x7f]/;

export function hikMediaPath(raw: string, hikUrl: URL): MediaSource {
  const text = raw.trim();
  if (text === '' || UNSAFE.test(text)) return { ok: false, reason: 'the URL is empty or holds spaces or control bytes' };
  let url: URL;
  if (SCHEME.test(text)) {
    try {
      url = new URL(text);
    } catch {
      return { ok: false, reason: 'the URL cannot be parsed' };
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return { ok: false, reason: `a ${url.protocol.slice(0, -1)} URL is not fetched over HTTP` };
  } else {
    // Something without a slash is no path (the guide's own CaptureList example sends "xxxxx").
    if (!text.includes('/')) return { ok: false, reason: 'the URL is neither a path nor an http(s) URL' };
    // A path relative to the receiver, under the path prefix of receiver.url if it has one.
    const basePath = hikUrl.pathname.replace(/\/+$/, '');
    url = new URL(`${basePath}${text.startsWith('/') ? '' : '/'}${text}`, hikUrl.origin);
  }
  // `//other-host/x` resolves to another origin too: the same check covers it.
  if (url.origin !== hikUrl.origin) return { ok: false, reason: 'the URL names a host other than receiver.url' };
  if (url.username !== '' || url.password !== '') return { ok: false, reason: 'the URL carries credentials' };
  return { ok: true, path: `${url.pathname}${url.search}` };
}
