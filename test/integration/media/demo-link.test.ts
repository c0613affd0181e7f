// `hik-arc demo` shows a signed [V] link for the guide's video-verification example (A.29) that can
// be opened while the demo runs, without the receiver's login.

import { readFileSync } from 'node:fs';
import { request } from 'undici';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../../src/cli.js';
import { capture } from '../../helpers/run-cli.js';
import { waitFor } from '../../helpers/wait-for.js';

describe('hik-arc demo', { timeout: 60_000 }, () => {
  it('prints a signed [V] link for the video-verification example that opens while it holds', async () => {
    const controller = new AbortController();
    const output = capture(controller.signal);
    const running = runCli(['demo', '--hold', '30'], output.io);

    await waitFor(() => /curl -o verification\.gif '([^']+)'/.test(output.stderr()), 30_000, 'the link on stderr');
    const link = /curl -o verification\.gif '([^']+)'/.exec(output.stderr())?.[1] ?? '';
    expect(link).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v1\/media\/\d+\.\d+\.[A-Za-z0-9_-]{22}$/);
    const response = await request(link);
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe('image/gif');
    expect(Buffer.from(await response.body.arrayBuffer()).equals(readFileSync('test/fixtures/demo-verification.gif'))).toBe(true);

    controller.abort();
    expect(await running).toBe(0);
    const review = output.lines().find((line) => line['eventType'] === 'videoReview') as { arc?: { verification: string | null } } | undefined;
    expect(review?.arc?.verification).toBe(link);
    expect(output.stderr()).toContain(`[V${link}]`);
  });
});
