// Listening and closing for hik-arc's HTTP servers (health and metrics, the control API): the
// `host:port` of the config, a start that fails with the socket's error, and a close that does
// not wait for idle keep-alive connections. A leaf: the service and panel control both use it.
/** `127.0.0.1:9309`, `[::1]:9310` → host and port. */
export function splitListen(listen) {
    const at = listen.lastIndexOf(':');
    return { host: listen.slice(0, at).replace(/^\[|\]$/g, ''), port: Number(listen.slice(at + 1)) };
}
/** Listens on `listen` (port 0 picks a free port); rejects with the socket's error. */
export async function listenOn(server, listen) {
    const { host, port } = splitListen(listen);
    await new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
            server.off('error', reject);
            resolve();
        });
    });
    return server.address();
}
export function closeServer(server) {
    return new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
    });
}
