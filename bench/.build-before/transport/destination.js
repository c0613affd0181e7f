// Where frames go: `tcp://HOST:PORT` or `udp://HOST:PORT` (arc.primary, arc.secondary), and the
// per-transport ACK timeout defaults (docs/dc09.md §Retries: 10 s TCP, 5 s UDP).
/** `tcp://HOST:PORT` or `udp://HOST:PORT`; IPv6 hosts in brackets. */
export const ARC_DESTINATION_PATTERN = /^(tcp|udp):\/\/(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/;
/** `HOST:PORT` of a listening socket. */
export const LISTEN_PATTERN = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/;
export const DESTINATION_NAMES = ['primary', 'secondary'];
export const DEFAULT_ACK_TIMEOUT_MS = { tcp: 10_000, udp: 5_000 };
function parseUrl(url, lowestPort) {
    const match = ARC_DESTINATION_PATTERN.exec(url);
    if (!match)
        return undefined;
    const port = Number(match[3]);
    if (!Number.isInteger(port) || port < lowestPort || port > 65535)
        return undefined;
    const host = match[2].replace(/^\[(.*)\]$/, '$1');
    return { transport: match[1], host, port, url };
}
/** The address of a destination URL, or undefined when it is not `tcp|udp://HOST:PORT`. */
export function parseDestinationUrl(url) {
    return parseUrl(url, 1);
}
/** A listening address: like a destination, and port 0 asks the OS for a free port. */
export function parseListenUrl(url) {
    return parseUrl(url, 0);
}
/** `arc.ackTimeoutMs`, where 0 means the transport's default. */
export function ackTimeoutFor(transport, configuredMs) {
    return configuredMs > 0 ? configuredMs : DEFAULT_ACK_TIMEOUT_MS[transport];
}
export function formatAddress(transport, host, port) {
    return `${transport}://${host.includes(':') ? `[${host}]` : host}:${port}`;
}
