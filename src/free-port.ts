// A loopback TCP port nobody listens on right now, for a listener whose address must be known
// before it starts (the demo's media links, the benchmark's service HTTP port). The port is closed
// before it is handed on, so someone else may take it before the listener binds it: callers pick
// another and try again when the listen fails with EADDRINUSE. Where the address need not be known
// ahead, listen on port 0 and read the bound address instead (tests do; see test/helpers/port-gate.ts
// for an address a process must be told before anything serves it).

import { createServer } from 'node:net';

export async function freePort(host = '127.0.0.1'): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
