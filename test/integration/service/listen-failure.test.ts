// `hik-arc run` whose health and metrics address is taken, as a real process: it must not run on
// without its endpoint (under systemd it would show active while monitoring sees nothing), nor
// end in a stack trace. One fatal line naming the address and the setting, exit 78, and the
// receiver never subscribed.

import { createServer, type Server } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { serviceConfig, startArc, startHik, startHikArc, type Cleanups } from '../../helpers/service-process.js';

const cleanups: Cleanups = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
});

async function holdPort(): Promise<{ server: Server; port: number }> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return { server, port: address.port };
}

describe('hik-arc run with http.listen taken', { timeout: 30_000 }, () => {
  it('exits 78 with one fatal line and never subscribes', async () => {
    const { port } = await holdPort();
    const arc = await startArc(cleanups);
    const hik = await startHik(cleanups);
    const service = startHikArc(cleanups, serviceConfig(hik, arc.receiver.url('tcp'), { http: `127.0.0.1:${port}` }));
    const code = await Promise.race([service.exited, new Promise<string>((resolve) => setTimeout(() => resolve('still running'), 15_000))]);
    expect(code).toBe(78);
    const fatal = service.logs.filter((log) => log['level'] === 'fatal');
    expect(fatal).toHaveLength(1);
    expect(fatal[0]).toMatchObject({ code: 'HIKARC_LISTEN_FAILED', listen: `127.0.0.1:${port}`, setting: 'http.listen' });
    expect(String(fatal[0]?.['msg'])).toMatch(
      new RegExp(`health and metrics endpoint cannot listen on 127\\.0\\.0\\.1:${port} \\(http\\.listen\\): the address is in use`),
    );
    expect(service.stderr()).toBe('');
    expect(service.stdout()).not.toMatch(/\n\s+at /);
    expect(hik.subscribeCount()).toBe(0);
  });
});
