// GET /healthz and GET /metrics for monitoring (Prometheus, a load balancer, systemd watchdogs).
// Loopback by default; nothing here changes state.

import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { errorMessage } from '../errors.js';
import { closeServer, listenOn } from '../http-listen.js';
import type { Logger } from '../log.js';
import type { MetricsRegistry } from '../metrics.js';

export interface HealthReport {
  readonly healthy: boolean;
  /** Why not healthy, in words an operator can act on. */
  readonly reasons: readonly string[];
  readonly details: Readonly<Record<string, unknown>>;
}

export interface HttpServerOptions {
  /** `host:port`; port 0 picks a free port (tests). */
  readonly listen: string;
  readonly health: () => HealthReport;
  readonly metrics: MetricsRegistry;
  readonly logger: Logger;
}

export interface RunningHttpServer {
  readonly address: AddressInfo;
  close(): Promise<void>;
}

async function serveMetrics(options: HttpServerOptions, head: boolean, response: ServerResponse): Promise<void> {
  try {
    const body = await options.metrics.render();
    response.writeHead(200, { 'content-type': options.metrics.contentType, 'cache-control': 'no-store' });
    response.end(head ? undefined : body);
  } catch (error) {
    // A gauge computed at scrape time that throws must not take the endpoint, or the process, down.
    options.logger.error({ err: errorMessage(error) }, 'rendering /metrics failed');
    response.writeHead(500, { 'content-type': 'text/plain' }).end('metrics could not be rendered\n');
  }
}

export async function startHttpServer(options: HttpServerOptions): Promise<RunningHttpServer> {
  const server: Server = createServer((request, response) => {
    const path = (request.url ?? '/').split('?')[0];
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    if (path === '/healthz') {
      const report = options.health();
      const body = JSON.stringify({ status: report.healthy ? 'ok' : 'unhealthy', reasons: report.reasons, ...report.details });
      response.writeHead(report.healthy ? 200 : 503, { 'content-type': 'application/json', 'cache-control': 'no-store' });
      response.end(request.method === 'HEAD' ? undefined : `${body}\n`);
      return;
    }
    if (path === '/metrics') {
      void serveMetrics(options, request.method === 'HEAD', response);
      return;
    }
    response.writeHead(404, { 'content-type': 'text/plain' }).end('not found: try /healthz or /metrics\n');
  });
  server.keepAliveTimeout = 5_000;
  const address = await listenOn(server, options.listen, { what: 'the health and metrics endpoint', setting: 'http.listen' });
  options.logger.info({ address: `${address.address}:${address.port}` }, 'health and metrics endpoint listening');
  return { address, close: () => closeServer(server) };
}
