import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Client } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { systemClock } from '../../../src/clock.js';
import { HikArcError } from '../../../src/errors.js';
import { AuthGuard } from '../../../src/ingest/auth-guard.js';
import { MAX_ERROR_BODY_BYTES, HikHttp, type HikRequest } from '../../../src/ingest/hik-http.js';
import { silentLogger } from '../../../src/log.js';
import { MetricsRegistry } from '../../../src/metrics.js';
import { authorizationParams } from '../../helpers/fake-hik-receiver-digest.js';

type Handler = (request: IncomingMessage, response: ServerResponse) => void;

let server: Server | undefined;
let client: Client | undefined;
const seen: Array<{ url: string; authorization: Record<string, string> | null }> = [];

async function serve(handler: Handler): Promise<HikHttp> {
  seen.length = 0;
  server = createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      seen.push({ url: request.url ?? '', authorization: authorizationParams(request.headers.authorization) });
      handler(request, response);
    });
  });
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
  client = new Client(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  return new HikHttp({
    dispatcher: client,
    credentials: { username: 'admin', password: 'hik12345' },
    guard: new AuthGuard(60_000),
    clock: systemClock,
    logger: silentLogger,
    metrics: new MetricsRegistry(),
  });
}

afterEach(async () => {
  await client?.destroy();
  server?.closeAllConnections();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = undefined;
  client = undefined;
});

const GET: HikRequest = { method: 'GET', path: '/ISAPI/System/deviceInfo?format=json', headersTimeoutMs: 2000, bodyTimeoutMs: 2000 };

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return 'resolved';
  } catch (error) {
    return error instanceof HikArcError ? error.code : String(error);
  }
}

describe('HikHttp', () => {
  it('a 401 without a Digest challenge is an error, and nothing signed is sent', async () => {
    const http = await serve((_request, response) => response.writeHead(401, { 'www-authenticate': 'Basic realm="x"' }).end('no'));
    expect(await codeOf(http.request(GET))).toBe('HIKARC_DIGEST_CHALLENGE_INVALID');
    expect(seen).toHaveLength(1);
  });

  it('a challenge that already says "locked" stops before any login', async () => {
    const http = await serve((_request, response) =>
      response
        .writeHead(401, { 'www-authenticate': 'Digest realm="r", nonce="n", qop="auth"' })
        .end('<userCheck><lockStatus>lock</lockStatus><unlockTime>600</unlockTime><retryLoginTime>0</retryLoginTime></userCheck>'),
    );
    expect(await codeOf(http.request(GET))).toBe('HIKARC_DIGEST_LOCKED');
    expect(seen.filter((request) => request.authorization !== null)).toHaveLength(0);
    // and stays locked: the next request is not even sent
    expect(await codeOf(http.request(GET))).toBe('HIKARC_DIGEST_LOCKED');
    expect(seen).toHaveLength(1);
  });

  it('a rejected login holds every request without sending it', async () => {
    const http = await serve((_request, response) => response.writeHead(401, { 'www-authenticate': 'Digest realm="r", nonce="n2", qop="auth"' }).end());
    expect(await codeOf(http.request(GET))).toBe('HIKARC_DIGEST_REJECTED');
    expect(seen).toHaveLength(2);
    expect(await codeOf(http.request({ ...GET, method: 'POST', body: '{}' }))).toBe('HIKARC_DIGEST_HOLD');
    expect(seen).toHaveLength(2);
  });

  it('counts nc per nonce when the receiver repeats a nonce', async () => {
    const http = await serve((request, response) => {
      if (request.headers.authorization === undefined) {
        response.writeHead(401, { 'www-authenticate': 'Digest realm="r", nonce="same", qop="auth"' }).end();
        return;
      }
      response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
    for (let i = 0; i < 3; i++) {
      const response = await http.request(GET);
      if (response.ok) await response.body.dump();
    }
    const signed = seen.filter((request) => request.authorization !== null).map((request) => request.authorization?.['nc']);
    expect(signed).toEqual(['00000001', '00000002', '00000003']);
    const cnonces = new Set(seen.filter((request) => request.authorization !== null).map((request) => request.authorization?.['cnonce']));
    expect(cnonces.size).toBe(3);
  });

  it('reads and releases every error body: many refusals in a row on one connection never hang', async () => {
    const http = await serve((request, response) => {
      if (request.headers.authorization === undefined) {
        response.writeHead(401, { 'www-authenticate': `Digest realm="r", nonce="${Math.random()}", qop="auth"` }).end('x'.repeat(5000));
        return;
      }
      response.writeHead(404, { 'content-type': 'application/json' }).end('{"statusCode":4,"subStatusCode":"notSupport"}');
    });
    for (let i = 0; i < 40; i++) {
      const response = await http.request(GET);
      expect(response.ok).toBe(false);
      expect(!response.ok && response.text).toContain('notSupport');
    }
    expect(seen).toHaveLength(80);
  });

  it('an error body over the cap is cut, not buffered whole', async () => {
    const http = await serve((_request, response) => response.writeHead(500).end('y'.repeat(MAX_ERROR_BODY_BYTES * 3)));
    const response = await http.request(GET);
    expect(!response.ok && response.text.length).toBe(MAX_ERROR_BODY_BYTES);
  });
});
