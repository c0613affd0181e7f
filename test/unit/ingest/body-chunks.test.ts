import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { bodyChunks } from '../../../src/ingest/body-chunks.js';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** A slow consumer: takes `ms` per chunk, as ingest does while the next stage is behind. */
async function readSlowly(chunks: AsyncIterable<Buffer>, ms: number): Promise<{ seen: string[]; error: unknown }> {
  const seen: string[] = [];
  try {
    for await (const chunk of chunks) {
      seen.push(chunk.toString('latin1'));
      await sleep(ms);
    }
    return { seen, error: null };
  } catch (error) {
    return { seen, error };
  }
}

/** Writes a, b, c, then destroys the body with `error` while the consumer is still on a. */
function breakingBody(error: Error): PassThrough {
  const body = new PassThrough();
  setImmediate(() => {
    body.write('a');
    setImmediate(() => {
      body.write('b');
      setImmediate(() => {
        body.write('c');
        setImmediate(() => body.destroy(error));
      });
    });
  });
  return body;
}

describe('bodyChunks', () => {
  it('yields every chunk emitted before an error, in order, then throws the error, while the consumer is slow', async () => {
    const broken = Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
    const { seen, error } = await readSlowly(bodyChunks(breakingBody(broken)), 50);
    expect(seen).toEqual(['a', 'b', 'c']);
    expect(error).toBe(broken);
  });

  it('the plain async iterator loses them: why bodyChunks exists', async () => {
    const broken = new Error('Response does not match the HTTP/1.1 protocol (Invalid EOF state)');
    const { seen, error } = await readSlowly(breakingBody(broken), 50);
    expect(seen.join('')).not.toBe('abc');
    expect(error).toBe(broken);
  });

  it('yields the rest and returns on the end', async () => {
    const body = new PassThrough();
    body.write('x');
    body.end('y');
    const { seen, error } = await readSlowly(bodyChunks(body), 20);
    expect(seen.join('')).toBe('xy');
    expect(error).toBeNull();
    expect(body.listenerCount('data')).toBe(0);
  });

  it('hands on the emitted Buffer itself, not a copy', async () => {
    const body = new PassThrough();
    const sent = Buffer.from('part');
    const iterator = bodyChunks(body);
    const first = iterator.next();
    body.write(sent);
    const { value } = await first;
    // PassThrough passes the written Buffer through as is; so does bodyChunks.
    expect(value).toBe(sent);
    await iterator.return();
  });

  it('a body destroyed without an error is a premature close, not an end', async () => {
    const body = new PassThrough();
    body.write('a');
    setTimeout(() => body.destroy(), 10);
    const { seen, error } = await readSlowly(bodyChunks(body), 30);
    expect(seen).toEqual(['a']);
    expect((error as { code?: string }).code).toBe('ERR_STREAM_PREMATURE_CLOSE');
  });

  it('pauses the body above the bound and resumes it once the queue is down to half; nothing is lost', async () => {
    const body = new PassThrough({ highWaterMark: 4 });
    const iterator = bodyChunks(body, { maxQueuedBytes: 8 });
    const first = iterator.next();
    const sent = [0, 1, 2, 3, 4].map((i) => Buffer.alloc(3, i));
    for (const chunk of sent) body.write(chunk);
    body.end();
    await sleep(20);
    // More than 8 bytes waited for a consumer that took only the first chunk: paused.
    expect(body.isPaused()).toBe(true);
    const seen = [(await first).value as Buffer];
    for (;;) {
      const next = await iterator.next();
      if (next.done === true) break;
      seen.push(next.value);
    }
    expect(Buffer.concat(seen)).toEqual(Buffer.concat(sent));
    expect(body.isPaused()).toBe(false);
  });

  it('a consumer that leaves early destroys the body and removes its listeners', async () => {
    const body = new PassThrough();
    body.write('a');
    body.write('b');
    for await (const chunk of bodyChunks(body)) {
      expect(chunk.toString()).toBe('a');
      break;
    }
    expect(body.destroyed).toBe(true);
    expect(body.listenerCount('data')).toBe(0);
  });
});
