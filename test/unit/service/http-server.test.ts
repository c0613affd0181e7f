// /healthz and /metrics on a real loopback socket.

import { request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../../src/log.js';
import { MetricsRegistry } from '../../../src/metrics.js';
import { startHttpServer, type HealthReport, type RunningHttpServer } from '../../../src/service/http-server.js';

let server: RunningHttpServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function start(health: () => HealthReport, metrics = new MetricsRegistry()): Promise<string> {
  server = await startHttpServer({ listen: '127.0.0.1:0', health, metrics, logger: silentLogger });
  return `http://127.0.0.1:${server.address.port}`;
}

describe('health and metrics endpoint', () => {
  it('answers 200 when healthy and 503 with the reasons when not', async () => {
    let report: HealthReport = { healthy: true, reasons: [], details: { stream: 'up' } };
    const base = await start(() => report);
    const ok = await request(`${base}/healthz`);
    expect(ok.statusCode).toBe(200);
    expect(await ok.body.json()).toEqual({ status: 'ok', reasons: [], stream: 'up' });
    report = { healthy: false, reasons: ['receiver stream down for 75 s'], details: { stream: 'down' } };
    const bad = await request(`${base}/healthz`);
    expect(bad.statusCode).toBe(503);
    expect(await bad.body.json()).toMatchObject({ status: 'unhealthy', reasons: ['receiver stream down for 75 s'] });
  });

  it('serves the registry in Prometheus text format', async () => {
    const metrics = new MetricsRegistry();
    metrics.counter('hik_arc_events_received_total', 'Events received').inc();
    const base = await start(() => ({ healthy: true, reasons: [], details: {} }), metrics);
    const response = await request(`${base}/metrics`);
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(await response.body.text()).toContain('hik_arc_events_received_total 1\n');
  });

  it('answers 500 and stays up when a gauge computed at scrape time throws', async () => {
    const metrics = new MetricsRegistry();
    let broken = true;
    metrics.gauge('hik_arc_outbox_depth', 'Depth').collect(() => {
      if (broken) throw new Error('store closed');
      return [[{}, 0]];
    });
    const base = await start(() => ({ healthy: true, reasons: [], details: {} }), metrics);
    expect((await request(`${base}/metrics`)).statusCode).toBe(500);
    broken = false;
    expect(await (await request(`${base}/metrics`)).body.text()).toContain('hik_arc_outbox_depth 0\n');
  });

  it('refuses other paths and methods', async () => {
    const base = await start(() => ({ healthy: true, reasons: [], details: {} }));
    const missing = await request(`${base}/admin`);
    expect(missing.statusCode).toBe(404);
    await missing.body.dump();
    const post = await request(`${base}/healthz`, { method: 'POST' });
    expect(post.statusCode).toBe(405);
    await post.body.dump();
  });
});
