// Reads a response body so that a break of the connection loses nothing already received.
//
// `for await (const chunk of body)` with an `await` per chunk leaves the chunks that arrive
// meanwhile in the Readable's own buffer. When the connection then breaks (the receiver drops the
// socket mid-part, ECONNRESET), undici destroys the body with the error and Node discards that
// buffer: the iterator throws at once, and events the receiver sent and this process received are
// gone without a trace. Here every chunk is taken off the body the moment it is emitted, into a
// queue of our own that a destroy does not touch; the consumer gets all of them, in order, and only
// then the error (or the end).

import { finished, type Readable } from 'node:stream';

/** Bytes queued before the body is paused; see bodyChunks. */
export const MAX_QUEUED_BYTES = 16 * 1024 * 1024;

export interface BodyChunksOptions {
  /** Pause the body while more than this many bytes wait in the queue. */
  readonly maxQueuedBytes?: number;
}

/**
 * Yields the chunks of `body` in order, each as emitted (not copied). On an error it first yields
 * everything received before it, then throws the error; on the end it yields the rest and returns.
 * A consumer that leaves early (break, throw) destroys the body. The chunks are taken from the call
 * on, not from the first read: a caller that awaits something else first (capture writes a separator)
 * loses nothing that arrives, or breaks, meanwhile.
 *
 * Backpressure: the body flows freely while at most `maxQueuedBytes` wait here, and is paused above
 * that until the consumer has taken the queue down to half. Pausing is the only way to bound our
 * memory, but it puts the risk back: while paused, undici keeps what still arrives in the
 * Readable's buffer (up to its highWaterMark, then it stops reading the socket), and a break in that
 * time loses those bytes as before. The bound is set far above what a receiver sends while one
 * event is handed on, so only a consumer stalled for long (and a stream busy meanwhile) gets there.
 */
export function bodyChunks(body: Readable, options: BodyChunksOptions = {}): AsyncGenerator<Buffer, void, undefined> {
  const maxQueuedBytes = options.maxQueuedBytes ?? MAX_QUEUED_BYTES;
  const resumeBelow = Math.floor(maxQueuedBytes / 2);
  // A growing array read from `head`, compacted once emptied: no shift() per chunk.
  let queue: Buffer[] = [];
  let head = 0;
  let queuedBytes = 0;
  let paused = false;
  // In an object, as the callbacks set it: a plain `let` would stay narrowed to null in the loop.
  const state: { outcome: { readonly error: Error | null } | null } = { outcome: null };
  let wake: (() => void) | null = null;
  const notify = (): void => {
    const resolve = wake;
    wake = null;
    resolve?.();
  };

  const onData = (chunk: Buffer | string): void => {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
    queue.push(bytes);
    queuedBytes += bytes.length;
    if (!paused && queuedBytes > maxQueuedBytes) {
      paused = true;
      body.pause();
    }
    notify();
  };
  body.on('data', onData);
  // finished() reports the end, the error, or a close without either (a premature close), also for
  // a body that had already finished; every 'data' before it is in the queue by then.
  const stopWatching = finished(body, { readable: true, writable: false }, (error) => {
    state.outcome ??= { error: error ?? null };
    notify();
  });

  return drain();

  async function* drain(): AsyncGenerator<Buffer, void, undefined> {
    let ended = false;
    try {
      for (;;) {
        if (head < queue.length) {
          const chunk = queue[head] as Buffer;
          head++;
          if (head === queue.length) {
            queue = [];
            head = 0;
          }
          queuedBytes -= chunk.length;
          if (paused && queuedBytes <= resumeBelow && state.outcome === null) {
            paused = false;
            body.resume();
          }
          yield chunk;
          continue;
        }
        const outcome = state.outcome;
        if (outcome !== null) {
          ended = outcome.error === null;
          if (outcome.error !== null) throw outcome.error;
          return;
        }
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
      }
    } finally {
      body.off('data', onData);
      stopWatching();
      if (!ended) body.destroy();
    }
  }
}
