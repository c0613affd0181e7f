// Listening and closing for hik-arc's HTTP servers (health and metrics, the control API): the
// `host:port` of the config, a start that fails with the socket's error, and a close that does
// not wait for idle keep-alive connections. A leaf: the service and panel control both use it.

import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { errorMessage, HikArcError } from './errors.js';

/** `127.0.0.1:9309`, `[::1]:9310` → host and port. */
export function splitListen(listen: string): { host: string; port: number } {
  const at = listen.lastIndexOf(':');
  return { host: listen.slice(0, at).replace(/^\[|\]$/g, ''), port: Number(listen.slice(at + 1)) };
}

/** What a listener is, for its refusal: `the health and metrics endpoint`, and its setting. */
export interface Listener {
  readonly what: string;
  readonly setting: string;
}

/**
 * Listens on `listen` (port 0 picks a free port). A socket error (address in use, not on this
 * host, no permission) rejects with HIKARC_LISTEN_FAILED naming the listener, the address and its
 * setting: the operator's fix is in the config, not in a stack trace.
 */
export async function listenOn(server: Server, listen: string, listener: Listener): Promise<AddressInfo> {
  const { host, port } = splitListen(listen);
  await new Promise<void>((resolve, reject) => {
    const fail = (error: Error): void => {
      const cause = (error as NodeJS.ErrnoException).code ?? errorMessage(error);
      reject(
        new HikArcError(
          'HIKARC_LISTEN_FAILED',
          `${listener.what} cannot listen on ${listen} (${listener.setting}): ${cause === 'EADDRINUSE' ? 'the address is in use by another process' : errorMessage(error)}`,
          { cause: error, detail: { listen, setting: listener.setting, errno: cause } },
        ),
      );
    };
    server.once('error', fail);
    server.listen(port, host, () => {
      server.off('error', fail);
      resolve();
    });
  });
  return server.address() as AddressInfo;
}

export function closeServer(server: Server): Promise<void> {
  return new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
