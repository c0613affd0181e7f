// What the demo needs to show a signed [V] link working on one machine: a stand-in for the
// receiver's media download (guide 7.1) that serves one file behind HTTP Digest with a password
// only the demo knows, and the guide's video-verification example (A.29) with a path to that file
// where the guide prints the placeholder "...". Demo only; the service never runs this.

import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { digestResponse, parseAuthenticateHeader } from '../ingest/digest.js';

export const DEMO_CLIP_PATH = '/demo/video-verification.gif';

export interface DemoHikReceiver {
  readonly url: string;
  readonly username: string;
  readonly password: string;
  /** Signed downloads answered. */
  downloads(): number;
  close(): Promise<void>;
}

const REALM = 'hik-arc demo receiver';

export async function startDemoHikReceiver(file: Buffer, contentType: string): Promise<DemoHikReceiver> {
  const username = 'admin';
  const password = randomBytes(12).toString('base64url');
  const nonces = new Set<string>();
  let downloads = 0;
  const server: Server = createServer((request, response) => {
    request.resume();
    const params = parseAuthenticateHeader(request.headers.authorization).find((challenge) => challenge.scheme.toLowerCase() === 'digest')?.params;
    const nonce = params?.get('nonce') ?? '';
    const expected =
      params === undefined || !nonces.has(nonce)
        ? ''
        : digestResponse({
            algorithm: 'MD5',
            username,
            password,
            realm: REALM,
            nonce,
            method: request.method ?? 'GET',
            uri: params.get('uri') ?? '',
            qop: 'auth',
            cnonce: params.get('cnonce') ?? '',
            nc: Number.parseInt(params.get('nc') ?? '0', 16),
          });
    const given = Buffer.from(params?.get('response') ?? '');
    const signed =
      expected !== '' &&
      params?.get('username') === username &&
      params.get('uri') === request.url &&
      given.length === expected.length &&
      timingSafeEqual(given, Buffer.from(expected));
    if (!signed) {
      const fresh = randomBytes(12).toString('hex');
      nonces.add(fresh);
      response.writeHead(401, { 'www-authenticate': `Digest realm="${REALM}", nonce="${fresh}", qop="auth"` }).end();
      return;
    }
    if (request.url !== DEMO_CLIP_PATH) {
      response.writeHead(404).end();
      return;
    }
    downloads++;
    response.writeHead(200, { 'content-type': contentType, 'content-length': String(file.length) }).end(file);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    username,
    password,
    downloads: () => downloads,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/**
 * The capture with the video-verification example's clip placeholder replaced by `path`, and that
 * part's Content-Length corrected. Unchanged when the capture has no such example.
 */
export function withDemoClip(capture: Buffer, path: string): Buffer {
  const text = capture.toString('latin1');
  const example = text.indexOf('"eventType":"videoReview"');
  if (example < 0) return capture;
  const partStart = text.lastIndexOf('Content-Length:', example);
  const bodyStart = text.indexOf('\r\n\r\n', partStart);
  const placeholder = text.indexOf('"videoURL":"..."', example);
  const lengthLine = /^Content-Length: (\d+)/.exec(text.slice(partStart));
  if (partStart < 0 || bodyStart < 0 || placeholder < 0 || lengthLine === null) return capture;
  const replaced = `"videoURL":"${path}"`;
  const length = Number(lengthLine[1]) + replaced.length - '"videoURL":"..."'.length;
  return Buffer.from(
    `${text.slice(0, partStart)}Content-Length: ${length}${text.slice(partStart + lengthLine[0].length, placeholder)}${replaced}${text.slice(placeholder + '"videoURL":"..."'.length)}`,
    'latin1',
  );
}
