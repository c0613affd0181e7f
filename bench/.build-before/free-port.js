// A loopback TCP port nobody listens on right now, for a listener whose address must be known
// before it starts (the demo's media links; tests that start a process on a given port).
import { createServer } from 'node:net';
export async function freePort(host = '127.0.0.1') {
    const server = createServer();
    await new Promise((resolve) => server.listen(0, host, resolve));
    const { port } = server.address();
    await new Promise((resolve) => server.close(() => resolve()));
    return port;
}
