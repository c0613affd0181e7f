// A fake Hik IP Receiver Pro on node:http, 127.0.0.1, port 0: HTTP Digest, the arming-mode
// subscription as a never-ending multipart/mixed stream with heartbeats (guide §5.1), the device
// list with paging (§7.2), unsubscribe (§7.4), one subscription at a time (noMoreTasksCanBeAdded),
// and fault modes for the tests: the ways field receivers misbehave (broken or endless device lists,
// wrong Content-Types, lock bodies under other names, trickled parts, https with a self-signed
// certificate). Events are offered in order across subscriptions: an event counts as delivered once
// its part is fully written, so one cut mid-part is sent again on the next stream.
// The SecurityCP calls (panel status and control, chapter 6) are in fake-hik-security-cp.ts; their
// panels are in the device list, and the events they report go out on the stream.

import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { systemClock, type Clock } from '../../src/clock.js';
import { FakeDigest, authorizationParams, type FakeDigestAlgorithm } from './fake-hik-receiver-digest.js';
import { FakeMediaFiles, type FakeMediaFile } from './fake-hik-media.js';
import { FakeSecurityCp, type FakePanel, type FakeSecurityCpOptions } from './fake-hik-security-cp.js';
import { seededRandom } from './dc09-random.js';
import { waitFor } from './wait-for.js';

export interface FakeDevice {
  readonly devIndex: string;
  readonly devSerial: string;
  readonly accountID: string;
  readonly devName: string;
  /** Device list fields as A.41 has them; a panel's come from its FakePanel. */
  readonly devSource?: number;
  readonly connectionMode?: number;
  readonly devStatus?: 'online' | 'offline';
}

export type SubscriptionFault =
  /** After `afterEvents` events, half of the next part, then the connection is destroyed. */
  | { readonly type: 'drop-mid-part'; readonly afterEvents: number }
  /** After `afterEvents` events nothing more, heartbeats included; the connection stays open. */
  | { readonly type: 'stall'; readonly afterEvents: number }
  /** After `afterEvents` events the response ends cleanly. */
  | { readonly type: 'end'; readonly afterEvents: number }
  /** The subscription request is answered with an error instead of a stream. */
  | { readonly type: 'refuse'; readonly answer: 'not-private' | 'taken' | 'busy' }
  /** 200 and the usual never-ending stream, but labelled with this Content-Type instead of multipart. */
  | { readonly type: 'content-type'; readonly contentType: string };

export type AuthFault =
  /** Every signed request is answered with this status and a userCheck body carrying lock fields. */
  | { readonly type: 'lock-info'; readonly status: 401 | 403; readonly attemptsLeft: number; readonly locked: boolean }
  /** The next `count` correctly signed requests are answered 401 stale=true. */
  | { readonly type: 'stale'; readonly count: number }
  /**
   * The next `count` signed requests (right or wrong credentials) are answered with `status` and
   * this body; a 401 carries a fresh challenge, with stale=true when `stale`.
   */
  | {
      readonly type: 'answer';
      readonly status: 401 | 403;
      readonly body: string;
      readonly contentType?: string;
      readonly stale?: boolean;
      readonly count?: number;
      readonly delayMs?: number;
    }
  /** Wrong credentials are answered 401 stale=true (as if the nonce had expired), every time. */
  | { readonly type: 'stale-when-wrong' }
  /** The next `count` unsigned requests get their 401 challenge with a body written one byte per `byteIntervalMs`, never ending. */
  | { readonly type: 'slow-challenge'; readonly byteIntervalMs: number; readonly count: number };

/** How the device list is answered; the default is a well-formed page with every count field. */
export interface DeviceListBehaviour {
  /** Leave totalMatches out (numOfMatches and responseStatusStrg only). */
  readonly omitTotalMatches?: boolean;
  /** Leave responseStatusStrg ("OK" / "MORE" / "NO MATCH") out. */
  readonly omitStatusString?: boolean;
  /** Answer the first page whatever position was asked for. */
  readonly ignorePosition?: boolean;
  /** Answer as if the receiver had no devices (a receiver just restarted). */
  readonly listNone?: boolean;
  /** Drop one comma between two members of the first device, as in the guide's own A.41 example. */
  readonly missingComma?: boolean;
  /** Answer with this HTTP status and a ResponseStatus body instead. */
  readonly status?: number;
  /** Send the answer only after this long. */
  readonly delayMs?: number;
  /** Write the body one byte per this many milliseconds (headers at once). */
  readonly trickleByteMs?: number;
}

/** A raw part written `chunkBytes` at a time with `intervalMs` between chunks (a slow picture). */
export interface TrickledPart {
  readonly trickle: Buffer;
  readonly chunkBytes: number;
  readonly intervalMs: number;
}

export type FakeDocument = string | Buffer | TrickledPart;

export interface FakeHikReceiverOptions {
  readonly username?: string;
  readonly password?: string;
  readonly realm?: string;
  readonly algorithm?: FakeDigestAlgorithm;
  readonly announceAlgorithm?: boolean;
  readonly qop?: string | null;
  readonly opaque?: string | null;
  readonly boundary?: string;
  readonly quoteBoundary?: boolean;
  /** The vendor example sends a number; the DeviceGateway doc a string (guide A.43). */
  readonly subscriptionIdType?: 'number' | 'string';
  /** JSON documents streamed in order across subscriptions; a Buffer is a raw part written as is. */
  readonly events?: readonly FakeDocument[];
  readonly heartbeatIntervalMs?: number;
  /** Pause between events; 0 sends them back to back. */
  readonly eventIntervalMs?: number;
  /** Writes each part in chunks of 1..maxBytes bytes (seeded), else whole. */
  readonly chunking?: { readonly seed: number; readonly maxBytes: number } | null;
  readonly devices?: readonly FakeDevice[];
  /** Devices per page at most, whatever maxResult asks for. */
  readonly pageLimit?: number;
  /** Keep a subscription after its connection closed until it is unsubscribed (a stale task). */
  readonly holdTaskAfterDisconnect?: boolean;
  readonly faults?: readonly SubscriptionFault[];
  readonly authFault?: AuthFault | null;
  /** Keep every byte written in `streams[].chunks` (tests compare captures); off for benchmarks. */
  readonly recordStreams?: boolean;
  readonly deviceList?: DeviceListBehaviour;
  /** Serve https with this key and certificate (PEM) instead of http. */
  readonly tls?: { readonly key: string; readonly cert: string };
  /** Media files by request path (guide 7.1), with their faults in `media`. */
  readonly media?: Readonly<Record<string, FakeMediaFile>>;
  /** Panels and behaviour of the SecurityCP calls. */
  readonly securityCp?: FakeSecurityCpOptions;
  /**
   * The time of `RecordedRequest.at` and of delayed auth answers (`AuthFault` delayMs). A test that
   * runs the ingest on a manual clock passes the same clock here, so recorded gaps are the ingest's
   * own time and a delayed answer waits for the test to move the clock. Heartbeats, pauses and the
   * other delays stay on real time: they pace bytes on the wire, not decisions of the client.
   */
  readonly clock?: Clock;
}

export interface RecordedRequest {
  readonly method: string;
  readonly url: string;
  readonly at: number;
  /** The request carried an Authorization header. */
  readonly signed: boolean;
  readonly verdict: string;
  readonly authorization: Readonly<Record<string, string>> | null;
  readonly body: string;
}

export interface FakeStream {
  readonly id: string;
  /** Body bytes written, in order. */
  readonly chunks: Buffer[];
  eventsSent: number;
  closed: boolean;
}

export interface FakeHikReceiver {
  readonly url: string;
  readonly requests: readonly RecordedRequest[];
  readonly streams: readonly FakeStream[];
  /** The media files it serves and their faults. */
  readonly media: FakeMediaFiles;
  readonly unsubscribed: readonly string[];
  /** Ids whose live subscription an unsubscribe request really cancelled. */
  readonly cancelled: readonly string[];
  /** Events fully written to some stream. */
  readonly delivered: number;
  /** The SecurityCP side: panels, fault queue, the command requests it answered. */
  readonly securityCp: FakeSecurityCp;
  /** Authorized subscription requests. */
  subscribeCount(): number;
  /** Requests carrying an Authorization header that the fake did not accept. */
  failedLogins(): number;
  queueFault(...faults: SubscriptionFault[]): void;
  /** Ends the open subscription stream cleanly, as a receiver restart would. */
  endStream(): void;
  setAuthFault(fault: AuthFault | null): void;
  setDeviceList(behaviour: DeviceListBehaviour): void;
  /** Destroys the connection of the open stream now (the task goes with it). */
  dropStream(): void;
  pushEvents(...documents: FakeDocument[]): void;
  addDevice(device: FakeDevice): void;
  waitFor(predicate: () => boolean | Promise<boolean>, what: string, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

export const SUBSCRIBE_URL = '/ISAPI/Event/notification/subscribeDeviceMgmt?format=json';
export const DEVICE_LIST_URL = '/ISAPI/ContentMgmt/DeviceMgmt/deviceList?format=json';
const UNSUBSCRIBE_PATTERN = /^\/ISAPI\/Event\/notification\/unSubscribeDeviceMgmt\/([^/?]+)\?format=json$/;

// Bodies from guide Appendix C and the field notes.
const STATUS_OK = '{"statusCode":1,"statusString":"OK","subStatusCode":"ok"}';
const ANSWERS = {
  'not-private': {
    status: 403,
    body: '{"statusCode":4,"statusString":"Invalid Operation","subStatusCode":"invalidOperation","errorCode":1073741825,"errorMsg":"invalidOperation"}',
  },
  taken: {
    status: 403,
    body: '{"statusCode":4,"statusString":"Invalid Operation","subStatusCode":"noMoreTasksCanBeAdded","errorCode":1073746314,"errorMsg":"noMoreTasksCanBeAdded"}',
  },
  busy: { status: 503, body: '{"statusCode":2,"statusString":"Device Busy","subStatusCode":"networkError","errorCode":536870921}' },
} as const;

/** The guide's example events as framed in test/fixtures/guide-examples.multipart, without the subscription response. */
export function fixtureDocuments(): string[] {
  const text = readFileSync(new URL('../fixtures/guide-examples.multipart', import.meta.url), 'utf8');
  return text
    .split(/^--boundary\r?$/m)
    .map((chunk) => {
      const headerEnd = /\r?\n\r?\n/.exec(chunk.replace(/^\r?\n/, ''));
      const trimmed = chunk.replace(/^\r?\n/, '');
      return headerEnd ? trimmed.slice(headerEnd.index + headerEnd[0].length).trim() : '';
    })
    .filter((body) => body !== '' && !body.includes('SubscribeDeviceMgmtRsp'));
}

export function eventTypeOf(document: string): string | undefined {
  return /"eventType"\s*:\s*"([^"]*)"/.exec(document)?.[1];
}

/** One part as the receiver frames it, with the Content-Type given (a label that may not fit the body). */
export function framedPart(body: string | Buffer, contentType = 'application/json; charset="UTF-8"', boundary = 'boundary'): Buffer {
  const bytes = Buffer.isBuffer(body) ? body : Buffer.from(body, 'utf8');
  return Buffer.concat([Buffer.from(`--${boundary}\r\nContent-Type: ${contentType}\r\nContent-Length: ${bytes.length}\r\n\r\n`), bytes, Buffer.from('\r\n')]);
}

function isTrickled(document: FakeDocument): document is TrickledPart {
  return typeof document === 'object' && !Buffer.isBuffer(document);
}

/** `count` devices with account IDs 1000, 1001, ... (hex-valid). */
export function makeDevices(count: number, prefix = 'dev'): FakeDevice[] {
  return Array.from({ length: count }, (_, i) => ({
    devIndex: `${prefix}-${String(i).padStart(4, '0')}-0000-4000-8000-${String(i).padStart(12, '0')}`,
    devSerial: `DS-${prefix.toUpperCase()}${String(i).padStart(6, '0')}`,
    accountID: String(1000 + i),
    devName: `Panel ${i}`,
  }));
}

export function heartbeatDocument(count: number): string {
  return JSON.stringify({
    EventNotificationAlert: {
      dataTime: new Date().toISOString(),
      activePostCount: count,
      eventType: 'heartBeat',
      eventState: 'active',
      eventDescription: 'Heart Beat',
    },
  });
}

/** Polls until `predicate` holds; bounded, so a test that waits for something that never comes fails. */
export function waitUntil(predicate: () => boolean | Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  return waitFor(predicate, timeoutMs, what, 5);
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}

interface Task {
  readonly id: string;
  readonly stream: FakeStream;
  readonly response: ServerResponse;
  open: boolean;
}

class Fake implements FakeHikReceiver {
  url = '';
  readonly requests: RecordedRequest[] = [];
  readonly streams: FakeStream[] = [];
  readonly media: FakeMediaFiles;
  readonly unsubscribed: string[] = [];
  readonly cancelled: string[] = [];
  delivered = 0;
  private readonly server: Server | HttpsServer;
  private readonly digest: FakeDigest;
  private readonly events: FakeDocument[];
  private deviceListBehaviour: DeviceListBehaviour;
  private readonly devices: FakeDevice[];
  private readonly faults: SubscriptionFault[];
  private authFault: AuthFault | null;
  private task: Task | null = null;
  private nextId = 5939;
  private heartbeatCount = 0;
  private readonly random: () => number;
  private wakeStreams: Array<() => void> = [];
  private closed = false;
  readonly securityCp: FakeSecurityCp;
  private readonly clock: Clock;

  constructor(private readonly options: FakeHikReceiverOptions) {
    this.clock = options.clock ?? systemClock;
    this.digest = new FakeDigest({
      username: options.username ?? 'admin',
      password: options.password ?? 'hik12345',
      realm: options.realm ?? 'DS-GWAS0101(6419)',
      algorithm: options.algorithm ?? 'MD5',
      announceAlgorithm: options.announceAlgorithm ?? false,
      qop: options.qop === undefined ? 'auth' : options.qop,
      opaque: options.opaque === undefined ? '5ccc069c403ebaf9f0171e9517f40e41' : options.opaque,
    });
    this.events = [...(options.events ?? [])];
    this.media = new FakeMediaFiles(options.media);
    this.devices = [...(options.devices ?? [])];
    this.faults = [...(options.faults ?? [])];
    this.authFault = options.authFault ?? null;
    this.deviceListBehaviour = options.deviceList ?? {};
    this.random = seededRandom(options.chunking?.seed ?? 1);
    this.securityCp = new FakeSecurityCp(options.securityCp ?? {}, {
      pushEvents: (...documents) => this.pushEvents(...documents),
      delivered: () => this.delivered,
    });
    const handler = (request: IncomingMessage, response: ServerResponse): void => {
      this.handle(request, response).catch((error: unknown) => {
        if (!response.headersSent) response.writeHead(500).end(String(error));
      });
    };
    this.server = options.tls === undefined ? createServer(handler) : createHttpsServer({ key: options.tls.key, cert: options.tls.cert }, handler);
  }

  async listen(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    const scheme = this.options.tls === undefined ? 'http' : 'https';
    this.url = `${scheme}://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  subscribeCount(): number {
    return this.requests.filter((r) => r.method === 'POST' && r.url === SUBSCRIBE_URL && r.verdict === 'ok').length;
  }

  failedLogins(): number {
    return this.requests.filter((r) => r.signed && r.verdict !== 'ok').length;
  }

  queueFault(...faults: SubscriptionFault[]): void {
    this.faults.push(...faults);
  }

  setAuthFault(fault: AuthFault | null): void {
    this.authFault = fault;
  }

  setDeviceList(behaviour: DeviceListBehaviour): void {
    this.deviceListBehaviour = behaviour;
  }

  dropStream(): void {
    const task = this.task;
    if (task === null) return;
    task.open = false;
    task.response.destroy();
  }

  endStream(): void {
    const task = this.task;
    if (task === null || !task.open) return;
    this.task = null;
    void this.writing.then(() => {
      task.open = false;
      task.response.end();
    });
  }

  pushEvents(...documents: FakeDocument[]): void {
    this.events.push(...documents);
    this.wake();
  }

  addDevice(device: FakeDevice): void {
    this.devices.push(device);
  }

  waitFor(predicate: () => boolean | Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
    return waitUntil(predicate, what, timeoutMs);
  }

  async close(): Promise<void> {
    this.closed = true;
    this.wake();
    this.task?.response.destroy();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private wake(): void {
    const waiters = this.wakeStreams;
    this.wakeStreams = [];
    for (const wake of waiters) wake();
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const body = await readBody(request);
    const method = request.method ?? 'GET';
    const url = request.url ?? '/';
    const header = request.headers.authorization;
    let verdict: string = this.digest.verify(method, url, header);
    const stale = verdict === 'ok' && this.authFault?.type === 'stale' && this.authFault.count > 0;
    const lock = header !== undefined && this.authFault?.type === 'lock-info' ? this.authFault : null;
    const answer = header !== undefined && this.authFault?.type === 'answer' && (this.authFault.count ?? 1) > 0 ? this.authFault : null;
    const staleWhenWrong = header !== undefined && verdict !== 'ok' && this.authFault?.type === 'stale-when-wrong';
    const slowChallenge = header === undefined && this.authFault?.type === 'slow-challenge' && this.authFault.count > 0 ? this.authFault : null;
    if (stale || lock !== null) verdict = stale ? 'stale' : 'locked';
    if (answer !== null) verdict = answer.stale === true ? 'stale' : `answer-${answer.status}`;
    if (staleWhenWrong) verdict = 'stale';
    this.requests.push({ method, url, at: this.clock.now(), signed: header !== undefined, verdict, authorization: authorizationParams(header), body });

    if (slowChallenge !== null) {
      this.authFault = { ...slowChallenge, count: slowChallenge.count - 1 };
      response.writeHead(401, { 'www-authenticate': this.digest.challenge(), 'content-type': 'text/html' });
      const timer = setInterval(() => response.write('.'), slowChallenge.byteIntervalMs);
      response.on('close', () => clearInterval(timer));
      return;
    }
    if (answer !== null) {
      if (answer.count !== undefined) this.authFault = { ...answer, count: answer.count - 1 };
      const headers: Record<string, string> = { 'content-type': answer.contentType ?? 'application/xml' };
      if (answer.status === 401) headers['www-authenticate'] = this.digest.challenge(answer.stale === true);
      if (answer.delayMs === undefined) response.writeHead(answer.status, headers).end(answer.body);
      else {
        const cancel = this.clock.setTimer(answer.delayMs, () => {
          if (!response.destroyed) response.writeHead(answer.status, headers).end(answer.body);
        });
        response.on('close', cancel);
      }
      return;
    }
    if (staleWhenWrong) {
      response
        .writeHead(401, { 'www-authenticate': this.digest.challenge(true), 'content-type': 'text/html' })
        .end('<html><body>401 Unauthorized</body></html>');
      return;
    }
    if (lock !== null) {
      const userCheck = `<?xml version="1.0" encoding="UTF-8"?>\n<userCheck>\n<statusValue>${lock.status}</statusValue>\n<statusString>Unauthorized</statusString>\n<lockStatus>${lock.locked ? 'lock' : 'unlock'}</lockStatus>\n<unlockTime>${lock.locked ? 1800 : 0}</unlockTime>\n<retryLoginTime>${lock.attemptsLeft}</retryLoginTime>\n</userCheck>\n`;
      const headers: Record<string, string> = { 'content-type': 'application/xml' };
      if (lock.status === 401) headers['www-authenticate'] = this.digest.challenge();
      response.writeHead(lock.status, headers).end(userCheck);
      return;
    }
    if (verdict !== 'ok') {
      if (stale && this.authFault?.type === 'stale') this.authFault = { type: 'stale', count: this.authFault.count - 1 };
      response
        .writeHead(401, { 'www-authenticate': this.digest.challenge(stale), 'content-type': 'text/html' })
        .end('<html><body>401 Unauthorized</body></html>');
      return;
    }

    if (method === 'POST' && url === SUBSCRIBE_URL) return this.subscribe(response);
    if (method === 'POST' && url === DEVICE_LIST_URL) return this.deviceList(body, response);
    if (url.startsWith('/ISAPI/SecurityCP/')) return this.securityCp.handle(method, url, body, response, request);
    const unsubscribe = method === 'DELETE' ? UNSUBSCRIBE_PATTERN.exec(url) : null;
    if (unsubscribe) return this.unsubscribe(decodeURIComponent(unsubscribe[1] as string), response);
    if (method === 'GET' && this.media.serve(url, response)) return;
    response.writeHead(404, { 'content-type': 'application/json' }).end('{"statusCode":4,"statusString":"Invalid Operation","subStatusCode":"notSupport"}');
  }

  private subscribe(response: ServerResponse): void {
    if (this.faults[0]?.type === 'refuse') {
      const fault = this.faults.shift() as Extract<SubscriptionFault, { type: 'refuse' }>;
      const answer = ANSWERS[fault.answer];
      response.writeHead(answer.status, { 'content-type': 'application/json' }).end(answer.body);
      return;
    }
    if (this.task !== null) {
      response.writeHead(ANSWERS.taken.status, { 'content-type': 'application/json' }).end(ANSWERS.taken.body);
      return;
    }
    const id = String(this.nextId++);
    const stream: FakeStream = { id, chunks: [], eventsSent: 0, closed: false };
    const task: Task = { id, stream, response, open: true };
    this.task = task;
    this.streams.push(stream);
    const fault = this.faults.shift();
    const boundary = this.options.boundary ?? 'boundary';
    const multipart = `multipart/mixed; boundary=${this.options.quoteBoundary === true ? `"${boundary}"` : boundary}`;
    response.writeHead(200, {
      'content-type': fault?.type === 'content-type' ? fault.contentType : multipart,
      connection: 'close',
      'mime-version': '1.0',
    });
    response.on('close', () => {
      task.open = false;
      stream.closed = true;
      this.wake();
      if (this.task === task && this.options.holdTaskAfterDisconnect !== true) this.task = null;
    });
    void this.runStream(task, fault);
  }

  private frame(document: string | Buffer): Buffer {
    if (Buffer.isBuffer(document)) return document;
    return framedPart(document, undefined, this.options.boundary ?? 'boundary');
  }

  private writing = Promise.resolve();

  /**
   * Writes in order, in random chunks when configured (or the fixed chunks and pauses of a trickled
   * part); a heartbeat never lands inside an event part.
   */
  private write(task: Task, bytes: Buffer, trickle?: { readonly chunkBytes: number; readonly intervalMs: number }): Promise<void> {
    this.writing = this.writing.then(async () => {
      const maxBytes = this.options.chunking?.maxBytes;
      let at = 0;
      while (at < bytes.length && task.open) {
        const size = trickle !== undefined ? trickle.chunkBytes : maxBytes === undefined ? bytes.length : 1 + Math.floor(this.random() * maxBytes);
        const chunk = bytes.subarray(at, at + size);
        if (this.options.recordStreams !== false) task.stream.chunks.push(Buffer.from(chunk));
        task.response.write(chunk);
        at += chunk.length;
        if (trickle !== undefined && at < bytes.length) await new Promise((resolve) => setTimeout(resolve, trickle.intervalMs));
        else if (maxBytes !== undefined) await new Promise((resolve) => setImmediate(resolve));
      }
    });
    return this.writing;
  }

  private async runStream(task: Task, fault: SubscriptionFault | undefined): Promise<void> {
    const idValue = this.options.subscriptionIdType === 'string' ? task.id : Number(task.id);
    await this.write(task, this.frame(JSON.stringify({ SubscribeDeviceMgmtRsp: { id: idValue } })));
    let stalled = false;
    const heartbeat = setInterval(() => {
      if (!stalled && task.open) void this.write(task, this.frame(heartbeatDocument(++this.heartbeatCount)));
    }, this.options.heartbeatIntervalMs ?? 10_000);
    try {
      // A mislabelled answer carries heartbeats only; its events wait for a proper stream.
      if (fault?.type === 'content-type') {
        while (task.open && !this.closed) await new Promise<void>((resolve) => this.wakeStreams.push(resolve));
        return;
      }
      while (task.open && !this.closed) {
        if (fault !== undefined && fault.type !== 'refuse' && task.stream.eventsSent >= fault.afterEvents) {
          if (fault.type === 'stall') {
            stalled = true;
            await new Promise<void>((resolve) => this.wakeStreams.push(resolve));
            continue;
          }
          if (fault.type === 'end') {
            await this.writing;
            task.open = false;
            task.response.end();
            return;
          }
          const next = this.events[this.delivered];
          if (next !== undefined) {
            const bytes = isTrickled(next) ? next.trickle : this.frame(next);
            await this.write(task, bytes.subarray(0, Math.floor(bytes.length / 2)));
            // let the half part reach the socket before the connection dies
            await new Promise<void>((resolve) => task.response.write(Buffer.alloc(0), () => resolve()));
            task.open = false;
            task.response.destroy();
            return;
          }
        }
        const document = this.events[this.delivered];
        if (document === undefined) {
          await new Promise<void>((resolve) => this.wakeStreams.push(resolve));
          continue;
        }
        if (isTrickled(document)) await this.write(task, document.trickle, document);
        else await this.write(task, this.frame(document));
        if (!task.open) return;
        this.delivered++;
        task.stream.eventsSent++;
        const pause = this.options.eventIntervalMs ?? 0;
        await new Promise((resolve) => (pause > 0 ? setTimeout(resolve, pause) : setImmediate(resolve)));
      }
    } finally {
      clearInterval(heartbeat);
    }
  }

  private unsubscribe(id: string, response: ServerResponse): void {
    this.unsubscribed.push(id);
    const task = this.task;
    if (task === null || task.id !== id) {
      response.writeHead(400, { 'content-type': 'application/json' }).end('{"statusCode":6,"statusString":"Invalid Content","subStatusCode":"badParameters"}');
      return;
    }
    this.task = null;
    this.cancelled.push(id);
    response.writeHead(200, { 'content-type': 'application/json' }).end(STATUS_OK);
    if (task.open) {
      void this.writing.then(() => {
        task.open = false;
        task.response.end();
      });
    }
  }

  private deviceList(body: string, response: ServerResponse): void {
    let position = 0;
    let maxResult = 0;
    let key: string | undefined;
    try {
      const search = (JSON.parse(body) as { SearchDescription?: { position?: unknown; maxResult?: unknown; Filter?: { key?: unknown } } }).SearchDescription;
      position = Number(search?.position);
      maxResult = Number(search?.maxResult);
      key = typeof search?.Filter?.key === 'string' ? search.Filter.key.toLowerCase() : undefined;
    } catch {
      position = Number.NaN;
    }
    if (!Number.isInteger(position) || !Number.isInteger(maxResult) || position < 0 || maxResult <= 0) {
      response
        .writeHead(400, { 'content-type': 'application/json' })
        .end('{"statusCode":5,"statusString":"Invalid Message Format","subStatusCode":"badJsonFormat"}');
      return;
    }
    const behaviour = this.deviceListBehaviour;
    if (behaviour.status !== undefined) {
      response.writeHead(behaviour.status, { 'content-type': 'application/json' }).end(ANSWERS.busy.body);
      return;
    }
    // A.40 Filter.key: a fuzzy search over serial, name and account.
    const all = [...this.devices, ...this.securityCp.panels.map(panelDevice)];
    const matching =
      key === undefined
        ? all
        : all.filter((device) => [device.devSerial, device.devName, device.accountID].some((field) => (field ?? '').toLowerCase().includes(key)));
    const listed = behaviour.listNone === true ? [] : matching;
    const from = behaviour.ignorePosition === true ? 0 : position;
    const page = listed.slice(from, from + Math.min(maxResult, this.options.pageLimit ?? 20));
    const more = from + page.length < listed.length;
    const result: Record<string, unknown> = {};
    if (behaviour.omitStatusString !== true) result['responseStatusStrg'] = page.length === 0 ? 'NO MATCH' : more ? 'MORE' : 'OK';
    result['numOfDevice'] = behaviour.listNone === true ? 0 : all.length;
    result['numOfMatches'] = page.length;
    if (behaviour.omitTotalMatches !== true) result['totalMatches'] = listed.length;
    if (page.length > 0) result['MatchList'] = page.map((device) => ({ Device: { devStatus: 'online', devSource: 0, connectionMode: 3, ...device } }));
    let text = JSON.stringify({ SearchResult: result }, null, behaviour.missingComma === true ? 2 : undefined);
    // A.41 itself: `"devIndex": "..."` with no comma before the next member.
    if (behaviour.missingComma === true) text = text.replace(/("devIndex": "[^"]*"),/, '$1');
    const send = (): void => {
      if (response.destroyed) return;
      if (behaviour.trickleByteMs === undefined) {
        response.writeHead(200, { 'content-type': 'application/json' }).end(text);
        return;
      }
      response.writeHead(200, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(text)) });
      let at = 0;
      const timer = setInterval(() => {
        if (at >= text.length) {
          clearInterval(timer);
          response.end();
          return;
        }
        response.write(text[at++] ?? '');
      }, behaviour.trickleByteMs);
      response.on('close', () => clearInterval(timer));
    };
    if (behaviour.delayMs === undefined) send();
    else {
      const timer = setTimeout(send, behaviour.delayMs);
      response.on('close', () => clearTimeout(timer));
    }
  }
}

// A.41: devSource 7 / connectionMode 4 is an OTAP alarm device, 0 / 3 a panel over ISUP.
function panelDevice(panel: FakePanel): FakeDevice {
  return {
    devIndex: panel.devIndex,
    devSerial: panel.serial,
    accountID: panel.account,
    devName: panel.name,
    devSource: panel.otap === true ? 7 : 0,
    connectionMode: panel.otap === true ? 4 : 3,
    devStatus: panel.online === false ? 'offline' : 'online',
  };
}

export async function startFakeHikReceiver(options: FakeHikReceiverOptions = {}): Promise<FakeHikReceiver> {
  const fake = new Fake(options);
  await fake.listen();
  return fake;
}
