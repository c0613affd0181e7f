// A DC-09 receiver for commissioning, demos and tests: listens on TCP and/or UDP (port 0 picks a
// free port), reassembles frames from the byte stream, answers each one per receiver-answer.ts and
// reports a FrameRecord for every received item. Not an ARC: it stores nothing.
import { createSocket } from 'node:dgram';
import { createServer, isIPv6 } from 'node:net';
import { systemClock } from '../clock.js';
import { errorMessage } from '../errors.js';
import { silentLogger } from '../log.js';
import { createRandomPadSource } from './dc09-crypto.js';
import { decodeDatagram, decodeFrames } from './dc09-frame.js';
import { formatAddress } from './destination.js';
import { answerItem, DEFAULT_TIMESTAMP_WINDOW } from './receiver-answer.js';
const EMPTY = Buffer.alloc(0);
export class Dc09Receiver {
    options;
    policy;
    clock;
    logger;
    pad;
    tcpServers = [];
    udpSockets = [];
    connections = new Set();
    bound = [];
    faults;
    constructor(options) {
        this.options = options;
        const accounts = options.accounts ?? [];
        this.policy = {
            key: options.key ?? null,
            accounts: accounts.length === 0 ? null : new Set(accounts.map((account) => account.toUpperCase())),
            window: options.timestampWindow === undefined ? DEFAULT_TIMESTAMP_WINDOW : options.timestampWindow,
        };
        this.clock = options.clock ?? systemClock;
        this.logger = options.logger ?? silentLogger;
        this.pad = options.pad ?? createRandomPadSource();
        this.faults = toList(options.fault);
    }
    static async start(options) {
        const receiver = new Dc09Receiver(options);
        try {
            for (const address of options.listen) {
                receiver.bound.push(address.transport === 'tcp' ? await receiver.listenTcp(address) : await receiver.listenUdp(address));
            }
        }
        catch (error) {
            await receiver.stop();
            throw error;
        }
        return receiver;
    }
    get addresses() {
        return this.bound;
    }
    /** The bound URL for a transport, e.g. to hand to a transmitter in a test. */
    url(transport) {
        const address = this.bound.find((candidate) => candidate.transport === transport);
        if (!address)
            throw new Error(`the receiver does not listen on ${transport}`);
        return address.url;
    }
    setFault(fault) {
        this.faults = toList(fault);
        this.logger.info({ faults: this.faults.map((one) => one.kind) }, 'receiver fault mode changed');
    }
    async stop() {
        for (const socket of this.connections)
            socket.destroy();
        this.connections.clear();
        await Promise.all(this.tcpServers.map((server) => new Promise((resolve) => server.close(() => resolve()))));
        await Promise.all(this.udpSockets.map((socket) => new Promise((resolve) => socket.close(() => resolve()))));
        this.tcpServers.length = 0;
        this.udpSockets.length = 0;
    }
    listenTcp(address) {
        return new Promise((resolve, reject) => {
            const server = createServer((socket) => this.onConnection(socket));
            server.once('error', reject);
            server.listen(address.port, address.host, () => {
                server.off('error', reject);
                server.on('error', (error) => this.logger.error({ err: errorMessage(error) }, 'TCP server error'));
                this.tcpServers.push(server);
                const port = server.address().port;
                resolve({ ...address, port, url: formatAddress('tcp', address.host, port) });
            });
        });
    }
    listenUdp(address) {
        return new Promise((resolve, reject) => {
            const socket = createSocket(isIPv6(address.host) ? 'udp6' : 'udp4');
            socket.once('error', reject);
            socket.on('message', (message, remote) => this.onDatagram(socket, message, remote));
            socket.bind(address.port, address.host, () => {
                socket.off('error', reject);
                socket.on('error', (error) => this.logger.error({ err: errorMessage(error) }, 'UDP socket error'));
                this.udpSockets.push(socket);
                const port = socket.address().port;
                resolve({ ...address, port, url: formatAddress('udp', address.host, port) });
            });
        });
    }
    onConnection(socket) {
        if (this.faults.some((fault) => fault.kind === 'hangup' && fault.accounts === undefined)) {
            // Accepted, then closed at once: a receiver whose software is down behind its listener.
            socket.destroy();
            return;
        }
        this.connections.add(socket);
        socket.setNoDelay(true);
        let rest = EMPTY;
        socket.on('data', (chunk) => {
            const decoded = decodeFrames(rest.length === 0 ? chunk : Buffer.concat([rest, chunk]));
            rest = decoded.rest;
            for (const item of decoded.items) {
                this.handle(item, 'tcp', (bytes, close) => {
                    if (socket.destroyed)
                        return;
                    if (bytes !== null)
                        socket.write(bytes);
                    if (close || (bytes !== null && this.options.closeAfterAnswer === true))
                        socket.end();
                });
            }
        });
        socket.on('error', (error) => this.logger.debug({ err: errorMessage(error) }, 'TCP connection error'));
        socket.on('close', () => this.connections.delete(socket));
    }
    onDatagram(socket, message, remote) {
        for (const item of decodeDatagram(message)) {
            this.handle(item, 'udp', (bytes) => {
                if (bytes !== null)
                    socket.send(bytes, remote.port, remote.address);
            });
        }
    }
    handle(item, transport, reply) {
        const answer = answerItem(item, this.policy, this.faults, this.clock.now(), transport, this.pad);
        const { record } = answer;
        this.logger.debug({ transport, token: record.token, seq: record.seq, account: record.account, response: record.response, code: record.error?.code }, 'frame received');
        this.options.onFrame?.(record);
        const send = () => {
            reply(answer.response, answer.close);
            const followUp = answer.followUp;
            if (followUp !== undefined)
                this.clock.setTimer(5, () => reply(followUp, false));
        };
        // Each frame's delay runs on its own timer: answers on many connections overlap, as an ARC's do.
        if (answer.delayMs > 0)
            this.clock.setTimer(answer.delayMs, send);
        else
            send();
    }
}
function toList(fault) {
    if (fault === undefined)
        return [];
    return Array.isArray(fault) ? fault : [fault];
}
