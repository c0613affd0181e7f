// GET /healthz and GET /metrics for monitoring (Prometheus, a load balancer, systemd watchdogs).
// Loopback by default; nothing here changes state.
import { createServer } from 'node:http';
import { closeServer, listenOn } from '../http-listen.js';
export async function startHttpServer(options) {
    const server = createServer((request, response) => {
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
            const body = options.metrics.render();
            response.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8', 'cache-control': 'no-store' });
            response.end(request.method === 'HEAD' ? undefined : body);
            return;
        }
        response.writeHead(404, { 'content-type': 'text/plain' }).end('not found: try /healthz or /metrics\n');
    });
    server.keepAliveTimeout = 5_000;
    const address = await listenOn(server, options.listen);
    options.logger.info({ address: `${address.address}:${address.port}` }, 'health and metrics endpoint listening');
    return { address, close: () => closeServer(server) };
}
