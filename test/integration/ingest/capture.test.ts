import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../../../src/cli.js';
import type { CliIo } from '../../../src/commands/command.js';
import { readEventFile } from '../../../src/ingest/event-file.js';
import { fixtureDocuments, startFakeHikReceiver, type FakeHikReceiver, type FakeHikReceiverOptions } from '../../helpers/fake-hik-receiver.js';

const DOCUMENTS = fixtureDocuments();

let dir = '';
let fake: FakeHikReceiver | undefined;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'hik-arc-capture-'));
});

afterEach(async () => {
  await fake?.close();
  fake = undefined;
  rmSync(dir, { recursive: true, force: true });
});

function collector(): { stream: Writable; text: () => string } {
  const chunks: Buffer[] = [];
  return {
    stream: new Writable({
      write(chunk: Buffer, _encoding, done) {
        chunks.push(chunk);
        done();
      },
    }),
    text: () => Buffer.concat(chunks).toString('utf8'),
  };
}

/**
 * True once the capture file holds `document` and a heartbeat after it. The capture reads a chunk
 * only after the one before went to the file and through its parser, so a later heartbeat in the
 * file proves the subscription id and `document` were read: stopping then cannot cut them off.
 * (Stopping on what the fake had sent, after a fixed pause, raced the reader on a loaded machine:
 * a stop before the id was read skips the cancel and loses the unread bytes.)
 */
function readPast(out: string, document: string): () => boolean {
  return () => {
    if (!existsSync(out)) return false;
    const text = readFileSync(out, 'utf8');
    const at = text.indexOf(document);
    return at >= 0 && text.indexOf('"heartBeat"', at + document.length) >= 0;
  };
}

async function capture(options: FakeHikReceiverOptions, args: string[], receiver: Record<string, unknown> = {}, stopWhen?: (fake: FakeHikReceiver) => boolean) {
  const started = await startFakeHikReceiver({ heartbeatIntervalMs: 100, ...options });
  fake = started;
  let signal: AbortSignal | undefined;
  let poll: NodeJS.Timeout | undefined;
  if (stopWhen !== undefined) {
    // Stop (as SIGTERM would) once the capture has read what the test needs, however slow the machine.
    const controller = new AbortController();
    poll = setInterval(() => {
      if (stopWhen(started)) {
        clearInterval(poll);
        controller.abort();
      }
    }, 10);
    signal = controller.signal;
  }
  const config = join(dir, 'config.json');
  writeFileSync(config, JSON.stringify({ receiver: { url: fake.url, username: 'admin', password: 'hik12345', ...receiver }, log: { level: 'silent' } }));
  const stdout = collector();
  const stderr = collector();
  const io: CliIo = { stdout: stdout.stream, stderr: stderr.stream, env: {}, ...(signal === undefined ? {} : { signal }) };
  try {
    const code = await runCli(['capture', '--config', config, ...args], io);
    return { code, stderr: stderr.text(), fake };
  } finally {
    clearInterval(poll);
  }
}

describe('hik-arc capture', () => {
  it('writes the stream bytes exactly as received, then cancels the subscription', async () => {
    const out = join(dir, 'stream.multipart');
    const { code, stderr, fake } = await capture(
      { events: DOCUMENTS, chunking: { seed: 3, maxBytes: 50 } },
      ['--out', out, '--duration', '30'],
      {},
      readPast(out, DOCUMENTS.at(-1) ?? ''),
    );
    expect(stderr).toMatch(/wrote \d+ bytes/);
    expect(code).toBe(0);
    const bytes = readFileSync(out);
    expect(bytes.equals(Buffer.concat(fake.streams[0]?.chunks ?? []))).toBe(true);
    // cancelled while the stream was still open, so the receiver freed it
    expect(fake.cancelled).toEqual(['5939']);

    // what translate reads: the subscription response, every fixture event in order, heartbeats
    const file = readEventFile(bytes, out);
    const documents = file.items.filter((item) => item.kind === 'document').map((item) => (item.kind === 'document' ? item.text : ''));
    expect(documents[0]).toBe('{"SubscribeDeviceMgmtRsp":{"id":5939}}');
    expect(documents.filter((text) => DOCUMENTS.includes(text))).toEqual(DOCUMENTS);
    expect(file.items.some((item) => item.kind === 'quarantined')).toBe(false);
  });

  it('stops on the signal (SIGTERM) with exit code 0', async () => {
    const out = join(dir, 'signal.multipart');
    const { code, fake } = await capture({ events: DOCUMENTS.slice(0, 2) }, ['--out', out], {}, readPast(out, DOCUMENTS[1] ?? ''));
    expect(code).toBe(0);
    expect(readFileSync(out).toString('utf8')).toContain('SubscribeDeviceMgmtRsp');
    expect(fake.cancelled).toEqual(['5939']);
  });

  it('records across an end of the stream and a break mid-part for the whole --duration, subscribing again', async () => {
    const out = join(dir, 'ended.multipart');
    const events = DOCUMENTS.slice(0, 6);
    const { code, stderr, fake } = await capture(
      {
        events,
        faults: [
          { type: 'end', afterEvents: 2 },
          { type: 'drop-mid-part', afterEvents: 2 },
        ],
      },
      ['--out', out, '--duration', '30'],
      {},
      (receiver) => receiver.subscribeCount() >= 3 && receiver.delivered >= events.length && readPast(out, events.at(-1) ?? '')(),
    );
    expect(code).toBe(0);
    expect(fake.subscribeCount()).toBe(3);
    expect(stderr).toMatch(/3 subscription\(s\)/);
    expect(stderr).toMatch(/gap at \S+: the receiver ended the stream; resumed after \d+\.\d s/);
    expect(stderr).toMatch(/gap at \S+: the stream broke: .*; resumed after/);
    // Each subscription was cancelled before the next (the receiver keeps a stale task otherwise).
    expect(fake.unsubscribed.length).toBe(3);
    // translate reads the joined streams: every event, the one cut by the break once more in part.
    const file = readEventFile(readFileSync(out), out);
    const documents = file.items.filter((item) => item.kind === 'document').map((item) => (item.kind === 'document' ? item.text : ''));
    expect(documents.filter((text) => text.includes('SubscribeDeviceMgmtRsp'))).toHaveLength(3);
    expect(documents.filter((text) => events.includes(text))).toEqual(events);
  });

  it('a stall (no part within the heartbeat timeout) is a gap, not the end', async () => {
    const out = join(dir, 'stall.multipart');
    const events = DOCUMENTS.slice(0, 3);
    const { code, stderr, fake } = await capture(
      { events, faults: [{ type: 'stall', afterEvents: 1 }] },
      ['--out', out, '--duration', '30'],
      { heartbeatTimeoutSec: 5 },
      (receiver) => receiver.subscribeCount() >= 2 && receiver.delivered >= events.length && readPast(out, events.at(-1) ?? '')(),
    );
    expect(code).toBe(0);
    expect(fake.subscribeCount()).toBe(2);
    expect(stderr).toMatch(/gap at \S+: no part for 5 s \(HIKARC_INGEST_HEARTBEAT_TIMEOUT\); resumed after/);
    const documents = readEventFile(readFileSync(out), out)
      .items.filter((item) => item.kind === 'document')
      .map((item) => (item.kind === 'document' ? item.text : ''));
    expect(documents.filter((text) => events.includes(text))).toEqual(events);
  }, 30_000);

  it('shows a live count of the parts on stderr', async () => {
    const out = join(dir, 'count.multipart');
    const { code, stderr } = await capture(
      { events: DOCUMENTS.slice(0, 3) },
      ['--out', out, '--duration', '30'],
      {},
      (receiver) => receiver.delivered >= 3 && readPast(out, DOCUMENTS[2] ?? '')(),
    );
    expect(code).toBe(0);
    expect(stderr).toMatch(/^hik-arc capture: 0 part\(s\), 0 event\(s\), 0\.0 KiB, subscription 1: subscribing$/m);
    expect(stderr).toMatch(/^hik-arc capture: \d+ part\(s\), 1 event\(s\) \(last: \w+\), [\d.]+ KiB, subscription 1$/m);
    expect(stderr).toMatch(/^hik-arc capture: \d+ part\(s\), 3 event\(s\) \(last: \w+\), [\d.]+ KiB, subscription 1$/m);
  });

  it.each([
    [
      'another subscription holds the receiver',
      { faults: [{ type: 'refuse', answer: 'taken' }] },
      {},
      /another subscription holds the receiver.*HIKARC_RECEIVER_SUBSCRIPTION_TAKEN/,
    ],
    ['automation output not Private', { faults: [{ type: 'refuse', answer: 'not-private' }] }, {}, /Private.*HIKARC_RECEIVER_NOT_PRIVATE/],
    ['wrong password', {}, { password: 'nope' }, /rejected the username or password \(HIKARC_DIGEST_REJECTED\)/],
  ] as const)('%s: exit code 1 with a clear message', async (_name, options, receiver, message) => {
    const out = join(dir, 'refused.multipart');
    const { code, stderr, fake } = await capture(options as FakeHikReceiverOptions, ['--out', out, '--duration', '1'], receiver);
    expect(code).toBe(1);
    expect(stderr).toMatch(message);
    expect(fake.failedLogins()).toBeLessThanOrEqual(1);
  });

  it.each([
    ['no --out', ['--duration', '1'], 64],
    ['a bad --duration', ['--out', 'x', '--duration', 'soon'], 64],
    ['a stray argument', ['--out', 'x', 'extra'], 64],
  ])('%s is a usage error', async (_name, args, expected) => {
    const { code } = await capture({}, args);
    expect(code).toBe(expected);
  });

  it('without receiver.url it is a configuration error (78) and writes nothing', async () => {
    const out = join(dir, 'none.multipart');
    const { code } = await capture({}, ['--out', out], { url: '' });
    expect(code).toBe(78);
    expect(existsSync(out)).toBe(false);
  });
});
