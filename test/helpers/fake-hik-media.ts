// The media files of the fake Hik IP Receiver Pro (guide 7.1: GET /<videoUrl> with the admin login),
// with the faults a download meets in the field: 404 (rotated out, or the clip not pulled from the
// camera yet), a slow trickle, a reset in the middle of the file, no Content-Length, another status.
// Digest and lock signals are the fake receiver's own (authFault); this only answers signed requests.

import type { ServerResponse } from 'node:http';
import { seededRandom } from './dc09-random.js';

export interface FakeMediaFile {
  readonly body: Buffer;
  readonly contentType: string;
}

export type MediaFault =
  | { readonly type: 'not-found' }
  /** `chunkBytes` every `intervalMs`, with the whole Content-Length announced. */
  | { readonly type: 'trickle'; readonly chunkBytes: number; readonly intervalMs: number }
  /** The first `afterBytes` bytes, then the connection is destroyed. */
  | { readonly type: 'reset'; readonly afterBytes: number }
  /** Chunked transfer without Content-Length. */
  | { readonly type: 'no-length' }
  | { readonly type: 'status'; readonly status: number; readonly contentType: string; readonly body: string };

/** A JPEG of `size` bytes: the SOI/APP0 signature, then seeded noise. */
export function fakeJpeg(size: number, seed = 1): Buffer {
  return withHead(Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46]), size, seed);
}

/** An MP4 of `size` bytes: an `ftyp` box, then seeded noise. */
export function fakeMp4(size: number, seed = 2): Buffer {
  return withHead(Buffer.from([0x00, 0x00, 0x00, 0x18, ...Buffer.from('ftypmp42'), 0, 0, 0, 0, ...Buffer.from('mp42isom')]), size, seed);
}

function withHead(head: Buffer, size: number, seed: number): Buffer {
  const random = seededRandom(seed);
  const body = Buffer.alloc(size);
  for (let i = 0; i < size; i++) body[i] = Math.floor(random() * 256);
  head.copy(body, 0, 0, Math.min(head.length, size));
  return body;
}

export class FakeMediaFiles {
  private readonly files = new Map<string, FakeMediaFile>();
  private readonly faults = new Map<string, MediaFault>();
  /** Paths requested with a valid login, in order. */
  readonly requested: string[] = [];
  /** Downloads being answered right now, and the most at once. */
  active = 0;
  maxActive = 0;

  constructor(files: Readonly<Record<string, FakeMediaFile>> = {}) {
    for (const [path, file] of Object.entries(files)) this.files.set(path, file);
  }

  add(path: string, file: FakeMediaFile): void {
    this.files.set(path, file);
  }

  remove(path: string): void {
    this.files.delete(path);
  }

  setFault(path: string, fault: MediaFault | null): void {
    if (fault === null) this.faults.delete(path);
    else this.faults.set(path, fault);
  }

  /** Answers a signed GET of a media path; false when the path is none of ours. */
  serve(url: string, response: ServerResponse): boolean {
    const file = this.files.get(url);
    const fault = this.faults.get(url);
    if (file === undefined && fault === undefined) return false;
    this.requested.push(url);
    if (fault?.type === 'not-found' || file === undefined) {
      response.writeHead(404, { 'content-type': 'application/json' }).end('{"statusCode":4,"statusString":"Invalid Operation","subStatusCode":"notSupport"}');
      return true;
    }
    if (fault?.type === 'status') {
      response.writeHead(fault.status, { 'content-type': fault.contentType }).end(fault.body);
      return true;
    }
    this.active++;
    this.maxActive = Math.max(this.maxActive, this.active);
    response.once('close', () => this.active--);
    if (fault?.type === 'no-length') {
      response.writeHead(200, { 'content-type': file.contentType });
      response.end(file.body);
      return true;
    }
    response.writeHead(200, { 'content-type': file.contentType, 'content-length': String(file.body.length) });
    if (fault?.type === 'reset') {
      response.write(file.body.subarray(0, fault.afterBytes), () => response.destroy());
      return true;
    }
    if (fault?.type === 'trickle') {
      let at = 0;
      const timer = setInterval(() => {
        if (response.destroyed || at >= file.body.length) {
          clearInterval(timer);
          if (!response.destroyed) response.end();
          return;
        }
        response.write(file.body.subarray(at, at + fault.chunkBytes));
        at += fault.chunkBytes;
      }, fault.intervalMs);
      response.once('close', () => clearInterval(timer));
      return true;
    }
    // A large file goes out in slices, as a receiver's socket would send it.
    const slice = 64 * 1024;
    let at = 0;
    const writeMore = (): void => {
      while (at < file.body.length) {
        const chunk = file.body.subarray(at, at + slice);
        at += chunk.length;
        if (!response.write(chunk)) {
          response.once('drain', writeMore);
          return;
        }
      }
      response.end();
    };
    // Let concurrent downloads overlap the way they do against a real receiver.
    setTimeout(writeMore, 20);
    return true;
  }
}
