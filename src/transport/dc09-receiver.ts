// A DC-09 receiver for commissioning, demos and tests: listens on TCP and/or UDP (port 0 picks a
// free port), reassembles frames from the byte stream, answers each one per arc-answer.ts and
// reports a FrameRecord for every received item. Not an ARC: it stores nothing.

import { createSocket, type RemoteInfo, type Socket as UdpSocket } from 'node:dgram';
import { createServer, isIPv6, type Server, type Socket } from 'node:net';
import { systemClock, type Clock } from '../clock.js';
import { errorMessage } from '../errors.js';
import { silentLogger, type Logger } from '../log.js';
import { createRandomPadSource, type PadSource } from './dc09-crypto.js';
import { decodeDatagram, decodeFrames, type Dc09Item } from './dc09-frame.js';
import { formatAddress, type LinkTransport } from './destination.js';
import { answerItem, DEFAULT_TIMESTAMP_WINDOW, type FrameRecord, type ArcFault, type ArcAnswerPolicy, type TimestampWindow } from './arc-answer.js';

export interface ListenAddress {
  readonly transport: LinkTransport;
  readonly host: string;
  /** 0 picks a free port; see Dc09Receiver.addresses for the one bound. */
  readonly port: number;
}

export interface BoundAddress extends ListenAddress {
  readonly url: string;
}

export interface Dc09ReceiverOptions {
  readonly listen: readonly ListenAddress[];
  readonly key?: Uint8Array | null;
  /** Accounts to accept; empty or absent accepts any. */
  readonly accounts?: readonly string[];
  /** null turns the timestamp check off; default −40/+20 s. */
  readonly timestampWindow?: TimestampWindow | null;
  /** One fault, or several: the first that applies to a frame's account is used. */
  readonly fault?: ArcFault | readonly ArcFault[];
  /** Close each TCP connection after answering, as ioBroker.sia can (docs/dc09.md §Receivers seen in the field). */
  readonly closeAfterAnswer?: boolean;
  readonly clock?: Clock;
  readonly logger?: Logger;
  readonly pad?: PadSource;
  readonly onFrame?: (record: FrameRecord) => void;
}

const EMPTY = Buffer.alloc(0);

export class Dc09Receiver {
  private readonly options: Dc09ReceiverOptions;
  private readonly policy: ArcAnswerPolicy;
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly pad: PadSource;
  private readonly tcpServers: Server[] = [];
  private readonly udpSockets: UdpSocket[] = [];
  private readonly connections = new Set<Socket>();
  private readonly bound: BoundAddress[] = [];
  private faults: readonly ArcFault[];

  private constructor(options: Dc09ReceiverOptions) {
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

  static async start(options: Dc09ReceiverOptions): Promise<Dc09Receiver> {
    const receiver = new Dc09Receiver(options);
    try {
      for (const address of options.listen) {
        receiver.bound.push(address.transport === 'tcp' ? await receiver.listenTcp(address) : await receiver.listenUdp(address));
      }
    } catch (error) {
      await receiver.stop();
      throw error;
    }
    return receiver;
  }

  get addresses(): readonly BoundAddress[] {
    return this.bound;
  }

  /** The bound URL for a transport, e.g. to hand to a transmitter in a test. */
  url(transport: LinkTransport): string {
    const address = this.bound.find((candidate) => candidate.transport === transport);
    if (!address) throw new Error(`the receiver does not listen on ${transport}`);
    return address.url;
  }

  setFault(fault: ArcFault | readonly ArcFault[]): void {
    this.faults = toList(fault);
    this.logger.info({ faults: this.faults.map((one) => one.kind) }, 'receiver fault mode changed');
  }

  async stop(): Promise<void> {
    for (const socket of this.connections) socket.destroy();
    this.connections.clear();
    await Promise.all(this.tcpServers.map((server) => new Promise<void>((resolve) => server.close(() => resolve()))));
    await Promise.all(this.udpSockets.map((socket) => new Promise<void>((resolve) => socket.close(() => resolve()))));
    this.tcpServers.length = 0;
    this.udpSockets.length = 0;
  }

  private listenTcp(address: ListenAddress): Promise<BoundAddress> {
    return new Promise((resolve, reject) => {
      const server = createServer((socket) => this.onConnection(socket));
      server.once('error', reject);
      server.listen(address.port, address.host, () => {
        server.off('error', reject);
        server.on('error', (error) => this.logger.error({ err: errorMessage(error) }, 'TCP server error'));
        this.tcpServers.push(server);
        const port = (server.address() as { port: number }).port;
        resolve({ ...address, port, url: formatAddress('tcp', address.host, port) });
      });
    });
  }

  private listenUdp(address: ListenAddress): Promise<BoundAddress> {
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

  private onConnection(socket: Socket): void {
    if (this.faults.some((fault) => fault.kind === 'hangup' && fault.accounts === undefined)) {
      // Accepted, then closed at once: a receiver whose software is down behind its listener.
      socket.destroy();
      return;
    }
    this.connections.add(socket);
    socket.setNoDelay(true);
    let rest: Buffer = EMPTY;
    socket.on('data', (chunk: Buffer) => {
      const decoded = decodeFrames(rest.length === 0 ? chunk : Buffer.concat([rest, chunk]));
      rest = decoded.rest;
      for (const item of decoded.items) {
        this.handle(item, 'tcp', (bytes, close) => {
          if (socket.destroyed) return;
          if (bytes !== null) socket.write(bytes);
          if (close || (bytes !== null && this.options.closeAfterAnswer === true)) socket.end();
        });
      }
    });
    socket.on('error', (error) => this.logger.debug({ err: errorMessage(error) }, 'TCP connection error'));
    socket.on('close', () => this.connections.delete(socket));
  }

  private onDatagram(socket: UdpSocket, message: Buffer, remote: RemoteInfo): void {
    for (const item of decodeDatagram(message)) {
      this.handle(item, 'udp', (bytes) => {
        if (bytes !== null) socket.send(bytes, remote.port, remote.address);
      });
    }
  }

  private handle(item: Dc09Item, transport: LinkTransport, reply: (bytes: Buffer | null, close: boolean) => void): void {
    const answer = answerItem(item, this.policy, this.faults, this.clock.now(), transport, this.pad);
    const { record } = answer;
    this.logger.debug(
      { transport, token: record.token, seq: record.seq, account: record.account, response: record.response, code: record.error?.code },
      'frame received',
    );
    this.options.onFrame?.(record);
    const send = (): void => {
      reply(answer.response, answer.close);
      const followUp = answer.followUp;
      if (followUp !== undefined) this.clock.setTimer(5, () => reply(followUp, false));
    };
    // Each frame's delay runs on its own timer: answers on many connections overlap, as an ARC's do.
    if (answer.delayMs > 0) this.clock.setTimer(answer.delayMs, send);
    else send();
  }
}

function toList(fault: ArcFault | readonly ArcFault[] | undefined): readonly ArcFault[] {
  if (fault === undefined) return [];
  return Array.isArray(fault) ? fault : [fault as ArcFault];
}
