// bodyChunks on a real undici response from 127.0.0.1: the server sends chunks and then drops the
// connection mid-body while the consumer is still busy with the first one.

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { bodyChunks } from '../../../src/ingest/body-chunks.js';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const PARTS = ['one;', 'two;', 'three;', 'four;'];

let server: Server | undefined;

afterEach(async () => {
  await new Promise<void>((resolve) => (server === undefined ? resolve() : server.close(() => resolve())));
  server = undefined;
});

/** Writes PARTS one by one, each flushed to the socket, then destroys the connection. */
async function droppingServer(): Promise<string> {
  server = createServer((_request, response) => {
    response.writeHead(200, { 'content-type': 'multipart/mixed; boundary=boundary' });
    void (async () => {
      for (const part of PARTS) {
        await new Promise<void>((resolve) => response.write(part, () => resolve()));
        await sleep(10);
      }
      response.destroy();
    })();
  });
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', () => resolve()));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
}

async function readSlowly(chunks: AsyncIterable<unknown>): Promise<{ text: string; error: unknown }> {
  let text = '';
  try {
    for await (const chunk of chunks) {
      text += (chunk as Buffer).toString('latin1');
      await sleep(150);
    }
    return { text, error: null };
  } catch (error) {
    return { text, error };
  }
}

describe('bodyChunks over a socket', () => {
  it('yields every byte received before the connection broke, then the break', async () => {
    const response = await request(await droppingServer());
    const { text, error } = await readSlowly(bodyChunks(response.body));
    expect(text).toBe(PARTS.join(''));
    expect(error).toBeInstanceOf(Error);
  });

  it('the plain async iterator of the same body loses what came in while the consumer was busy', async () => {
    const response = await request(await droppingServer());
    const { text, error } = await readSlowly(response.body);
    expect(text.length).toBeLessThan(PARTS.join('').length);
    expect(error).toBeInstanceOf(Error);
  });
});
