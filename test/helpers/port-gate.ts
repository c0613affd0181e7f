// A loopback TCP port owned by the test from the start: for a process that must be told an address
// before anything serves it (an ARC that is down, then comes up). Picking a free port, closing it
// and hoping it is still free when the server starts later is a race; the gate binds port 0 once
// and keeps it. While shut it resets every connection (an ARC that is not there); once open it
// relays each connection to the target, over real sockets both ways.

import { connect, createServer, type Server, type Socket } from 'node:net';

export interface PortGate {
  readonly port: number;
  /** tcp://127.0.0.1:PORT, as the service config wants it. */
  readonly url: string;
  /** Relays every new connection to this address from now on. */
  open(target: { readonly host: string; readonly port: number }): void;
  close(): Promise<void>;
}

export async function startPortGate(): Promise<PortGate> {
  let target: { readonly host: string; readonly port: number } | null = null;
  const sockets = new Set<Socket>();
  const track = (socket: Socket): void => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    // A peer going away mid-relay is part of the tests, not a failure of the gate.
    socket.on('error', () => undefined);
  };
  const server: Server = createServer((inbound) => {
    track(inbound);
    if (target === null) {
      // RST, the nearest a bound port comes to a refused connection.
      inbound.resetAndDestroy();
      return;
    }
    const outbound = connect(target.port, target.host);
    track(outbound);
    inbound.pipe(outbound).pipe(inbound);
    inbound.on('close', () => outbound.destroy());
    outbound.on('close', () => inbound.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('the port gate has no TCP address');
  return {
    port: address.port,
    url: `tcp://127.0.0.1:${address.port}`,
    open(next) {
      target = next;
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
